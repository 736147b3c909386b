import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsMongoId, IsOptional, IsString, Length, Max, Min } from 'class-validator';

/** `GET /api/v1/search/messages`. */
export class SearchMessagesQuery {
  @ApiProperty({ minLength: 1, maxLength: 200, description: 'words that must all appear (case-insensitive, other forms of a word match too)' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 200)
  q: string;

  @ApiPropertyOptional({ description: 'only this conversation (one of yours)' })
  @IsOptional()
  @IsMongoId({ message: 'conversationId must be a valid id' })
  conversationId?: string;

  @ApiPropertyOptional({ description: 'the last message of the previous page: the results just older than it' })
  @IsOptional()
  @IsMongoId({ message: 'before must be a valid id' })
  before?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit = 20;
}
