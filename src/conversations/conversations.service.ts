import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Types } from 'mongoose';
import { DomainEventMap, DomainEvents } from '../common/domain-events';
import { toObjectId } from '../common/object-id';
import { SocketRateLimiter } from '../common/socket-rate-limiter';
import { AppConfig } from '../config/app-config';
import type { Message } from '../contract';
import type { ConversationScope } from '../database/query-helpers';
import { effectiveMarks, MemberMarks, mentionCount, messageStatus, unreadCount } from '../receipts/read-state';
import { ConversationAccess, CONVERSATION_NOT_FOUND, MemberConversation, toMemberConversation } from './conversation-access';
import type { ConversationPageResponse, ConversationResponse } from './conversation.response';
import { ConversationRecord, ConversationsRepository, MembershipRecord } from './conversations.repository';
import type { CreateConversationDto } from './dto/create-conversation.dto';
import { MessageFields, toMessageResponse } from './message-snapshot';
import type { SentMark } from './schemas/conversation.schema';

/**
 * Conversations, their members and the members' marks as views show them. Every method that reads
 * or writes a conversation asks the access policy first (`ConversationAccess`); non-members get 404,
 * never data.
 */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly repository: ConversationsRepository,
    private readonly access: ConversationAccess,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
    private readonly limiter: SocketRateLimiter,
  ) {}

  // ---- membership --------------------------------------------------------------------------

  // ---- create / read -----------------------------------------------------------------------

  async create(callerId: string, dto: CreateConversationDto): Promise<{ conversation: ConversationResponse; created: boolean }> {
    if (dto.type === 'direct') {
      // `POST /conversations` counted in the `conversation` limit already (its route's guard).
      const { conversation, created } = await this.findOrOpenDirect(callerId, dto.userId as string, false);
      return { conversation: await this.getForMember(conversation.id, callerId), created };
    }
    return { conversation: await this.createGroup(callerId, dto.title as string, dto.memberIds as string[]), created: true };
  }

  /**
   * The one direct conversation of the pair, created on first use, for a caller that opens it on the
   * way (a send by recipient): an opening counts in the caller's `conversation` limit, as
   * `POST /conversations` does (429 before anything is written). 404 for an unknown user; 403 when
   * the other user blocks the caller (the blocker itself may still open it).
   */
  openDirect(callerId: string, otherUserId: string): Promise<{ conversation: MemberConversation; created: boolean }> {
    return this.findOrOpenDirect(callerId, otherUserId, true);
  }

  private async findOrOpenDirect(callerId: string, otherUserId: string, countOpening: boolean): Promise<{ conversation: MemberConversation; created: boolean }> {
    this.access.requireDirectPartner(callerId, otherUserId);
    const key = pairKey(callerId, otherUserId);
    const existing = await this.repository.findByUniqueKey(key);
    if (existing) {
      this.access.requireDirectUsable(existing, otherUserId);
      return { conversation: toMemberConversation(existing), created: false };
    }
    if (countOpening) await this.limiter.consume('conversation', callerId);
    await this.access.requireDirectOpenable(callerId, otherUserId);
    const now = new Date();
    const { conversation, created } = await this.repository.upsertDirect(key, [callerId, otherUserId], now);
    // Idempotent, so the loser of a creation race runs it too: both members exist before anyone answers.
    await this.repository.activateMemberships(conversation._id, [callerId, otherUserId], 0, now);
    if (created) await this.carryOverBlocks(conversation, callerId, otherUserId);
    if (created) await this.publishChanged(conversation, []);
    return { conversation: toMemberConversation(conversation), created };
  }

  /**
   * A block written while this conversation was being created found no conversation to mark. The
   * block record is written before its mark, so reading the records after the insert sees every
   * block whose mark could have missed it.
   */
  private async carryOverBlocks(conversation: ConversationRecord, callerId: string, otherUserId: string): Promise<void> {
    const { blockerIds, refusal } = await this.access.blockersOfNewDirect(callerId, otherUserId);
    for (const blockerId of blockerIds) await this.repository.setDirectBlock(conversation.uniqueKey, blockerId, true);
    if (refusal) throw refusal;
  }

  /**
   * Keeps the direct conversation's block marks in step with the block records; awaited by the
   * block request (`publishAndWait`), so sends are refused before it is answered. Idempotent.
   */
  @OnEvent('block.changed', { suppressErrors: false })
  async onBlockChanged({ blockerId, blockedId, blocked }: DomainEventMap['block.changed']): Promise<void> {
    await this.repository.setDirectBlock(pairKey(blockerId, blockedId), blockerId, blocked);
  }

  /** The existing direct conversation of a pair, or null (never creates). */
  async findDirect(callerId: string, otherUserId: string): Promise<string | null> {
    toObjectId(otherUserId, 'receiverId');
    const existing = await this.repository.findByUniqueKey(pairKey(callerId, otherUserId));
    return existing ? existing._id.toHexString() : null;
  }

  private async createGroup(creatorId: string, title: string, requestedIds: string[]): Promise<ConversationResponse> {
    const memberIds = [creatorId, ...new Set(requestedIds.filter((id) => id !== creatorId))];
    if (memberIds.length > this.config.groupMaxMembers) {
      throw new BadRequestException(`A group has at most ${this.config.groupMaxMembers} members`);
    }
    await this.access.requireAddable(creatorId, memberIds.slice(1));
    const now = new Date();
    const conversation = await this.repository.createGroup({ title, memberIds, creatorId, now });
    await this.repository.activateMemberships(conversation._id, memberIds, 0, now);
    await this.publishChanged(conversation, []);
    return this.toResponse(conversation, { unread: 0, mentions: 0, members: [] });
  }

  /** The caller's view of one conversation (members only). */
  async getForMember(conversationId: string, userId: string): Promise<ConversationResponse> {
    const conversation = await this.access.requireMemberRecord(conversationId, userId);
    const [response] = await this.toResponses([conversation], userId);
    return response;
  }

  /** The caller's conversations, newest activity first; `before` is the last id of the previous page. */
  async list(userId: string, limit: number, before?: string): Promise<ConversationPageResponse> {
    let position: { at: Date; id: Types.ObjectId } | undefined;
    if (before) {
      const anchor = await this.access.findAsMember(before, userId);
      if (!anchor) throw new BadRequestException('before must be the id of one of your conversations');
      position = { at: anchor.lastActivityAt, id: anchor._id };
    }
    const page = await this.repository.listForMember(userId, limit + 1, position);
    const items = await this.toResponses(page.slice(0, limit), userId);
    return { items, hasMore: page.length > limit };
  }

  // ---- change (group admin rules) ----------------------------------------------------------

  async rename(conversationId: string, callerId: string, title: string): Promise<ConversationResponse> {
    const conversation = await this.access.requireAdmin(conversationId, callerId);
    const renamed = await this.repository.rename(conversation._id.toHexString(), title, new Date());
    if (!renamed) throw new NotFoundException(CONVERSATION_NOT_FOUND);
    await this.publishChanged(renamed, []);
    return this.getForMember(conversationId, callerId);
  }

  async addMembers(conversationId: string, callerId: string, userIds: string[]): Promise<ConversationResponse> {
    const conversation = await this.access.requireAdmin(conversationId, callerId);
    const current = new Set(conversation.memberIds.map((id) => id.toHexString()));
    const newIds = [...new Set(userIds)].filter((id) => !current.has(id));
    if (newIds.length === 0) return this.getForMember(conversationId, callerId);
    if (current.size + newIds.length > this.config.groupMaxMembers) {
      throw new BadRequestException(`A group has at most ${this.config.groupMaxMembers} members`);
    }
    await this.access.requireAddable(callerId, newIds);
    const now = new Date();
    const updated = await this.repository.addMembers(conversationId, newIds, this.config.groupMaxMembers, now);
    if (!updated) throw new BadRequestException(`A group has at most ${this.config.groupMaxMembers} members`);
    await this.repository.activateMemberships(updated._id, newIds, updated.seq, now);
    await this.publishChanged(updated, []);
    return this.getForMember(conversationId, callerId);
  }

  /** Admins remove anyone; any member may remove itself (leave). */
  async removeMember(conversationId: string, callerId: string, userId: string): Promise<void> {
    await this.access.requireRemovable(conversationId, callerId, userId);
    const now = new Date();
    let updated = await this.repository.removeMember(conversationId, userId, now);
    if (!updated) throw new NotFoundException('Not a member of this conversation');
    await this.repository.deactivateMembership(updated._id, userId, now);
    // A group never stays without an admin while it has members: the longest-standing member steps up.
    if (updated.adminIds.length === 0 && updated.memberIds.length > 0) {
      updated = (await this.repository.promoteFirstMemberIfNoAdmin(conversationId)) ?? updated;
    }
    await this.publishChanged(updated, [userId]);
  }

  // ---- watermarks ----------------------------------------------------------------------------

  /**
   * The member's marks, its own newest message counted (sending implies reading, from the
   * conversation the caller has read); null when it never was a member.
   */
  async findMembership(conversation: Pick<MemberConversation, 'id' | 'sentUpTo'>, userId: string): Promise<MembershipRecord | null> {
    const membership = await this.repository.findMembership(conversation.id, userId);
    return membership ? effectiveMarks(membership, conversation.sentUpTo[userId]) : null;
  }

  /**
   * Current members' marks of one conversation, for message status. `sentUpTo`: the conversation's,
   * when the caller has just read the conversation (saves reading it again).
   */
  async marksOfConversation(conversationId: Types.ObjectId, sentUpTo?: Record<string, SentMark>): Promise<MemberMarks[]> {
    const known = sentUpTo ? new Map([[conversationId.toHexString(), sentUpTo]]) : undefined;
    return (await this.marksOf([conversationId], known)).get(conversationId.toHexString()) ?? [];
  }

  /**
   * Current members' marks of one or more conversations, for message status and unread counts: each
   * member's own newest message counts as read (`sentUpTo`, written by the send itself). `known`: the
   * `sentUpTo` of conversations the caller has just read; the others are read beside the memberships.
   */
  async marksOf(conversationIds: Types.ObjectId[], known: Map<string, Record<string, SentMark>> = new Map()): Promise<Map<string, MemberMarks[]>> {
    const unknown = conversationIds.filter((id) => !known.has(id.toHexString()));
    const [memberships, read] = await Promise.all([
      this.repository.findActiveMemberships(conversationIds),
      unknown.length > 0 ? this.repository.findSentMarks(unknown) : new Map<string, Record<string, SentMark>>(),
    ]);
    const sentOf = (conversationId: string) => known.get(conversationId) ?? read.get(conversationId);
    return groupByConversation(memberships.map((membership) => effectiveMarks(membership, sentOf(membership.conversationId.toHexString())?.[membership.userId.toHexString()])));
  }

  // ---- sync support -----------------------------------------------------------------------

  /** Conversations changed since a position (each since the user joined it), in `userId`'s view. */
  async findChangedSince(userId: string, scope: ConversationScope[], since: { at: Date; id: Types.ObjectId | null }, limit: number) {
    const records = await this.repository.findChangedSince(scope, since, limit);
    const responses = await this.toResponses(records, userId);
    return records.map((record, index) => ({ record, response: responses[index] }));
  }

  // ---- views ------------------------------------------------------------------------------

  /** Responses for the caller: one query for the marks of all of them, whatever the page size. */
  private async toResponses(conversations: ConversationRecord[], userId: string): Promise<ConversationResponse[]> {
    if (conversations.length === 0) return [];
    const marks = await this.marksOf(
      conversations.map((c) => c._id),
      new Map(conversations.map((c) => [c._id.toHexString(), c.sentUpTo ?? {}])),
    );
    return conversations.map((conversation) => {
      const members = marks.get(conversation._id.toHexString()) ?? [];
      const own = members.find((member) => member.userId.equals(userId));
      return this.toResponse(conversation, { unread: own ? unreadCount(conversation.lastMessageSeq ?? 0, own.readUpToSeq) : 0, mentions: mentionCount(own), members });
    });
  }

  private toResponse(conversation: ConversationRecord, view: { unread: number; mentions: number; members: MemberMarks[] }): ConversationResponse {
    return {
      ...toConversationBase(conversation, view.members),
      unreadCount: view.unread,
      mentionCount: view.mentions,
    };
  }

  /** Publishes `conversation.changed` to the members and to `removedIds`, each with its own unread count. */
  private async publishChanged(conversation: ConversationRecord, removedIds: string[]): Promise<void> {
    const marks = await this.marksOfConversation(conversation._id, conversation.sentUpTo ?? {});
    const unreadCountByUser: Record<string, number> = {};
    const mentionCountByUser: Record<string, number> = {};
    for (const member of marks) {
      unreadCountByUser[member.userId.toHexString()] = unreadCount(conversation.lastMessageSeq ?? 0, member.readUpToSeq);
      mentionCountByUser[member.userId.toHexString()] = mentionCount(member);
    }
    this.events.publish('conversation.changed', {
      conversation: toConversationBase(conversation, marks),
      unreadCountByUser,
      mentionCountByUser,
      recipientIds: [...conversation.memberIds.map((id) => id.toHexString()), ...removedIds],
    });
  }
}

