import { Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { Types } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { DomainEvents } from '../common/domain-events';
import { AppConfig } from '../config/app-config';
import type { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import type { AuthResult, LoginDto, SignupDto } from './dto/auth.dto';
import { LoginBackoff } from './login-backoff';
import { PasswordHasher } from './password-hasher';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import type { RefreshToken } from './schemas/refresh-token.schema';
import { TokenService } from './token.service';

const INVALID_CREDENTIALS = 'Invalid e-mail or password';
const INVALID_REFRESH_TOKEN = 'Invalid or expired refresh token';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Sign-up, log-in and the session life cycle: refresh-token rotation with reuse detection, logout. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly passwords: PasswordHasher,
    private readonly backoff: LoginBackoff,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
  ) {}

  /** Creates the account (409 if the e-mail is taken) and opens a session. */
  async signup(dto: SignupDto): Promise<AuthResult> {
    const passwordHash = await this.passwords.hash(dto.password);
    const user = await this.users.create({ name: dto.name, email: dto.email, passwordHash });
    return this.openSession(user);
  }

  /**
   * 401 with one message for an unknown e-mail and a wrong password alike; 429 while the account's
   * login backoff makes this attempt wait (`address`: the client's, see LoginBackoff).
   */
  async login(dto: LoginDto, address: string): Promise<AuthResult> {
    const scope = await this.backoff.attempt(dto.email, address);
    const credentials = await this.users.findCredentials(dto.email);
    const matches = await this.passwords.matches(dto.password, credentials?.passwordHash ?? null);
    if (!credentials || !matches) throw new UnauthorizedException(INVALID_CREDENTIALS);
    await this.backoff.succeeded(dto.email, address, scope);
    return this.openSession(await this.users.getMe(credentials.userId));
  }

  /**
   * Rotates a refresh token: the presented one stops working and a new one of the same session is
   * returned. The new token's look-up row is written first, then one compare-and-set on the session
   * makes it current, so of two refreshes racing with one token exactly one succeeds. Presenting a
   * token that is not the session's current one is taken as theft: the session is revoked, and with
   * it every token it issued, the one handed out a moment before included.
   */
  async refresh(refreshToken: string): Promise<AuthResult> {
    const presented = hashToken(refreshToken);
    const stored = await this.refreshTokens.findByHash(presented);
    const now = new Date();
    if (!stored || stored.expiresAt <= now) throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    await this.adoptLegacy(stored, now);
    const userId = stored.userId.toHexString();
    const next = this.newRefreshToken();
    // Only a deleted account makes the token useless; a database outage stays a 503, not a log-out.
    const [user] = await Promise.all([
      this.users.getMe(userId).catch((error: unknown) => {
        throw error instanceof NotFoundException ? new UnauthorizedException(INVALID_REFRESH_TOKEN) : error;
      }),
      this.refreshTokens.addToken({ tokenHash: next.tokenHash, userId: stored.userId, familyId: stored.familyId, expiresAt: next.expiresAt }),
    ]);
    const rotated = await this.refreshTokens.rotate(stored.familyId, presented, next, now);
    if (!rotated) {
      await this.refreshTokens.removeToken(next.tokenHash);
      const session = await this.refreshTokens.findSession(stored.familyId);
      // A live session whose current token is another one: this token was rotated already. Reuse.
      if (session && !session.revokedAt && session.tokenHash !== presented) await this.endSession(stored.familyId, userId, now);
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    const sessionId = stored.familyId.toHexString();
    return { user, ...this.tokens.signAccessToken(userId, sessionId), refreshToken: next.token };
  }

  /** Ends the session the refresh token belongs to (its sockets are disconnected); a token of another user is ignored. */
  async logout(callerId: string, refreshToken: string): Promise<void> {
    const stored = await this.refreshTokens.findByHash(hashToken(refreshToken));
    if (!stored || stored.userId.toHexString() !== callerId) return;
    const now = new Date();
    await this.adoptLegacy(stored, now);
    await this.endSession(stored.familyId, callerId, now);
  }

  /** Whether a session may still act (not revoked, not expired): the socket handshake asks. */
  async isSessionLive(sessionId: string): Promise<boolean> {
    const session = await this.refreshTokens.findSession(new Types.ObjectId(sessionId));
    return session !== null && session.revokedAt === null && session.expiresAt > new Date();
  }

  private async endSession(sessionId: Types.ObjectId, userId: string, at: Date): Promise<void> {
    await this.refreshTokens.revokeSession(sessionId, at);
    // Published even when it was revoked already: closing sockets twice is harmless, missing one is not.
    this.events.publish('session.revoked', { userId, sessionId: sessionId.toHexString() });
  }

  /** A token issued before sessions existed makes its family a session first (one round trip, once). */
  private async adoptLegacy(stored: RefreshToken, now: Date): Promise<void> {
    if (stored.rotatedAt !== undefined || stored.revokedAt !== undefined) await this.refreshTokens.adoptLegacyFamily(stored, now);
  }

  private newRefreshToken(): { token: string; tokenHash: string; expiresAt: Date } {
    const token = randomBytes(32).toString('base64url');
    return { token, tokenHash: hashToken(token), expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000) };
  }

  private async openSession(user: UserResponse): Promise<AuthResult> {
    const sessionId = new Types.ObjectId();
    const refresh = this.newRefreshToken();
    await this.refreshTokens.openSession({ sessionId, userId: user.id, tokenHash: refresh.tokenHash, expiresAt: refresh.expiresAt });
    return { user, ...this.tokens.signAccessToken(user.id, sessionId.toHexString()), refreshToken: refresh.token };
  }
}
