import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { ConversationScope, derivedId, isDuplicateId, scopedChangesAfter, toId as oid } from '../database/query-helpers';
import { Message, ReplyPreview } from './schemas/message.schema';

export type MessageRecord = Message;

/**
 * The id of the message `senderId` sends with `clientId`: derived, so a retry finds the first one
 * by `_id` and can never store a second (the `_id` is unique).
 */
export function messageIdFor(senderId: string, clientId: string): Types.ObjectId {
  return derivedId('message', senderId, clientId);
}

/** The only code that touches the messages collection (the receipts' own reads of it aside: ReceiptsRepository). Plain objects out. */
@Injectable()
export class MessagesRepository {
  constructor(@InjectModel(Message.name) private readonly messages: Model<Message>) {}

  /**
   * Stores a batch in one unordered insert. Per message, in order: `stored`, `duplicate` (its id
   * exists: a retried send), or the error that refused it alone. A failure of the whole command
   * (the database away) rejects.
   */
  async insertMany(messages: MessageRecord[]): Promise<('stored' | 'duplicate' | Error)[]> {
    const outcomes: ('stored' | 'duplicate' | Error)[] = messages.map(() => 'stored');
    if (messages.length === 0) return outcomes;
    try {
      await this.messages.collection.insertMany(messages, { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
      if (!Array.isArray(writeErrors) && !(writeErrors && typeof writeErrors === 'object')) throw error;
      const list = (Array.isArray(writeErrors) ? writeErrors : Object.values(writeErrors)) as { index: number; code?: number; errmsg?: string; err?: { keyPattern?: unknown } }[];
      if (list.length === 0) throw error;
      for (const writeError of list) {
        const plain = { code: writeError.code, message: writeError.errmsg, keyPattern: writeError.err?.keyPattern };
        outcomes[writeError.index] = isDuplicateId(plain) ? 'duplicate' : new Error(writeError.errmsg ?? 'write refused');
      }
    }
    return outcomes;
  }

  /** The stored messages among `ids` (retries of a batch), in one round trip (the driver's: on every batch, no query object to build). */
  findByIds(ids: Types.ObjectId[]): Promise<MessageRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.messages.collection.find<MessageRecord>({ _id: { $in: ids } }).toArray();
  }

  /**
   * Messages whose text holds `word` (found through the text index) and whose search terms hold
   * `from`: that term becomes `to`. Two commands, whatever the collection's size. Returns how many changed.
   */
  async replaceSearchTerm(word: string, from: string, to: string): Promise<number> {
    const found = await this.messages.collection.find({ $text: { $search: word }, searchTerms: from }, { projection: { _id: 1 } }).toArray();
    if (found.length === 0) return 0;
    const result = await this.messages.collection.updateMany({ _id: { $in: found.map(({ _id }) => _id) }, searchTerms: from }, { $set: { 'searchTerms.$': to } });
    return result.modifiedCount;
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

  /** New text (and its search terms), unless the message was deleted meanwhile (null then). */
  updateText(id: Types.ObjectId, text: string, searchTerms: string[], at: Date): Promise<MessageRecord | null> {
    return this.messages
      .findOneAndUpdate({ _id: id, deletedAt: null }, { $set: { text, searchTerms, editedAt: at, changedAt: at } }, { new: true })
      .lean<MessageRecord>()
      .exec();
  }

  /** Leaves a tombstone: no text, quote, mentions or reactions; null when it already was one. */
  markDeleted(id: Types.ObjectId, at: Date): Promise<MessageRecord | null> {
    return this.messages
      .findOneAndUpdate(
        { _id: id, deletedAt: null },
        { $set: { text: null, replyTo: null, mentions: [], reactions: [], searchTerms: [], deletedAt: at, changedAt: at } },
        { new: true },
      )
      .lean<MessageRecord>()
      .exec();
  }

  /**
   * Adds `userId`'s `emoji` in one atomic update (no read first): appended to that emoji's users, or
   * as a new emoji at the end while the message has fewer than `maxDistinct`. Null when nothing
   * changed: deleted or gone, already reacted so, or the cap reached (the caller tells them apart).
   */
  addReaction(id: Types.ObjectId, emoji: string, userId: Types.ObjectId, at: Date, maxDistinct: number): Promise<MessageRecord | null> {
    const list = { $ifNull: ['$reactions', []] };
    const withUser = {
      $cond: [
        { $in: [emoji, { $map: { input: list, as: 'r', in: '$$r.emoji' } }] },
        { $map: { input: list, as: 'r', in: { $cond: [{ $eq: ['$$r.emoji', emoji] }, { emoji, userIds: { $concatArrays: ['$$r.userIds', [userId]] } }, '$$r'] } } },
        { $concatArrays: [list, [{ emoji, userIds: [userId] }]] },
      ],
    };
    return this.messages
      .findOneAndUpdate(
        {
          _id: id,
          deletedAt: null,
          reactions: { $not: { $elemMatch: { emoji, userIds: userId } } },
          $or: [{ 'reactions.emoji': emoji }, { [`reactions.${maxDistinct - 1}`]: { $exists: false } }],
        },
        [{ $set: { reactions: withUser, changedAt: at } }],
        { new: true },
      )
      .lean<MessageRecord>()
      .exec();
  }

  /** Takes `userId`'s `emoji` back in one atomic update (an emoji nobody uses any more goes); null when it was not there. */
  removeReaction(id: Types.ObjectId, emoji: string, userId: Types.ObjectId, at: Date): Promise<MessageRecord | null> {
    const withoutUser = {
      $map: {
        input: '$reactions',
        as: 'r',
        in: { $cond: [{ $eq: ['$$r.emoji', emoji] }, { emoji, userIds: { $filter: { input: '$$r.userIds', as: 'u', cond: { $ne: ['$$u', userId] } } } }, '$$r'] },
      },
    };
    return this.messages
      .findOneAndUpdate(
        { _id: id, reactions: { $elemMatch: { emoji, userIds: userId } } },
        [{ $set: { reactions: { $filter: { input: withoutUser, as: 'r', cond: { $gt: [{ $size: '$$r.userIds' }, 0] } } }, changedAt: at } }],
        { new: true },
      )
      .lean<MessageRecord>()
      .exec();
  }

  /**
   * The quoted message changed: every reply to it shows the new preview, and is a change for sync.
   * Served by the partial `replyTo.id` index; replies are in the quoted message's conversation.
   */
  async refreshReplyPreviews(preview: ReplyPreview, at: Date): Promise<void> {
    await this.messages.collection.updateMany({ 'replyTo.id': preview.id }, { $set: { replyTo: preview, changedAt: at } });
  }

  /** One reply's preview, when it was stored from a quoted message that changed meanwhile. */
  setReplyPreview(id: Types.ObjectId, preview: ReplyPreview, at: Date): Promise<MessageRecord | null> {
    return this.messages
      .findOneAndUpdate({ _id: id, 'replyTo.id': preview.id }, { $set: { replyTo: preview, changedAt: at } }, { new: true })
      .lean<MessageRecord>()
      .exec();
  }

  /**
   * Search: messages of `conversationIds` whose text has every one of `terms`, newest first, older
   * than `before`. The text index finds the candidates for `words`; `searchTerms` makes it every word.
   */
  search(input: {
    words: string[];
    terms: string[];
    conversationIds: Types.ObjectId[];
    before: { createdAt: Date; id: Types.ObjectId } | null;
    limit: number;
  }): Promise<MessageRecord[]> {
    const filter: Record<string, unknown> = {
      $text: { $search: input.words.join(' ') },
      searchTerms: { $all: input.terms },
      conversationId: { $in: input.conversationIds },
      deletedAt: null,
    };
    if (input.before) {
      filter.$or = [{ createdAt: { $lt: input.before.createdAt } }, { createdAt: input.before.createdAt, _id: { $lt: input.before.id } }];
    }
    return this.messages.find(filter).sort({ createdAt: -1, _id: -1 }).limit(input.limit).lean<MessageRecord[]>().exec();
  }

  /** Messages of the scoped conversations created/edited/deleted after a position, each while the caller was a member (sync). */
  findChangedSince(scope: ConversationScope[], since: { at: Date; id: Types.ObjectId | null }, limit: number): Promise<MessageRecord[]> {
    return this.messages
      .find(scopedChangesAfter(scope, 'conversationId', since))
      .sort({ changedAt: 1, _id: 1 })
      .limit(limit)
      .lean<MessageRecord[]>()
      .exec();
  }
}
