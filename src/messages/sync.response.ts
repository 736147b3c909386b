import type { ConversationResponse } from '../conversations/conversation.response';
import type { MessageResponse, ReceiptResponse } from './message.response';

/** Answer of `GET /api/v1/sync`: every change after `since`, then a cursor to continue from. */
export interface SyncResponse {
  messages: MessageResponse[];
  receipts: ReceiptResponse[];
  conversations: ConversationResponse[];
  cursor: string;
  hasMore: boolean;
}
