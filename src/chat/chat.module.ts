import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { UsersModule } from '../users/users.module';
import { AcceptingEventsGuard } from '../realtime/accepting-events.guard';
import { ChatBroadcaster } from './chat.broadcaster';
import { ChatGateway } from './chat.gateway';
import { ChatInstrumentation } from '../realtime/instrumentation';
import { ChatPublisher } from './chat.publisher';
import { ChatRedisFanout } from '../realtime/redis-fanout';
import { InFlightWork } from '../realtime/in-flight-work';
import { SocketRateLimitGuard } from '../realtime/socket-rate-limit.guard';
import { SocketAdmission } from '../realtime/socket-admission';
import { TypingRelayService } from './typing-relay.service';

/**
 * The realtime layer: the `/chat` gateway, the publisher of domain events to socket rooms, typing and
 * the Redis fan-out. Install `ChatIoAdapter` on the app (app.setup.ts) for the handshake check.
 */
@Module({
  imports: [AuthModule, UsersModule, MessagesModule, ReceiptsModule, ConversationsModule],
  providers: [
    ChatGateway,
    ChatInstrumentation,
    ChatPublisher,
    ChatBroadcaster,
    TypingRelayService,
    InFlightWork,
    AcceptingEventsGuard,
    SocketRateLimitGuard,
    SocketAdmission,
    { provide: ChatRedisFanout, inject: [AppConfig], useFactory: (config: AppConfig) => ChatRedisFanout.connect(config) },
  ],
})
export class ChatModule {}
