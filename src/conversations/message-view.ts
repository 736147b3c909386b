import type { Types } from 'mongoose';
import type { MessageResponse, MessageStatus } from '../messages/message.response';
import type { LastMessageSnapshot } from './schemas/conversation.schema';

/** The stored fields a message response is made of (a message document or the list snapshot). */
export type MessageFields = LastMessageSnapshot;

/** What status needs of a member: its id and watermarks. */
export interface MemberMarks {
  userId: Types.ObjectId;
  readUpToSeq: number;
  deliveredUpToSeq: number;
}

/**
 * `read` once every other current member's read mark reached the message, `delivered` once every
 * other member's delivered mark did, `sent` before (and while the sender is alone).
 */
export function messageStatus(message: { seq: number; senderId: Types.ObjectId }, members: MemberMarks[]): MessageStatus {
  let others = 0;
  let minRead = Infinity;
  let minDelivered = Infinity;
  for (const member of members) {
    if (member.userId.equals(message.senderId)) continue;
    others += 1;
    minRead = Math.min(minRead, member.readUpToSeq);
    minDelivered = Math.min(minDelivered, member.deliveredUpToSeq);
  }
  if (others === 0) return 'sent';
  if (minRead >= message.seq) return 'read';
  if (minDelivered >= message.seq) return 'delivered';
  return 'sent';
}

/**
 * Messages from others after the caller's read mark: the newest stored message's seq minus the mark.
 * Sending moves the sender's own marks to its message, so every message after the read mark is from
 * someone else. Seqs have gaps only where a send failed after its number was handed out.
 */
export function unreadCount(lastMessageSeq: number, readUpToSeq: number): number {
  return Math.max(0, lastMessageSeq - readUpToSeq);
}

export function toMessageResponse(message: MessageFields, conversationId: Types.ObjectId | string, status: MessageStatus): MessageResponse {
  return {
    id: message._id.toHexString(),
    conversationId: typeof conversationId === 'string' ? conversationId : conversationId.toHexString(),
    seq: message.seq,
    senderId: message.senderId.toHexString(),
    text: message.deletedAt ? null : message.text,
    clientId: message.clientId ?? null,
    createdAt: message.createdAt.toISOString(),
    editedAt: message.editedAt ? message.editedAt.toISOString() : null,
    deletedAt: message.deletedAt ? message.deletedAt.toISOString() : null,
    status,
  };
}
