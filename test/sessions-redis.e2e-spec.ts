import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatGateway } from '../src/chat/chat.gateway';
import { createUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, connectSocket, sleep } from './helpers/socket';
import { REDIS_SCRIPT, redisUnavailable } from './helpers/redis';
import { freePort } from './setup/global-setup';
import { disconnection } from './realtime-helpers';

const unavailable = redisUnavailable();
if (unavailable) console.warn(`sessions-redis: skipped, redis-server is not available: ${unavailable}`);

/** Issue 22: a session ended on one instance is refused on REST by every instance at once. */
(unavailable ? describe.skip : describe)('Sessions end everywhere at once: two instances over Redis (e2e)', () => {
  let redisDir: string;
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    redisDir = mkdtempSync(join(tmpdir(), 'chatify-test-redis-'));
    const port = await freePort();
    execFileSync(REDIS_SCRIPT, ['start', redisDir, String(port)], { stdio: 'inherit' });
    const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
    one = await createTestApp(env);
    two = await createTestApp(env, { database: one.database });
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await two?.app.close();
    await one?.close();
    if (redisDir) {
      execFileSync(REDIS_SCRIPT, ['stop', redisDir], { stdio: 'inherit' });
      rmSync(redisDir, { recursive: true, force: true });
    }
  });

  const me = (app: TestApp, accessToken: string) => app.http().get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);

  /** The status `app` answers for `accessToken`, asked until it is 401 or the (short) deadline passes. */
  async function statusUntilRefused(app: TestApp, accessToken: string, deadlineMs = 1000): Promise<number> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const { status } = await me(app, accessToken);
      if (status === 401 || Date.now() >= deadline) return status;
      // Polling interval of a condition wait, not a stand-in for arrival.
      await sleep(10);
    }
  }

  /** Both instances see a socket once the one it is not connected to finds it through the adapter. */
  async function untilVisibleFrom(app: TestApp, socketId: string): Promise<void> {
    const server = app.app.get(ChatGateway).server;
    for (let tries = 0; tries < 50; tries += 1) {
      if ((await server.fetchSockets()).some((socket) => socket.id === socketId)) return;
      await sleep(100);
    }
    throw new Error(`socket ${socketId} never became visible through Redis`);
  }

  it("a logout on instance one: the token gets 401 on instance two at once (it was accepted and cached there before), and the session's socket on two closes", async () => {
    const alice = await createUser(one);
    await me(two, alice.accessToken).expect(200);
    const socket = await connectSocket(two.baseUrl, alice.accessToken);
    await untilVisibleFrom(one, socket.id as string);
    const closed = disconnection(socket);
    await one.http().post('/api/v1/auth/logout').set(alice.auth).send({ refreshToken: alice.refreshToken }).expect(204);
    expect(await statusUntilRefused(two, alice.accessToken)).toBe(401);
    expect((await me(one, alice.accessToken)).status).toBe(401);
    await expect(closed).resolves.toBe('io server disconnect');
  });

  it("a refresh-token reuse on instance two: the family's access tokens get 401 on both instances", async () => {
    const alice = await createUser(one);
    const rotated = (await one.http().post('/api/v1/auth/refresh').send({ refreshToken: alice.refreshToken }).expect(200)).body;
    await Promise.all([me(one, alice.accessToken).expect(200), me(one, rotated.accessToken).expect(200), me(two, rotated.accessToken).expect(200)]);
    await two.http().post('/api/v1/auth/refresh').send({ refreshToken: alice.refreshToken }).expect(401);
    expect(await statusUntilRefused(one, rotated.accessToken)).toBe(401);
    expect(await statusUntilRefused(one, alice.accessToken)).toBe(401);
    expect((await me(two, rotated.accessToken)).status).toBe(401);
  });

  it('another session of the same user stays accepted on both instances', async () => {
    const alice = await createUser(one);
    const other = (await two.http().post('/api/v1/auth/login').send({ email: alice.email, password: alice.password }).expect(200)).body;
    await one.http().post('/api/v1/auth/logout').set(alice.auth).send({ refreshToken: alice.refreshToken }).expect(204);
    expect(await statusUntilRefused(two, alice.accessToken)).toBe(401);
    await me(one, other.accessToken).expect(200);
    await me(two, other.accessToken).expect(200);
  });
});
