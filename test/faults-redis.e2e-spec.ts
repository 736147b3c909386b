import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { Types } from 'mongoose';
import type { Conversation } from '../src/contract';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, collect, connectSocket, sleep, waitFor } from './helpers/socket';
import { REDIS_SCRIPT, redisUnavailable } from './helpers/redis';
import { freePort } from './setup/global-setup';
import { directConversation, requestOk } from './realtime-helpers';

const unavailable = redisUnavailable();
if (unavailable) console.warn(`faults-redis: skipped, redis-server is not available: ${unavailable}`);

/** Polls `check` until it holds (a condition wait with a deadline, not a stand-in for arrival). */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}

/**
 * Two instances over one Redis, which the tests really take away (kill -9, then a restart that comes
 * back empty: no persistence), and instances that die without a word (simulated in Redis: an
 * instance entry that stops beating, as a kill -9 or a frozen process leaves it).
 */
(unavailable ? describe.skip : describe)('faults: Redis away, instances dead', () => {
  let redisDir: string;
  let redisPort: number;
  let one: TestApp;
  let two: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceBob: Conversation;
  let aliceCarol: Conversation;

  const startRedis = () => execFileSync(REDIS_SCRIPT, ['start', redisDir, String(redisPort)], { stdio: 'ignore' });
  const crashRedis = () => {
    const pid = Number(readFileSync(join(redisDir, 'redis.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    execFileSync('bash', ['-c', `while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done`]);
  };

  beforeAll(async () => {
    redisDir = mkdtempSync(join(tmpdir(), 'chatify-test-redis-faults-'));
    redisPort = await freePort();
    startRedis();
    const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}`, PRESENCE_HEARTBEAT_MS: '200', PRESENCE_INSTANCE_TTL_MS: '1200' };
    one = await createTestApp(env);
    two = await createTestApp(env, { database: one.database });
    [alice, bob, carol] = await Promise.all([createUser(one), createUser(two), createUser(one)]);
    [aliceBob, aliceCarol] = await Promise.all([directConversation(one, alice, bob), directConversation(one, alice, carol)]);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await two?.close();
    await one?.close();
    if (redisDir) {
      execFileSync(REDIS_SCRIPT, ['stop', redisDir], { stdio: 'ignore' });
      rmSync(redisDir, { recursive: true, force: true });
    }
  });

  const onlineAsSeenBy = async (t: TestApp, viewer: TestUser, user: TestUser) =>
    (await t.http().get(`/api/v1/users/${user.id}`).set(viewer.auth).expect(200)).body.online as boolean;

  it('survives a Redis crash: serves its own sockets meanwhile, then tells every client to catch up, rebuilds presence and fans out again', async () => {
    const aliceSocket = await connectSocket(one.baseUrl, alice.accessToken);
    const carolSocket = await connectSocket(one.baseUrl, carol.accessToken);
    const bobSocket = await connectSocket(two.baseUrl, bob.accessToken);
    await eventually(async () => onlineAsSeenBy(two, bob, alice), 5000, 'alice online as seen from instance two');
    const { cursor } = (await two.http().get('/api/v1/sync').set(bob.auth).expect(200)).body;
    const cursorTakenAt = Date.now();
    const told = [aliceSocket, bobSocket].map((socket) => waitFor(socket, 'sync:required', { timeoutMs: 15_000 }));

    crashRedis();
    // Instance one keeps serving its own sockets: a send is stored and reaches a member connected here.
    const toCarol = waitFor(carolSocket, 'message:new', { predicate: (message) => message.text === 'while redis is down' });
    await requestOk(aliceSocket, 'message:send', { conversationId: aliceCarol.id, text: 'while redis is down', clientId: 'down-1' });
    await toCarol;
    // A send whose recipient is on the other instance is acknowledged (stored) too; it reaches bob by sync.
    const missed = await requestOk(aliceSocket, 'message:send', { conversationId: aliceBob.id, text: 'bob catches up on this', clientId: 'down-2' });

    startRedis();
    const events = await Promise.all(told);
    for (const event of events) expect(event).toEqual({ spreadMs: 10_000, since: expect.any(String), cursor: expect.any(String) });
    // The outage began after bob's last sync; the cursor it hands out starts shortly before it.
    expect(Date.parse(events[1].since)).toBeGreaterThanOrEqual(cursorTakenAt - 1000);
    for (const since of [cursor, events[1].cursor]) {
      const sync = (await two.http().get('/api/v1/sync').query({ since }).set(bob.auth).expect(200)).body;
      expect(sync.messages.map((message: { id: string }) => message.id)).toContain(missed.id);
    }

    // Redis came back empty: each instance wrote its users again, so alice is online from both sides.
    await eventually(async () => (await onlineAsSeenBy(two, bob, alice)) && (await onlineAsSeenBy(one, alice, bob)), 5000, 'presence rebuilt');
    const live = waitFor(bobSocket, 'message:new', { predicate: (message) => message.text === 'after redis is back' });
    await requestOk(aliceSocket, 'message:send', { conversationId: aliceBob.id, text: 'after redis is back', clientId: 'up-1' });
    await live;
    await one.http().get('/health').expect(200);
    await two.http().get('/health').expect(200);
  }, 40_000);

  it('takes an instance that stopped beating as dead: its users go offline everywhere, announced to their subscribers with their last-seen time', async () => {
    const dave = await createUser(two);
    const redis = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    await redis.connect();
    try {
      // What a live instance holding dave's only connection writes (see RedisPresence); then it dies.
      const deadId = `dead-${new Types.ObjectId().toHexString()}`;
      const lastBeat = Date.now();
      await redis
        .multi()
        .zAdd('chatify:presence:instances', { score: lastBeat, value: deadId })
        .sAdd(`chatify:presence:instance:${deadId}:users`, dave.id)
        .hSet(`chatify:presence:user:${dave.id}`, deadId, '1')
        .exec();
      // Instances look an unknown instance up again at most every 100 ms: wait until it counts.
      await eventually(async () => onlineAsSeenBy(one, bob, dave), 5000, 'dave online through the (soon dead) instance');
      const bobSocket = await connectSocket(one.baseUrl, bob.accessToken);
      const presence = collect(bobSocket, 'presence');
      const [state] = await requestOk(bobSocket, 'presence:subscribe', { userIds: [dave.id] });
      expect(state).toMatchObject({ userId: dave.id, online: true });

      const offline = await waitFor(bobSocket, 'presence', { timeoutMs: 10_000, predicate: (event) => event.userId === dave.id && !event.online });
      expect(Date.parse(offline.lastSeenAt ?? '')).toBe(lastBeat);
      expect(Date.now() - lastBeat).toBeGreaterThanOrEqual(1200);
      expect(presence.filter((event) => event.userId === dave.id)).toEqual([offline]);
      expect(await onlineAsSeenBy(two, bob, dave)).toBe(false);
      // Swept once, by one instance, and forgotten.
      expect(await redis.zScore('chatify:presence:instances', deadId)).toBeNull();
      expect(await redis.exists(`chatify:presence:instance:${deadId}:users`)).toBe(0);
    } finally {
      await redis.quit();
    }
  }, 20_000);

  it("keeps a dead instance's user online when it holds a connection on a live instance too", async () => {
    const erin = await createUser(two);
    const redis = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    await redis.connect();
    try {
      const deadId = `dead-${new Types.ObjectId().toHexString()}`;
      await redis
        .multi()
        .zAdd('chatify:presence:instances', { score: Date.now(), value: deadId })
        .sAdd(`chatify:presence:instance:${deadId}:users`, erin.id)
        .hSet(`chatify:presence:user:${erin.id}`, deadId, '1')
        .exec();
      await connectSocket(two.baseUrl, erin.accessToken);
      const bobSocket = await connectSocket(one.baseUrl, bob.accessToken);
      const presence = collect(bobSocket, 'presence');
      await requestOk(bobSocket, 'presence:subscribe', { userIds: [erin.id] });
      await eventually(async () => (await redis.zScore('chatify:presence:instances', deadId)) === null, 10_000, 'the dead instance swept');
      const [state] = await requestOk(bobSocket, 'presence:subscribe', { userIds: [erin.id] });
      expect(state).toMatchObject({ online: true });
      expect(await onlineAsSeenBy(one, bob, erin)).toBe(true);
      expect(presence.filter((event) => event.userId === erin.id && !event.online)).toEqual([]);
    } finally {
      await redis.quit();
    }
  }, 20_000);
});
