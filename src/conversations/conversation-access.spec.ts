import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { conversationRecord } from '../../test/factories/conversation.factory';
import type { BlocksService } from '../users/blocks.service';
import type { UsersService } from '../users/users.service';
import { blockedWriteRefusal, ConversationAccess, sendGrantFilter } from './conversation-access';
import type { ConversationRecord, ConversationsRepository } from './conversations.repository';

/*
 * Every action of the access policy against every kind of caller, as one table. The repository is
 * an in-memory stand-in that answers `findForMember` as the database does: the conversation only
 * while the caller is one of its current members.
 */

const id = () => new Types.ObjectId().toHexString();
const admin = id();
const member = id();
const former = id();
const outsider = id();
const blocked = id();
const blocker = id();

type Role = 'admin' | 'member' | 'former member' | 'non-member' | 'blocked user' | 'blocker';
type Outcome = 'allowed' | 400 | 403 | 404;

/** A group (admin + member; `former` left) and a direct conversation where `blocker` blocks `blocked`. */
const groupId = id();
const directId = id();
const group = conversationRecord({ id: groupId, memberIds: [admin, member, blocked], seq: 3, type: 'group', title: 'Team', adminIds: [new Types.ObjectId(admin)] });
const direct = conversationRecord({ id: directId, memberIds: [blocked, blocker], seq: 3, blockedBy: [new Types.ObjectId(blocker)] });
const stored = new Map<string, ConversationRecord>([
  [groupId, group],
  [directId, direct],
]);

const repository = {
  findForMember: async (conversationId: string, userId: string) => {
    const conversation = stored.get(conversationId);
    return conversation && conversation.memberIds.some((memberId) => memberId.equals(userId)) ? conversation : null;
  },
} as unknown as ConversationsRepository;
const users = { existingIds: async (ids: string[]) => ids } as unknown as UsersService;
const blocks = {
  hiddenFrom: async (userId: string) => new Set(userId === blocker ? [blocked] : userId === blocked ? [blocker] : []),
  blockersAmong: async (blockedId: string, userIds: string[]) => (blockedId === blocked ? userIds.filter((userId) => userId === blocker) : []),
} as unknown as BlocksService;
const sut = new ConversationAccess(repository, users, blocks);

const who: Record<Role, string> = { admin, member, 'former member': former, 'non-member': outsider, 'blocked user': blocked, blocker };
/** A message in the conversation, sent by the caller itself (so "only the sender" never decides). */
const ownMessage = (conversation: ConversationRecord, userId: string) => ({ conversationId: conversation._id, senderId: new Types.ObjectId(userId) });

/** Each action, as the policy is asked it, in the conversation that matters for the role. */
const actions: Record<string, (userId: string, conversation: ConversationRecord) => Promise<unknown>> = {
  read: (userId, conversation) => sut.requireMember(conversation._id.toHexString(), userId),
  'read a message': (userId, conversation) => sut.requireMessage(ownMessage(conversation, userId), userId),
  send: async (userId, conversation) => {
    // A send is checked by the grant's atomic filter (evaluated here as the database would); a refused grant is explained.
    if (!grantFilterMatches(sendGrantFilter(conversation._id, [new Types.ObjectId(userId)]), conversation)) {
      throw await sut.explainSendRefusal(conversation._id.toHexString(), userId);
    }
  },
  'edit own message': (userId, conversation) => sut.requireEditable(ownMessage(conversation, userId), userId),
  'delete own message': (userId, conversation) => sut.requireOwnMessage(ownMessage(conversation, userId), userId),
  react: (userId, conversation) => sut.requireReactable(ownMessage(conversation, userId), userId),
  'see typing': (userId, conversation) => sut.typingAudience(conversation._id.toHexString(), userId),
  administer: (userId, conversation) => sut.requireAdmin(conversation._id.toHexString(), userId),
  'remove another member': (userId, conversation) => sut.requireRemovable(conversation._id.toHexString(), userId, member === userId ? admin : member),
  leave: (userId, conversation) => sut.requireRemovable(conversation._id.toHexString(), userId, userId),
};

/** The grant filter's clauses, evaluated against a stored conversation; an unknown clause fails the spec. */
function grantFilterMatches(filter: Record<string, unknown>, conversation: ConversationRecord): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '_id') return (condition as Types.ObjectId).equals(conversation._id);
    if (key === 'memberIds') {
      const { $all, ...rest } = condition as { $all: Types.ObjectId[] };
      expect(rest).toEqual({});
      return $all.every((userId) => conversation.memberIds.some((memberId) => memberId.equals(userId)));
    }
    if (key === 'blockedBy.0') {
      expect(condition).toEqual({ $exists: false });
      return (conversation.blockedBy ?? []).length === 0;
    }
    throw new Error(`the grant filter has a clause this spec does not know: ${key}`);
  });
}

