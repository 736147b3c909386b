import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One issued refresh token, stored only as a SHA-256 hash (the token itself is 256 random bits,
 * so a fast hash is enough): the look-up from a presented token to its session (family). Whether the
 * token still works is the session's to say (`Session.tokenHash`, `revokedAt`); rows of rotated
 * tokens stay so that presenting one again is recognized as reuse.
 * Rows written before sessions existed carry `rotatedAt`/`revokedAt` of their own (read once, when
 * such a token is refreshed: see RefreshTokensRepository.adoptLegacyFamily).
 */
@Schema({ collection: 'refresh_tokens', versionKey: false })
export class RefreshToken {
  _id: Types.ObjectId;

  @Prop({ required: true })
  tokenHash: string;

  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  familyId: Types.ObjectId;

  @Prop({ required: true })
  createdAt: Date;

  @Prop({ required: true })
  expiresAt: Date;

  /** Legacy rows only. */
  @Prop({ type: Date })
  rotatedAt?: Date | null;

  /** Legacy rows only. */
  @Prop({ type: Date })
  revokedAt?: Date | null;
}

export const RefreshTokenSchema = SchemaFactory.createForClass(RefreshToken);

// Refresh and logout look a token up by its hash.
RefreshTokenSchema.index({ tokenHash: 1 }, { unique: true });
// Reuse detection revokes a whole family at once.
RefreshTokenSchema.index({ familyId: 1 });
