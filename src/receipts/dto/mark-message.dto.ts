import { ApiProperty } from '@nestjs/swagger';
import { ObjectIdField } from '../../common/object-id';

/** A watermark move: everything up to and including `messageId` was delivered or read. */
export class MarkMessageDto {
  @ApiProperty({ description: 'everything up to and including this message' })
  @ObjectIdField('messageId must be a valid id')
  messageId: string;
}
