import { Types } from 'mongoose';
import type { ConversationRecord } from '../../src/conversations/conversations.repository';

/**
 * A stored conversation as the repository answers it, for unit specs: a direct conversation of
 * `memberIds` (a group when `adminIds` are given), numbered up to `seq`.
 */
export function conversationRecord(
  input: { id: string; memberIds: string[]; seq: number; lastMessageSeq?: number } & Omit<Partial<ConversationRecord>, 'memberIds' | 'seq' | 'lastMessageSeq'>,
): ConversationRecord {
  const { id, memberIds, seq, lastMessageSeq, ...overrides } = input;
  const at = new Date('2026-01-01T00:00:00.000Z');
  return {
    _id: new Types.ObjectId(id),
    type: 'direct',
    title: null,
    uniqueKey: [...memberIds].sort().join(':'),
    memberIds: memberIds.map((member) => new Types.ObjectId(member)),
    adminIds: [],
    createdBy: null,
    seq,
    lastMessage: null,
    lastMessageSeq: lastMessageSeq ?? seq,
    lastActivityAt: at,
    changedAt: at,
    createdAt: at,
    sentUpTo: {},
    ...overrides,
  };
}
