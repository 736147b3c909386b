import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { AnyObject, Model, Types } from 'mongoose';
import { ConversationScope, derivedId, inIdOrder, racedUpsert, scopedChangesAfter, toId as oid } from '../database/query-helpers';
import type { ReplyPreview } from './message-snapshot';
import { Conversation, LastMessageSnapshot, SentMark } from './schemas/conversation.schema';
import { Membership } from './schemas/membership.schema';

export type ConversationRecord = Conversation;

export type MembershipRecord = Membership;
export type MarkType = 'read' | 'delivered';

/** How many unread mentions a membership keeps at most (the newest). */
export const MENTIONS_KEPT = 500;

/** The membership of (conversation, user) has this `_id`, so it is found and updated by `_id` alone. */
export function membershipId(conversationId: string | Types.ObjectId, userId: string | Types.ObjectId): Types.ObjectId {
  return derivedId('membership', String(conversationId), String(userId));
}

/**
 * The only code that touches the conversations and memberships collections. Plain objects out.
 * Every conditional write carries its condition in the filter, so the server checks and writes in
 * one atomic step, however many app instances share the database.
 */
@Injectable()
export class ConversationsRepository {
  constructor(
    @InjectModel(Conversation.name) private readonly conversations: Model<Conversation>,
    @InjectModel(Membership.name) private readonly memberships: Model<Membership>,
  ) {}

  // ---- conversations -------------------------------------------------------------------------

  findById(id: string): Promise<ConversationRecord | null> {
    return this.conversations.findById(id).lean<ConversationRecord>().exec();
  }

  findByUniqueKey(uniqueKey: string): Promise<ConversationRecord | null> {
    return this.conversations.findOne({ uniqueKey }).lean<ConversationRecord>().exec();
  }

  /** The conversation if `userId` is a current member; null otherwise (unknown or not a member). */
  findForMember(id: string, userId: string): Promise<ConversationRecord | null> {
    return this.conversations
      .findOne({ _id: oid(id), memberIds: oid(userId) })
      .lean<ConversationRecord>()
      .exec();
  }

  /**
   * Find-or-create of a direct conversation in one upsert on the unique pair key. Two concurrent
   * first calls may both try to insert; the unique index lets one win and the other gets a
   * duplicate-key error (or a write conflict: see `racedUpsert`), and trying again then finds the
   * winner (MongoDB's documented upsert retry).
   */
  async upsertDirect(uniqueKey: string, memberIds: string[], now: Date): Promise<{ conversation: ConversationRecord; created: boolean }> {
    const fresh: ConversationRecord = {
      _id: new Types.ObjectId(),
      type: 'direct',
      title: null,
      uniqueKey,
      memberIds: memberIds.map(oid),
      adminIds: [],
      createdBy: null,
      seq: 0,
      lastMessage: null,
      lastMessageSeq: 0,
      lastActivityAt: now,
      changedAt: now,
      createdAt: now,
    };
    const upsert = async () => {
      const result = await this.conversations.collection.findOneAndUpdate(
        { uniqueKey },
        { $setOnInsert: fresh },
        { upsert: true, returnDocument: 'after', includeResultMetadata: true },
      );
      // `upserted` is set only when this call inserted (more portable than `updatedExisting`, which
      // the development database leaves false when an upsert matched: docs/ARCHITECTURE.md).
      return { conversation: result.value as unknown as ConversationRecord, created: result.lastErrorObject?.upserted !== undefined };
    };
    return racedUpsert(upsert);
  }

  async createGroup(input: { title: string; memberIds: string[]; creatorId: string; now: Date }): Promise<ConversationRecord> {
    const _id = new Types.ObjectId();
    const created = await this.conversations.create({
      _id,
      type: 'group',
      title: input.title,
      uniqueKey: `group:${_id.toHexString()}`,
      memberIds: input.memberIds.map(oid),
      adminIds: [oid(input.creatorId)],
      createdBy: oid(input.creatorId),
      seq: 0,
      lastMessage: null,
      lastMessageSeq: 0,
      lastActivityAt: input.now,
      changedAt: input.now,
      createdAt: input.now,
    });
    return created.toObject();
  }

