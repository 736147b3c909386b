import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { isDuplicateKey } from '../database/query-helpers';
import { RefreshToken } from './schemas/refresh-token.schema';
import { Session } from './schemas/session.schema';

/** The only code that touches the refresh_tokens and sessions collections. */
@Injectable()
export class RefreshTokensRepository {
  constructor(
    @InjectModel(RefreshToken.name) private readonly tokens: Model<RefreshToken>,
    @InjectModel(Session.name) private readonly sessions: Model<Session>,
  ) {}

  /** A new login: its session, whose current token is `tokenHash`, and that token's look-up row. */
  async openSession(input: { sessionId: Types.ObjectId; userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    const now = new Date();
    const userId = new Types.ObjectId(input.userId);
    await this.addToken({ tokenHash: input.tokenHash, userId, familyId: input.sessionId, expiresAt: input.expiresAt });
    await this.sessions.collection.insertOne({
      _id: input.sessionId,
      userId,
      tokenHash: input.tokenHash,
      expiresAt: input.expiresAt,
      createdAt: now,
      rotatedAt: null,
      revokedAt: null,
    });
  }

  /** The look-up row of a token about to be handed out (written before the rotation that makes it current). */
  async addToken(input: { tokenHash: string; userId: Types.ObjectId; familyId: Types.ObjectId; expiresAt: Date }): Promise<void> {
    await this.tokens.collection.insertOne({ _id: new Types.ObjectId(), ...input, createdAt: new Date() });
  }

  async removeToken(tokenHash: string): Promise<void> {
    await this.tokens.collection.deleteOne({ tokenHash });
  }

  findByHash(tokenHash: string): Promise<RefreshToken | null> {
    return this.tokens.findOne({ tokenHash }).lean<RefreshToken>().exec();
  }

  findSession(sessionId: Types.ObjectId): Promise<Session | null> {
    return this.sessions.findById(sessionId).lean<Session>().exec();
  }

  /**
   * The rotation, in one atomic step: the session moves from `presentedHash` to `nextHash` only if
   * `presentedHash` is still its current token and it is live. Null when it was not (rotated
   * meanwhile, revoked, or expired).
   */
  rotate(sessionId: Types.ObjectId, presentedHash: string, next: { tokenHash: string; expiresAt: Date }, now: Date): Promise<Session | null> {
    return this.sessions
      .findOneAndUpdate(
        { _id: sessionId, tokenHash: presentedHash, revokedAt: null, expiresAt: { $gt: now } },
        { $set: { tokenHash: next.tokenHash, expiresAt: next.expiresAt, rotatedAt: now } },
        { new: true },
      )
      .lean<Session>()
      .exec();
  }

  /** Ends a session; true when it was live until now (so its sockets are to be closed). */
  async revokeSession(sessionId: Types.ObjectId, at: Date): Promise<boolean> {
    const result = await this.sessions.collection.updateOne({ _id: sessionId, revokedAt: null }, { $set: { revokedAt: at } });
    return result.modifiedCount > 0;
  }

  /** The sessions revoked at or after `since`, with when (EndedSessions' load on start and after a Redis outage). */
  async findRevokedSince(since: Date): Promise<Array<{ sessionId: string; revokedAt: Date }>> {
    const rows = await this.sessions
      .find({ revokedAt: { $gte: since } }, { _id: 1, revokedAt: 1 })
      .lean<Array<Pick<Session, '_id' | 'revokedAt'>>>()
      .exec();
    return rows.map((row) => ({ sessionId: row._id.toHexString(), revokedAt: row.revokedAt as Date }));
  }

  /**
   * A token issued before sessions existed: makes its family a session, once. A token that was still
   * live becomes the session's current one; a rotated or revoked one makes a revoked session (its
   * family is dead either way). An upsert that inserts only, so concurrent first refreshes agree.
   */
  async adoptLegacyFamily(token: RefreshToken, now: Date): Promise<void> {
    const live = !token.rotatedAt && !token.revokedAt;
    // Two first refreshes may both try to insert: the loser's duplicate key means the session exists.
    await this.sessions.collection
      .updateOne(
        { _id: token.familyId },
        {
          $setOnInsert: {
            userId: token.userId,
            tokenHash: live ? token.tokenHash : '',
            expiresAt: token.expiresAt,
            createdAt: token.createdAt,
            rotatedAt: null,
            revokedAt: live ? null : now,
          },
        },
        { upsert: true },
      )
      .catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error;
      });
  }
}
