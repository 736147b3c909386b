import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import type { AuthUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import type { AppConfig } from '../config/app-config';
import { EndedSessions } from './ended-sessions';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { TokenService } from './token.service';

const config = {
  jwtKey: createSecretKey(Buffer.from('a-test-secret-of-at-least-32-characters!')),
  jwtIssuer: 'chatify',
  jwtAudience: 'chatify-api',
  accessTokenTtlSeconds: 60,
} as unknown as AppConfig;
const jwt = new JwtService({ secret: config.jwtKey as unknown as string, signOptions: { algorithm: 'HS256' } });
const tokens = new TokenService(jwt, config);
const USER_ID = '64b7f0c2a1b2c3d4e5f60718';
const SESSION_ID = '64b7f0c2a1b2c3d4e5f60719';

class Routes {
  send() {}
  @Public() health() {}
}

function request(authorization?: string) {
  return { headers: authorization === undefined ? {} : { authorization } } as { headers: Record<string, string>; user?: AuthUser };
}

function http(req: ReturnType<typeof request>, handler: () => void = Routes.prototype.send): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => handler,
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
}

describe('JwtAuthGuard', () => {
  let strategy: JwtStrategy;
  let sut: JwtAuthGuard;
  let verifications: jest.SpyInstance;
  let ended: EndedSessions;

  beforeEach(() => {
    ended = new EndedSessions(60_000);
    strategy = new JwtStrategy(config, tokens); // registers 'jwt' with passport
    verifications = jest.spyOn(strategy, 'validate');
    sut = new JwtAuthGuard(new Reflector(), ended);
  });
  afterEach(() => jest.restoreAllMocks());

  it('verifies a header with passport-jwt once, then knows it until the token expires', async () => {
    const header = `Bearer ${tokens.signAccessToken(USER_ID, SESSION_ID).accessToken}`;
    const first = request(header);
    await expect(sut.canActivate(http(first))).resolves.toBe(true);
    const second = request(header);
    expect(sut.canActivate(http(second))).toBe(true);
    expect(verifications).toHaveBeenCalledTimes(1);
    expect(second.user).toEqual({ userId: USER_ID, sessionId: SESSION_ID, exp: expect.any(Number) });
    expect(second.user).toEqual(first.user);
  });

  it('refuses a known token once it has expired, as passport-jwt would', async () => {
    const header = `Bearer ${tokens.signAccessToken(USER_ID, SESSION_ID).accessToken}`;
    await sut.canActivate(http(request(header)));
    const exp = (jwt.decode(header.slice(7)) as { exp: number }).exp;
    jest.spyOn(Date, 'now').mockReturnValue(exp * 1000);
    const late = request(header);
    await expect(async () => sut.canActivate(http(late))).rejects.toThrow(UnauthorizedException);
    expect(late.user).toBeUndefined();
  });

  it('keeps no failure: a bad token is checked (and refused) every time', async () => {
    const good = tokens.signAccessToken(USER_ID, SESSION_ID).accessToken;
    const forged = `Bearer ${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(async () => sut.canActivate(http(request(forged)))).rejects.toThrow(UnauthorizedException);
    }
    await expect(async () => sut.canActivate(http(request()))).rejects.toThrow(UnauthorizedException);
    await expect(async () => sut.canActivate(http(request('Basic dXNlcjpwYXNz')))).rejects.toThrow(UnauthorizedException);
    expect(verifications).not.toHaveBeenCalled();
  });

  it('keeps claims that passport-jwt accepts but the token service refuses refused', async () => {
    const noSession = `Bearer ${jwt.sign({ sub: USER_ID }, { expiresIn: 60, issuer: 'chatify', audience: 'chatify-api' })}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(async () => sut.canActivate(http(request(noSession)))).rejects.toThrow(UnauthorizedException);
    }
    expect(verifications).toHaveBeenCalledTimes(2);
  });

  it('refuses a known token once its session has ended, and forgets it (issue 22)', async () => {
    const header = `Bearer ${tokens.signAccessToken(USER_ID, SESSION_ID).accessToken}`;
    const other = `Bearer ${tokens.signAccessToken(USER_ID, '64b7f0c2a1b2c3d4e5f6071a').accessToken}`;
    await sut.canActivate(http(request(header)));
    await sut.canActivate(http(request(other)));
    ended.add(SESSION_ID);
    const late = request(header);
    await expect(async () => sut.canActivate(http(late))).rejects.toThrow(UnauthorizedException);
    expect(late.user).toBeUndefined();
    // Not cached any more: the next attempt is verified again (and refused again).
    await expect(async () => sut.canActivate(http(request(header)))).rejects.toThrow(UnauthorizedException);
    expect(verifications).toHaveBeenCalledTimes(3);
    expect(sut.canActivate(http(request(other)))).toBe(true);
  });

  it('refuses a token seen for the first time whose session has ended, and does not remember it', async () => {
    ended.add(SESSION_ID);
    const header = `Bearer ${tokens.signAccessToken(USER_ID, SESSION_ID).accessToken}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = request(header);
      await expect(async () => sut.canActivate(http(refused))).rejects.toThrow(UnauthorizedException);
      expect(refused.user).toBeUndefined();
    }
    expect(verifications).toHaveBeenCalledTimes(2);
  });

  it('lets @Public() routes through without a token', () => {
    expect(sut.canActivate(http(request(), Routes.prototype.health))).toBe(true);
  });
});
