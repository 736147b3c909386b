import { ConflictException, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { isDuplicateKey } from '../database/query-helpers';
import { User } from './schemas/user.schema';

export type UserRecord = User;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The only code that touches the users collection. Returns plain objects. */
@Injectable()
export class UsersRepository {
  constructor(@InjectModel(User.name) private readonly users: Model<User>) {}

  async create(input: { name: string; email: string; passwordHash: string }): Promise<UserRecord> {
    try {
      const created = await this.users.create({ ...input, nameLower: input.name.toLowerCase() });
      return created.toObject();
    } catch (error) {
      if (isDuplicateKey(error)) throw new ConflictException('An account with this e-mail already exists');
      throw error;
    }
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.users.findById(id).lean<UserRecord>().exec();
  }

  findManyByIds(ids: string[]): Promise<UserRecord[]> {
    return this.users
      .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
      .lean<UserRecord[]>()
      .exec();
  }

  findByEmail(email: string): Promise<UserRecord | null> {
    return this.users.findOne({ email }).lean<UserRecord>().exec();
  }

  /** Ids among `ids` that exist. */
  async existingIds(ids: string[]): Promise<string[]> {
    const found = await this.users
      .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { _id: 1 })
      .lean<{ _id: Types.ObjectId }[]>()
      .exec();
    return found.map((user) => user._id.toHexString());
  }

  async update(id: string, changes: { name?: string; avatarUrl?: string | null }): Promise<UserRecord | null> {
    const set: Record<string, unknown> = { ...changes };
    if (changes.name !== undefined) set.nameLower = changes.name.toLowerCase();
    return this.users.findByIdAndUpdate(id, { $set: set }, { new: true }).lean<UserRecord>().exec();
  }

  setLastSeen(id: string, at: Date): Promise<unknown> {
    // $max: a swept instance's (older) last heartbeat never overwrites a later disconnect.
    return this.users.updateOne({ _id: id }, { $max: { lastSeenAt: at } }).exec();
  }

  /** Name-prefix (case-insensitive) or exact e-mail match; `text` is always a string, never a query. */
  search(text: string, limit: number, excludeId: string): Promise<UserRecord[]> {
    const lower = text.toLowerCase();
    return this.users
      .find({
        _id: { $ne: new Types.ObjectId(excludeId) },
        $or: [{ nameLower: { $regex: `^${escapeRegex(lower)}` } }, { email: lower }],
      })
      .sort({ nameLower: 1, _id: 1 })
      .limit(limit)
      .lean<UserRecord[]>()
      .exec();
  }
}
