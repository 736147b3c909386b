import { ConflictException, NotFoundException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { hashSync } from '@node-rs/bcrypt';
import * as bcryptjs from 'bcryptjs';
import { Types } from 'mongoose';
import { createHash } from 'node:crypto';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { DomainEvents } from '../common/domain-events';
import type { AppConfig } from '../config/app-config';
import type { UserResponse } from '../users/user.response';
import type { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import type { LoginBackoff } from './login-backoff';
import { PasswordHasher } from './password-hasher';
import type { RefreshTokensRepository } from './refresh-tokens.repository';
import type { RefreshToken } from './schemas/refresh-token.schema';
import type { Session } from './schemas/session.schema';
import { TokenService } from './token.service';

const SECRET = 'unit-test-secret-unit-test-secret-0123';
const config = { bcryptRounds: 4, accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 3600, jwtIssuer: 'chatify', jwtAudience: 'chatify-api' } as AppConfig;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const digest = (password: string) => createHash('sha256').update(password, 'utf8').digest('base64');

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
    ...overrides,
  };
}

function session(token: RefreshToken, overrides: Partial<Session> = {}): Session {
  return {
    _id: token.familyId,
    userId: token.userId,
    tokenHash: token.tokenHash,
    expiresAt: token.expiresAt,
    createdAt: token.createdAt,
    rotatedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

describe('AuthService', () => {
  let sut: AuthService;
  let users: StrictMock<UsersService>;
  let refreshTokens: StrictMock<RefreshTokensRepository>;
  let events: StrictMock<DomainEvents>;
  let backoff: StrictMock<LoginBackoff>;
  const jwt = new JwtService({ secret: SECRET, signOptions: { algorithm: 'HS256' } });
  const passwords = new PasswordHasher(config);

  beforeEach(() => {
    users = strictMock<UsersService>('UsersService', ['create', 'findCredentials', 'getMe']);
    refreshTokens = strictMock<RefreshTokensRepository>('RefreshTokensRepository', [
      'openSession',
      'addToken',
      'removeToken',
      'findByHash',
      'findSession',
      'rotate',
      'revokeSession',
      'adoptLegacyFamily',
    ]);
    events = strictMock<DomainEvents>('DomainEvents', ['publish']);
    backoff = strictMock<LoginBackoff>('LoginBackoff', ['attempt', 'succeeded']);
    sut = new AuthService(
      users as unknown as UsersService,
      new TokenService(jwt, config),
      refreshTokens as unknown as RefreshTokensRepository,
      passwords,
      backoff as unknown as LoginBackoff,
      events as unknown as DomainEvents,
      config,
    );
  });

  describe('signup', () => {
    it('stores a salted slow hash, never the password, and opens a session whose refresh token is stored hashed', async () => {
      const id = new Types.ObjectId().toHexString();
      users.create.mockResolvedValueOnce(userResponse(id));
      refreshTokens.openSession.mockResolvedValueOnce(undefined);

      const result = await sut.signup({ name: 'Ada', email: 'ada@example.test', password: 'correct horse battery' });

      const stored = users.create.mock.calls[0][0];
      expect(stored).toEqual({ name: 'Ada', email: 'ada@example.test', passwordHash: expect.stringMatching(/^\$2[aby]\$04\$/) });
      expect(stored.passwordHash).not.toContain('correct horse battery');
      const opened = refreshTokens.openSession.mock.calls[0][0];
      expect(opened.tokenHash).toBe(sha256(result.refreshToken));
      expect(opened.userId).toBe(id);
      expect(opened.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
      expect(result).toEqual({ user: userResponse(id), accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
      expect(jwt.verify(result.accessToken, { issuer: 'chatify', audience: 'chatify-api' })).toMatchObject({ sub: id, sid: opened.sessionId.toHexString() });
    });

    it('passes the 409 of a taken e-mail through and opens no session', async () => {
      users.create.mockRejectedValueOnce(new ConflictException('An account with this e-mail already exists'));
      await expect(sut.signup({ name: 'Ada', email: 'ada@example.test', password: 'correct horse battery' })).rejects.toBeInstanceOf(ConflictException);
      expect(refreshTokens.openSession).not.toHaveBeenCalled();
    });
  });

  describe('login', () => {
    beforeEach(() => {
      backoff.attempt.mockResolvedValue('ada@example.test');
      backoff.succeeded.mockResolvedValue(undefined);
    });

    it('counts the attempt in the backoff first, and clears it after a success only', async () => {
      const id = new Types.ObjectId().toHexString();
      const passwordHash = await passwords.hash('correct horse battery');
      users.findCredentials.mockResolvedValue({ userId: id, passwordHash });
      await expect(sut.login({ email: 'ada@example.test', password: 'wrong horse battery' }, '10.0.0.1')).rejects.toBeInstanceOf(UnauthorizedException);
      expect(backoff.succeeded).not.toHaveBeenCalled();
      users.getMe.mockResolvedValueOnce(userResponse(id));
      refreshTokens.openSession.mockResolvedValueOnce(undefined);
      await sut.login({ email: 'ada@example.test', password: 'correct horse battery' }, '10.0.0.1');
      expect(backoff.attempt).toHaveBeenCalledWith('ada@example.test', '10.0.0.1');
      expect(backoff.succeeded).toHaveBeenCalledWith('ada@example.test', '10.0.0.1', 'ada@example.test');
    });

    it('checks no password while the backoff refuses the attempt', async () => {
      backoff.attempt.mockReset().mockRejectedValueOnce(new Error('429'));
      await expect(sut.login({ email: 'ada@example.test', password: 'whatever password' }, '10.0.0.1')).rejects.toThrow('429');
      expect(users.findCredentials).not.toHaveBeenCalled();
    });

    it('opens a new session for the right password; each login is a session of its own', async () => {
      const id = new Types.ObjectId().toHexString();
      const passwordHash = await passwords.hash('correct horse battery');
      for (let i = 0; i < 2; i += 1) {
        users.findCredentials.mockResolvedValueOnce({ userId: id, passwordHash });
        users.getMe.mockResolvedValueOnce(userResponse(id));
        refreshTokens.openSession.mockResolvedValueOnce(undefined);
        await sut.login({ email: 'ada@example.test', password: 'correct horse battery' }, '10.0.0.1');
      }
      const [first, second] = refreshTokens.openSession.mock.calls.map(([input]) => input.sessionId);
      expect(first.equals(second)).toBe(false);
    });

    it('still accepts hashes stored by bcryptjs before the native hasher', async () => {
      const id = new Types.ObjectId().toHexString();
      users.findCredentials.mockResolvedValueOnce({ userId: id, passwordHash: bcryptjs.hashSync(digest('correct horse battery'), 4) });
      users.getMe.mockResolvedValueOnce(userResponse(id));
      refreshTokens.openSession.mockResolvedValueOnce(undefined);
      await expect(sut.login({ email: 'ada@example.test', password: 'correct horse battery' }, '10.0.0.1')).resolves.toMatchObject({ user: { id } });
    });

    it('answers a wrong password and an unknown e-mail with the same 401, opening no session', async () => {
      users.findCredentials.mockResolvedValueOnce({ userId: new Types.ObjectId().toHexString(), passwordHash: hashSync(digest('correct horse battery'), 4) });
      await expect(sut.login({ email: 'ada@example.test', password: 'wrong horse battery' }, '10.0.0.1')).rejects.toThrow(new UnauthorizedException('Invalid e-mail or password'));
      users.findCredentials.mockResolvedValueOnce(null);
      await expect(sut.login({ email: 'nobody@example.test', password: 'whatever password' }, '10.0.0.1')).rejects.toThrow(new UnauthorizedException('Invalid e-mail or password'));
      expect(refreshTokens.openSession).not.toHaveBeenCalled();
    });

    it('treats every character of a long password as significant (bcrypt alone reads 72 bytes)', async () => {
      const prefix = 'p'.repeat(100);
      users.findCredentials.mockResolvedValueOnce({ userId: new Types.ObjectId().toHexString(), passwordHash: await passwords.hash(`${prefix}A`) });
      await expect(sut.login({ email: 'ada@example.test', password: `${prefix}B` }, '10.0.0.1')).rejects.toBeInstanceOf(UnauthorizedException);
    });
  });

  describe('refresh', () => {
    /** A refresh of `stored` whose compare-and-set finds the session changed (as `current` says). */
    function arrangeLostRotation(stored: RefreshToken, current: Partial<Session>): void {
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      users.getMe.mockResolvedValueOnce(userResponse(stored.userId.toHexString()));
      refreshTokens.addToken.mockResolvedValueOnce(undefined);
      refreshTokens.rotate.mockResolvedValueOnce(null);
      refreshTokens.removeToken.mockResolvedValueOnce(undefined);
      refreshTokens.findSession.mockResolvedValueOnce(session(stored, current));
    }

    it('writes the new token first, then rotates with one compare-and-set on the session naming the presented token', async () => {
      const stored = storedToken();
      const userId = stored.userId.toHexString();
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      users.getMe.mockResolvedValueOnce(userResponse(userId));
      refreshTokens.addToken.mockResolvedValueOnce(undefined);
      refreshTokens.rotate.mockResolvedValueOnce(session(stored));

      const result = await sut.refresh('presented-token');

      const added = refreshTokens.addToken.mock.calls[0][0];
      expect(added).toEqual({ tokenHash: sha256(result.refreshToken), userId: stored.userId, familyId: stored.familyId, expiresAt: expect.any(Date) });
      expect(refreshTokens.rotate).toHaveBeenCalledWith(
        stored.familyId,
        sha256('presented-token'),
        { token: result.refreshToken, tokenHash: added.tokenHash, expiresAt: added.expiresAt },
        expect.any(Date),
      );
      expect(refreshTokens.addToken.mock.invocationCallOrder[0]).toBeLessThan(refreshTokens.rotate.mock.invocationCallOrder[0]);
      expect(jwt.verify(result.accessToken)).toMatchObject({ sub: userId, sid: stored.familyId.toHexString() });
    });

    it('losing the compare-and-set to another token of a live session is reuse: the session is revoked and its sockets told', async () => {
      const stored = storedToken();
      arrangeLostRotation(stored, { tokenHash: sha256('the-successor') });
      refreshTokens.revokeSession.mockResolvedValueOnce(true);
      events.publish.mockReturnValueOnce(undefined);

      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(UnauthorizedException);

      expect(refreshTokens.revokeSession).toHaveBeenCalledWith(stored.familyId, expect.any(Date));
      expect(events.publish).toHaveBeenCalledWith('session.revoked', { userId: stored.userId.toHexString(), sessionId: stored.familyId.toHexString() });
    });

    it('a revoked or expired session is a plain 401 (nothing more to revoke)', async () => {
      for (const over of [{ revokedAt: new Date() }, { expiresAt: new Date(Date.now() - 1) }]) {
        arrangeLostRotation(storedToken(), over);
        await expect(sut.refresh('presented-token')).rejects.toThrow(new UnauthorizedException('Invalid or expired refresh token'));
      }
      expect(refreshTokens.revokeSession).not.toHaveBeenCalled();
    });

    it('refuses an unknown or expired token before writing anything', async () => {
      refreshTokens.findByHash.mockResolvedValueOnce(null);
      await expect(sut.refresh('never-issued')).rejects.toBeInstanceOf(UnauthorizedException);
      refreshTokens.findByHash.mockResolvedValueOnce(storedToken({ expiresAt: new Date(Date.now() - 1) }));
      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(UnauthorizedException);
      expect(refreshTokens.addToken).not.toHaveBeenCalled();
    });

    it('answers 401 when the account is gone, but lets a database outage through (503, not a log-out), rotating nothing', async () => {
      const stored = storedToken();
      refreshTokens.findByHash.mockResolvedValue(stored);
      refreshTokens.addToken.mockResolvedValue(undefined);
      users.getMe.mockRejectedValueOnce(new NotFoundException('User not found'));
      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(UnauthorizedException);
      users.getMe.mockRejectedValueOnce(new ServiceUnavailableException());
      await expect(sut.refresh('presented-token')).rejects.toBeInstanceOf(ServiceUnavailableException);
      expect(refreshTokens.rotate).not.toHaveBeenCalled();
    });

    it('makes the family of a token stored before sessions existed a session first', async () => {
      const stored = storedToken({ rotatedAt: null, revokedAt: null });
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      refreshTokens.adoptLegacyFamily.mockResolvedValueOnce(undefined);
      users.getMe.mockResolvedValueOnce(userResponse(stored.userId.toHexString()));
      refreshTokens.addToken.mockResolvedValueOnce(undefined);
      refreshTokens.rotate.mockResolvedValueOnce(session(stored));
      await sut.refresh('presented-token');
      expect(refreshTokens.adoptLegacyFamily).toHaveBeenCalledWith(stored, expect.any(Date));
      expect(refreshTokens.adoptLegacyFamily.mock.invocationCallOrder[0]).toBeLessThan(refreshTokens.rotate.mock.invocationCallOrder[0]);
    });
  });

  describe('logout and session liveness', () => {
    it("revokes the caller's own session and tells its sockets", async () => {
      const stored = storedToken();
      refreshTokens.findByHash.mockResolvedValueOnce(stored);
      refreshTokens.revokeSession.mockResolvedValueOnce(true);
      events.publish.mockReturnValueOnce(undefined);

      await sut.logout(stored.userId.toHexString(), 'presented-token');

      expect(refreshTokens.revokeSession).toHaveBeenCalledWith(stored.familyId, expect.any(Date));
      expect(events.publish).toHaveBeenCalledWith('session.revoked', { userId: stored.userId.toHexString(), sessionId: stored.familyId.toHexString() });
    });

    it("ignores another user's refresh token (no revocation) and an unknown one", async () => {
      refreshTokens.findByHash.mockResolvedValueOnce(storedToken());
      await expect(sut.logout(new Types.ObjectId().toHexString(), 'presented-token')).resolves.toBeUndefined();
      refreshTokens.findByHash.mockResolvedValueOnce(null);
      await expect(sut.logout(new Types.ObjectId().toHexString(), 'never-issued')).resolves.toBeUndefined();
      expect(refreshTokens.revokeSession).not.toHaveBeenCalled();
    });

    it('a session is live while neither revoked nor expired', async () => {
      const stored = storedToken();
      refreshTokens.findSession.mockResolvedValueOnce(session(stored));
      await expect(sut.isSessionLive(stored.familyId.toHexString())).resolves.toBe(true);
      refreshTokens.findSession.mockResolvedValueOnce(session(stored, { revokedAt: new Date() }));
      await expect(sut.isSessionLive(stored.familyId.toHexString())).resolves.toBe(false);
      refreshTokens.findSession.mockResolvedValueOnce(session(stored, { expiresAt: new Date(Date.now() - 1) }));
      await expect(sut.isSessionLive(stored.familyId.toHexString())).resolves.toBe(false);
      refreshTokens.findSession.mockResolvedValueOnce(null);
      await expect(sut.isSessionLive(stored.familyId.toHexString())).resolves.toBe(false);
    });
  });
});
