import { IsBoolean, IsString, MaxLength } from 'class-validator';
import { EditMessageDto } from '../../messages/dto/send-message.dto';
import type { DeleteMessagePayload, EditMessagePayload, ReactPayload } from '../chat.events';
import { ObjectIdField } from '../../common/object-id';

/** `message:edit`: the REST body (same text rules) plus the id REST carries in its path. */
export class EditMessagePayloadDto extends EditMessageDto implements EditMessagePayload {
  @ObjectIdField('messageId must be a valid id')
  messageId: string;
}

/** `message:delete`. */
export class DeleteMessagePayloadDto implements DeleteMessagePayload {
  @ObjectIdField('messageId must be a valid id')
  messageId: string;
}

/** `message:react`: the emoji itself is checked by the service (one emoji, as for REST's path). */
export class ReactPayloadDto implements ReactPayload {
  @ObjectIdField('messageId must be a valid id')
  messageId: string;

  @IsString()
  @MaxLength(64)
  emoji: string;

  @IsBoolean()
  on: boolean;
}
