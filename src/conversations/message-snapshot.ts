import type { Types } from 'mongoose';
import type { Message, MessageStatus, ReplyPreview as ReplyPreviewView } from '../contract';

/*
 * The fields a message shares with its conversation's summary (`lastMessage`), and how they render.
 * They live beside the conversation, the lower of the two aggregates: messages import conversations,
 * never the reverse.
 */

/**
 * What a reply shows of the message it quotes, copied into the reply and kept current: an edit or
 * delete of the quoted message rewrites it in every reply (see MessagesService).
 */
export interface ReplyPreview {
  id: Types.ObjectId;
  senderId: Types.ObjectId;
  /** The quoted text cut to REPLY_PREVIEW_LENGTH characters; `null` once the quoted message is deleted. */
  text: string | null;
  deletedAt: Date | null;
}

/** One emoji on a message and who used it, in the order they did. */
export interface StoredReaction {
  emoji: string;
  userIds: Types.ObjectId[];
}

/** The last message as shown in the conversation list, copied on every send/edit/delete. */
export interface LastMessageSnapshot {
  _id: Types.ObjectId;
  seq: number;
  senderId: Types.ObjectId;
  text: string | null;
  clientId: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  /** Absent in summaries written before replies, mentions and reactions existed. */
  replyTo?: ReplyPreview | null;
  mentions?: Types.ObjectId[];
  reactions?: StoredReaction[];
}

/** The stored fields a message response is made of (a message document or the list snapshot). */
export type MessageFields = LastMessageSnapshot;

export function toMessageResponse(message: MessageFields, conversationId: Types.ObjectId | string, status: MessageStatus): Message {
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

function toReplyPreviewResponse(preview: ReplyPreview): ReplyPreviewView {
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
  return {
    id: quoted._id,
    senderId: quoted.senderId,
    text: quoted.deletedAt || quoted.text === null ? null : cutText(quoted.text, REPLY_PREVIEW_LENGTH),
    deletedAt: quoted.deletedAt,
  };
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
