import { BadRequestException, ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { DomainEvents } from '../common/domain-events';
import { toObjectId } from '../common/object-id';
import { AppConfig } from '../config/app-config';
import { ConversationsService, MemberConversation } from '../conversations/conversations.service';
import { MemberMarks, messageStatus, toMessageResponse } from '../conversations/message-view';
import type { MessagePageQuery } from './dto/message-page.query';
import type { SendMessageDto } from './dto/send-message.dto';
import type { MessagePageResponse, MessageReceiptResponse, MessageResponse } from './message.response';
import { MessageRecord, messageIdFor, MessagesRepository } from './messages.repository';
import { SendBatcher } from './send-batcher';

const MESSAGE_NOT_FOUND = 'Message not found';

/** Sending, editing, deleting and reading messages. Every path checks membership first. */
@Injectable()
export class MessagesService {
  /** Per sender: the last send still being admitted (see `admitInOrder`). */
  private readonly admissions = new Map<string, Promise<void>>();

  constructor(
    private readonly repository: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
    private readonly batcher: SendBatcher,
  ) {
    batcher.onStored((record, recipientIds) => this.announce(record, recipientIds));
  }

  /**
   * Stores a message and publishes `message.created` once it is durable. A repeated
   * (sender, clientId) returns the first message with `created: false` and stores nothing: the
   * message's id derives from (sender, clientId), so the primary key refuses a second copy.
   * Sends are written in batches (SendBatcher: a fixed number of round trips per batch, whatever
   * its size); a sender's sends are submitted in the order they arrived, so they get their numbers
   * and are announced in that order.
   */
  async send(senderId: string, input: SendMessageDto): Promise<{ message: MessageResponse; created: boolean }> {
    const text = this.checkText(input.text);
    if (Boolean(input.conversationId) === Boolean(input.recipientId)) {
      throw new BadRequestException('Give exactly one of conversationId and recipientId');
    }
    const id = input.clientId !== undefined ? messageIdFor(senderId, input.clientId) : new Types.ObjectId();
    const { outcome } = await this.admitInOrder(senderId, async () => {
      const conversationId = input.conversationId ?? (await this.conversations.openDirect(senderId, input.recipientId as string)).conversation.id;
      toObjectId(conversationId, 'conversationId');
      // Wrapped, not returned: admission ends once the send is queued, not once it is stored.
      const submitted = this.batcher.submit({
        id, conversationId: new Types.ObjectId(conversationId), senderId: new Types.ObjectId(senderId), text, clientId: input.clientId ?? null,
      });
      return { outcome: submitted };
    });
    const result = await outcome;
    if (!result.created) return { message: await this.toResponse(result.record), created: false };
    return { message: toMessageResponse(result.record, result.record.conversationId, 'sent'), created: true };
  }
  /**
   * Runs `admit` (the steps up to submitting a send) after the sender's previous send was submitted,
   * so that a look-up on the way (a direct conversation by recipient) cannot let a later send overtake.
   */
  private async admitInOrder<T>(senderId: string, admit: () => Promise<T>): Promise<T> {
    const previous = this.admissions.get(senderId);
    let done!: () => void;
    const admitted = new Promise<void>((resolve) => (done = resolve));
    this.admissions.set(senderId, admitted);
    try {
      if (previous) await previous;
      return await admit();
    } finally {
      done();
      if (this.admissions.get(senderId) === admitted) this.admissions.delete(senderId);
    }
  }

  /** Announces a stored message to its conversation's members (SendBatcher calls it in `seq` order). */
  private announce(record: MessageRecord, recipientIds: string[]): void {
    this.events.publish('message.created', { message: toMessageResponse(record, record.conversationId, 'sent'), recipientIds });
  }

  /** Changes the text (sender only, while still a member); publishes `message.updated`. */
  async edit(userId: string, messageId: string, rawText: string): Promise<MessageResponse> {
    const text = this.checkText(rawText);
    const { message, conversation } = await this.requireOwnMessage(userId, messageId);
    if (message.deletedAt) throw new ConflictException('A deleted message cannot be edited');
    const updated = await this.repository.updateText(message._id, text, new Date());
    if (!updated) throw new ConflictException('A deleted message cannot be edited');
    return this.publishChange(updated, conversation, 'message.updated');
  }

  /** Leaves a tombstone (sender only); publishes `message.deleted`. Deleting twice is a no-op. */
  async remove(userId: string, messageId: string): Promise<void> {
    const { message, conversation } = await this.requireOwnMessage(userId, messageId);
    if (message.deletedAt) return;
    const deleted = await this.repository.markDeleted(message._id, new Date());
    if (!deleted) return;
    await this.conversations.replaceLastMessage(conversation.id, deleted);
    this.events.publish('message.deleted', { id: messageId, conversationId: conversation.id, recipientIds: conversation.memberIds });
  }

  /** A page of history, oldest first: newest, `before` an id, or `after` an id. */
  async page(userId: string, conversationId: string, query: MessagePageQuery): Promise<MessagePageResponse> {
    if (query.before && query.after) throw new BadRequestException('Give at most one of before and after');
    const conversation = await this.conversations.requireMember(conversationId, userId);
    const cursorId = query.before ?? query.after;
    let cursorSeq: number | null = null;
    if (cursorId) {
      const cursor = await this.repository.findById(cursorId);
      if (!cursor || !cursor.conversationId.equals(conversation.id)) {
        throw new BadRequestException(`${query.before ? 'before' : 'after'} must be a message of this conversation`);
      }
      cursorSeq = cursor.seq;
    }
    const [records, members] = await Promise.all([
      query.after ? this.repository.pageAfter(conversation.id, cursorSeq as number, query.limit + 1) : this.repository.pageBefore(conversation.id, cursorSeq, query.limit + 1),
      this.conversations.marksOfConversation(new Types.ObjectId(conversation.id)),
    ]);
    const hasMore = records.length > query.limit;
    // One extra row tells whether there is more: the oldest one going back, the newest going forward.
    const items = hasMore ? (query.after ? records.slice(0, query.limit) : records.slice(1)) : records;
    return { items: items.map((record) => toMessageResponse(record, record.conversationId, messageStatus(record, members))), hasMore };
  }

  /**
   * For each member other than the sender: when it got and read the message (members only). A mark
   * moves three ways: an explicit mark (a receipt event), the member's own later message (sending
   * moves the sender's marks, so status says `read` then too), or joining (marks start at the
   * conversation's seq): the earliest wins. A constant number of queries, whatever the group size.
   */
  async receipts(userId: string, messageId: string): Promise<MessageReceiptResponse[]> {
    const message = await this.requireVisibleMessage(userId, messageId);
    const marks = await this.conversations.marksOfConversation(message.conversationId);
    const others = marks.filter((member) => !member.userId.equals(message.senderId));
    const reached = others.filter((member) => member.deliveredUpToSeq >= message.seq).map((member) => member.userId);
    const [marked, replied] = await Promise.all([
      this.repository.firstReceiptTimes(message.conversationId, reached, message.seq),
      this.repository.firstSentTimes(message.conversationId, reached, message.seq),
    ]);
    const passedAt = (member: MemberMarks & { joinedAt?: Date }, type: 'delivered' | 'read'): string | null => {
      if ((type === 'read' ? member.readUpToSeq : member.deliveredUpToSeq) < message.seq) return null;
      const id = member.userId.toHexString();
      const times = [marked.get(`${id}:${type}`), replied.get(id)].filter((time): time is Date => time instanceof Date);
      const first = times.length > 0 ? new Date(Math.min(...times.map((time) => time.getTime()))) : (member.joinedAt ?? null);
      return first?.toISOString() ?? null;
    };
    return others.map((member) => ({ userId: member.userId.toHexString(), deliveredAt: passedAt(member, 'delivered'), readAt: passedAt(member, 'read') }));
  }

  /** A message the caller may see (member of its conversation); 404 otherwise. */
  async requireVisibleMessage(userId: string, messageId: string): Promise<MessageRecord> {
    toObjectId(messageId, 'messageId');
    const message = await this.repository.findById(messageId);
    if (!message) throw new NotFoundException(MESSAGE_NOT_FOUND);
    await this.conversations.requireMember(message.conversationId.toHexString(), userId).catch(() => {
      throw new NotFoundException(MESSAGE_NOT_FOUND);
    });
    return message;
  }

  /** The message in the caller's view, with its current status. */
  async toResponse(message: MessageRecord): Promise<MessageResponse> {
    const marks = await this.conversations.marksOfConversation(message.conversationId);
    return toMessageResponse(message, message.conversationId, messageStatus(message, marks));
  }

  private checkText(text: string): string {
    const trimmed = typeof text === 'string' ? text.trim() : '';
    if (trimmed.length === 0) throw new BadRequestException('text must not be empty');
    if (trimmed.length > this.config.messageMaxLength) {
      throw new BadRequestException(`text must be at most ${this.config.messageMaxLength} characters`);
    }
    return trimmed;
  }

  private async requireOwnMessage(userId: string, messageId: string): Promise<{ message: MessageRecord; conversation: MemberConversation }> {
    toObjectId(messageId, 'messageId');
    const message = await this.repository.findById(messageId);
    if (!message) throw new NotFoundException(MESSAGE_NOT_FOUND);
    const conversation = await this.conversations.requireMember(message.conversationId.toHexString(), userId).catch(() => {
      throw new NotFoundException(MESSAGE_NOT_FOUND);
    });
    if (!message.senderId.equals(userId)) throw new ForbiddenException('Only the sender can change a message');
    return { message, conversation };
  }

  private async publishChange(message: MessageRecord, conversation: MemberConversation, event: 'message.updated'): Promise<MessageResponse> {
    const [response] = await Promise.all([this.toResponse(message), this.conversations.replaceLastMessage(conversation.id, message)]);
    this.events.publish(event, { message: response, recipientIds: conversation.memberIds });
    return response;
  }
}
