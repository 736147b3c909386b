import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { CompatAuthController } from './compat-auth.controller';
import { CompatMessagesController } from './compat-messages.controller';
import { CompatService } from './compat.service';

/** The first release's routes (`/signup`, `/login`, `/message/...`), delegating to today's services. */
@Module({
  imports: [AuthModule, ConversationsModule, MessagesModule, ReceiptsModule],
  controllers: [CompatAuthController, CompatMessagesController],
  providers: [CompatService],
})
export class CompatModule {}
