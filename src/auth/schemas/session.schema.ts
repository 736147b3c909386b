import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One login (a refresh-token family): its `_id` is the family id and the `sid` claim of the access
 * tokens it issues. `tokenHash` is the one refresh token of the family that may be rotated now, so a
 * rotation is a single compare-and-set on this document (the presented hash in the filter): of two
 * refreshes racing with one token exactly one matches. A token of the family that is not the current
 * one is a reuse, and revokes the family; since every token's validity requires its family to be live,
 * that kills the newest token as well.
 */
@Schema({ collection: 'sessions', versionKey: false })
export class Session {
  _id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  /** SHA-256 of the refresh token that is current. */
  @Prop({ required: true })
  tokenHash: string;

  /** Expiry of the current refresh token: the session ends then unless it is rotated before. */
  @Prop({ required: true })
  expiresAt: Date;

  @Prop({ required: true })
  createdAt: Date;

  @Prop({ type: Date, default: null })
  rotatedAt: Date | null;

  @Prop({ type: Date, default: null })
  revokedAt: Date | null;
}

export const SessionSchema = SchemaFactory.createForClass(Session);
// Rotation, revocation and the socket handshake's liveness check query by `_id`. The one other query:
// the sessions revoked since a moment (`findRevokedSince`: `{ revokedAt: { $gte: since } }`), which every
// instance runs on start and after a Redis outage to refuse the access tokens of recently ended sessions.
SessionSchema.index({ revokedAt: 1 });
