import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { UsersModule } from '../users/users.module';
import { ChatBroadcaster } from './chat.broadcaster';
import { ChatGateway } from './chat.gateway';
import { ChatPublisher } from './chat.publisher';
import { TypingRelayService } from './typing-relay.service';

/**
 * The chat layer over the Socket.IO transport (RealtimeModule): the `/chat` gateway, the publisher of
 * domain events to socket rooms, and typing. Install `ChatIoAdapter` on the app (app.setup.ts) for the
 * handshake check.
 */
@Module({
  imports: [RealtimeModule, AuthModule, UsersModule, MessagesModule, ReceiptsModule, ConversationsModule],
  providers: [ChatGateway, ChatPublisher, ChatBroadcaster, TypingRelayService],
})
export class ChatModule {}
