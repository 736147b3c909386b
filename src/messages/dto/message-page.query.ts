import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageLimit } from '../../common/decorators/page-limit.decorator';
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

  @PageLimit(100, 50)
  limit = 50;
}

export class SyncQuery {
  @ApiPropertyOptional({ description: 'the cursor of the previous sync; none for a fresh cursor' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  since?: string;
}
