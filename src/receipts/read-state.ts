import type { Types } from 'mongoose';
import type { MessageStatus } from '../contract';
import type { SentMark } from '../conversations/schemas/conversation.schema';

/*
 * The read-state rules: a member's effective marks, a message's status, unread and mention counts.
 * Pure functions of stored marks, used by every view (history, lists, sync, search, receipts).
 */

/** What status needs of a member: its id and watermarks. */
export interface MemberMarks {
  userId: Types.ObjectId;
  readUpToSeq: number;
  deliveredUpToSeq: number;
  mentionSeqs?: number[];
}

/**
 * A member's marks with its own newest message counted: sending implies reading (and having got)
 * everything up to it. The send writes that into the conversation (`sentUpTo`), not the membership.
 */
export function effectiveMarks<
  T extends MemberMarks & { readUpToId?: Types.ObjectId | null; readAt?: Date | null; deliveredUpToId?: Types.ObjectId | null; deliveredAt?: Date | null },
>(membership: T, sent: SentMark | undefined): T {
  if (!sent || sent.seq <= membership.readUpToSeq) return membership;
  const deliveredBehind = membership.deliveredUpToSeq < sent.seq;
  return {
    ...membership,
    readUpToSeq: sent.seq,
    readUpToId: sent.id,
    readAt: sent.at,
    ...(deliveredBehind ? { deliveredUpToSeq: sent.seq, deliveredUpToId: sent.id, deliveredAt: sent.at } : {}),
  };
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

/**
 * Messages from others after the caller's read mark that mention the caller: the recorded mention
 * seqs above the read mark (the mark pulls the ones it passes, see ConversationsRepository).
 */
export function mentionCount(member: { readUpToSeq: number; mentionSeqs?: number[] } | undefined): number {
  if (!member) return 0;
  return (member.mentionSeqs ?? []).filter((seq) => seq > member.readUpToSeq).length;
}
