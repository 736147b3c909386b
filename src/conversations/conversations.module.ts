import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users/users.module';
import { ConversationAccess } from './conversation-access';
import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { Conversation, ConversationSchema } from './schemas/conversation.schema';
import { Membership, MembershipSchema } from './schemas/membership.schema';

@Module({
  imports: [
    UsersModule,
    MongooseModule.forFeature([
      { name: Conversation.name, schema: ConversationSchema },
      { name: Membership.name, schema: MembershipSchema },
    ]),
  ],
  controllers: [ConversationsController],
  providers: [ConversationsRepository, ConversationAccess, ConversationsService],
  exports: [ConversationAccess, ConversationsService, ConversationsRepository],
})
export class ConversationsModule {}
