import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { toId as oid } from '../database/query-helpers';
import { Message } from '../messages/schemas/message.schema';
import { ReceiptEvent } from './schemas/receipt-event.schema';

/** What a mark or a receipt needs of a message: where it is and who sent it. */
export type MarkedMessage = Pick<Message, '_id' | 'conversationId' | 'seq' | 'senderId'>;

/**
 * The only code that touches the receipt_events collection, and the receipts' reads of messages (a
 * message's position; when members first sent after it). Plain objects out.
 */
@Injectable()
export class ReceiptsRepository {
  constructor(
    @InjectModel(ReceiptEvent.name) private readonly receiptEvents: Model<ReceiptEvent>,
    @InjectModel(Message.name) private readonly messages: Model<Message>,
  ) {}

  /** The message's position and sender, by `_id` (primary key). */
  findMessage(id: string): Promise<MarkedMessage | null> {
    return this.messages.collection.findOne<MarkedMessage>({ _id: oid(id) }, { projection: { _id: 1, conversationId: 1, seq: 1, senderId: 1 } });
  }

  async recordReceipt(event: Omit<ReceiptEvent, '_id'>): Promise<void> {
    await this.receiptEvents.collection.insertOne({ _id: new Types.ObjectId(), ...event });
  }

  /**
   * When each of `userIds`' marks first reached `seq` in the conversation, per `<userId>:<type>`: one
   * query for all of them (marks only move forward, so the earliest move at or past `seq` is the first).
   */
  async firstReceiptTimes(conversationId: Types.ObjectId, userIds: Types.ObjectId[], seq: number): Promise<Map<string, Date>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.receiptEvents
      .aggregate<{ _id: { userId: Types.ObjectId; type: string }; at: Date }>([
        { $match: { conversationId, userId: { $in: userIds }, seq: { $gte: seq } } },
        { $group: { _id: { userId: '$userId', type: '$type' }, at: { $min: '$at' } } },
      ])
      .exec();
    return new Map(rows.map((row) => [`${row._id.userId.toHexString()}:${row._id.type}`, row.at]));
  }

  /** When each of `senderIds` first sent a message at or after `seq` in the conversation: one query for all of them. */
  async firstSentTimes(conversationId: Types.ObjectId, senderIds: Types.ObjectId[], seq: number): Promise<Map<string, Date>> {
    if (senderIds.length === 0) return new Map();
    const rows = await this.messages
      .aggregate<{ _id: Types.ObjectId; at: Date }>([
        { $match: { conversationId, seq: { $gte: seq }, senderId: { $in: senderIds } } },
        { $group: { _id: '$senderId', at: { $min: '$createdAt' } } },
      ])
      .exec();
    return new Map(rows.map((row) => [row._id.toHexString(), row.at]));
  }
}
