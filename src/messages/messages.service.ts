import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { DomainEvents } from '../common/domain-events';
import { toObjectId } from '../common/object-id';
import { AppConfig } from '../config/app-config';
import { ConversationAccess, MemberConversation } from '../conversations/conversation-access';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { ConversationsService } from '../conversations/conversations.service';
import { replyPreviewOf, samePreview, toMessageResponse } from '../conversations/message-snapshot';
import { MemberMarks, messageStatus } from '../receipts/read-state';
import type { MessagePageQuery } from './dto/message-page.query';
import type { SendMessageDto } from './dto/send-message.dto';
import type { MessagePageResponse, MessageResponse } from './message.response';
import { MessageRecord, messageIdFor, MessagesRepository } from './messages.repository';
import { SendBatcher } from './send/send-batcher';
import { MAX_DISTINCT_REACTIONS, toReactionEmoji } from './reaction-emoji';
import { searchTermsOf } from './search/search-terms';

const DELETED_REACTION = 'A deleted message cannot be reacted to';
/** How often a reaction's update is tried while the message keeps changing under it (only races retry). */
const REACTION_ATTEMPTS = 5;

/** Sending, editing, deleting and reading messages. Every path asks the access policy first. */
@Injectable()
export class MessagesService {
  /** Per sender: the last send still being admitted (see `admitInOrder`). */
  private readonly admissions = new Map<string, Promise<void>>();

  constructor(
    private readonly repository: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly access: ConversationAccess,
    /** The conversations' summaries and mention lists, which edits and deletes keep current. */
    private readonly conversationRecords: ConversationsRepository,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
    private readonly batcher: SendBatcher,
  ) {}

  /** Resolves once every send taken so far is stored and announced (graceful shutdown). */
  settled(): Promise<void> {
    return this.batcher.settled();
  }

  /**
   * Stores a message; the send path publishes `message.created` once it is durable. A repeated
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
      // The quoted message of a reply is read beside the direct conversation's look-up.
      const [conversationId, quoted] = await Promise.all([
        input.conversationId ?? this.conversations.openDirect(senderId, input.recipientId as string).then(({ conversation }) => conversation.id),
        input.replyToId !== undefined ? this.repository.findById(input.replyToId) : null,
      ]);
      const conversation = toObjectId(conversationId, 'conversationId');
      await this.requireQuoteOf(conversationId, senderId, input, quoted);
      const rich = this.richFields(input, quoted, text);
      // Wrapped, not returned: admission ends once the send is queued, not once it is stored.
      const submitted = this.batcher.submit({
        id,
        conversationId: conversation,
        senderId: new Types.ObjectId(senderId),
        text,
        clientId: input.clientId ?? null,
        mentionIds: rich.mentions,
        extra: rich,
      });
      return { outcome: submitted };
    });
    const result = await outcome;
    // A stored message answered again: its status from the marks its answer read (with the sender's membership), if it did.
    if (!result.created) return { message: result.marks ? this.inView(result.record, result.marks) : await this.toResponse(result.record), created: false };
    const message = toMessageResponse(result.record, result.record.conversationId, 'sent');
    if (result.record.replyTo) {
      const conversation = { id: result.record.conversationId.toHexString(), memberIds: result.recipientIds };
      return { message: await this.settleReplyPreview(result.record, conversation, message), created: true };
    }
    return { message, created: true };
  }

  /**
   * Runs `admit` (the steps up to submitting a send) after the sender's previous send was submitted,
   * so that a look-up on the way (a direct conversation by recipient, a quoted message) cannot let a
   * later send overtake.
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

  /**
   * 400 when `replyToId` names no message of this conversation, but membership first: a non-member
   * gets 404 whatever it names, so it cannot learn where a message lives. Only a refused quote reads
   * the membership here (a member's send is checked where `seq` is handed out).
   */
  private async requireQuoteOf(conversationId: string, senderId: string, input: SendMessageDto, quoted: MessageRecord | null): Promise<void> {
    if (input.replyToId === undefined || (quoted && quoted.conversationId.equals(conversationId))) return;
    await this.access.requireMember(conversationId, senderId);
    throw new BadRequestException('replyToId must be a message of this conversation');
  }

