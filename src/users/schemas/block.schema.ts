import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One document per (blocker, blocked) pair that was ever blocked; unblocking keeps it with
 * `active: false`, so catch-up (sync) can replay an unblock like any other change. Private to the
 * blocker: only the effects (refused sends, hidden presence and typing) reach the blocked user.
 */
@Schema({ collection: 'blocks', versionKey: false })
export class Block {
  /** Derived from (blockerId, blockedId) (`blockId`): blocking twice is one document, looked up by `_id`. */
  _id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  blockerId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  blockedId: Types.ObjectId;

  @Prop({ required: true })
  active: boolean;

  /** The last block or unblock: what catch-up reads block changes by. */
  @Prop({ required: true })
  changedAt: Date;

  @Prop({ required: true })
  createdAt: Date;
}

export const BlockSchema = SchemaFactory.createForClass(Block);

// The blocker's side: `GET /users/me/blocked`, the users someone blocks (presence, typing), and sync
// of one's own block changes since a cursor.
BlockSchema.index({ blockerId: 1, changedAt: 1, _id: 1 });
// The blocked side: who blocks a user (presence and typing stop both ways), and sync of the presence
// changes that blocks and unblocks by others cause.
BlockSchema.index({ blockedId: 1, changedAt: 1, _id: 1 });
