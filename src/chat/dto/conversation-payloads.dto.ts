import { IsBoolean } from 'class-validator';
import { MarkMessageDto } from '../../receipts/dto/mark-message.dto';
import type { MarkPayload, TypingPayload } from '../chat.events';
import { ObjectIdField } from '../../common/object-id';

/** `conversation:read` and `conversation:delivered`: the REST body plus the conversation id of the path. */
export class MarkPayloadDto extends MarkMessageDto implements MarkPayload {
  @ObjectIdField('conversationId must be a valid id')
  conversationId: string;
}

/** `typing`: relayed to the other members, never stored. */
export class TypingPayloadDto implements TypingPayload {
  @ObjectIdField('conversationId must be a valid id')
  conversationId: string;

  @IsBoolean()
  typing: boolean;
}
