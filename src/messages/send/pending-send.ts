import type { Types } from 'mongoose';
import type { MemberMarks } from '../../receipts/read-state';
import type { MessageRecord } from '../messages.repository';
import type { Queued } from './group-commit';

/** A send waiting for its batch: the message as it will be stored, less its number. */
export interface PendingSend {
  id: Types.ObjectId;
  conversationId: Types.ObjectId;
  senderId: Types.ObjectId;
  text: string;
  clientId: string | null;
  /** Users the message mentions: they must be members too, checked with the number. */
  mentionIds?: Types.ObjectId[];
  /** The rich fields to store with the message (checked before it was submitted); empty when absent. */
  extra?: Partial<Pick<MessageRecord, 'replyTo' | 'mentions' | 'reactions' | 'searchTerms'>>;
}

/**
 * What a send turned into: stored now, or the earlier message of the same (sender, clientId). `marks`:
 * the current members' marks of its conversation, when answering it read them (the sender's membership
 * was checked with them, and its status comes from them); absent, they are read for the answer.
 */
export type SendOutcome = { created: true; record: MessageRecord; recipientIds: string[] } | { created: false; record: MessageRecord; marks?: MemberMarks[] };

/** A send in the queue or in a batch, with the way to answer it (once) and its sender's log context. */
export type WaitingSend = Queued<PendingSend, SendOutcome>;
