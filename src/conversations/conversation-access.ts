import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import type { AnyObject, Types } from 'mongoose';
import { toObjectId } from '../common/object-id';
import type { ConversationScope } from '../database/query-helpers';
import { BlocksService } from '../users/blocks.service';
import { UsersService } from '../users/users.service';
import { ConversationRecord, ConversationsRepository } from './conversations.repository';
import type { SentMark } from './schemas/conversation.schema';

export const CONVERSATION_NOT_FOUND = 'Conversation not found';
export const MESSAGE_NOT_FOUND = 'Message not found';
const CANNOT_MESSAGE = 'You cannot message this user';

/** A conversation the caller is a member of, as services use it. */
export interface MemberConversation {
  id: string;
  type: 'direct' | 'group';
  seq: number;
  /** Seq of the newest stored message (`seq` may be ahead of it by a send in flight or one that failed). */
  lastMessageSeq: number;
  memberIds: string[];
  /** Each member's newest own message (sending implies reading it and everything before it). */
  sentUpTo: Record<string, SentMark>;
  /** Members who block the other member of this direct conversation (always empty in a group). */
  blockedBy: string[];
}

/** What the access rules need of a message: where it lives and who sent it. */
export interface MessageRef {
  conversationId: Types.ObjectId;
  senderId: Types.ObjectId;
}

/** The writes a block refuses in a direct conversation, each with its own wording. */
export type BlockedWrite = 'send' | 'edit' | 'react';

const BLOCKED_WRITE: Record<BlockedWrite, { byCaller: string; byOther: string }> = {
  send: { byCaller: 'You blocked this user: unblock them to send messages', byOther: 'You cannot send messages to this user' },
  edit: { byCaller: 'You blocked this user: unblock them to edit messages', byOther: 'You cannot edit messages in this conversation' },
  react: { byCaller: 'You blocked this user: unblock them to react', byOther: 'You cannot react in this conversation' },
};

/**
 * The one block rule for writes: while either member of a direct conversation blocks the other, that
 * conversation is read-only for both (sends, edits and reactions are 403; history stays readable).
 * In groups a block changes no write (API.md: "messages flow as usual"); it hides presence and typing
 * (`BlocksService.hiddenFrom`). `null` when the write may go ahead.
 */
export function blockedWriteRefusal(conversation: { blockedBy?: readonly (Types.ObjectId | string)[] }, userId: string, write: BlockedWrite): ForbiddenException | null {
  const blockedBy = conversation.blockedBy ?? [];
  if (blockedBy.length === 0) return null;
  const wording = BLOCKED_WRITE[write];
  return new ForbiddenException(blockedBy.some((id) => String(id) === userId) ? wording.byCaller : wording.byOther);
}

/**
 * The atomic filter of a send's number grant: the conversation, with every sender and every user they
 * mention a current member, and no block standing (the block rule above, checked by the database in
 * the same update that hands out the numbers, so a member removed or blocked a moment earlier never
 * gets one). A refused grant is explained by `ConversationAccess.explainSendRefusal`.
 */
export function sendGrantFilter(conversationId: Types.ObjectId, memberIds: Types.ObjectId[]): AnyObject {
  return { _id: conversationId, memberIds: { $all: memberIds }, 'blockedBy.0': { $exists: false } };
}

/**
 * Who may read, write, administer, react to or be told about a conversation and its messages. Every
 * service asks here; nothing else decides access. A caller who may not see a conversation or message
 * gets 404, never a hint that it exists.
 */
@Injectable()
export class ConversationAccess {
  constructor(
    private readonly repository: ConversationsRepository,
    private readonly users: UsersService,
    private readonly blocks: BlocksService,
  ) {}

  // ---- read ----------------------------------------------------------------------------------

  /** The conversation if the user is a current member; 404 otherwise (400 for a malformed id). */
  async requireMember(conversationId: string, userId: string): Promise<MemberConversation> {
    return toMemberConversation(await this.requireMemberRecord(conversationId, userId));
  }

  /** As `requireMember`, the stored conversation (for views that show all of it). */
  async requireMemberRecord(conversationId: string, userId: string): Promise<ConversationRecord> {
    toObjectId(conversationId, 'conversationId');
    const conversation = await this.repository.findForMember(conversationId, userId);
    if (!conversation) throw new NotFoundException(CONVERSATION_NOT_FOUND);
    return conversation;
  }

  /** The conversation if the user is a current member, else null (a position the caller names, for one). */
  findAsMember(conversationId: string, userId: string): Promise<ConversationRecord | null> {
    return this.repository.findForMember(conversationId, userId);
  }

