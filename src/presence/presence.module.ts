import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LocalPresence, PresenceService, RedisPresence } from './presence.service';

/** Who is online: connection counts per user, in memory (one instance) or shared through Redis (REDIS_URL). */
@Module({
  providers: [
    {
      provide: PresenceService,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.redisUrl ? RedisPresence.connect(config.redisUrl, { heartbeatMs: config.presenceHeartbeatMs, instanceTtlMs: config.presenceInstanceTtlMs }) : new LocalPresence(),
    },
  ],
  exports: [PresenceService],
})
export class PresenceModule {}
