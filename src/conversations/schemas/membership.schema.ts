import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One document per (conversation, user): that member's watermarks. "Read/delivered up to seq N"
 * replaces per-message receipt rows, so moving a mark is one update however many messages it
 * covers. Kept (with `removedAt`) when a member leaves, so catch-up can tell them.
 */
@Schema({ collection: 'memberships', versionKey: false })
export class Membership {
  /** Derived from (conversationId, userId) (`membershipId`): mark moves and look-ups go by `_id`. */
  _id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  conversationId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ required: true })
  joinedAt: Date;

  @Prop({ type: Date, default: null })
  removedAt: Date | null;

  @Prop({ default: 0 })
  readUpToSeq: number;

  @Prop({ type: Types.ObjectId, default: null })
  readUpToId: Types.ObjectId | null;

  @Prop({ type: Date, default: null })
  readAt: Date | null;

  @Prop({ default: 0 })
  deliveredUpToSeq: number;

  @Prop({ type: Types.ObjectId, default: null })
  deliveredUpToId: Types.ObjectId | null;

  @Prop({ type: Date, default: null })
  deliveredAt: Date | null;

  /**
   * Seqs of messages that mention this member and that its read mark had not reached when they were
   * recorded (pulled when the read mark passes them): `mentionCount` counts those above `readUpToSeq`.
   * Capped at MENTIONS_KEPT, the newest kept.
   */
  @Prop({ type: [Number], default: [] })
  mentionSeqs?: number[];

  /** Last time a mark moved, or the member joined/left: what catch-up reports as receipt changes. */
  @Prop({ required: true })
  changedAt: Date;
}

export const MembershipSchema = SchemaFactory.createForClass(Membership);

// Mark moves, membership checks of one member, and joins/leaves (upserts) address (conversation, user)
// by `_id`, derived from the pair (`membershipId`): the primary key keeps one membership per pair, so
// no unique index of its own is needed (see RETIRED_INDEXES).
// Sync: which conversations the caller is in, or left after a cursor.
MembershipSchema.index({ userId: 1, removedAt: 1 });
// Sync: marks of the caller's conversations that moved since a cursor.
MembershipSchema.index({ conversationId: 1, changedAt: 1 });
