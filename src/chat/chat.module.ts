import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { ConversationsModule } from '../conversations/conversations.module';
import { MessagesModule } from '../messages/messages.module';
import { UsersModule } from '../users/users.module';
import { AcceptingEventsGuard } from './accepting-events.guard';
import { ChatBroadcaster } from './chat.broadcaster';
import { ChatGateway } from './chat.gateway';
import { ChatInstrumentation } from './chat.instrumentation';
import { ChatPublisher } from './chat.publisher';
import { ChatRedisFanout } from './chat-redis.fanout';
import { InFlightWork } from './in-flight-work';
import { SocketRateLimitGuard } from './socket-rate-limit.guard';
import { SocketAdmission } from './socket-admission';
import { TypingRelayService } from './typing-relay.service';

/**
 * The realtime layer: the `/chat` gateway, the publisher of domain events to socket rooms, typing and
 * the Redis fan-out. Install `ChatIoAdapter` on the app (app.setup.ts) for the handshake check.
 */
@Module({
  imports: [AuthModule, UsersModule, MessagesModule, ConversationsModule],
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
