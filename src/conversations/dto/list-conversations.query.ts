import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { PageLimit } from '../../common/decorators/page-limit.decorator';
import { ObjectIdField } from '../../common/object-id';

export class ListConversationsQuery {
  @PageLimit(100, 20)
  limit = 20;

  @ApiPropertyOptional({ description: 'id of the last conversation of the previous page' })
  @IsOptional()
  @ObjectIdField('before must be a valid id')
  before?: string;
}