/** Where each role is asked: the blocked user and the blocker in their direct conversation, the rest in the group. */
const conversationOf = (role: Role) => (role === 'blocked user' || role === 'blocker' ? direct : group);

const table: [string, Record<Role, Outcome>][] = [
  ['read', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 'allowed', blocker: 'allowed' }],
  ['read a message', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 'allowed', blocker: 'allowed' }],
  ['send', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 403, blocker: 403 }],
  ['edit own message', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 403, blocker: 403 }],
  ['delete own message', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 'allowed', blocker: 'allowed' }],
  ['react', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 403, blocker: 403 }],
  ['see typing', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 'allowed', blocker: 'allowed' }],
  ['administer', { admin: 'allowed', member: 403, 'former member': 404, 'non-member': 404, 'blocked user': 400, blocker: 400 }],
  ['remove another member', { admin: 'allowed', member: 403, 'former member': 404, 'non-member': 404, 'blocked user': 400, blocker: 400 }],
  ['leave', { admin: 'allowed', member: 'allowed', 'former member': 404, 'non-member': 404, 'blocked user': 400, blocker: 400 }],
];

const statusOf = (error: unknown): Outcome => {
  if (error instanceof NotFoundException) return 404;
  if (error instanceof ForbiddenException) return 403;
  if (error instanceof BadRequestException) return 400;
  throw error;
};

describe('ConversationAccess', () => {
  describe.each(table)('%s', (action, expected) => {
    it.each(Object.entries(expected) as [Role, Outcome][])('%s: %s', async (role, outcome) => {
      const answer = await actions[action](who[role], conversationOf(role)).then(
        () => 'allowed' as const,
        (error: unknown) => statusOf(error),
      );
      expect(answer).toBe(outcome);
    });
  });

  it('hides what it refuses: a message of a conversation the caller is not in is "Message not found", like a missing one', async () => {
    const foreign = ownMessage(group, outsider);
    await expect(sut.requireMessage(foreign, outsider)).rejects.toThrow('Message not found');
    await expect(sut.requireMessage(null, outsider)).rejects.toThrow('Message not found');
  });

  it('typing reaches the other members only, never one with a block between them and the typer', async () => {
    await expect(sut.typingAudience(groupId, admin)).resolves.toEqual([member, blocked]);
    await expect(sut.typingAudience(groupId, member)).resolves.toEqual([admin, blocked]);
    // In the direct conversation, the other member is behind the block.
    await expect(sut.typingAudience(directId, blocker)).resolves.toEqual([]);
  });

  it('explains a refused send grant with the reason the caller may know', async () => {
    await expect(sut.explainSendRefusal(directId, blocker)).resolves.toEqual(new ForbiddenException('You blocked this user: unblock them to send messages'));
    await expect(sut.explainSendRefusal(directId, blocked)).resolves.toEqual(new ForbiddenException('You cannot send messages to this user'));
    await expect(sut.explainSendRefusal(groupId, outsider)).resolves.toEqual(new NotFoundException('Conversation not found'));
    // A member whose grant was refused without a block: one of its mentions is not a member.
    await expect(sut.explainSendRefusal(groupId, member)).resolves.toEqual(new BadRequestException('mentions must be current members of this conversation'));
  });

  it("the send grant's filter is the same rule, for the database to check atomically: members all there, no block", () => {
    const conversationId = new Types.ObjectId();
    const senders = [new Types.ObjectId(member), new Types.ObjectId(admin)];
    expect(sendGrantFilter(conversationId, senders)).toEqual({ _id: conversationId, memberIds: { $all: senders }, 'blockedBy.0': { $exists: false } });
  });

  it('one block rule for writes: only a direct conversation with a block standing refuses, with wording for each side', () => {
    expect(blockedWriteRefusal(group, member, 'edit')).toBeNull();
    expect(blockedWriteRefusal(direct, blocker, 'react')?.message).toBe('You blocked this user: unblock them to react');
    expect(blockedWriteRefusal(direct, blocked, 'edit')?.message).toBe('You cannot edit messages in this conversation');
  });

  it('direct conversations: not with oneself (400), not with a user who blocks the caller (403); the blocker may still open it', async () => {
    expect(() => sut.requireDirectPartner(member, member)).toThrow(BadRequestException);
    expect(() => sut.requireDirectPartner(member, 'nope')).toThrow(BadRequestException);
    expect(() => sut.requireDirectUsable(direct, blocker)).toThrow(ForbiddenException);
    expect(() => sut.requireDirectUsable(direct, blocked)).not.toThrow();
    await expect(sut.requireDirectOpenable(blocked, blocker)).rejects.toBeInstanceOf(ForbiddenException);
    await expect(sut.requireDirectOpenable(blocker, blocked)).resolves.toBeUndefined();
  });
});
