import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';
import { PresenceModule } from '../presence/presence.module';
import { Block, BlockSchema } from './schemas/block.schema';
import { User, UserSchema } from './schemas/user.schema';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [
    PresenceModule,
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: Block.name, schema: BlockSchema },
    ]),
  ],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, BlocksRepository, BlocksService],
  exports: [UsersService, BlocksService],
})
export class UsersModule {}