  /** The `sentUpTo` of each conversation (sending implies reading), for effective marks. */
  async findSentMarks(conversationIds: Types.ObjectId[]): Promise<Map<string, Record<string, SentMark>>> {
    if (conversationIds.length === 0) return new Map();
    const found = await this.conversations.collection.find({ _id: { $in: conversationIds } }, { projection: { _id: 1, sentUpTo: 1 } }).toArray();
    return new Map(found.map((conversation) => [conversation._id.toHexString(), (conversation.sentUpTo ?? {}) as Record<string, SentMark>]));
  }

  /** Records (or lifts) `blockerId`'s block on the pair's direct conversation, if they have one. */
  async setDirectBlock(uniqueKey: string, blockerId: string, blocked: boolean): Promise<void> {
    const change: AnyObject = blocked ? { $addToSet: { blockedBy: oid(blockerId) } } : { $pull: { blockedBy: oid(blockerId) } };
    await this.conversations.collection.updateOne({ uniqueKey }, change);
  }

  /** After an edit or delete of a quoted message: the summary, if it is a reply to it, shows the new quote. */
  async refreshQuotedPreview(id: string, preview: ReplyPreview): Promise<void> {
    await this.conversations.collection.updateOne({ _id: oid(id), 'lastMessage.replyTo.id': preview.id }, { $set: { 'lastMessage.replyTo': preview } });
  }

  /**
   * Each stored message's mentions: every mentioned member's membership records the message's seq
   * (unless its read mark is already there), in one round trip for the batch. Only the newest
   * MENTIONS_KEPT are kept (the count shows "that many or more").
   */
  async recordMentions(mentions: { conversationId: Types.ObjectId; userIds: Types.ObjectId[]; seq: number }[]): Promise<void> {
    if (mentions.length === 0) return;
    await this.memberships.collection.bulkWrite(
      inIdOrder(mentions, (mention) => mention.conversationId).map(({ conversationId, userIds, seq }) => ({
        updateMany: {
          // `$ne`: recording a message's mentions again (a replayed retry) changes nothing.
          filter: { _id: { $in: userIds.map((userId) => membershipId(conversationId, userId)) }, removedAt: null, readUpToSeq: { $lt: seq }, mentionSeqs: { $ne: seq } },
          update: { $push: { mentionSeqs: { $each: [seq], $slice: -MENTIONS_KEPT } } } as AnyObject,
        },
      })),
      { ordered: false },
    );
  }

  /** Refreshes the summary after an edit or delete, if that message is still the last one. */
  async replaceLastMessage(id: string, message: LastMessageSnapshot): Promise<void> {
    await this.conversations.collection.updateOne({ _id: oid(id), lastMessageSeq: message.seq }, { $set: { lastMessage: toSnapshot(message) } });
  }

  /** A page of the member's conversations, newest activity first; `before` is the last item seen. */
  listForMember(userId: string, limit: number, before?: { at: Date; id: Types.ObjectId }): Promise<ConversationRecord[]> {
    const filter: Record<string, unknown> = { memberIds: oid(userId) };
    if (before) {
      filter.$or = [{ lastActivityAt: { $lt: before.at } }, { lastActivityAt: before.at, _id: { $lt: before.id } }];
    }
    return this.conversations.find(filter).sort({ lastActivityAt: -1, _id: -1 }).limit(limit).lean<ConversationRecord[]>().exec();
  }

  /** Scoped conversations whose title or members changed after `since`, since the caller joined (sync). */
  findChangedSince(scope: ConversationScope[], since: { at: Date; id: Types.ObjectId | null }, limit: number): Promise<ConversationRecord[]> {
    return this.conversations
      .find(scopedChangesAfter(scope, '_id', since))
      .sort({ changedAt: 1, _id: 1 })
      .limit(limit)
      .lean<ConversationRecord[]>()
      .exec();
  }