  /**
   * The send's quote (checked by `requireQuoteOf`), mentions and search terms; whether every mention
   * is a member is checked where `seq` is handed out.
   */
  private richFields(input: SendMessageDto, quoted: MessageRecord | null, text: string): Pick<MessageRecord, 'replyTo' | 'mentions' | 'reactions' | 'searchTerms'> {
    const mentions = [...new Set((input.mentions ?? []).map((userId) => userId.toLowerCase()))].map((userId) => new Types.ObjectId(userId));
    return { replyTo: quoted ? replyPreviewOf(quoted) : null, mentions, reactions: [], searchTerms: searchTermsOf(text) };
  }

  /** Who a message's mentions count for: the mentioned members other than the sender. */
  private mentionedOthers(message: MessageRecord): string[] {
    return (message.mentions ?? []).filter((userId) => !userId.equals(message.senderId)).map((userId) => userId.toHexString());
  }

  /**
   * The quoted message may have been edited or deleted between our read and our insert, too late for
   * its own refresh of the replies to see this one: read it again and catch up. (If this read still
   * sees the old version, that edit's refresh runs after our insert and updates this reply itself.)
   */
  private async settleReplyPreview(reply: MessageRecord, conversation: Pick<MemberConversation, 'id' | 'memberIds'>, sent: MessageResponse): Promise<MessageResponse> {
    const quoted = await this.repository.findById((reply.replyTo as NonNullable<MessageRecord['replyTo']>).id.toHexString());
    const preview = quoted ? replyPreviewOf(quoted) : null;
    if (!preview || samePreview(preview, reply.replyTo)) return sent;
    const updated = await this.repository.setReplyPreview(reply._id, preview, new Date());
    return updated ? this.publishChange(updated, conversation, 'message.updated') : sent;
  }

  /** Changes the text (sender only, while still a member); publishes `message.updated`. */
  async edit(userId: string, messageId: string, rawText: string): Promise<MessageResponse> {
    const text = this.checkText(rawText);
    const { message, conversation } = await this.access.requireEditable(await this.findMessage(messageId), userId);
    if (message.deletedAt) throw new ConflictException('A deleted message cannot be edited');
    const now = new Date();
    const updated = await this.repository.updateText(message._id, text, searchTermsOf(text), now);
    if (!updated) throw new ConflictException('A deleted message cannot be edited');
    const [response] = await Promise.all([this.publishChange(updated, conversation, 'message.updated'), this.refreshQuotes(updated, conversation, now)]);
    return response;
  }

  /** Leaves a tombstone (sender only); publishes `message.deleted`. Deleting twice is a no-op. */
  async remove(userId: string, messageId: string): Promise<void> {
    const { message, conversation } = await this.access.requireOwnMessage(await this.findMessage(messageId), userId);
    if (message.deletedAt) return;
    const now = new Date();
    const deleted = await this.repository.markDeleted(message._id, now);
    if (!deleted) return;
    await Promise.all([
      this.conversationRecords.replaceLastMessage(conversation.id, deleted),
      this.refreshQuotes(deleted, conversation, now),
      // A deleted message no longer counts as a mention (its record kept the mentions until now).
      this.conversationRecords.forgetMentions(conversation.id, this.mentionedOthers(message), message.seq),
    ]);
    this.events.publish('message.deleted', { id: messageId, conversationId: conversation.id, recipientIds: conversation.memberIds });
  }

  /**
   * After an edit or delete: replies quoting this message show it as it is now (and count as changed
   * for sync), and so does the conversation's summary if its last message is such a reply. Clients
   * that hold those replies update their quotes from this message's own event.
   */
  private async refreshQuotes(message: MessageRecord, conversation: MemberConversation, at: Date): Promise<void> {
    const preview = replyPreviewOf(message);
    await Promise.all([this.repository.refreshReplyPreviews(preview, at), this.conversationRecords.refreshQuotedPreview(conversation.id, preview)]);
  }

