import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config/app-config';
import { BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';
import { LocalPresence, PresenceService, RedisPresence } from '../presence/presence.service';
import { Block, BlockSchema } from './schemas/block.schema';
import { User, UserSchema } from './schemas/user.schema';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: Block.name, schema: BlockSchema },
    ]),
  ],
  controllers: [UsersController],
  providers: [
    UsersRepository,
    UsersService,
    BlocksRepository,
    BlocksService,
    {
      // One instance: in-memory connection counts. Several (REDIS_URL): shared through Redis.
      provide: PresenceService,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.redisUrl
          ? RedisPresence.connect(config.redisUrl, { heartbeatMs: config.presenceHeartbeatMs, instanceTtlMs: config.presenceInstanceTtlMs })
          : new LocalPresence(),
    },
  ],
  exports: [UsersService, BlocksService],
})
export class UsersModule {}