  rename(id: string, title: string, now: Date): Promise<ConversationRecord | null> {
    return this.conversations
      .findOneAndUpdate({ _id: oid(id), type: 'group' }, { $set: { title, changedAt: now, lastActivityAt: now } }, { new: true })
      .lean<ConversationRecord>()
      .exec();
  }

  /**
   * Adds members unless the group would exceed `cap`: the filter requires index `cap - n` of
   * `memberIds` to be absent, so the check and the write are one atomic operation.
   */
  /**
   * Adds members unless the group would exceed `cap`: the filter requires index `cap - n` of
   * `memberIds` to be absent, so the check and the write are one atomic operation (null when the
   * group is full).
   */
  addMembers(id: string, userIds: string[], cap: number, now: Date): Promise<ConversationRecord | null> {
    return this.conversations
      .findOneAndUpdate(
        { _id: oid(id), type: 'group', [`memberIds.${cap - userIds.length}`]: { $exists: false } },
        { $addToSet: { memberIds: { $each: userIds.map(oid) } }, $set: { changedAt: now, lastActivityAt: now } },
        { new: true },
      )
      .lean<ConversationRecord>()
      .exec();
  }

  removeMember(id: string, userId: string, now: Date): Promise<ConversationRecord | null> {
    return this.conversations
      .findOneAndUpdate(
        { _id: oid(id), memberIds: oid(userId) },
        // Its own-message mark goes too: a member who comes back starts with marks at the current message.
        { $pull: { memberIds: oid(userId), adminIds: oid(userId) }, $set: { changedAt: now, lastActivityAt: now }, $unset: { [`sentUpTo.${oid(userId).toHexString()}`]: '' } },
        { new: true },
      )
      .lean<ConversationRecord>()
      .exec();
  }

  /** Makes the longest-standing member an admin if the group has members but no admin left. */
  promoteFirstMemberIfNoAdmin(id: string): Promise<ConversationRecord | null> {
    return this.conversations
      .findOneAndUpdate({ _id: oid(id), adminIds: { $size: 0 }, 'memberIds.0': { $exists: true } }, [{ $set: { adminIds: [{ $arrayElemAt: ['$memberIds', 0] }] } }], { new: true })
      .lean<ConversationRecord>()
      .exec();
  }

  // ---- memberships (watermarks) -------------------------------------------------------------

