import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { ChatModule } from './chat/chat.module';
import { EventsModule } from './common/events.module';
import { loggerParams } from './common/logging/logger-params';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { RateLimitGuard, rateLimitOptions } from './common/rate-limit';
import { RateLimitModule } from './common/rate-limit.module';
import { RateLimitStore } from './common/rate-limit-store';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { CompatModule } from './compat/compat.module';
import { ConversationsModule } from './conversations/conversations.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { ReceiptsModule } from './receipts/receipts.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => loggerParams(config) }),
    RateLimitModule,
    ThrottlerModule.forRootAsync({ inject: [AppConfig, RateLimitStore], useFactory: rateLimitOptions }),
    EventsModule,
    DatabaseModule,
    MetricsModule,
    UsersModule,
    AuthModule,
    ConversationsModule,
    MessagesModule,
    ReceiptsModule,
    ChatModule,
    HealthModule,
    CompatModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
    // In this order: deny by default (every route needs a bearer token unless it is @Public()), then
    // the rate limits, which count per user once the user is known.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class AppModule {}
