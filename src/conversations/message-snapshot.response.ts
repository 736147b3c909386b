import { ApiProperty } from '@nestjs/swagger';
import type { Message, MessageStatus, Reaction, ReplyPreview } from '../contract';

/*
 * A message as responses show it (OpenAPI classes of the contract's `Message`). Beside the
 * conversation, whose summary shows its last message, so that conversations and messages can both
 * use it (messages import conversations, never the reverse); `messages/message.response.ts`
 * re-exports it.
 */

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
