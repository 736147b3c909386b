import { IsMongoId } from 'class-validator';
import { EditMessageDto } from '../../messages/dto/send-message.dto';
import type { DeleteMessagePayload, EditMessagePayload } from '../chat.events';

/** `message:edit`: the REST body (same text rules) plus the id REST carries in its path. */
export class EditMessagePayloadDto extends EditMessageDto implements EditMessagePayload {
  @IsMongoId({ message: 'messageId must be a valid id' })
  messageId: string;
}

/** `message:delete`. */
export class DeleteMessagePayloadDto implements DeleteMessagePayload {
  @IsMongoId({ message: 'messageId must be a valid id' })
  messageId: string;
}
