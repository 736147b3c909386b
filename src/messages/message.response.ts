import { ApiProperty } from '@nestjs/swagger';
import type { Message, MessagePage, MessageReceipt, MessageStatus, Reaction, Receipt, ReceiptType, ReplyPreview } from '../contract';

export type { MessageStatus, ReceiptType } from '../contract';

/** The quoted message of a reply, as it is now: its text cut to 200 characters, `null` once it is deleted. */
export class ReplyPreviewResponse implements ReplyPreview {
  @ApiProperty() id: string;
  @ApiProperty() senderId: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 200 }) text: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt: string | null;
}

/** One emoji on a message: who reacted with it (complete), in the order they did. */
export class ReactionResponse implements Reaction {
  @ApiProperty({ example: '👍' }) emoji: string;
  @ApiProperty() count: number;
  @ApiProperty({ type: [String] }) userIds: string[];
}

/** A message as REST answers and socket events carry it. */
export class MessageResponse implements Message {
  @ApiProperty() id: string;
  @ApiProperty() conversationId: string;
  /** Strictly increasing with send order inside the conversation. */
  @ApiProperty({ description: 'strictly increasing with send order inside the conversation' }) seq: number;
  @ApiProperty() senderId: string;
  /** `null` once the message is deleted (a tombstone). */
  @ApiProperty({ type: String, nullable: true }) text: string | null;
  @ApiProperty({ type: String, nullable: true }) clientId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) editedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt: string | null;
  @ApiProperty({ enum: ['sent', 'delivered', 'read'] }) status: MessageStatus;
  /** The message this one replies to, or `null`. */
  @ApiProperty({ type: ReplyPreviewResponse, nullable: true }) replyTo: ReplyPreviewResponse | null;
  /** Ids of the members this message mentions. */
  @ApiProperty({ type: [String] }) mentions: string[];
  /** Reactions, ordered by first use. */
  @ApiProperty({ type: [ReactionResponse] }) reactions: ReactionResponse[];
}

/** A watermark that moved: `userId` has `type` everything up to `messageId`. */
export class ReceiptResponse implements Receipt {
  @ApiProperty() conversationId: string;
  @ApiProperty() userId: string;
  @ApiProperty({ enum: ['delivered', 'read'] }) type: ReceiptType;
  @ApiProperty() messageId: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

/** One row of `GET /api/v1/messages/:id/receipts`. */
export class MessageReceiptResponse implements MessageReceipt {
  @ApiProperty() userId: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt: string | null;
}

export class MessagePageResponse implements MessagePage {
  @ApiProperty({ type: [MessageResponse] }) items: MessageResponse[];
  @ApiProperty() hasMore: boolean;
}
