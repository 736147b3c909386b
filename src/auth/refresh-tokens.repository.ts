import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { RefreshToken } from './schemas/refresh-token.schema';

/** The only code that touches the refresh_tokens collection. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectModel(RefreshToken.name) private readonly tokens: Model<RefreshToken>) {}

  async create(input: { tokenHash: string; userId: string; familyId: Types.ObjectId; expiresAt: Date }): Promise<void> {
    await this.tokens.create({ ...input, userId: new Types.ObjectId(input.userId), createdAt: new Date() });
  }

  findByHash(tokenHash: string): Promise<RefreshToken | null> {
    return this.tokens.findOne({ tokenHash }).lean<RefreshToken>().exec();
  }

  /**
   * Marks a live token rotated, atomically: of two concurrent refreshes with the same token
   * only one wins; the other sees null and is treated as reuse.
   */
  markRotated(tokenHash: string, at: Date): Promise<RefreshToken | null> {
    return this.tokens
      .findOneAndUpdate({ tokenHash, rotatedAt: null, revokedAt: null }, { $set: { rotatedAt: at } }, { new: true })
      .lean<RefreshToken>()
      .exec();
  }

  async revokeFamily(familyId: Types.ObjectId, at: Date): Promise<void> {
    await this.tokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: at } }).exec();
  }
}
