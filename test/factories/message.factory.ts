import { Types } from 'mongoose';
import type { MessageRecord } from '../../src/messages/messages.repository';

/**
 * A stored message as the repository answers it, for unit specs: message `seq` of `conversationId`,
 * sent by `senderId`, text `m<seq>`, with every rich field empty unless given.
 */
export function messageRecord(
  input: { conversationId: string | Types.ObjectId; senderId: string | Types.ObjectId; seq: number } & Omit<Partial<MessageRecord>, 'conversationId' | 'senderId' | 'seq'>,
): MessageRecord {
  const { conversationId, senderId, seq, ...overrides } = input;
  const at = new Date('2026-01-01T00:00:00.000Z');
  return {
    _id: new Types.ObjectId(),
    conversationId: new Types.ObjectId(conversationId),
    seq,
    senderId: new Types.ObjectId(senderId),
    text: `m${seq}`,
    clientId: null,
    createdAt: at,
    editedAt: null,
    deletedAt: null,
    changedAt: at,
    replyTo: null,
    mentions: [],
    reactions: [],
    searchTerms: [],
    ...overrides,
  };
}
