import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { ObjectIdField } from '../../common/object-id';

/** How many users one message may mention. */
export const MAX_MENTIONS = 50;

export const trimText = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/**
 * Body of `POST /api/v1/messages` and payload of the socket's `message:send`: exactly one of
 * `conversationId` / `recipientId`. The text length limit (MESSAGE_MAX_LENGTH) is checked by the service.
 */
export class SendMessageDto {
  @ApiPropertyOptional({ description: 'the conversation to post in (or give recipientId)' })
  @IsOptional() @ObjectIdField('conversationId must be a valid id')
  conversationId?: string;

  @ApiPropertyOptional({ description: 'a user: their direct conversation is found or created' })
  @IsOptional() @ObjectIdField('recipientId must be a valid id')
  recipientId?: string;

  @ApiProperty({ minLength: 1, maxLength: 4000, description: '1..MESSAGE_MAX_LENGTH characters after trimming' })
  @trimText() @IsString() @IsNotEmpty({ message: 'text must not be empty' }) @MaxLength(100_000)
  text: string;

  @ApiPropertyOptional({ maxLength: 128, description: 'the client\'s idempotency key: a retry with the same one returns the first message' })
  @IsOptional() @IsString() @Length(1, 128)
  clientId?: string;

  @ApiPropertyOptional({ description: 'the message this one replies to (a message of the same conversation)' })
  @IsOptional() @ObjectIdField('replyToId must be a valid id')
  replyToId?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_MENTIONS, description: 'ids of the members this message mentions (each a current member)' })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_MENTIONS) @ObjectIdField('mentions must hold valid ids', { each: true })
  mentions?: string[];
}

export class EditMessageDto {
  @ApiProperty({ minLength: 1, maxLength: 4000 })
  @trimText() @IsString() @IsNotEmpty({ message: 'text must not be empty' }) @MaxLength(100_000)
  text: string;
}

export class MarkMessageDto {
  @ApiProperty({ description: 'everything up to and including this message' })
  @ObjectIdField('messageId must be a valid id')
  messageId: string;
}
