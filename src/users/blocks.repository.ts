import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { afterPosition, derivedId, isDuplicateKey, toId as oid } from '../database/query-helpers';
import { Block } from './schemas/block.schema';

export type BlockRecord = Block;

/** The block of `blockedId` by `blockerId` has this `_id`. */
export function blockId(blockerId: string | Types.ObjectId, blockedId: string | Types.ObjectId): Types.ObjectId {
  return derivedId('block', String(blockerId), String(blockedId));
}

/** The only code that touches the blocks collection. Plain objects out. */
@Injectable()
export class BlocksRepository {
  constructor(@InjectModel(Block.name) private readonly blocks: Model<Block>) {}

  /**
   * Blocks (or unblocks) in one write; true when that changed anything. Blocking an already blocked
   * user matches no document, so the upsert's insert is refused by the primary key: a no-op.
   */
  async setBlocked(blockerId: string, blockedId: string, blocked: boolean, at: Date): Promise<boolean> {
    const _id = blockId(blockerId, blockedId);
    if (!blocked) {
      const result = await this.blocks.collection.updateOne({ _id, active: true }, { $set: { active: false, changedAt: at } });
      return result.modifiedCount > 0;
    }
    try {
      const result = await this.blocks.collection.updateOne(
        { _id, active: { $ne: true } },
        { $set: { blockerId: oid(blockerId), blockedId: oid(blockedId), active: true, changedAt: at }, $setOnInsert: { createdAt: at } },
        { upsert: true },
      );
      return result.modifiedCount > 0 || result.upsertedCount > 0;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** The users `blockerId` blocks now, most recently blocked first. */
  findBlockedBy(blockerId: string): Promise<BlockRecord[]> {
    return this.blocks
      .find({ blockerId: oid(blockerId), active: true })
      .sort({ changedAt: -1, _id: -1 })
      .lean<BlockRecord[]>()
      .exec();
  }

  /** Active blocks between `userId` and anyone, in either direction. */
  findActiveInvolving(userId: string): Promise<BlockRecord[]> {
    const id = oid(userId);
    return this.blocks
      .find(
        {
          $or: [
            { blockerId: id, active: true },
            { blockedId: id, active: true },
          ],
        },
        { blockerId: 1, blockedId: 1 },
      )
      .lean<BlockRecord[]>()
      .exec();
  }

  /** Active blocks of `blockedId` by any of `blockerIds` (by `_id`: no scan, however many). */
  findActiveBlocksOf(blockedId: string, blockerIds: string[]): Promise<BlockRecord[]> {
    if (blockerIds.length === 0) return Promise.resolve([]);
    return this.blocks
      .find({ _id: { $in: blockerIds.map((blockerId) => blockId(blockerId, blockedId)) }, active: true }, { blockerId: 1, blockedId: 1 })
      .lean<BlockRecord[]>()
      .exec();
  }

  /** Blocks and unblocks involving `userId` (either side) after a position, oldest first (sync). */
  findChangedSince(userId: string, since: { at: Date; id: Types.ObjectId | null }, limit: number): Promise<BlockRecord[]> {
    const id = oid(userId);
    return this.blocks
      .find({ $and: [{ $or: [{ blockerId: id }, { blockedId: id }] }, afterPosition('changedAt', since)] })
      .sort({ changedAt: 1, _id: 1 })
      .limit(limit)
      .lean<BlockRecord[]>()
      .exec();
  }
}
