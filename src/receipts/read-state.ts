import type { Types } from 'mongoose';
import type { MessageResponse, MessageStatus, ReplyPreviewResponse } from '../messages/message.response';
import type { ReplyPreview } from '../messages/schemas/message.schema';
import type { LastMessageSnapshot, SentMark } from '../conversations/schemas/conversation.schema';

/** The stored fields a message response is made of (a message document or the list snapshot). */
export type MessageFields = LastMessageSnapshot;

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
export function effectiveMarks<T extends MemberMarks & { readUpToId?: Types.ObjectId | null; readAt?: Date | null; deliveredUpToId?: Types.ObjectId | null; deliveredAt?: Date | null }>(
  membership: T,
  sent: SentMark | undefined,
): T {
  if (!sent || sent.seq <= membership.readUpToSeq) return membership;
  const deliveredBehind = membership.deliveredUpToSeq < sent.seq;
  return {
    ...membership,
    readUpToSeq: sent.seq, readUpToId: sent.id, readAt: sent.at,
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
    replyTo: message.replyTo ? toReplyPreviewResponse(message.replyTo) : null,
    mentions: (message.mentions ?? []).map((id) => id.toHexString()),
    reactions: (message.reactions ?? []).map((reaction) => ({
      emoji: reaction.emoji,
      count: reaction.userIds.length,
      userIds: reaction.userIds.map((id) => id.toHexString()),
    })),
  };
}

function toReplyPreviewResponse(preview: ReplyPreview): ReplyPreviewResponse {
  return {
    id: preview.id.toHexString(),
    senderId: preview.senderId.toHexString(),
    text: preview.deletedAt ? null : preview.text,
    deletedAt: preview.deletedAt ? preview.deletedAt.toISOString() : null,
  };
}

/** How long a reply's quote of another message is, at most (characters). */
export const REPLY_PREVIEW_LENGTH = 200;

/**
 * What a reply shows of `quoted`: its text cut to REPLY_PREVIEW_LENGTH characters (Unicode code
 * points, never splitting a grapheme such as a flag or a family emoji), `null` once it is deleted.
 */
export function replyPreviewOf(quoted: { _id: Types.ObjectId; senderId: Types.ObjectId; text: string | null; deletedAt: Date | null }): ReplyPreview {
  return { id: quoted._id, senderId: quoted.senderId, text: quoted.deletedAt || quoted.text === null ? null : cutText(quoted.text, REPLY_PREVIEW_LENGTH), deletedAt: quoted.deletedAt };
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function cutText(text: string, maxCodePoints: number): string {
  if (text.length <= maxCodePoints) return text;
  let length = 0;
  let cut = '';
  for (const { segment } of graphemes.segment(text)) {
    length += [...segment].length;
    if (length > maxCodePoints) break;
    cut += segment;
  }
  return cut;
}

/** Whether two previews show the same thing (a reply's stored quote is current). */
export function samePreview(a: ReplyPreview | null, b: ReplyPreview | null): boolean {
  if (!a || !b) return a === b;
  return a.id.equals(b.id) && a.text === b.text && (a.deletedAt?.getTime() ?? null) === (b.deletedAt?.getTime() ?? null);
}

/**
 * Messages from others after the caller's read mark that mention the caller: the recorded mention
 * seqs above the read mark (the mark pulls the ones it passes, see ConversationsRepository).
 */
export function mentionCount(member: { readUpToSeq: number; mentionSeqs?: number[] } | undefined): number {
  if (!member) return 0;
  return (member.mentionSeqs ?? []).filter((seq) => seq > member.readUpToSeq).length;
}
