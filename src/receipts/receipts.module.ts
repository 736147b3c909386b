import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ConversationsModule } from '../conversations/conversations.module';
import { Message, MessageSchema } from '../messages/schemas/message.schema';
import { ReceiptsController } from './receipts.controller';
import { ReceiptsRepository } from './receipts.repository';
import { ReceiptsService } from './receipts.service';
import { ReceiptEvent, ReceiptEventSchema } from './schemas/receipt-event.schema';

/**
 * Read state: moving the delivered and read marks, the receipt events that date them, and the
 * receipts route. The status and unread rules every view uses are in `read-state.ts`.
 */
@Module({
  imports: [
    ConversationsModule,
    MongooseModule.forFeature([
      { name: ReceiptEvent.name, schema: ReceiptEventSchema },
      { name: Message.name, schema: MessageSchema },
    ]),
  ],
  controllers: [ReceiptsController],
  providers: [ReceiptsRepository, ReceiptsService],
  exports: [ReceiptsService],
})
export class ReceiptsModule {}