  /**
   * A message the caller may see (a current member of its conversation), with that conversation;
   * 404 "Message not found" otherwise, the same whether the message is missing or not the caller's.
   */
  async requireMessage<M extends MessageRef>(message: M | null, userId: string): Promise<{ message: M; conversation: MemberConversation }> {
    if (!message) throw new NotFoundException(MESSAGE_NOT_FOUND);
    const conversation = await this.repository.findForMember(message.conversationId.toHexString(), userId);
    if (!conversation) throw new NotFoundException(MESSAGE_NOT_FOUND);
    return { message, conversation: toMemberConversation(conversation) };
  }

  /**
   * A message the caller sent, to take back: visible (404), its own (403). A block does not stop
   * it: deleting one's own message writes nothing new into the conversation.
   */
  async requireOwnMessage<M extends MessageRef>(message: M | null, userId: string): Promise<{ message: M; conversation: MemberConversation }> {
    const found = await this.requireMessage(message, userId);
    if (!found.message.senderId.equals(userId)) throw new ForbiddenException('Only the sender can change a message');
    return found;
  }

  /** A message the caller sent and may still edit: its own (404, 403), and no block standing (403). */
  async requireEditable<M extends MessageRef>(message: M | null, userId: string): Promise<{ message: M; conversation: MemberConversation }> {
    const found = await this.requireOwnMessage(message, userId);
    throwIf(blockedWriteRefusal(found.conversation, userId, 'edit'));
    return found;
  }

  /** A message the caller may react to: visible (404), no block standing in its direct conversation (403). */
  async requireReactable<M extends MessageRef>(message: M | null, userId: string): Promise<{ message: M; conversation: MemberConversation }> {
    const found = await this.requireMessage(message, userId);
    throwIf(blockedWriteRefusal(found.conversation, userId, 'react'));
    return found;
  }

  /**
   * A stored message answered again to its sender (a retried send, or the loser of a duplicate):
   * only while the sender may still read it, a current member of its conversation; otherwise 404, as
   * for any send from a non-member (the message as it is now carries later edits of its quote,
   * reactions, status). `currentMemberIds`: the conversation's members, read by the caller beside what
   * it reads anyway (the retry's replay reads their marks), so the check costs no command. `null` when
   * the answer may go.
   */
  storedSendRefusal(currentMemberIds: readonly Types.ObjectId[], senderId: Types.ObjectId): NotFoundException | null {
    return currentMemberIds.some((id) => id.equals(senderId)) ? null : new NotFoundException(CONVERSATION_NOT_FOUND);
  }

  /** Ids of the conversations the user is a member of now: what its history pages and searches may show. */
  async readableConversationIds(userId: string): Promise<Types.ObjectId[]> {
    return (await this.repository.findActiveMembershipsOf(userId)).map((membership) => membership.conversationId);
  }

  /**
   * What a sync may read: the conversations the user is in, each from its (latest) join on, since
   * changes made while it was not a member are not its to see; and those it left at or after
   * `leftSince`, with the time it left (a sync reports only their ids).
   */
  async syncScope(userId: string, leftSince: Date): Promise<{ active: ConversationScope[]; left: { conversationId: Types.ObjectId; removedAt: Date }[] }> {
    const memberships = await this.repository.findMembershipsForSync(userId, leftSince);
    return {
      active: memberships.filter((m) => !m.removedAt).map((m) => ({ conversationId: m.conversationId, from: m.joinedAt })),
      left: memberships.filter((m) => m.removedAt).map((m) => ({ conversationId: m.conversationId, removedAt: m.removedAt as Date })),
    };
  }

  /**
   * Who sees the user typing in a conversation (members only, 404 otherwise): the other members,
   * less those with a block between them and the user (the rule presence follows too).
   */
  async typingAudience(conversationId: string, userId: string): Promise<string[]> {
    const [{ memberIds }, hidden] = await Promise.all([this.requireMember(conversationId, userId), this.blocks.hiddenFrom(userId)]);
    return memberIds.filter((memberId) => memberId !== userId && !hidden.has(memberId));
  }

  // ---- write ---------------------------------------------------------------------------------

  /**
   * Why a send was refused its number (only after a refusal, never on the way of a send that goes
   * through): 404 when the sender is not a member, 403 in a direct conversation where a block
   * stands, else 400 (a mentioned user is not a member).
   */
  async explainSendRefusal(conversationId: string, senderId: string): Promise<Error> {
    const conversation = await this.repository.findForMember(conversationId, senderId);
    if (!conversation) return new NotFoundException(CONVERSATION_NOT_FOUND);
    return blockedWriteRefusal(conversation, senderId, 'send') ?? new BadRequestException('mentions must be current members of this conversation');
  }

