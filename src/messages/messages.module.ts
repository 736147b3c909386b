import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ConversationsModule } from '../conversations/conversations.module';
import { Conversation, ConversationSchema } from '../conversations/schemas/conversation.schema';
import { UsersModule } from '../users/users.module';
import { ConversationMessagesController } from './conversation-messages.controller';
import { MessageSearchController } from './message-search.controller';
import { MessageSearchService } from './message-search.service';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { SearchTermsRepair } from './search/search-terms-repair';
import { Message, MessageSchema } from './schemas/message.schema';
import { SendBatcher } from './send/send-batcher';
import { SendFinishing } from './send/send-finishing';
import { SeqGrantsRepository } from './send/seq-grants.repository';
import { SyncService } from './sync.service';

@Module({
  imports: [
    ConversationsModule,
    UsersModule,
    MongooseModule.forFeature([
      { name: Message.name, schema: MessageSchema },
      // The send path's number grants write the conversation (SeqGrantsRepository).
      { name: Conversation.name, schema: ConversationSchema },
    ]),
  ],
  controllers: [MessagesController, ConversationMessagesController, MessageSearchController],
  providers: [MessagesRepository, SeqGrantsRepository, SendFinishing, SendBatcher, MessagesService, SyncService, MessageSearchService, SearchTermsRepair],
  exports: [MessagesService, SyncService],
})
export class MessagesModule {}
