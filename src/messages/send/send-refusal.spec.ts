import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../../test/helpers/strict-mock';
import { ConversationAccess } from '../../conversations/conversation-access';
import type { ConversationRecord, ConversationsRepository } from '../../conversations/conversations.repository';
import type { BlocksService } from '../../users/blocks.service';
import type { UsersService } from '../../users/users.service';

const admin = new Types.ObjectId();
const member = new Types.ObjectId();

function group(overrides: Partial<ConversationRecord> = {}): ConversationRecord {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return {
    _id: new Types.ObjectId(), type: 'group', title: 'Team', uniqueKey: 'group:x', memberIds: [admin, member], adminIds: [admin],
    createdBy: admin, seq: 4, lastMessage: null, lastMessageSeq: 0, lastActivityAt: at, changedAt: at, createdAt: at, ...overrides,
  };
}

/** The send path's refused grants are explained by the access policy (what SendBatcher answers a refused send). */
describe('ConversationAccess.explainSendRefusal (a send refused its number)', () => {
  let sut: ConversationAccess;
  let repository: StrictMock<ConversationsRepository>;

  beforeEach(() => {
    repository = strictMock<ConversationsRepository>('ConversationsRepository', ['findForMember']);
    sut = new ConversationAccess(
      repository as unknown as ConversationsRepository,
      strictMock<UsersService>('UsersService', []) as unknown as UsersService,
      strictMock<BlocksService>('BlocksService', []) as unknown as BlocksService,
    );
  });

  const conversationId = new Types.ObjectId().toHexString();

  it.each([
    ['a non-member', null, NotFoundException],
    ['a member the other one blocks', group({ type: 'direct', blockedBy: [member] }), ForbiddenException],
    ['the blocker', group({ type: 'direct', blockedBy: [admin] }), ForbiddenException],
    ['a member mentioning a non-member', group(), BadRequestException],
  ])('tells %s why the send was refused its number', async (_who, found, error) => {
    repository.findForMember.mockResolvedValueOnce(found);
    await expect(sut.explainSendRefusal(conversationId, admin.toHexString())).resolves.toBeInstanceOf(error);
  });

  it.each([
    ['a non-member', null, 'Conversation not found'],
    ['a member the other one blocks', group({ type: 'direct', blockedBy: [member] }), 'You cannot send messages to this user'],
    ['the blocker', group({ type: 'direct', blockedBy: [admin] }), 'You blocked this user: unblock them to send messages'],
    ['a member mentioning a non-member', group(), 'mentions must be current members of this conversation'],
  ])('words the refusal for %s as before', async (_who, found, text) => {
    repository.findForMember.mockResolvedValueOnce(found);
    expect((await sut.explainSendRefusal(conversationId, admin.toHexString())).message).toBe(text);
    expect(repository.findForMember).toHaveBeenCalledWith(conversationId, admin.toHexString());
  });
});
