import { ApiProperty } from '@nestjs/swagger';
import { ConversationResponse } from '../conversations/conversation.response';
import { MessageResponse, ReceiptResponse } from './message.response';

/** Answer of `GET /api/v1/sync`: every change after `since`, then a cursor to continue from. */
export class SyncResponse {
  @ApiProperty({ type: [MessageResponse] }) messages: MessageResponse[];
  @ApiProperty({ type: [ReceiptResponse] }) receipts: ReceiptResponse[];
  @ApiProperty({ type: [ConversationResponse] }) conversations: ConversationResponse[];
  @ApiProperty({ type: [String], description: 'conversations the caller left or was removed from: their ids only' }) removed: string[];
  @ApiProperty() cursor: string;
  @ApiProperty() hasMore: boolean;
}
