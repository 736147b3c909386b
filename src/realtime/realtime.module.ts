import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { AcceptingEventsGuard } from './accepting-events.guard';
import { ChatInstrumentation } from './instrumentation';
import { InFlightWork } from './in-flight-work';
import { ChatRedisFanout } from './redis-fanout';
import { SocketAdmission } from './socket-admission';
import { SocketRateLimitGuard } from './socket-rate-limit.guard';

/**
 * The Socket.IO transport under the chat layer: handshake admission, the Redis fan-out, the
 * instrumentation of the namespace, the in-flight work a graceful shutdown waits for, and the guards
 * every handler shares. It knows nothing of the gateway (`src/chat/`), which builds on it. The server
 * itself (handshake check, handler binding) is `ChatIoAdapter`, installed on the app in app.setup.ts.
 */
@Module({
  imports: [AuthModule, UsersModule],
  providers: [
    ChatInstrumentation,
    InFlightWork,
    AcceptingEventsGuard,
    SocketRateLimitGuard,
    SocketAdmission,
    { provide: ChatRedisFanout, inject: [AppConfig], useFactory: (config: AppConfig) => ChatRedisFanout.connect(config) },
  ],
  exports: [ChatInstrumentation, InFlightWork, AcceptingEventsGuard, SocketRateLimitGuard, SocketAdmission, ChatRedisFanout],
})
export class RealtimeModule {}
