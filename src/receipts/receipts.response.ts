import { ApiProperty } from '@nestjs/swagger';
import type { DeliveredMark, MessageReceipt, ReadMark, Receipt, ReceiptType } from '../contract';

export type { ReceiptType } from '../contract';

/** A watermark that moved: `userId` has `type` everything up to `messageId`. */
export class ReceiptResponse implements Receipt {
  @ApiProperty() conversationId: string;
  @ApiProperty() userId: string;
  @ApiProperty({ enum: ['delivered', 'read'] }) type: ReceiptType;
  @ApiProperty() messageId: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

/** One row of `GET /api/v1/messages/:id/receipts`. */
export class MessageReceiptResponse implements MessageReceipt {
  @ApiProperty() userId: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt: string | null;
}

export class ReadMarkResponse implements ReadMark {
  @ApiProperty() conversationId: string;
  @ApiProperty() userId: string;
  @ApiProperty({ type: String, nullable: true }) readUpTo: string | null;
  @ApiProperty() unreadCount: number;
}

export class DeliveredMarkResponse implements DeliveredMark {
  @ApiProperty() conversationId: string;
  @ApiProperty() userId: string;
  @ApiProperty({ type: String, nullable: true }) deliveredUpTo: string | null;
}
