import { JwtService } from '@nestjs/jwt';
import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TEST_ENV, TestApp } from './helpers/app';
import { expectErrorBody, expectNoSecrets } from './helpers/http-assertions';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const SIGNUP = '/api/v1/auth/signup';
const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const LOGOUT = '/api/v1/auth/logout';

let unique = 0;
const email = (label = 'user') => `${label}.${Date.now().toString(36)}.${(unique += 1)}@example.test`;

describe('Auth (e2e)', () => {
  let t: TestApp;
  const jwt = new JwtService({ secret: TEST_ENV.JWT_SECRET, signOptions: { issuer: 'chatify', audience: 'chatify-api' } });

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (path: string, body: unknown) =>
    t
      .http()
      .post(path)
      .send(body as object);
  const users = () => t.connection.collection('users');

  async function login(user: Pick<TestUser, 'email' | 'password'>): Promise<Response> {
    return post(LOGIN, { email: user.email, password: user.password }).expect(200);
  }

  describe('POST /api/v1/auth/signup', () => {
    it('answers 201 with the complete AuthResult and a working access token', async () => {
      const response = await post(SIGNUP, { name: 'Ada Lovelace', email: email('ada'), password: 'correct horse battery' }).expect(201);

      expect(Object.keys(response.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
      expect(response.body).toEqual({
        user: {
          id: expect.stringMatching(/^[0-9a-f]{24}$/),
          name: 'Ada Lovelace',
          email: expect.any(String),
          avatarUrl: null,
          online: false,
          lastSeenAt: null,
          createdAt: expect.stringMatching(ISO),
        },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expect(Object.keys(response.body.user).sort()).toEqual(['avatarUrl', 'createdAt', 'email', 'id', 'lastSeenAt', 'name', 'online']);
      expect(jwt.decode(response.body.accessToken)).toMatchObject({ sub: response.body.user.id, exp: expect.any(Number) });
      // The refresh token is opaque, not a JWT.
      expect(response.body.refreshToken.split('.')).toHaveLength(1);
      expectNoSecrets(response, ['correct horse battery']);

      const me = await t.http().get('/api/v1/users/me').set('Authorization', `Bearer ${response.body.accessToken}`).expect(200);
      expect(me.body).toEqual(response.body.user);
    });

    it('stores the e-mail lower-cased, the name trimmed, and neither the password nor the refresh token in clear', async () => {
      const address = email('Mixed.Case').toUpperCase();
      const response = await post(SIGNUP, { name: '   Grace Hopper  ', email: `  ${address} `, password: 'correct horse battery' }).expect(201);

      expect(response.body.user.email).toBe(address.toLowerCase());
      expect(response.body.user.name).toBe('Grace Hopper');
      const stored = await users().findOne({ email: address.toLowerCase() });
      expect(stored).toMatchObject({ email: address.toLowerCase(), name: 'Grace Hopper' });
      expect(JSON.stringify(stored)).not.toContain('correct horse battery');
      const tokens = await t.connection.collection('refresh_tokens').find({ userId: stored!._id }).toArray();
      expect(tokens).toHaveLength(1);
      expect(JSON.stringify(tokens)).not.toContain(response.body.refreshToken);
    });

    it('accepts the boundaries: a 64-character name (after trim), 8- and 128-character passwords', async () => {
      const name = 'N'.repeat(64);
      const short = await post(SIGNUP, { name: `  ${name}  `, email: email(), password: '12345678' }).expect(201);
      expect(short.body.user.name).toBe(name);
      const longPassword = 'x'.repeat(128);
      const long = await post(SIGNUP, { name: 'Long', email: email(), password: longPassword }).expect(201);
      await post(LOGIN, { email: long.body.user.email, password: longPassword }).expect(200);
    });

    it('answers 409 for an e-mail already taken, whatever its case, and creates nothing', async () => {
      const address = email('taken');
      await post(SIGNUP, { name: 'First', email: address, password: 'correct horse battery' }).expect(201);

      for (const variant of [address, address.toUpperCase(), ` ${address.replace('taken', 'TaKeN')}`]) {
        const response = await post(SIGNUP, { name: 'Second', email: variant, password: 'another password' });
        expectErrorBody(response, 409);
      }
      expect(await users().countDocuments({ email: address })).toBe(1);
      // The first account's password still opens it.
      await post(LOGIN, { email: address, password: 'correct horse battery' }).expect(200);
    });

    const valid = { name: 'Valid Name', password: 'correct horse battery' };
    it.each<[string, Record<string, unknown>, RegExp]>([
      ['an unknown field', { role: 'admin' }, /property role should not exist/],
      ['a numeric name', { name: 12345 }, /name must be a string/],
      ['a name empty after trim', { name: '    ' }, /name must be longer than or equal to 1/],
      ['a 65-character name', { name: 'n'.repeat(65) }, /name must be shorter than or equal to 64/],
      ['a 7-character password', { password: '1234567' }, /password must be longer than or equal to 8/],
      ['a 129-character password', { password: 'p'.repeat(129) }, /password must be shorter than or equal to 128/],
      ['a numeric password', { password: 12345678 }, /password must be a string/],
      ['an invalid e-mail', { email: 'not-an-email' }, /email must be an email/],
      ['an operator object as e-mail', { email: { $ne: null } }, /email must be a string/],
      ['an operator object as name', { name: { $gt: '' } }, /name must be a string/],
      ['a missing password', { password: undefined }, /password must be a string/],
    ])('answers 400 for %s and creates nothing', async (_case, override, message) => {
      const address = email('invalid');
      const response = await post(SIGNUP, { ...valid, email: address, ...override });
      expectErrorBody(response, 400, message);
      expect(await users().countDocuments({ email: address })).toBe(0);
    });

    it('answers 400 for malformed JSON and for a body that is not an object', async () => {
      const malformed = await t.http().post(SIGNUP).set('Content-Type', 'application/json').send('{"name":"x","email":');
      expectErrorBody(malformed, 400, 'Request body is not valid JSON');
      const array = await t.http().post(SIGNUP).set('Content-Type', 'application/json').send('[]');
      expectErrorBody(array, 400);
    });
  });

  describe('POST /api/v1/auth/login', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await createUser(t, { email: email('login'), password: 'correct horse battery' });
    });

    it('answers 200 with an AuthResult for the right password, whatever the e-mail case', async () => {
      const response = await post(LOGIN, { email: ` ${user.email.toUpperCase()} `, password: user.password }).expect(200);
      expect(response.body).toEqual({
        user: { id: user.id, name: user.name, email: user.email, avatarUrl: null, online: false, lastSeenAt: null, createdAt: expect.stringMatching(ISO) },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expect(response.body.refreshToken).not.toBe(user.refreshToken);
      expectNoSecrets(response, [user.password]);
    });

    it('answers a wrong password and an unknown e-mail with the same 401 body', async () => {
      const wrongPassword = await post(LOGIN, { email: user.email, password: 'wrong horse battery' });
      const unknownEmail = await post(LOGIN, { email: email('nobody'), password: user.password });

      expectErrorBody(wrongPassword, 401);
      expectErrorBody(unknownEmail, 401);
      expect(unknownEmail.body).toEqual(wrongPassword.body);
      expect(wrongPassword.headers['www-authenticate']).toBe(unknownEmail.headers['www-authenticate']);
    });

    it('keeps every character of a long password significant (not only the first 72 bytes)', async () => {
      const prefix = 'p'.repeat(100);
      const long = await createUser(t, { email: email('long'), password: `${prefix}A` });
      expectErrorBody(await post(LOGIN, { email: long.email, password: `${prefix}B` }), 401);
      await post(LOGIN, { email: long.email, password: `${prefix}A` }).expect(200);
    });

    it.each<[string, Record<string, unknown>]>([
      ['an operator object as e-mail', { email: { $ne: null }, password: 'correct horse battery' }],
      ['an operator object as password', { email: 'x@example.test', password: { $ne: null } }],
      ['a regex operator as e-mail', { email: { $regex: '.*' }, password: 'correct horse battery' }],
      ['an unknown field', { email: 'x@example.test', password: 'correct horse battery', admin: true }],
      ['a missing password', { email: 'x@example.test' }],
      ['an empty password', { email: 'x@example.test', password: '' }],
      ['an invalid e-mail', { email: 'x', password: 'correct horse battery' }],
    ])('answers 400 (never 200 or 500) for %s', async (_case, body) => {
      expectErrorBody(await post(LOGIN, body), 400);
    });

    it('answers 400 for malformed JSON', async () => {
      const response = await t.http().post(LOGIN).set('Content-Type', 'application/json').send('{"email": "a@b.c", password}');
      expectErrorBody(response, 400, 'Request body is not valid JSON');
    });
  });

  describe('POST /api/v1/auth/refresh', () => {
    it('returns a NEW refresh token (and a working access token); the old one then fails with 401', async () => {
      const user = await createUser(t);
      const first = await post(REFRESH, { refreshToken: user.refreshToken }).expect(200);

      expect(first.body).toEqual({
        user: expect.objectContaining({ id: user.id, email: user.email }),
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      expectNoSecrets(first, [user.password]);
      await t.http().get('/api/v1/users/me').set('Authorization', `Bearer ${first.body.accessToken}`).expect(200);

      const second = await post(REFRESH, { refreshToken: first.body.refreshToken }).expect(200);
      expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    });

    it('revokes the whole family when a rotated token is presented again; another session stays valid', async () => {
      const user = await createUser(t);
      const otherSession = (await login(user)).body.refreshToken as string;
      const rotated = (await post(REFRESH, { refreshToken: user.refreshToken }).expect(200)).body.refreshToken as string;

      // Replaying the rotated (stolen) token: refused…
      expectErrorBody(await post(REFRESH, { refreshToken: user.refreshToken }), 401);
      // …and the newest token of that family dies with it.
      expectErrorBody(await post(REFRESH, { refreshToken: rotated }), 401);
      // The user's other login is another family: untouched.
      const other = await post(REFRESH, { refreshToken: otherSession }).expect(200);
      expect(other.body.user.id).toBe(user.id);
    });

    it('answers 401 for a token that was never issued and 400 for a missing or non-string token', async () => {
      expectErrorBody(await post(REFRESH, { refreshToken: 'never-issued-token' }), 401);
      expectErrorBody(await post(REFRESH, {}), 400);
      expectErrorBody(await post(REFRESH, { refreshToken: { $ne: null } }), 400);
      expectErrorBody(await post(REFRESH, { refreshToken: 'x', extra: 1 }), 400);
    });

    it('answers 401 for an expired refresh token', async () => {
      const user = await createUser(t);
      const tokenHash = createHash('sha256').update(user.refreshToken).digest('hex');
      const expired = await t.connection.collection('refresh_tokens').updateOne({ tokenHash }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
      expect(expired.modifiedCount).toBe(1);
      expectErrorBody(await post(REFRESH, { refreshToken: user.refreshToken }), 401);
    });
  });

  describe('POST /api/v1/auth/logout', () => {
    it('answers 204; that refresh token then fails, another session stays valid', async () => {
      const user = await createUser(t);
      const otherSession = (await login(user)).body.refreshToken as string;

      const response = await t.http().post(LOGOUT).set(user.auth).send({ refreshToken: user.refreshToken });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      expectErrorBody(await post(REFRESH, { refreshToken: user.refreshToken }), 401);
      await post(REFRESH, { refreshToken: otherSession }).expect(200);
    });

    it('requires a bearer token (401, and the session stays open)', async () => {
      const user = await createUser(t);
      expectErrorBody(await post(LOGOUT, { refreshToken: user.refreshToken }), 401);
      expectErrorBody(await t.http().post(LOGOUT).set('Authorization', 'Bearer not-a-jwt').send({ refreshToken: user.refreshToken }), 401);
      await post(REFRESH, { refreshToken: user.refreshToken }).expect(200);
    });

    it("does not end another user's session", async () => {
      const victim = await createUser(t);
      const attacker = await createUser(t);
      await t.http().post(LOGOUT).set(attacker.auth).send({ refreshToken: victim.refreshToken }).expect(204);
      await post(REFRESH, { refreshToken: victim.refreshToken }).expect(200);
    });

    it('answers 400 without a refresh token', async () => {
      const user = await createUser(t);
      expectErrorBody(await t.http().post(LOGOUT).set(user.auth).send({}), 400);
    });
  });

  describe('access tokens', () => {
    let user: TestUser;
    const now = () => Math.floor(Date.now() / 1000);
    const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    beforeAll(async () => {
      user = await createUser(t);
    });
    const me = (authorization?: string) => {
      const request = t.http().get('/api/v1/users/me');
      return authorization === undefined ? request : request.set('Authorization', authorization);
    };

    const sid = () => JSON.parse(Buffer.from(user.accessToken.split('.')[1], 'base64url').toString('utf8')).sid as string;

    it('carries sub, sid, iss and aud', () => {
      expect(jwt.decode(user.accessToken)).toEqual({
        sub: user.id,
        sid: expect.stringMatching(/^[0-9a-f]{24}$/),
        iss: 'chatify',
        aud: 'chatify-api',
        iat: expect.any(Number),
        exp: expect.any(Number),
      });
    });

    it('accepts a token signed with the server secret (control for the cases below)', async () => {
      const token = jwt.sign({ sub: user.id, sid: sid(), iat: now() - 10, exp: now() + 60 });
      const response = await me(`Bearer ${token}`).expect(200);
      expect(response.body.id).toBe(user.id);
    });

    it.each<[string, () => string | undefined]>([
      ['no Authorization header', () => undefined],
      ['an expired token (same secret)', () => `Bearer ${jwt.sign({ sub: user.id, sid: sid(), iat: now() - 120, exp: now() - 60 })}`],
      ['a token signed with another secret', () => `Bearer ${new JwtService({ secret: 'some-other-secret-of-enough-length-000' }).sign({ sub: user.id })}`],
      ['an unsigned token (alg none)', () => `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: user.id, iat: now(), exp: now() + 600 })}.`],
      ['garbage', () => 'Bearer garbage.garbage.garbage'],
      ['a refresh token used as access token', () => `Bearer ${user.refreshToken}`],
      ['a valid token without the Bearer scheme', () => user.accessToken],
      ['a Basic scheme', () => `Basic ${Buffer.from(`${user.email}:${user.password}`).toString('base64')}`],
      ['a signed token whose subject is not a user id', () => `Bearer ${jwt.sign({ sub: 'admin', sid: sid(), exp: now() + 600 })}`],
      ['a signed token without expiry', () => `Bearer ${jwt.sign({ sub: user.id, sid: sid() })}`],
      ['a signed token without a session', () => `Bearer ${jwt.sign({ sub: user.id, exp: now() + 600 })}`],
      ['a signed token of another issuer', () => `Bearer ${jwt.sign({ sub: user.id, sid: sid(), exp: now() + 600 }, { issuer: 'elsewhere' })}`],
      ['a signed token for another audience', () => `Bearer ${jwt.sign({ sub: user.id, sid: sid(), exp: now() + 600 }, { audience: 'another-api' })}`],
      ['a signed token without iss and aud', () => `Bearer ${new JwtService({ secret: TEST_ENV.JWT_SECRET }).sign({ sub: user.id, sid: sid(), exp: now() + 600 })}`],
    ])('answers 401 in the contract shape for %s', async (_case, header) => {
      const response = await me(header());
      expectErrorBody(response, 401, 'Unauthorized');
    });
  });

  it('never returns password or token data (field names, hashes, the password) in any auth response', async () => {
    const password = 'a very secret passphrase';
    const address = email('scan');
    const responses: Response[] = [];
    const signup = await post(SIGNUP, { name: 'Scan', email: address, password });
    responses.push(signup);
    const loggedIn = await post(LOGIN, { email: address, password });
    responses.push(loggedIn);
    responses.push(await post(LOGIN, { email: address, password: 'wrong password!' }));
    responses.push(await post(SIGNUP, { name: 'Scan', email: address, password }));
    const refreshed = await post(REFRESH, { refreshToken: signup.body.refreshToken });
    responses.push(refreshed);
    responses.push(await post(REFRESH, { refreshToken: signup.body.refreshToken }));
    responses.push(await t.http().post(LOGOUT).set('Authorization', `Bearer ${loggedIn.body.accessToken}`).send({ refreshToken: loggedIn.body.refreshToken }));
    // The ended session's access token is refused at once (issue 22); a live session's reads the profile.
    responses.push(await t.http().get('/api/v1/users/me').set('Authorization', `Bearer ${loggedIn.body.accessToken}`));
    const again = await post(LOGIN, { email: address, password });
    responses.push(again);
    responses.push(await t.http().get('/api/v1/users/me').set('Authorization', `Bearer ${again.body.accessToken}`));

    const stored = await users().findOne({ email: address });
    const tokenHashes = (await t.connection.collection('refresh_tokens').find({ userId: stored!._id }).toArray()).map((token) => token.tokenHash as string);
    expect(tokenHashes.length).toBeGreaterThanOrEqual(3);
    expect(responses.map((response) => response.status)).toEqual([201, 200, 401, 409, 200, 401, 204, 401, 200, 200]);
    for (const response of responses) expectNoSecrets(response, [password, stored!.passwordHash, ...tokenHashes]);
  });
});
