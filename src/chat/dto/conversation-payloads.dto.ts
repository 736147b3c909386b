import { IsBoolean, IsMongoId } from 'class-validator';
import { MarkMessageDto } from '../../messages/dto/send-message.dto';
import type { MarkPayload, TypingPayload } from '../chat.events';

/** `conversation:read` and `conversation:delivered`: the REST body plus the conversation id of the path. */
export class MarkPayloadDto extends MarkMessageDto implements MarkPayload {
  @IsMongoId({ message: 'conversationId must be a valid id' })
  conversationId: string;
}

/** `typing`: relayed to the other members, never stored. */
export class TypingPayloadDto implements TypingPayload {
  @IsMongoId({ message: 'conversationId must be a valid id' })
  conversationId: string;

  @IsBoolean()
  typing: boolean;
}
