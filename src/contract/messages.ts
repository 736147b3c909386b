/** `delivered`/`read` once every other member's watermark reached the message; the sender's ticks. */
export type MessageStatus = 'sent' | 'delivered' | 'read';

/**
 * The quoted message of a reply as it is now, so a client can draw the quote without fetching it:
 * text cut to 200 characters, `null` text once the quoted message is deleted.
 */
export interface ReplyPreview {
  id: string;
  senderId: string;
  text: string | null;
  deletedAt: string | null;
}

/** One emoji on a message. `userIds` is complete (in reaction order), so a client can tell whether the caller reacted. */
export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/**
 * A message as every REST answer, socket ack, socket event and `/sync` carries it. Every field is always
 * present (`null` or `[]` when empty). Clients order by `seq`, never by `createdAt`: it is the one order
 * every member sees.
 */
export interface Message {
  id: string;
  conversationId: string;
  /** Strictly increasing with send order inside the conversation; a gap only where a send failed. */
  seq: number;
  senderId: string;
  /** `null` once deleted: the message stays as a tombstone so histories keep their shape. */
  text: string | null;
  /** The sender's own id for the send, echoed so a client can match its optimistic copy and retries. */
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  status: MessageStatus;
  replyTo: ReplyPreview | null;
  /** Ids of the mentioned members. */
  mentions: string[];
  /** Ordered by first use. */
  reactions: Reaction[];
}

/** A page of `GET /api/v1/conversations/:id/messages` (oldest first) or of message search (newest first). */
export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

export type ReceiptType = 'delivered' | 'read';

/**
 * A watermark that moved: `userId` has `type` everything up to `messageId` (the `receipt` event and
 * `/sync`). One receipt covers many messages, so clients recompute statuses up to it.
 */
export interface Receipt {
  conversationId: string;
  userId: string;
  type: ReceiptType;
  messageId: string;
  at: string;
}

/** One row of `GET /api/v1/messages/:id/receipts`: one per member other than the sender. */
export interface MessageReceipt {
  userId: string;
  deliveredAt: string | null;
  readAt: string | null;
}
