import { Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import * as bcrypt from 'bcryptjs';
import { Types } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import type { AuthResult, LoginDto, SignupDto } from './dto/auth.dto';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { TokenService } from './token.service';

const INVALID_CREDENTIALS = 'Invalid e-mail or password';
const INVALID_REFRESH_TOKEN = 'Invalid or expired refresh token';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * bcrypt reads only the first 72 bytes of its input, and a password may be 128 characters (up to
 * 512 bytes of UTF-8): two passwords sharing those 72 bytes would both open the account. A SHA-256
 * digest (44 base64 characters) keeps every character significant; bcrypt still salts and slows it.
 */
function passwordDigest(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

/** Sign-up, log-in and the refresh-token life cycle (rotation with reuse detection). */
@Injectable()
export class AuthService {
  /** Compared against when the e-mail is unknown, so both failures take the same time. */
  private readonly dummyHash: string;

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly config: AppConfig,
  ) {
    this.dummyHash = bcrypt.hashSync(passwordDigest('not-a-real-password'), config.bcryptRounds);
  }

  /** Creates the account (409 if the e-mail is taken) and opens a session. */
  async signup(dto: SignupDto): Promise<AuthResult> {
    const passwordHash = await bcrypt.hash(passwordDigest(dto.password), this.config.bcryptRounds);
    const user = await this.users.create({ name: dto.name, email: dto.email, passwordHash });
    return { user, ...(await this.openSession(user.id, new Types.ObjectId())) };
  }

  /** 401 with one message for an unknown e-mail and a wrong password alike. */
  async login(dto: LoginDto): Promise<AuthResult> {
    const credentials = await this.users.findCredentials(dto.email);
    const matches = await bcrypt.compare(passwordDigest(dto.password), credentials?.passwordHash ?? this.dummyHash);
    if (!credentials || !matches) throw new UnauthorizedException(INVALID_CREDENTIALS);
    const user = await this.users.getMe(credentials.userId);
    return { user, ...(await this.openSession(user.id, new Types.ObjectId())) };
  }

  /**
   * Rotates a refresh token: the presented one stops working and a new one of the same family is
   * returned. Presenting a token that was already rotated is taken as theft: the family is revoked.
   */
  async refresh(refreshToken: string): Promise<AuthResult> {
    const tokenHash = hashToken(refreshToken);
    const stored = await this.refreshTokens.findByHash(tokenHash);
    const now = new Date();
    if (!stored || stored.revokedAt) throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    if (stored.rotatedAt) {
      await this.refreshTokens.revokeFamily(stored.familyId, now);
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    if (stored.expiresAt <= now) throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    const rotated = await this.refreshTokens.markRotated(tokenHash, now);
    if (!rotated) {
      // Lost a race with another refresh of the same token: that is reuse too.
      await this.refreshTokens.revokeFamily(stored.familyId, now);
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    const userId = stored.userId.toHexString();
    // Only a deleted account makes the token useless; a database outage stays a 503, not a log-out.
    const user = await this.users.getMe(userId).catch((error: unknown) => {
      throw error instanceof NotFoundException ? new UnauthorizedException(INVALID_REFRESH_TOKEN) : error;
    });
    return { user, ...(await this.openSession(userId, stored.familyId)) };
  }

  /** Ends the session the refresh token belongs to; a token of another user is ignored. */
  async logout(callerId: string, refreshToken: string): Promise<void> {
    const stored = await this.refreshTokens.findByHash(hashToken(refreshToken));
    if (stored && stored.userId.toHexString() === callerId) {
      await this.refreshTokens.revokeFamily(stored.familyId, new Date());
    }
  }

  private async openSession(userId: string, familyId: Types.ObjectId) {
    const refreshToken = randomBytes(32).toString('base64url');
    await this.refreshTokens.create({
      tokenHash: hashToken(refreshToken),
      userId,
      familyId,
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
    });
    return { ...this.tokens.signAccessToken(userId), refreshToken };
  }
}