  /**
   * Whether the caller may use the pair's existing direct conversation: 403 when the other user
   * blocks the caller (the blocker itself may still open it, and reads it; its sends are refused).
   */
  requireDirectUsable(existing: ConversationRecord, otherUserId: string): void {
    if ((existing.blockedBy ?? []).some((id) => id.equals(otherUserId))) throw new ForbiddenException(CANNOT_MESSAGE);
  }

  /** The other member of a direct conversation: a well-formed id (400), not the caller itself (400). */
  requireDirectPartner(callerId: string, otherUserId: string): void {
    toObjectId(otherUserId, 'userId');
    if (otherUserId === callerId) throw new BadRequestException('A direct conversation needs another user');
  }

  /**
   * Whether the caller may start a direct conversation with `otherUserId`: 404 for an unknown user,
   * 403 when that user blocks the caller.
   */
  async requireDirectOpenable(callerId: string, otherUserId: string): Promise<void> {
    const [exists, blockers] = await Promise.all([this.users.existingIds([otherUserId]), this.blocks.blockersAmong(callerId, [otherUserId])]);
    if (exists.length === 0) throw new NotFoundException('User not found');
    if (blockers.length > 0) throw new ForbiddenException(CANNOT_MESSAGE);
  }

  /**
   * A block written while a direct conversation was being created found no conversation to mark: the
   * blocks standing now, read after the insert. Returns the blockers; the caller marks them, and is
   * refused (403) when the other user blocks it.
   */
  async blockersOfNewDirect(callerId: string, otherUserId: string): Promise<{ blockerIds: string[]; refusal: ForbiddenException | null }> {
    const [callerBlockedBy, otherBlockedBy] = await Promise.all([this.blocks.blockersAmong(callerId, [otherUserId]), this.blocks.blockersAmong(otherUserId, [callerId])]);
    return { blockerIds: [...callerBlockedBy, ...otherBlockedBy], refusal: callerBlockedBy.length > 0 ? new ForbiddenException(CANNOT_MESSAGE) : null };
  }

  // ---- administer ------------------------------------------------------------------------------

  /** A group the caller administers: 404 (not a member), 400 (a direct conversation), 403 (not an admin). */
  async requireAdmin(conversationId: string, callerId: string): Promise<ConversationRecord> {
    const conversation = await this.requireMemberRecord(conversationId, callerId);
    if (conversation.type !== 'group') throw new BadRequestException('Only group conversations have a title and admins');
    if (!isAdmin(conversation, callerId)) throw new ForbiddenException('Only group admins can do this');
    return conversation;
  }

  /**
   * Whether the caller may remove `userId` from the conversation: admins remove anyone, any member
   * may remove itself (leave); nobody leaves a direct conversation. 404 when `userId` is no member.
   */
  async requireRemovable(conversationId: string, callerId: string, userId: string): Promise<ConversationRecord> {
    toObjectId(userId, 'userId');
    const conversation = await this.requireMemberRecord(conversationId, callerId);
    if (conversation.type === 'direct') throw new BadRequestException('Members of a direct conversation cannot be removed');
    if (userId !== callerId && !isAdmin(conversation, callerId)) throw new ForbiddenException('Only group admins can remove other members');
    if (!conversation.memberIds.some((id) => id.equals(userId))) throw new NotFoundException('Not a member of this conversation');
    return conversation;
  }

  /** The users exist (404 naming the unknown ones) and none of them blocks the caller (403). */
  async requireAddable(callerId: string, userIds: string[]): Promise<void> {
    const [found, blockers] = await Promise.all([this.users.existingIds(userIds), this.blocks.blockersAmong(callerId, userIds)]);
    const existing = new Set(found);
    const unknown = userIds.filter((id) => !existing.has(id));
    if (unknown.length > 0) throw new NotFoundException(`Unknown users: ${unknown.join(', ')}`);
    // Which of them blocks the caller stays theirs to know: the answer names nobody.
    if (blockers.length > 0) throw new ForbiddenException('You cannot add one or more of these users');
  }
}

function isAdmin(conversation: ConversationRecord, userId: string): boolean {
  return conversation.adminIds.some((id) => id.equals(userId));
}

function throwIf(refusal: Error | null): void {
  if (refusal) throw refusal;
}

export function toMemberConversation(conversation: ConversationRecord): MemberConversation {
  return {
    id: conversation._id.toHexString(),
    type: conversation.type,
    seq: conversation.seq,
    lastMessageSeq: conversation.lastMessageSeq ?? 0,
    memberIds: conversation.memberIds.map((id) => id.toHexString()),
    sentUpTo: conversation.sentUpTo ?? {},
    blockedBy: (conversation.blockedBy ?? []).map((id) => id.toHexString()),
  };
}