  /**
   * Adds (`on`) or takes back the caller's `emoji` on a message (members only, 404 otherwise), in one
   * atomic update, and publishes `message.updated`. Repeating either is a no-op answered with the
   * message. 409 for reacting to a deleted message, or for a new emoji past MAX_DISTINCT_REACTIONS.
   */
  async react(userId: string, messageId: string, rawEmoji: string, on: boolean): Promise<MessageResponse> {
    const emoji = toReactionEmoji(rawEmoji);
    const { message, conversation } = await this.access.requireReactable(await this.findMessage(messageId), userId);
    if (on && message.deletedAt) throw new ConflictException(DELETED_REACTION);
    const user = new Types.ObjectId(userId);
    for (let attempt = 1; ; attempt++) {
      const now = new Date();
      const updated = on
        ? await this.repository.addReaction(message._id, emoji, user, now, MAX_DISTINCT_REACTIONS)
        : await this.repository.removeReaction(message._id, emoji, user, now);
      if (updated) return this.publishChange(updated, conversation, 'message.updated');
      // Nothing changed: find out why from the message as it is now.
      const current = (await this.repository.findById(messageId)) ?? message;
      if (on && current.deletedAt) throw new ConflictException(DELETED_REACTION);
      const reactions = current.reactions ?? [];
      const mine = reactions.some((reaction) => reaction.emoji === emoji && reaction.userIds.some((id) => id.equals(user)));
      // An add that finds the reaction there, or a remove that finds it gone: a no-op.
      if (mine === on) return this.toResponse(current);
      const full = reactions.length >= MAX_DISTINCT_REACTIONS && !reactions.some((reaction) => reaction.emoji === emoji);
      if (on && full) throw new ConflictException(`A message has at most ${MAX_DISTINCT_REACTIONS} different reactions`);
      // The message changed between the update and this read (the caller's own add or remove of this
      // reaction racing this one, or an emoji taken back below the cap): what the update found is
      // gone, so it is tried again. Past the last attempt, the races this one lost are its answer.
      if (attempt === REACTION_ATTEMPTS) return this.toResponse(current);
    }
  }

  /** A page of history, oldest first: newest, `before` an id, or `after` an id. */
  async page(userId: string, conversationId: string, query: MessagePageQuery): Promise<MessagePageResponse> {
    if (query.before && query.after) throw new BadRequestException('Give at most one of before and after');
    const conversation = await this.access.requireMember(conversationId, userId);
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
      this.conversations.marksOfConversation(new Types.ObjectId(conversation.id), conversation.sentUpTo),
    ]);
    const hasMore = records.length > query.limit;
    // One extra row tells whether there is more: the oldest one going back, the newest going forward.
    const items = hasMore ? (query.after ? records.slice(0, query.limit) : records.slice(1)) : records;
    return { items: items.map((record) => toMessageResponse(record, record.conversationId, messageStatus(record, members))), hasMore };
  }

  /** A message the caller may see (member of its conversation); 404 otherwise. */
  async requireVisibleMessage(userId: string, messageId: string): Promise<MessageRecord> {
    return (await this.access.requireMessage(await this.findMessage(messageId), userId)).message;
  }

  /** The message by id (400 for a malformed one), for the access policy to judge. */
  private findMessage(messageId: string): Promise<MessageRecord | null> {
    toObjectId(messageId, 'messageId');
    return this.repository.findById(messageId);
  }

  /** The message in the caller's view, with its current status. */
  async toResponse(message: MessageRecord): Promise<MessageResponse> {
    return this.inView(message, await this.conversations.marksOfConversation(message.conversationId));
  }

  /** The message with its status among its conversation's current members' `marks`. */
  private inView(message: MessageRecord, marks: MemberMarks[]): MessageResponse {
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

  private async publishChange(message: MessageRecord, conversation: Pick<MemberConversation, 'id' | 'memberIds'>, event: 'message.updated'): Promise<MessageResponse> {
    const [response] = await Promise.all([this.toResponse(message), this.conversationRecords.replaceLastMessage(conversation.id, message)]);
    this.events.publish(event, { message: response, recipientIds: conversation.memberIds });
    return response;
  }
}
