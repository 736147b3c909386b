import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RateLimitStore } from './rate-limit-store';
import { SocketRateLimiter } from './socket-rate-limiter';

/** The one store every limit counts in (memory, or Redis when REDIS_URL is set), for HTTP and sockets. */
@Global()
@Module({
  providers: [{ provide: RateLimitStore, inject: [AppConfig], useFactory: (config: AppConfig) => RateLimitStore.connect(config.redisUrl) }, SocketRateLimiter],
  exports: [RateLimitStore, SocketRateLimiter],
})
export class RateLimitModule {}
