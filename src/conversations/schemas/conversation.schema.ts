import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import type { LastMessageSnapshot } from '../message-snapshot';

export type { LastMessageSnapshot };

/** A member's newest own message in a conversation: its read and delivered marks are at least this. */
export interface SentMark {
  seq: number;
  id: Types.ObjectId;
  at: Date;
}

/**
 * A conversation with its denormalized summary. `memberIds`/`adminIds` are the current members,
 * so one indexed read answers "is the caller a member?", who to fan out to, and the member list;
 * `seq` is the last message number handed out (`$inc` makes it strictly increasing).
 */
@Schema({ collection: 'conversations', versionKey: false })
export class Conversation {
  _id: Types.ObjectId;

  @Prop({ required: true, enum: ['direct', 'group'] })
  type: 'direct' | 'group';

  @Prop({ type: String, default: null })
  title: string | null;

  /**
   * Direct: the two user ids sorted and joined, so a pair can never get two conversations, even
   * under concurrent first messages. Group: `group:<id>` (unique, never null, for MongoDB's sake).
   */
  @Prop({ required: true })
  uniqueKey: string;

  @Prop({ type: [Types.ObjectId], default: [] })
  memberIds: Types.ObjectId[];

  @Prop({ type: [Types.ObjectId], default: [] })
  adminIds: Types.ObjectId[];

  @Prop({ type: Types.ObjectId, default: null })
  createdBy: Types.ObjectId | null;

  @Prop({ default: 0 })
  seq: number;

  @Prop({ type: Object, default: null })
  lastMessage: LastMessageSnapshot | null;

  /**
   * The last few batches' number grants (`{ batch, last }`), newest last: how a batch of sends to
   * several conversations reads back the numbers its one bulk update handed out (`grantSeqs`).
   */
  @Prop({ type: [Object], default: undefined })
  seqGrants?: { batch: string; last: number }[];

  /**
   * Each member's newest own message (by user id): sending implies reading, so a member's effective
   * read and delivered marks are the higher of its membership's and this. Written by the same update
   * that hands out the message's number, so a send moves no membership document (`effectiveMarks`).
   */
  @Prop({ type: Object, default: undefined })
  sentUpTo?: Record<string, SentMark>;

  /** Seq of `lastMessage`: the newest number whose summary was written (with its grant). */
  @Prop({ default: 0 })
  lastMessageSeq: number;

  /** Ordering of the conversation list: last message, or creation / rename / membership change. */
  @Prop({ required: true })
  lastActivityAt: Date;

  /** Last change of title or members: what catch-up (sync) reports as a conversation change. */
  @Prop({ required: true })
  changedAt: Date;

  @Prop({ required: true })
  createdAt: Date;

  /**
   * Direct conversations only: which of the two members blocks the other. A send needs this to be
   * empty (checked in the same update that hands out `seq`), so a block costs sends no extra look-up.
   */
  @Prop({ type: [Types.ObjectId], default: [] })
  blockedBy?: Types.ObjectId[];
}

export const ConversationSchema = SchemaFactory.createForClass(Conversation);

// One direct conversation per pair (and the find-or-create of `POST /conversations` / send by recipientId).
ConversationSchema.index({ uniqueKey: 1 }, { unique: true });
// Conversation list: the caller's conversations, newest activity first, cursor on (lastActivityAt, _id).
ConversationSchema.index({ memberIds: 1, lastActivityAt: -1, _id: -1 });
// Sync (conversations among the caller's that changed title or members since a cursor) needs no
// index of its own: it names the caller's conversations by `_id`, which the primary key serves. Every
// index costs every update of a conversation (one per send batch) an index write: see RETIRED_INDEXES.
