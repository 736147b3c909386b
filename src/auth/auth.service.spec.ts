import { ConflictException, NotFoundException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import * as bcrypt from 'bcryptjs';
import { Types } from 'mongoose';
import { createHash } from 'node:crypto';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { AppConfig } from '../config/app-config';
import type { UserResponse } from '../users/user.response';
import type { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { RefreshTokensRepository } from './refresh-tokens.repository';
import type { RefreshToken } from './schemas/refresh-token.schema';
import { TokenService } from './token.service';

jest.mock('bcryptjs', () => {
  const actual = jest.requireActual('bcryptjs');
  return { ...actual, compare: jest.fn(actual.compare) };
});

const SECRET = 'unit-test-secret-unit-test-secret-0123';
const config = { bcryptRounds: 4, accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 3600 } as AppConfig;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function userResponse(id: string, email = 'ada@example.test'): UserResponse {
  return { id, name: 'Ada', email, avatarUrl: null, online: false, lastSeenAt: null, createdAt: '2026-01-01T00:00:00.000Z' };
}

function storedToken(overrides: Partial<RefreshToken> = {}): RefreshToken {
  return {
    _id: new Types.ObjectId(),
    tokenHash: sha256('presented-token'),
    userId: new Types.ObjectId(),
    familyId: new Types.ObjectId(),
    createdAt: new Date(Date.now() - 60_000),
    expiresAt: new Date(Date.now() + 60_000),
    rotatedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

describe('AuthService', () => {
  let sut: AuthService;
  let users: StrictMock<UsersService>;
  let refreshTokens: StrictMock<RefreshTokensRepository>;
  const jwt = new JwtService({ secret: SECRET, signOptions: { algorithm: 'HS256' } });
  const compare = bcrypt.compare as unknown as jest.Mock;

  beforeEach(() => {
    users = strictMock<UsersService>('UsersService', ['create', 'findCredentials', 'getMe']);
    refreshTokens = strictMock<RefreshTokensRepository>('RefreshTokensRepository', ['create', 'findByHash', 'markRotated', 'revokeFamily']);
    sut = new AuthService(users as unknown as UsersService, new TokenService(jwt, config), refreshTokens as unknown as RefreshTokensRepository, config);
    compare.mockClear();
  });

  describe('signup', () => {
    it('stores a salted slow hash, never the password, and opens a session whose refresh token is stored hashed', async () => {
      const id = new Types.ObjectId().toHexString();
      users.create.mockResolvedValueOnce(userResponse(id));
      refreshTokens.create.mockResolvedValueOnce(undefined);

      const result = await sut.signup({ name: 'Ada', email: 'ada@example.test', password: 'correct horse battery' });

      const stored = users.create.mock.calls[0][0];
      expect(stored).toEqual({ name: 'Ada', email: 'ada@example.test', passwordHash: expect.stringMatching(/^\$2[aby]\$04\$/) });
      expect(stored.passwordHash).not.toContain('correct horse battery');
      const session = refreshTokens.create.mock.calls[0][0];
      expect(session.tokenHash).toBe(sha256(result.refreshToken));
      expect(session.tokenHash).not.toBe(result.refreshToken);
      expect(session.userId).toBe(id);
      expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
      expect(result).toEqual({ user: userResponse(id), accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
      expect(jwt.verify(result.accessToken)).toMatchObject({ sub: id });
    });

    it('passes the 409 of a taken e-mail through and opens no session', async () => {
      users.create.mockRejectedValueOnce(new ConflictException('An account with this e-mail already exists'));
      await expect(sut.signup({ name: 'Ada', email: 'ada@example.test', password: 'correct horse battery' })).rejects.toBeInstanceOf(ConflictException);
      expect(refreshTokens.create).not.toHaveBeenCalled();
    });
  });

  describe('login', () => {
    async function hashOf(password: string): Promise<string> {
      users.create.mockResolvedValueOnce(userResponse(new Types.ObjectId().toHexString()));
      refreshTokens.create.mockResolvedValueOnce(undefined);
      await sut.signup({ name: 'Ada', email: 'ada@example.test', password });
      return users.create.mock.calls.at(-1)![0].passwordHash;
    }

    it('opens a new session (new family) for the right password', async () => {
      const id = new Types.ObjectId().toHexString();
      const passwordHash = await hashOf('correct horse battery');
      users.findCredentials.mockResolvedValueOnce({ userId: id, passwordHash });
      users.getMe.mockResolvedValueOnce(userResponse(id));
      refreshTokens.create.mockResolvedValueOnce(undefined);

      const result = await sut.login({ email: 'ada@example.test', password: 'correct horse battery' });

      expect(users.findCredentials).toHaveBeenCalledWith('ada@example.test');
      expect(result.user.id).toBe(id);
      const signupFamily = refreshTokens.create.mock.calls[0][0].familyId;
      const loginFamily = refreshTokens.create.mock.calls[1][0].familyId;
      expect(loginFamily.equals(signupFamily)).toBe(false);
    });

    it('answers a wrong password with 401 and opens no session', async () => {
      const passwordHash = await hashOf('correct horse battery');
      refreshTokens.create.mockClear();
      users.findCredentials.mockResolvedValueOnce({ userId: new Types.ObjectId().toHexString(), passwordHash });

      await expect(sut.login({ email: 'ada@example.test', password: 'wrong horse battery' })).rejects.toThrow(
        new UnauthorizedException('Invalid e-mail or password'),
      );
      expect(refreshTokens.create).not.toHaveBeenCalled();
    });

    it('compares an unknown e-mail against a dummy bcrypt hash (same work, same 401 as a wrong password)', async () => {
      users.findCredentials.mockResolvedValueOnce(null);

      const failure = sut.login({ email: 'nobody@example.test', password: 'whatever password' });

      await expect(failure).rejects.toThrow(new UnauthorizedException('Invalid e-mail or password'));
      expect(compare).toHaveBeenCalledTimes(1);
      const [, hash] = compare.mock.calls[0];
      // A real hash of the configured cost: the unknown-e-mail path does the same bcrypt work.
      expect(hash).toMatch(/^\$2[aby]\$04\$.{53}$/);
      await expect(compare.mock.results[0].value).resolves.toBe(false);
    });

    it('treats every character of a long password as significant (bcrypt alone reads 72 bytes)', async () => {
      const prefix = 'p'.repeat(100);
      const passwordHash = await hashOf(`${prefix}A`);
      users.findCredentials.mockResolvedValueOnce({ userId: new Types.ObjectId().toHexString(), passwordHash });

      await expect(sut.login({ email: 'ada@example.test', password: `${prefix}B` })).rejects.toBeInstanceOf(UnauthorizedException);
    });
  });

  describe('refresh', () => {
    it('rotates: marks the presented token rotated and issues a different token of the same family', async () => {
      const stored = storedToken();
      const userId = stored.userId.toHexString();
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      refreshTokens.markRotated.mockResolvedValueOnce({ ...stored, rotatedAt: new Date() });
      users.getMe.mockResolvedValueOnce(userResponse(userId));
      refreshTokens.create.mockResolvedValueOnce(undefined);

      const result = await sut.refresh('presented-token');

      expect(refreshTokens.findByHash).toHaveBeenCalledWith(sha256('presented-token'));
      expect(refreshTokens.markRotated).toHaveBeenCalledWith(sha256('presented-token'), expect.any(Date));
      expect(result.refreshToken).not.toBe('presented-token');
      const issued = refreshTokens.create.mock.calls[0][0];
      expect(issued).toEqual({ tokenHash: sha256(result.refreshToken), userId, familyId: stored.familyId, expiresAt: expect.any(Date) });
      expect(jwt.verify(result.accessToken)).toMatchObject({ sub: userId });
    });

    it('revokes the whole family when an already-rotated token is presented again', async () => {
      const stored = storedToken({ rotatedAt: new Date(Date.now() - 1000) });
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      refreshTokens.revokeFamily.mockResolvedValueOnce(undefined);

      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(UnauthorizedException);

      expect(refreshTokens.revokeFamily).toHaveBeenCalledWith(stored.familyId, expect.any(Date));
      expect(refreshTokens.create).not.toHaveBeenCalled();
    });

    it('treats losing the rotation race (token rotated meanwhile) as reuse: family revoked, 401', async () => {
      const stored = storedToken();
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      refreshTokens.markRotated.mockResolvedValueOnce(null);
      refreshTokens.revokeFamily.mockResolvedValueOnce(undefined);

      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(UnauthorizedException);

      expect(refreshTokens.revokeFamily).toHaveBeenCalledWith(stored.familyId, expect.any(Date));
      expect(refreshTokens.create).not.toHaveBeenCalled();
    });

    it('refuses an expired token without rotating it', async () => {
      refreshTokens.findByHash.mockResolvedValueOnce(storedToken({ expiresAt: new Date(Date.now() - 1) }));

      await expect(sut.refresh('presented-token')).rejects.toThrow(new UnauthorizedException('Invalid or expired refresh token'));
      expect(refreshTokens.markRotated).not.toHaveBeenCalled();
      expect(refreshTokens.create).not.toHaveBeenCalled();
    });

    it('refuses a revoked token and an unknown one', async () => {
      refreshTokens.findByHash.mockResolvedValueOnce(storedToken({ revokedAt: new Date() }));
      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(UnauthorizedException);
      refreshTokens.findByHash.mockResolvedValueOnce(null);
      await expect(sut.refresh('never-issued')).rejects.toBeInstanceOf(UnauthorizedException);
      expect(refreshTokens.markRotated).not.toHaveBeenCalled();
    });

    it('answers 401 when the account is gone, but lets a database outage through (503, not a log-out)', async () => {
      const stored = storedToken();
      refreshTokens.findByHash.mockResolvedValue(stored);
      refreshTokens.markRotated.mockResolvedValue({ ...stored, rotatedAt: new Date() });
      users.getMe.mockRejectedValueOnce(new NotFoundException('User not found'));
      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(UnauthorizedException);

      users.getMe.mockRejectedValueOnce(new ServiceUnavailableException());
      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(ServiceUnavailableException);
      expect(refreshTokens.create).not.toHaveBeenCalled();
    });
  });

  describe('logout', () => {
    it("revokes the caller's own session", async () => {
      const stored = storedToken();
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      refreshTokens.revokeFamily.mockResolvedValueOnce(undefined);

      await sut.logout(stored.userId.toHexString(), 'presented-token');

      expect(refreshTokens.findByHash).toHaveBeenCalledWith(sha256('presented-token'));
      expect(refreshTokens.revokeFamily).toHaveBeenCalledWith(stored.familyId, expect.any(Date));
    });

    it("ignores another user's refresh token (no revocation) and an unknown one", async () => {
      refreshTokens.findByHash.mockResolvedValueOnce(storedToken());
      await expect(sut.logout(new Types.ObjectId().toHexString(), 'presented-token')).resolves.toBeUndefined();
      refreshTokens.findByHash.mockResolvedValueOnce(null);
      await expect(sut.logout(new Types.ObjectId().toHexString(), 'never-issued')).resolves.toBeUndefined();
      expect(refreshTokens.revokeFamily).not.toHaveBeenCalled();
    });
  });
});
