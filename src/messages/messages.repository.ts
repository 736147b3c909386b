import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { DocumentWriteQueue } from '../database/document-write-queue';
import { afterPosition, derivedId, isDuplicateKey, toId as oid } from '../database/query-helpers';
import { Message } from './schemas/message.schema';
import { ReceiptEvent } from './schemas/receipt-event.schema';

export type MessageRecord = Message;

/**
 * The id of the message `senderId` sends with `clientId`: derived, so a retry finds the first one
 * by `_id` and can never store a second (the `_id` is unique).
 */
export function messageIdFor(senderId: string, clientId: string): Types.ObjectId {
  return derivedId('message', senderId, clientId);
}



/** The only code that touches the messages and receipt_events collections. Plain objects out. */
@Injectable()
export class MessagesRepository {
  /** An edit and a delete of one message run one at a time (FerretDB v1 loses concurrent updates: an edit could revive a tombstone). */
  private readonly writes = new DocumentWriteQueue();

  constructor(
    @InjectModel(Message.name) private readonly messages: Model<Message>,
    @InjectModel(ReceiptEvent.name) private readonly receiptEvents: Model<ReceiptEvent>,
  ) {}

  /**
   * Stores a message; `duplicate` when its id already exists (a retried send: the id derives from
   * sender and clientId); `seq-taken` when another message already holds its (conversation, seq).
   */
  async insert(message: MessageRecord): Promise<'stored' | 'duplicate' | 'seq-taken'> {
    try {
      await this.messages.collection.insertOne(message);
      return 'stored';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Which unique index fired is not named by every server (FerretDB does not): look instead.
      if (await this.messages.exists({ _id: message._id })) return 'duplicate';
      if (await this.messages.exists({ conversationId: message.conversationId, seq: message.seq })) return 'seq-taken';
      throw error;
    }
  }

  findById(id: string): Promise<MessageRecord | null> {
    return this.messages.findById(id).lean<MessageRecord>().exec();
  }

  /** Up to `limit` messages older than `beforeSeq` (or the newest), oldest first. */
  async pageBefore(conversationId: string, beforeSeq: number | null, limit: number): Promise<MessageRecord[]> {
    const filter: Record<string, unknown> = { conversationId: oid(conversationId) };
    if (beforeSeq !== null) filter.seq = { $lt: beforeSeq };
    const newestFirst = await this.messages.find(filter).sort({ seq: -1 }).limit(limit).lean<MessageRecord[]>().exec();
    return newestFirst.reverse();
  }

  /** Up to `limit` messages newer than `afterSeq`, oldest first. */
  pageAfter(conversationId: string, afterSeq: number, limit: number): Promise<MessageRecord[]> {
    return this.messages
      .find({ conversationId: oid(conversationId), seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<MessageRecord[]>()
      .exec();
  }

  updateText(id: Types.ObjectId, text: string, at: Date): Promise<MessageRecord | null> {
    return this.writes.run(id.toHexString(), () =>
      this.messages
        .findOneAndUpdate({ _id: id, deletedAt: null }, { $set: { text, editedAt: at, changedAt: at } }, { new: true })
        .lean<MessageRecord>()
        .exec(),
    );
  }

  markDeleted(id: Types.ObjectId, at: Date): Promise<MessageRecord | null> {
    return this.writes.run(id.toHexString(), () =>
      this.messages
        .findOneAndUpdate({ _id: id, deletedAt: null }, { $set: { text: null, deletedAt: at, changedAt: at } }, { new: true })
        .lean<MessageRecord>()
        .exec(),
    );
  }

  /** Messages of `conversationIds` created/edited/deleted after a position (sync). */
  findChangedSince(conversationIds: Types.ObjectId[], filter: Record<string, unknown>, limit: number): Promise<MessageRecord[]> {
    return this.messages
      .find({ conversationId: { $in: conversationIds }, ...filter })
      .sort({ changedAt: 1, _id: 1 })
      .limit(limit)
      .lean<MessageRecord[]>()
      .exec();
  }

  async recordReceipt(event: Omit<ReceiptEvent, '_id'>): Promise<void> {
    await this.receiptEvents.collection.insertOne({ _id: new Types.ObjectId(), ...event });
  }

  /** When `userId`'s `type` mark first reached `seq` in the conversation, or null. */
  async receiptTime(conversationId: Types.ObjectId, userId: Types.ObjectId, type: 'delivered' | 'read', seq: number): Promise<Date | null> {
    const event = await this.receiptEvents
      .findOne({ conversationId, userId, type, seq: { $gte: seq } })
      .sort({ seq: 1 })
      .lean<ReceiptEvent>()
      .exec();
    return event?.at ?? null;
  }

  /** When `senderId` first sent a message at or after `seq` in the conversation, or null. */
  async firstSentAtOrAfter(conversationId: Types.ObjectId, senderId: Types.ObjectId, seq: number): Promise<Date | null> {
    const message = await this.messages
      .findOne({ conversationId, seq: { $gte: seq }, senderId })
      .sort({ seq: 1 })
      .select({ createdAt: 1 })
      .lean<Pick<Message, 'createdAt'>>()
      .exec();
    return message?.createdAt ?? null;
  }
}
