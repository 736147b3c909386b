import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

@Schema({ collection: 'messages', versionKey: false })
export class Message {
  _id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  conversationId: Types.ObjectId;

  /** Position in the conversation, handed out by the conversation's `$inc` counter. */
  @Prop({ required: true })
  seq: number;

  @Prop({ type: Types.ObjectId, required: true })
  senderId: Types.ObjectId;

  /** `null` once deleted (the message stays as a tombstone). */
  @Prop({ type: String, default: null })
  text: string | null;

  @Prop({ type: String, default: null })
  clientId: string | null;

  @Prop({ required: true })
  createdAt: Date;

  @Prop({ type: Date, default: null })
  editedAt: Date | null;

  @Prop({ type: Date, default: null })
  deletedAt: Date | null;

  /** Creation, edit or deletion time: what catch-up (sync) reads changes by. */
  @Prop({ required: true })
  changedAt: Date;
}

export const MessageSchema = SchemaFactory.createForClass(Message);

// History pages (before/after/newest) and "which message is seq N". Not unique: `seq` comes from the
// conversation's atomic counter, so it cannot repeat, and a unique index whose first key is shared by
// a whole conversation gets slower with every message on the development database (docs/BENCHMARKS.md).
// Named, so that it never collides with the unique index of that name that earlier versions built.
MessageSchema.index({ conversationId: 1, seq: 1 }, { name: 'history_by_seq' });
// Idempotent send needs no index of its own: with a clientId the message's `_id` derives from
// (sender, clientId), so a retry finds the first message by `_id` and cannot be stored twice.
// Sync: messages of the caller's conversations created, edited or deleted since a cursor.
MessageSchema.index({ conversationId: 1, changedAt: 1, _id: 1 });
