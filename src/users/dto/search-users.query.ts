import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PageLimit } from '../../common/decorators/page-limit.decorator';
import { trimString } from './update-user.dto';

export class SearchUsersQuery {
  @ApiProperty({ description: 'Name prefix (case-insensitive) or an exact e-mail address' })
  @trimString()
  @IsString()
  @Length(1, 100)
  q: string;

  @PageLimit(50, 20)
  limit = 20;
}
