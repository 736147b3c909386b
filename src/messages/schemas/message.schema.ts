import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import type { ReplyPreview, StoredReaction } from '../../conversations/message-snapshot';

export type { ReplyPreview, StoredReaction };

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

  /** Creation, edit, deletion or reaction time: what catch-up (sync) reads changes by. */
  @Prop({ required: true })
  changedAt: Date;

  @Prop({ type: Object, default: null })
  replyTo: ReplyPreview | null;

  /** Members mentioned when it was sent (fixed at send time). */
  @Prop({ type: [Types.ObjectId], default: [] })
  mentions: Types.ObjectId[];

  /** Ordered by first use; an emoji whose last user took it back is removed. At most MAX_DISTINCT_REACTIONS. */
  @Prop({ type: [Object], default: [] })
  reactions: StoredReaction[];

  /**
   * The text's words as search matches them (lower-cased, diacritics folded, stop words dropped,
   * stemmed): a search requires every word of its query here, while the text index finds the candidates.
   */
  @Prop({ type: [String], default: [] })
  searchTerms: string[];
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
// Edit/delete of a quoted message: the replies whose preview shows it (only replies are in this index).
MessageSchema.index({ 'replyTo.id': 1 }, { partialFilterExpression: { 'replyTo.id': { $exists: true } } });
// Message search (`GET /search/messages`): the candidates for the query's words (English stemming and stop words).
MessageSchema.index({ text: 'text' }, { default_language: 'english', name: 'text_text' });
