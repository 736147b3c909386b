import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One issued refresh token, stored only as a SHA-256 hash (the token itself is 256 random bits,
 * so a fast hash is enough). Tokens of one login share a `familyId`; rotation marks the old one
 * `rotatedAt`, and presenting a rotated token again revokes the whole family.
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

  @Prop({ type: Date, default: null })
  rotatedAt: Date | null;

  @Prop({ type: Date, default: null })
  revokedAt: Date | null;
}

export const RefreshTokenSchema = SchemaFactory.createForClass(RefreshToken);

// Refresh and logout look a token up by its hash.
RefreshTokenSchema.index({ tokenHash: 1 }, { unique: true });
// Reuse detection revokes a whole family at once.
RefreshTokenSchema.index({ familyId: 1 });
