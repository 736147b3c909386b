import { BadRequestException, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { DomainEvents } from '../common/domain-events';
import type { BlocksService } from './blocks.service';
import type { PresenceService } from '../presence/presence.service';
import type { UserRecord, UsersRepository } from './users.repository';
import { UsersService } from './users.service';

const me = new Types.ObjectId().toHexString();
const other = new Types.ObjectId().toHexString();

function user(id: string, lastSeenAt: Date | null = new Date('2026-01-01T00:00:00.000Z')): UserRecord {
  return {
    _id: new Types.ObjectId(id),
    name: `u-${id.slice(-4)}`,
    nameLower: 'u',
    email: `${id}@x.test`,
    passwordHash: 'h',
    avatarUrl: null,
    lastSeenAt,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

describe('UsersService: blocking and the presence others see', () => {
  let sut: UsersService;
  let users: StrictMock<UsersRepository>;
  let presence: StrictMock<PresenceService>;
  let events: StrictMock<DomainEvents>;
  let blocks: StrictMock<BlocksService>;

  beforeEach(() => {
    users = strictMock<UsersRepository>('UsersRepository', ['existingIds', 'findManyByIds', 'findById']);
    presence = strictMock<PresenceService>('PresenceService', ['onlineAmong']);
    events = strictMock<DomainEvents>('DomainEvents', ['publishAndWait']);
    blocks = strictMock<BlocksService>('BlocksService', ['setBlocked', 'hiddenFrom', 'blockedBy']);
    sut = new UsersService(users as unknown as UsersRepository, presence as unknown as PresenceService, events as unknown as DomainEvents, blocks as unknown as BlocksService);
  });

  it('blocking oneself is a 400 and an unknown user a 404, before anything is written', async () => {
    await expect(sut.setBlocked(me, me, true)).rejects.toBeInstanceOf(BadRequestException);
    await expect(sut.setBlocked(me, 'nope', true)).rejects.toBeInstanceOf(BadRequestException);
    users.existingIds.mockResolvedValueOnce([]);
    await expect(sut.setBlocked(me, other, true)).rejects.toBeInstanceOf(NotFoundException);
    expect(blocks.setBlocked).not.toHaveBeenCalled();
  });

  it('writes the block, then waits for every subscriber of block.changed with what each side may now see', async () => {
    users.existingIds.mockResolvedValueOnce([other]);
    blocks.setBlocked.mockResolvedValueOnce(true);
    users.findManyByIds.mockResolvedValue([user(other)]);
    presence.onlineAmong.mockResolvedValue(new Set([other, me]));
    blocks.hiddenFrom.mockResolvedValue(new Set([other, me]));
    events.publishAndWait.mockResolvedValueOnce(undefined);

    await sut.setBlocked(me, other, true);

    expect(blocks.setBlocked).toHaveBeenCalledWith(me, other, true, expect.any(Date));
    expect(events.publishAndWait).toHaveBeenCalledWith('block.changed', {
      blockerId: me,
      blockedId: other,
      blocked: true,
      changed: true,
      presence: { ofBlocked: { userId: other, online: false, lastSeenAt: null }, ofBlocker: { userId: me, online: false, lastSeenAt: null } },
    });
  });

  it('presenceOf hides users with a block between them and the viewer, and only them', async () => {
    const third = new Types.ObjectId().toHexString();
    users.findManyByIds.mockResolvedValueOnce([user(other), user(third)]);
    presence.onlineAmong.mockResolvedValueOnce(new Set([other, third]));
    blocks.hiddenFrom.mockResolvedValueOnce(new Set([other]));
    await expect(sut.presenceOf(me, [other, third])).resolves.toEqual([
      { userId: other, online: false, lastSeenAt: null },
      { userId: third, online: true, lastSeenAt: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('lists the blocked users most recent first, with their presence hidden', async () => {
    const third = new Types.ObjectId().toHexString();
    blocks.blockedBy.mockResolvedValueOnce([third, other]);
    users.findManyByIds.mockResolvedValueOnce([user(other), user(third)]);
    const list = await sut.blockedUsers(me);
    expect(list.map((entry) => [entry.id, entry.online, entry.lastSeenAt])).toEqual([
      [third, false, null],
      [other, false, null],
    ]);
  });
});
