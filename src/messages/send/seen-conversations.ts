import { LRUCache } from 'lru-cache';
import type { Types } from 'mongoose';
import type { Conversation } from '../../conversations/schemas/conversation.schema';

/** A conversation's members and kind, as a grant of message numbers saw them. */
export type GrantedConversation = Pick<Conversation, '_id' | 'type' | 'memberIds'>;

/** A conversation's `seq` (its newest number handed out) and members, as this instance last saw them. */
export interface SeenConversation {
  seq: number;
  conversation: GrantedConversation;
}

/** Conversations with more members are not remembered: a filter naming every member would be too large. */
export const SEEN_MEMBERS_MAX = 64;
/** All remembered conversations hold at most this many member ids together (the oldest seen go first). */
export const SEEN_MEMBER_IDS_KEPT = 200_000;

/**
 * What this instance last saw of each conversation's numbering, so that a grant can say what it
 * expects instead of reading the conversation back. Only ever a guess: every use is checked by the
 * database, in the grant's own filter (see SeqGrantsRepository.grantSeqs), so a stale entry
 * costs two round trips (the read-back and a second grant), never a wrong number. Bounded by the
 * member ids it holds, oldest seen first out (`expect` peeks: only `remember` makes an entry the newest).
 */
export class SeenConversations {
  private readonly entries: LRUCache<string, SeenConversation>;

  constructor(memberIdsKept = SEEN_MEMBER_IDS_KEPT) {
    // lru-cache takes positive sizes only: a conversation without members would count as one id.
    this.entries = new LRUCache({ maxSize: memberIdsKept, sizeCalculation: (entry) => Math.max(1, entry.conversation.memberIds.length) });
  }

  get size(): number {
    return this.entries.size;
  }

  /** The conversation as a grant or a read just saw it. */
  remember(conversation: GrantedConversation & { seq: number }): void {
    const { _id, type, memberIds, seq } = conversation;
    const key = _id.toHexString();
    if (memberIds.length > SEEN_MEMBERS_MAX) this.entries.delete(key);
    else this.entries.set(key, { seq, conversation: { _id, type, memberIds } });
  }

  /** A grant of `count` numbers that expected `seen` was made: the conversation's `seq` moved on by `count`. */
  advance(seen: SeenConversation, count: number): void {
    this.remember({ ...seen.conversation, seq: seen.seq + count });
  }

  /**
   * What a grant for these users may expect of the conversation: nothing when it was not seen, or
   * when one of the users was not a member then (that grant would fail its check either way).
   */
  expect(request: { conversationId: Types.ObjectId; memberIds: Types.ObjectId[] }): SeenConversation | undefined {
    const seen = this.entries.peek(request.conversationId.toHexString());
    if (!seen) return undefined;
    const members = seen.conversation.memberIds;
    return request.memberIds.every((id) => members.some((member) => member.equals(id))) ? seen : undefined;
  }
}
