import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length } from 'class-validator';
import { ObjectIdField } from '../../common/object-id';
import { PageLimit } from '../../common/decorators/page-limit.decorator';

/** `GET /api/v1/search/messages`. */
export class SearchMessagesQuery {
  @ApiProperty({ minLength: 1, maxLength: 200, description: 'words that must all appear (case-insensitive, other forms of a word match too)' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 200)
  q: string;

  @ApiPropertyOptional({ description: 'only this conversation (one of yours)' })
  @IsOptional()
  @ObjectIdField('conversationId must be a valid id')
  conversationId?: string;

  @ApiPropertyOptional({ description: 'the last message of the previous page: the results just older than it' })
  @IsOptional()
  @ObjectIdField('before must be a valid id')
  before?: string;

  @PageLimit(50, 20)
  limit = 20;
}
