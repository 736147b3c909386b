import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { DomainEvents } from '../common/domain-events';
import { RetryLaterException } from '../common/retry-later.exception';
import type { SocketRateLimiter } from '../common/socket-rate-limiter';
import type { AppConfig } from '../config/app-config';
import type { BlocksService } from '../users/blocks.service';
import type { UsersService } from '../users/users.service';
import type { ConversationRecord, ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { ConversationAccess } from './conversation-access';

const admin = new Types.ObjectId();
const member = new Types.ObjectId();
const outsider = new Types.ObjectId();

function group(overrides: Partial<ConversationRecord> = {}): ConversationRecord {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return {
    _id: new Types.ObjectId(),
    type: 'group',
    title: 'Team',
    uniqueKey: 'group:x',
    memberIds: [admin, member],
    adminIds: [admin],
    createdBy: admin,
    seq: 4,
    lastMessage: null,
    lastMessageSeq: 0,
    lastActivityAt: at,
    changedAt: at,
    createdAt: at,
    ...overrides,
  };
}

describe('ConversationsService', () => {
  let sut: ConversationsService;
  let repository: StrictMock<ConversationsRepository>;
  let users: StrictMock<UsersService>;
  let events: StrictMock<DomainEvents>;
  let blocks: StrictMock<BlocksService>;
  let access: ConversationAccess;
  let limiter: StrictMock<SocketRateLimiter>;

  beforeEach(() => {
    repository = strictMock<ConversationsRepository>('ConversationsRepository', [
      'findForMember',
      'findByUniqueKey',
      'upsertDirect',
      'activateMemberships',
      'rename',
      'addMembers',
      'removeMember',
      'deactivateMembership',
      'promoteFirstMemberIfNoAdmin',
      'findActiveMemberships',
      'findSentMarks',
      'createGroup',
      'setDirectBlock',
    ]);
    users = strictMock<UsersService>('UsersService', ['existingIds']);
    events = strictMock<DomainEvents>('DomainEvents', ['publish']);
    blocks = strictMock<BlocksService>('BlocksService', ['blockersAmong']);
    // The real access policy over the same mocks: the rules it holds are what these cases check.
    access = new ConversationAccess(repository as unknown as ConversationsRepository, users as unknown as UsersService, blocks as unknown as BlocksService);
    limiter = strictMock<SocketRateLimiter>('SocketRateLimiter', ['consume']);
    limiter.consume.mockResolvedValue(undefined);
    sut = new ConversationsService(
      repository as unknown as ConversationsRepository,
      access,
      events as unknown as DomainEvents,
      { groupMaxMembers: 3 } as AppConfig,
      limiter as unknown as SocketRateLimiter,
    );
  });

  describe('requireMember', () => {
    it('answers 404 to a non-member, never the conversation', async () => {
      repository.findForMember.mockResolvedValueOnce(null);
      await expect(access.requireMember(new Types.ObjectId().toHexString(), outsider.toHexString())).rejects.toBeInstanceOf(NotFoundException);
    });

    it('answers 400 to a malformed id without touching the database', async () => {
      await expect(access.requireMember('nope', outsider.toHexString())).rejects.toBeInstanceOf(BadRequestException);
    });
  });

  describe('openDirect', () => {
    it('refuses a conversation with yourself', async () => {
      await expect(sut.openDirect(admin.toHexString(), admin.toHexString())).rejects.toBeInstanceOf(BadRequestException);
    });

    it('answers 404 for an unknown user and creates nothing', async () => {
      repository.findByUniqueKey.mockResolvedValueOnce(null);
      users.existingIds.mockResolvedValueOnce([]);
      blocks.blockersAmong.mockResolvedValueOnce([]);
      await expect(sut.openDirect(admin.toHexString(), outsider.toHexString())).rejects.toBeInstanceOf(NotFoundException);
    });

    it('answers 403 to a user the other one blocks, for an existing conversation and a new one alike, and creates nothing', async () => {
      repository.findByUniqueKey.mockResolvedValueOnce(group({ type: 'direct', title: null, adminIds: [], blockedBy: [admin] }));
      await expect(sut.openDirect(member.toHexString(), admin.toHexString())).rejects.toBeInstanceOf(ForbiddenException);
      repository.findByUniqueKey.mockResolvedValueOnce(null);
      users.existingIds.mockResolvedValueOnce([admin.toHexString()]);
      blocks.blockersAmong.mockResolvedValueOnce([admin.toHexString()]);
      await expect(sut.openDirect(member.toHexString(), admin.toHexString())).rejects.toBeInstanceOf(ForbiddenException);
      expect(blocks.blockersAmong).toHaveBeenCalledWith(member.toHexString(), [admin.toHexString()]);
      expect(repository.upsertDirect).not.toHaveBeenCalled();
    });

    it("counts an opening (not a found conversation) in the caller's conversation limit, and over it creates nothing", async () => {
      repository.findByUniqueKey.mockResolvedValueOnce(group({ type: 'direct', title: null, adminIds: [] }));
      await sut.openDirect(member.toHexString(), admin.toHexString());
      expect(limiter.consume).not.toHaveBeenCalled();
      repository.findByUniqueKey.mockResolvedValueOnce(null);
      limiter.consume.mockRejectedValueOnce(new RetryLaterException('Too many requests', 60));
      await expect(sut.openDirect(member.toHexString(), admin.toHexString())).rejects.toBeInstanceOf(RetryLaterException);
      expect(limiter.consume).toHaveBeenCalledWith('conversation', member.toHexString());
      expect(repository.upsertDirect).not.toHaveBeenCalled();
    });

    it('lets the blocker itself open the conversation it has with the user it blocks', async () => {
      const existing = group({ type: 'direct', title: null, adminIds: [], blockedBy: [admin] });
      repository.findByUniqueKey.mockResolvedValueOnce(existing);
      await expect(sut.openDirect(admin.toHexString(), member.toHexString())).resolves.toMatchObject({ created: false, conversation: { id: existing._id.toHexString() } });
    });

    it("finds the pair's conversation by the sorted key from either side", async () => {
      const existing = group({ type: 'direct', title: null, adminIds: [] });
      repository.findByUniqueKey.mockResolvedValue(existing);
      const first = await sut.openDirect(member.toHexString(), admin.toHexString());
      const second = await sut.openDirect(admin.toHexString(), member.toHexString());
      const key = [admin.toHexString(), member.toHexString()].sort().join(':');
      expect(repository.findByUniqueKey.mock.calls).toEqual([[key], [key]]);
      expect(repository.upsertDirect).not.toHaveBeenCalled();
      expect(first).toMatchObject({ created: false, conversation: { id: existing._id.toHexString() } });
      expect(second.conversation.id).toBe(existing._id.toHexString());
    });
  });

  describe('block marks', () => {
    it("marks (and unmarks) the pair's direct conversation by its key, either way round", async () => {
      repository.setDirectBlock.mockResolvedValue(undefined);
      const presence = { ofBlocked: { userId: 'x', online: false, lastSeenAt: null }, ofBlocker: { userId: 'y', online: false, lastSeenAt: null } };
      await sut.onBlockChanged({ blockerId: member.toHexString(), blockedId: admin.toHexString(), blocked: true, changed: true, presence });
      await sut.onBlockChanged({ blockerId: member.toHexString(), blockedId: admin.toHexString(), blocked: false, changed: false, presence });
      const key = [admin.toHexString(), member.toHexString()].sort().join(':');
      expect(repository.setDirectBlock.mock.calls).toEqual([
        [key, member.toHexString(), true],
        [key, member.toHexString(), false],
      ]);
    });
  });

  describe('rename', () => {
    it('lets only admins rename (403 for a member), and never a direct conversation (400)', async () => {
      repository.findForMember.mockResolvedValueOnce(group());
      await expect(sut.rename(new Types.ObjectId().toHexString(), member.toHexString(), 'New')).rejects.toBeInstanceOf(ForbiddenException);
      repository.findForMember.mockResolvedValueOnce(group({ type: 'direct' }));
      await expect(sut.rename(new Types.ObjectId().toHexString(), admin.toHexString(), 'New')).rejects.toBeInstanceOf(BadRequestException);
      expect(repository.rename).not.toHaveBeenCalled();
    });
  });

  describe('addMembers', () => {
    it('refuses to go over the cap before writing anything', async () => {
      repository.findForMember.mockResolvedValueOnce(group());
      const newcomers = [new Types.ObjectId().toHexString(), new Types.ObjectId().toHexString()];
      await expect(sut.addMembers(new Types.ObjectId().toHexString(), admin.toHexString(), newcomers)).rejects.toBeInstanceOf(BadRequestException);
      expect(repository.addMembers).not.toHaveBeenCalled();
    });

    it('answers 400 when the atomic cap check of the write refuses (a concurrent add filled the group)', async () => {
      const conversation = group();
      const newcomer = new Types.ObjectId().toHexString();
      repository.findForMember.mockResolvedValueOnce(conversation);
      users.existingIds.mockResolvedValueOnce([newcomer]);
      blocks.blockersAmong.mockResolvedValueOnce([]);
      repository.addMembers.mockResolvedValueOnce(null);
      await expect(sut.addMembers(conversation._id.toHexString(), admin.toHexString(), [newcomer])).rejects.toBeInstanceOf(BadRequestException);
      expect(repository.activateMemberships).not.toHaveBeenCalled();
    });
  });

  it('refuses (403) to add a user who blocks the caller, naming nobody, and writes nothing', async () => {
    const conversation = group();
    const blocker = new Types.ObjectId().toHexString();
    repository.findForMember.mockResolvedValueOnce(conversation);
    users.existingIds.mockResolvedValueOnce([blocker]);
    blocks.blockersAmong.mockResolvedValueOnce([blocker]);
    const refusal = sut.addMembers(conversation._id.toHexString(), admin.toHexString(), [blocker]);
    await expect(refusal).rejects.toBeInstanceOf(ForbiddenException);
    await expect(refusal).rejects.toThrow(/^(?!.*[0-9a-f]{24})/);
    expect(blocks.blockersAmong).toHaveBeenCalledWith(admin.toHexString(), [blocker]);
    expect(repository.addMembers).not.toHaveBeenCalled();
  });

  describe('removeMember', () => {
    it('lets a member leave but not remove someone else', async () => {
      const conversation = group();
      repository.findForMember.mockResolvedValueOnce(conversation);
      await expect(sut.removeMember(conversation._id.toHexString(), member.toHexString(), admin.toHexString())).rejects.toBeInstanceOf(ForbiddenException);
      expect(repository.removeMember).not.toHaveBeenCalled();
    });

    it('never removes members of a direct conversation', async () => {
      const conversation = group({ type: 'direct', adminIds: [] });
      repository.findForMember.mockResolvedValueOnce(conversation);
      await expect(sut.removeMember(conversation._id.toHexString(), member.toHexString(), member.toHexString())).rejects.toBeInstanceOf(BadRequestException);
    });

    it('promotes the longest-standing member when the last admin leaves, and tells the one who left', async () => {
      const conversation = group();
      const afterLeave = group({ _id: conversation._id, memberIds: [member], adminIds: [] });
      const promoted = group({ _id: conversation._id, memberIds: [member], adminIds: [member] });
      repository.findForMember.mockResolvedValueOnce(conversation);
      repository.removeMember.mockResolvedValueOnce(afterLeave);
      repository.deactivateMembership.mockResolvedValueOnce(undefined);
      repository.promoteFirstMemberIfNoAdmin.mockResolvedValueOnce(promoted);
      repository.findActiveMemberships.mockResolvedValueOnce([]);
      events.publish.mockImplementationOnce(() => undefined);

      await sut.removeMember(conversation._id.toHexString(), admin.toHexString(), admin.toHexString());

      expect(repository.promoteFirstMemberIfNoAdmin).toHaveBeenCalledWith(conversation._id.toHexString());
      const [name, payload] = events.publish.mock.calls[0] as [string, { conversation: { members: unknown[] }; recipientIds: string[] }];
      expect(name).toBe('conversation.changed');
      expect(payload.conversation.members).toEqual([{ userId: member.toHexString(), role: 'admin' }]);
      expect(payload.recipientIds).toEqual([member.toHexString(), admin.toHexString()]);
    });
  });
  describe('marksOf (sending implies reading)', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    const membership = (conversationId: Types.ObjectId, userId: Types.ObjectId, readUpToSeq: number) => ({
      _id: new Types.ObjectId(),
      conversationId,
      userId,
      joinedAt: at,
      removedAt: null,
      changedAt: at,
      readUpToSeq,
      readUpToId: null,
      readAt: null,
      deliveredUpToSeq: readUpToSeq,
      deliveredUpToId: null,
      deliveredAt: null,
    });

    it("merges each member's own newest message into its marks, reading `sentUpTo` only for the conversations it was not given", async () => {
      const known = new Types.ObjectId();
      const unknown = new Types.ObjectId();
      const own = new Types.ObjectId();
      repository.findActiveMemberships.mockResolvedValueOnce([membership(known, admin, 2), membership(unknown, admin, 1)]);
      repository.findSentMarks.mockResolvedValueOnce(new Map([[unknown.toHexString(), { [admin.toHexString()]: { seq: 7, id: own, at } }]]));

      const marks = await sut.marksOf([known, unknown], new Map([[known.toHexString(), { [admin.toHexString()]: { seq: 5, id: own, at } }]]));

      expect(repository.findSentMarks).toHaveBeenCalledWith([unknown]);
      expect(marks.get(known.toHexString())?.map((m) => [m.readUpToSeq, m.deliveredUpToSeq])).toEqual([[5, 5]]);
      expect(marks.get(unknown.toHexString())?.map((m) => [m.readUpToSeq, m.deliveredUpToSeq])).toEqual([[7, 7]]);
    });
  });
});
