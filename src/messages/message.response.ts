export type MessageStatus = 'sent' | 'delivered' | 'read';

/** A message as REST answers and socket events carry it. */
export interface MessageResponse {
  id: string;
  conversationId: string;
  /** Strictly increasing with send order inside the conversation. */
  seq: number;
  senderId: string;
  /** `null` once the message is deleted (a tombstone). */
  text: string | null;
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  status: MessageStatus;
}

export type ReceiptType = 'delivered' | 'read';

/** A watermark that moved: `userId` has `type` everything up to `messageId`. */
export interface ReceiptResponse {
  conversationId: string;
  userId: string;
  type: ReceiptType;
  messageId: string;
  at: string;
}

/** One row of `GET /api/v1/messages/:id/receipts`. */
export interface MessageReceiptResponse {
  userId: string;
  deliveredAt: string | null;
  readAt: string | null;
}

export interface MessagePageResponse {
  items: MessageResponse[];
  hasMore: boolean;
}