  /**
   * Makes each user an active member. New (or returning) members start with their marks at
   * `fromSeq`: history from before they joined counts as seen, so it never holds back ticks.
   */
  async activateMemberships(conversationId: Types.ObjectId, userIds: string[], fromSeq: number, now: Date): Promise<void> {
    if (userIds.length === 0) return;
    const upsert = () =>
      this.memberships.collection.bulkWrite(
        inIdOrder(userIds.map(oid), (userId) => membershipId(conversationId, userId)).map((userId) => ({
          updateOne: {
            filter: { _id: membershipId(conversationId, userId) },
            update: {
              $set: { conversationId, userId, removedAt: null, joinedAt: now, changedAt: now },
              $max: { readUpToSeq: fromSeq, deliveredUpToSeq: fromSeq },
            },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    // Two concurrent upserts of one membership (both sides opening their direct conversation at
    // once): the loser's insert hits the primary key. The writes are idempotent: once more updates.
    await racedUpsert(upsert);
  }

  async deactivateMembership(conversationId: Types.ObjectId, userId: string, now: Date): Promise<void> {
    await this.memberships.collection.updateOne({ _id: membershipId(conversationId, userId) }, { $set: { removedAt: now, changedAt: now } });
  }

  findMembership(conversationId: string, userId: string): Promise<MembershipRecord | null> {
    return this.memberships.findById(membershipId(conversationId, userId)).lean<MembershipRecord>().exec();
  }

  /** Current members' memberships of several conversations (marks for status and unread counts). */
  findActiveMemberships(conversationIds: Types.ObjectId[]): Promise<MembershipRecord[]> {
    return this.memberships
      .find({ conversationId: { $in: conversationIds }, removedAt: null })
      .lean<MembershipRecord[]>()
      .exec();
  }

  /**
   * Moves marks forward to `seq`, never back: the guard only lets a lower mark move, so an older or
   * equal message is a no-op and concurrent moves keep the highest. Read and delivered move in one
   * update when both are below `seq` (delivered is never below read, so "delivered below" says
   * both). Returns the marks that moved.
   */
  async advanceMarks(conversationId: string, userId: string, types: MarkType[], seq: number, messageId: Types.ObjectId, at: Date): Promise<Set<MarkType>> {
    const _id = membershipId(conversationId, userId);
    const move = (type: MarkType) => ({ [`${type}UpToSeq`]: seq, [`${type}UpToId`]: messageId, [`${type}At`]: at });
    const below = (type: MarkType) => ({ _id, removedAt: null, [`${type}UpToSeq`]: { $lt: seq } });
    const moved = new Set<MarkType>();
    const collection = this.memberships.collection;
    // The read mark passing a mention is what makes it no longer count (mentionCount).
    const forgetReadMentions: AnyObject = { $pull: { mentionSeqs: { $lte: seq } } };
    if (types.includes('delivered')) {
      const readToo = types.includes('read');
      const both = readToo ? move('read') : {};
      const result = await collection.updateOne(below('delivered'), { $set: { ...move('delivered'), ...both, changedAt: at }, ...(readToo ? forgetReadMentions : {}) });
      if (result.matchedCount > 0) {
        types.forEach((type) => moved.add(type));
        return moved;
      }
    }
    if (types.includes('read')) {
      const result = await collection.updateOne(below('read'), { $set: { ...move('read'), changedAt: at }, ...forgetReadMentions });
      if (result.matchedCount > 0) moved.add('read');
    }
    return moved;
  }

  /** The message at `seq` was deleted: it no longer counts as a mention of `userIds`. */
  async forgetMentions(conversationId: string, userIds: string[], seq: number): Promise<void> {
    if (userIds.length === 0) return;
    await this.memberships.collection.updateMany({ _id: { $in: userIds.map((userId) => membershipId(conversationId, userId)) } }, { $pull: { mentionSeqs: seq } } as AnyObject);
  }

  /** The user's current memberships (search scope). Served by `{userId, removedAt}`. */
  findActiveMembershipsOf(userId: string): Promise<MembershipRecord[]> {
    return this.memberships
      .find({ userId: oid(userId), removedAt: null }, { conversationId: 1 })
      .lean<MembershipRecord[]>()
      .exec();
  }

  /** Conversations the user is in now, plus those it left at or after `leftSince`. */
  findMembershipsForSync(userId: string, leftSince: Date): Promise<MembershipRecord[]> {
    return this.memberships
      .find({ userId: oid(userId), $or: [{ removedAt: null }, { removedAt: { $gte: leftSince } }] })
      .lean<MembershipRecord[]>()
      .exec();
  }

  /** Memberships of the scoped conversations whose marks moved after `since`, since the caller joined (sync receipts). */
  findMarksChangedSince(scope: ConversationScope[], since: { at: Date; id: Types.ObjectId | null }, limit: number): Promise<MembershipRecord[]> {
    return this.memberships
      .find(scopedChangesAfter(scope, 'conversationId', since))
      .sort({ changedAt: 1, _id: 1 })
      .limit(limit)
      .lean<MembershipRecord[]>()
      .exec();
  }
}

/** The list snapshot of a message: only the fields a Message response needs. */
export function toSnapshot(message: LastMessageSnapshot): LastMessageSnapshot {
  return { ...toSnapshotFields(message), seq: message.seq };
}

/** A message's list snapshot less its number (a send's grant adds the number it hands out: SeqGrantsRepository). */
export function toSnapshotFields(message: Omit<LastMessageSnapshot, 'seq'>): Omit<LastMessageSnapshot, 'seq'> {
  return {
    _id: message._id,
    senderId: message.senderId,
    text: message.text,
    clientId: message.clientId,
    createdAt: message.createdAt,
    editedAt: message.editedAt,
    deletedAt: message.deletedAt,
    replyTo: message.replyTo ?? null,
    mentions: message.mentions ?? [],
    reactions: message.reactions ?? [],
  };
}
