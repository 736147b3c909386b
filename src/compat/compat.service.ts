import { Injectable } from '@nestjs/common';
import { ConversationsService } from '../conversations/conversations.service';
import type { DeliveredMarkResponse, ReadMarkResponse } from '../receipts/receipts.response';
import type { MessageResponse } from '../messages/message.response';
import { MessagesService } from '../messages/messages.service';
import { ReceiptsService } from '../receipts/receipts.service';

/** How much history `GET /messages?receiverId=` answers with (the newest, oldest first). */
const HISTORY_LIMIT = 100;

/** Translates the first release's routes onto today's services; no rules of its own. */
@Injectable()
export class CompatService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly messages: MessagesService,
    private readonly receipts: ReceiptsService,
  ) {}

  async directHistory(callerId: string, receiverId: string): Promise<MessageResponse[]> {
    const conversationId = await this.conversations.findDirect(callerId, receiverId);
    if (!conversationId) return [];
    return (await this.messages.page(callerId, conversationId, { limit: HISTORY_LIMIT })).items;
  }

  async send(callerId: string, receiverId: string, text: string): Promise<MessageResponse> {
    return (await this.messages.send(callerId, { recipientId: receiverId, text })).message;
  }

  remove(callerId: string, messageId: string): Promise<void> {
    return this.messages.remove(callerId, messageId);
  }

  async markDelivered(callerId: string, messageId: string): Promise<DeliveredMarkResponse> {
    const message = await this.messages.requireVisibleMessage(callerId, messageId);
    return this.receipts.markDelivered(callerId, message.conversationId.toHexString(), messageId);
  }

  async markRead(callerId: string, messageId: string): Promise<ReadMarkResponse> {
    const message = await this.messages.requireVisibleMessage(callerId, messageId);
    return this.receipts.markRead(callerId, message.conversationId.toHexString(), messageId);
  }
}
