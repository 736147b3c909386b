import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One row per watermark move (not per message): when a member's delivered/read mark passed a
 * seq. Lets `GET /messages/:id/receipts` give the real time each member got or read a message,
 * while the mark itself stays one document per member.
 */
@Schema({ collection: 'receipt_events', versionKey: false })
export class ReceiptEvent {
  _id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  conversationId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ required: true, enum: ['delivered', 'read'] })
  type: 'delivered' | 'read';

  @Prop({ required: true })
  seq: number;

  @Prop({ required: true })
  at: Date;
}

export const ReceiptEventSchema = SchemaFactory.createForClass(ReceiptEvent);

// Receipts of one message: per member and type, the first move at or past the message's seq.
ReceiptEventSchema.index({ conversationId: 1, userId: 1, type: 1, seq: 1 });