/** A direct conversation's unique key: the two user ids, sorted, so either side finds it. */
function pairKey(userId: string, otherUserId: string): string {
  return [userId, otherUserId].sort().join(':');
}

function toConversationBase(conversation: ConversationRecord, marks: MemberMarks[]): Omit<ConversationResponse, 'unreadCount' | 'mentionCount'> {
  const admins = new Set(conversation.adminIds.map((id) => id.toHexString()));
  const last = conversation.lastMessage as MessageFields | null;
  const lastMessage: Message | null = last ? toMessageResponse(last, conversation._id, messageStatus(last, marks)) : null;
  return {
    id: conversation._id.toHexString(),
    type: conversation.type,
    title: conversation.type === 'group' ? conversation.title : null,
    members: conversation.memberIds.map((id) => ({ userId: id.toHexString(), role: admins.has(id.toHexString()) ? 'admin' : 'member' })),
    lastMessage,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.lastActivityAt.toISOString(),
  };
}

function groupByConversation(memberships: MembershipRecord[]): Map<string, MemberMarks[]> {
  const byConversation = new Map<string, MemberMarks[]>();
  for (const membership of memberships) {
    const key = membership.conversationId.toHexString();
    const list = byConversation.get(key) ?? [];
    list.push(membership);
    byConversation.set(key, list);
  }
  return byConversation;
}
