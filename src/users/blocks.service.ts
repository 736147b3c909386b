import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { BlockRecord, BlocksRepository } from './blocks.repository';

/**
 * Who blocks whom. Every answer comes from the database (no cache), so a block takes effect at once
 * on every instance. Blocking itself (rules, events) is `UsersService.setBlocked`.
 */
@Injectable()
export class BlocksService {
  constructor(private readonly blocks: BlocksRepository) {}

  /** Writes the block record; true when it changed. */
  setBlocked(blockerId: string, blockedId: string, blocked: boolean, at: Date): Promise<boolean> {
    return this.blocks.setBlocked(blockerId, blockedId, blocked, at);
  }

  /** Ids of the users `blockerId` blocks, most recently blocked first. */
  async blockedBy(blockerId: string): Promise<string[]> {
    return (await this.blocks.findBlockedBy(blockerId)).map((block) => block.blockedId.toHexString());
  }

  /** Users `userId` blocks or is blocked by: neither side sees the other's presence or typing. */
  async hiddenFrom(userId: string): Promise<Set<string>> {
    const blocks = await this.blocks.findActiveInvolving(userId);
    return new Set(blocks.map((block) => (block.blockerId.equals(userId) ? block.blockedId : block.blockerId).toHexString()));
  }

  /** Those among `userIds` who block `blockedId`. */
  async blockersAmong(blockedId: string, userIds: string[]): Promise<string[]> {
    return (await this.blocks.findActiveBlocksOf(blockedId, userIds)).map((block) => block.blockerId.toHexString());
  }

  /** Block changes involving `userId` after a position (sync). */
  changedSince(userId: string, since: { at: Date; id: Types.ObjectId | null }, limit: number): Promise<BlockRecord[]> {
    return this.blocks.findChangedSince(userId, since, limit);
  }
}
