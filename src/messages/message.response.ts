import { ApiProperty } from '@nestjs/swagger';
import type { MessagePage } from '../contract';
import { MessageResponse } from '../conversations/message-snapshot.response';

export type { MessageStatus } from '../contract';
export { MessageResponse, ReactionResponse, ReplyPreviewResponse } from '../conversations/message-snapshot.response';

export class MessagePageResponse implements MessagePage {
  @ApiProperty({ type: [MessageResponse] }) items: MessageResponse[];
  @ApiProperty() hasMore: boolean;
}
