import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { DomainEvents } from '../common/domain-events';
import { toObjectId } from '../common/object-id';
import type { DeliveredMarkResponse, ReadMarkResponse } from '../conversations/conversation.response';
import { ConversationsService, MemberConversation } from '../conversations/conversations.service';
import { unreadCount } from './read-state';
import type { MessageRecord } from '../messages/messages.repository';
import { MessagesRepository } from '../messages/messages.repository';
import type { ReceiptType } from '../messages/message.response';

/**
 * Delivered and read watermarks: "everything up to this message". They only move forward (an older
 * or equal message is a no-op), reading implies delivered, and a move costs the same few round
 * trips however many messages it covers.
 */
@Injectable()
export class ReceiptsService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly events: DomainEvents,
  ) {}

  async markDelivered(userId: string, conversationId: string, messageId: string): Promise<DeliveredMarkResponse> {
    const { conversation, message } = await this.resolve(userId, conversationId, messageId);
    const moved = await this.move(userId, conversation, message, ['delivered']);
    if (moved.has('delivered')) return { conversationId, userId, deliveredUpTo: messageId };
    const membership = await this.conversations.findMembership(conversation, userId);
    return { conversationId, userId, deliveredUpTo: membership?.deliveredUpToId?.toHexString() ?? null };
  }

  async markRead(userId: string, conversationId: string, messageId: string): Promise<ReadMarkResponse> {
    const { conversation, message } = await this.resolve(userId, conversationId, messageId);
    const moved = await this.move(userId, conversation, message, ['read', 'delivered']);
    if (moved.has('read')) {
      return { conversationId, userId, readUpTo: messageId, unreadCount: unreadCount(conversation.lastMessageSeq, message.seq) };
    }
    const membership = await this.conversations.findMembership(conversation, userId);
    return {
      conversationId,
      userId,
      readUpTo: membership?.readUpToId?.toHexString() ?? null,
      unreadCount: unreadCount(conversation.lastMessageSeq, membership?.readUpToSeq ?? 0),
    };
  }

  /** Membership and the message, fetched together; the message must belong to the conversation. */
  private async resolve(userId: string, conversationId: string, messageId: string): Promise<{ conversation: MemberConversation; message: MessageRecord }> {
    toObjectId(conversationId, 'conversationId');
    toObjectId(messageId, 'messageId');
    const [conversation, message] = await Promise.all([
      this.conversations.requireMember(conversationId, userId),
      this.messages.findById(messageId),
    ]);
    if (!message) throw new NotFoundException('Message not found');
    if (!message.conversationId.equals(conversationId)) {
      throw new BadRequestException('messageId must be a message of this conversation');
    }
    return { conversation, message };
  }

  private async move(userId: string, conversation: MemberConversation, message: MessageRecord, types: ReceiptType[]): Promise<Set<ReceiptType>> {
    // The member sent this message or a later one: its marks are there already (sending implies reading).
    if ((conversation.sentUpTo[userId]?.seq ?? 0) >= message.seq) return new Set();
    const at = new Date();
    const movedSet = await this.conversations.advanceMarks(conversation.id, userId, types, message.seq, message._id, at);
    const moved = types.filter((type) => movedSet.has(type));
    await Promise.all(
      moved.map((type) =>
        this.messages.recordReceipt({ conversationId: message.conversationId, userId: new Types.ObjectId(userId), type, seq: message.seq, at }),
      ),
    );
    for (const type of moved) {
      this.events.publish('receipt.moved', {
        receipt: { conversationId: conversation.id, userId, type, messageId: message._id.toHexString(), at: at.toISOString() },
        recipientIds: conversation.memberIds,
      });
    }
    return new Set(moved);
  }
}
