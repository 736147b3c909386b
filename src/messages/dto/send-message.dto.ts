import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { canonicalId, isObjectId, ObjectIdField } from '../../common/object-id';
import type { ShortcutEntry } from '../../common/pipes/validation';

/** How many users one message may mention. */
export const MAX_MENTIONS = 50;

export const trimText = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/**
 * Body of `POST /api/v1/messages` and payload of the socket's `message:send`: exactly one of
 * `conversationId` / `recipientId`. The text length limit (MESSAGE_MAX_LENGTH) is checked by the service.
 */
export class SendMessageDto {
  @ApiPropertyOptional({ description: 'the conversation to post in (or give recipientId)' })
  @IsOptional()
  @ObjectIdField('conversationId must be a valid id')
  conversationId?: string;

  @ApiPropertyOptional({ description: 'a user: their direct conversation is found or created' })
  @IsOptional()
  @ObjectIdField('recipientId must be a valid id')
  recipientId?: string;

  @ApiProperty({ minLength: 1, maxLength: 4000, description: '1..MESSAGE_MAX_LENGTH characters after trimming' })
  @trimText()
  @IsString()
  @IsNotEmpty({ message: 'text must not be empty' })
  @MaxLength(100_000)
  text: string;

  @ApiPropertyOptional({ maxLength: 128, description: "the client's idempotency key: a retry with the same one returns the first message" })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  clientId?: string;

  @ApiPropertyOptional({ description: 'the message this one replies to (a message of the same conversation)' })
  @IsOptional()
  @ObjectIdField('replyToId must be a valid id')
  replyToId?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_MENTIONS, description: 'ids of the members this message mentions (each a current member)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_MENTIONS)
  @ObjectIdField('mentions must hold valid ids', { each: true })
  mentions?: string[];
}

/** The longest text `@MaxLength(100_000)` lets through, counted in UTF-16 units (it counts fewer: never more). */
const TEXT_MAX_UNITS = 100_000;
/** Characters class-validator's length checks do not count (surrogate halves, variation selectors). */
// eslint-disable-next-line no-misleading-character-class -- matches lone surrogate halves and variation selectors, one code unit each, on purpose
const NOT_COUNTED = /[\uD800-\uDFFF\uFE0E\uFE0F]/;

/** A canonical id from a request value that is a string and an id once lower-cased; else undefined. */
function idOf(value: unknown): string | undefined {
  const id = canonicalId(value);
  return isObjectId(id) ? id : undefined;
}

/**
 * The usual `message:send` payload (the realtime hot path), checked by hand: the SendMessageDto the
 * validation pipe would make of it, with the same transforms (trimmed text, lower-cased ids), or
 * undefined for anything the decorators above would refuse *or* that this check is not sure of
 * (null fields, unknown keys, lengths near a limit), which the full pipe then judges and words.
 */
export function sendMessageShortcut(value: unknown): SendMessageDto | undefined {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const dto = new SendMessageDto();
  const fields = value as Record<string, unknown>;
  // In the payload's key order, as class-transformer assigns them.
  for (const key of Object.keys(fields)) {
    const field = fields[key];
    switch (key) {
      case 'conversationId':
      case 'recipientId':
      case 'replyToId': {
        const id = idOf(field);
        if (id === undefined) return undefined;
        dto[key] = id;
        break;
      }
      case 'text': {
        if (typeof field !== 'string') return undefined;
        const text = field.trim();
        if (text.length === 0 || text.length > TEXT_MAX_UNITS) return undefined;
        dto.text = text;
        break;
      }
      case 'clientId':
        if (typeof field !== 'string' || field.length < 1 || field.length > 128 || NOT_COUNTED.test(field)) return undefined;
        dto.clientId = field;
        break;
      case 'mentions': {
        if (!Array.isArray(field) || field.length > MAX_MENTIONS) return undefined;
        const ids: string[] = [];
        for (const element of field) {
          const id = idOf(element);
          if (id === undefined) return undefined;
          ids.push(id);
        }
        dto.mentions = ids;
        break;
      }
      default:
        return undefined;
    }
  }
  return dto.text === undefined ? undefined : dto;
}

/** For `createValidationPipe`. */
export const SEND_MESSAGE_SHORTCUT: ShortcutEntry = [SendMessageDto, sendMessageShortcut];

export class EditMessageDto {
  @ApiProperty({ minLength: 1, maxLength: 4000 })
  @trimText()
  @IsString()
  @IsNotEmpty({ message: 'text must not be empty' })
  @MaxLength(100_000)
  text: string;
}
