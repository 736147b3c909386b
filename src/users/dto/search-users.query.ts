import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { trimString } from './update-user.dto';

export class SearchUsersQuery {
  @ApiProperty({ description: 'Name prefix (case-insensitive) or an exact e-mail address' })
  @trimString()
  @IsString()
  @Length(1, 100)
  q: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit = 20;
}
