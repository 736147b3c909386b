import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { DomainEvents } from '../common/domain-events';
import { toObjectId } from '../common/object-id';
import { ConversationAccess, MemberConversation } from '../conversations/conversation-access';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { ConversationsService } from '../conversations/conversations.service';
import type { DeliveredMarkResponse, MessageReceiptResponse, ReadMarkResponse, ReceiptType } from './receipts.response';
import { MemberMarks, unreadCount } from './read-state';
import { MarkedMessage, ReceiptsRepository } from './receipts.repository';

/**
 * Read state: delivered and read watermarks ("everything up to this message") and when each member
 * got and read a message. Marks only move forward (an older or equal message is a no-op), reading
 * implies delivered, and a move costs the same few round trips however many messages it covers.
 */
@Injectable()
export class ReceiptsService {
  constructor(
    private readonly repository: ReceiptsRepository,
    private readonly access: ConversationAccess,
    private readonly conversations: ConversationsService,
    /** The memberships, where the marks are kept. */
    private readonly memberships: ConversationsRepository,
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
  private async resolve(userId: string, conversationId: string, messageId: string): Promise<{ conversation: MemberConversation; message: MarkedMessage }> {
    toObjectId(conversationId, 'conversationId');
    toObjectId(messageId, 'messageId');
    const [conversation, message] = await Promise.all([this.access.requireMember(conversationId, userId), this.repository.findMessage(messageId)]);
    if (!message) throw new NotFoundException('Message not found');
    if (!message.conversationId.equals(conversationId)) {
      throw new BadRequestException('messageId must be a message of this conversation');
    }
    return { conversation, message };
  }

  private async move(userId: string, conversation: MemberConversation, message: MarkedMessage, types: ReceiptType[]): Promise<Set<ReceiptType>> {
    // The member sent this message or a later one: its marks are there already (sending implies reading).
    if ((conversation.sentUpTo[userId]?.seq ?? 0) >= message.seq) return new Set();
    const at = new Date();
    const movedSet = await this.memberships.advanceMarks(conversation.id, userId, types, message.seq, message._id, at);
    const moved = types.filter((type) => movedSet.has(type));
    await Promise.all(
      moved.map((type) => this.repository.recordReceipt({ conversationId: message.conversationId, userId: new Types.ObjectId(userId), type, seq: message.seq, at })),
    );
    for (const type of moved) {
      this.events.publish('receipt.moved', {
        receipt: { conversationId: conversation.id, userId, type, messageId: message._id.toHexString(), at: at.toISOString() },
        recipientIds: conversation.memberIds,
      });
    }
    return new Set(moved);
  }

  /**
   * For each member other than the sender: when it got and read the message (members only, 404
   * otherwise). A mark moves three ways: an explicit mark (a receipt event), the member's own later
   * message (sending moves the sender's marks, so status says `read` then too), or joining (marks
   * start at the conversation's seq): the earliest wins. A constant number of queries, whatever the
   * group size.
   */
  async receipts(userId: string, messageId: string): Promise<MessageReceiptResponse[]> {
    toObjectId(messageId, 'messageId');
    const { message } = await this.access.requireMessage(await this.repository.findMessage(messageId), userId);
    const marks = await this.conversations.marksOfConversation(message.conversationId);
    const others = marks.filter((member) => !member.userId.equals(message.senderId));
    const reached = others.filter((member) => member.deliveredUpToSeq >= message.seq).map((member) => member.userId);
    const [marked, replied] = await Promise.all([
      this.repository.firstReceiptTimes(message.conversationId, reached, message.seq),
      this.repository.firstSentTimes(message.conversationId, reached, message.seq),
    ]);
    const passedAt = (member: MemberMarks & { joinedAt?: Date }, type: ReceiptType): string | null => {
      if ((type === 'read' ? member.readUpToSeq : member.deliveredUpToSeq) < message.seq) return null;
      const id = member.userId.toHexString();
      const times = [marked.get(`${id}:${type}`), replied.get(id)].filter((time): time is Date => time instanceof Date);
      const first = times.length > 0 ? new Date(Math.min(...times.map((time) => time.getTime()))) : (member.joinedAt ?? null);
      return first?.toISOString() ?? null;
    };
    return others.map((member) => ({ userId: member.userId.toHexString(), deliveredAt: passedAt(member, 'delivered'), readAt: passedAt(member, 'read') }));
  }
}
