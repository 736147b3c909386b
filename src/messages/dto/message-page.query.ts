import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ObjectIdField } from '../../common/object-id';

export class MessagePageQuery {
  @ApiPropertyOptional({ description: 'the page just older than this message' })
  @IsOptional()
  @ObjectIdField('before must be a valid id')
  before?: string;

  @ApiPropertyOptional({ description: 'the page just newer than this message' })
  @IsOptional()
  @ObjectIdField('after must be a valid id')
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 50;
}

export class SyncQuery {
  @ApiPropertyOptional({ description: 'the cursor of the previous sync; none for a fresh cursor' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  since?: string;
}
