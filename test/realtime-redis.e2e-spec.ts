import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatGateway } from '../src/chat/chat.gateway';
import type { Conversation } from '../src/contract';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { barrier, closeAllSockets, collect, connectSocket, sleep, waitFor } from './helpers/socket';
import { REDIS_SCRIPT, redisUnavailable } from './helpers/redis';
import { freePort } from './setup/global-setup';
import { closeOnServer, directConversation, groupConversation, requestOk } from './realtime-helpers';

const unavailable = redisUnavailable();
if (unavailable) console.warn(`realtime-redis: skipped, redis-server is not available: ${unavailable}`);

(unavailable ? describe.skip : describe)('realtime: two instances fanning out through Redis', () => {
  let redisDir: string;
  let one: TestApp;
  let two: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: Conversation;

  beforeAll(async () => {
    redisDir = mkdtempSync(join(tmpdir(), 'chatify-test-redis-'));
    const port = await freePort();
    execFileSync(REDIS_SCRIPT, ['start', redisDir, String(port)], { stdio: 'inherit' });
    const env = { REDIS_URL: `redis://127.0.0.1:${port}`, SEND_RATE_LIMIT: '4', SEND_RATE_WINDOW_SECONDS: '60' };
    one = await createTestApp(env);
    two = await createTestApp(env, { database: one.database });
    [alice, bob] = await Promise.all([createUser(one), createUser(two)]);
    conversation = await directConversation(one, alice, bob);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await two?.close();
    await one?.close();
    if (redisDir) {
      execFileSync(REDIS_SCRIPT, ['stop', redisDir], { stdio: 'inherit' });
      rmSync(redisDir, { recursive: true, force: true });
    }
  });

  /** Both instances are subscribed once one of them sees the other's socket through the adapter. */
  async function untilVisibleFrom(app: TestApp, socketId: string): Promise<void> {
    const server = app.app.get(ChatGateway).server;
    for (let tries = 0; tries < 50; tries += 1) {
      const sockets = await server.fetchSockets();
      if (sockets.some((socket) => socket.id === socketId)) return;
      // Polling interval of a condition wait (50 tries: a 5 s deadline), not a stand-in for arrival.
      await sleep(100);
    }
    throw new Error(`socket ${socketId} never became visible through Redis`);
  }

  it('presence is shared: a user connected to instance one is online on instance two, and offline only after its last connection anywhere', async () => {
    const watcher = await connectSocket(two.baseUrl, bob.accessToken);
    await expect(requestOk(watcher, 'presence:subscribe', { userIds: [alice.id] })).resolves.toEqual([{ userId: alice.id, online: false, lastSeenAt: null }]);
    const cameOnline = waitFor(watcher, 'presence', { predicate: (state) => state.userId === alice.id && state.online });
    const tabOne = await connectSocket(one.baseUrl, alice.accessToken);
    await cameOnline;
    const tabTwo = await connectSocket(two.baseUrl, alice.accessToken);
    expect((await two.http().get(`/api/v1/users/${alice.id}`).set(bob.auth).expect(200)).body.online).toBe(true);
    expect((await one.http().get(`/api/v1/users/${alice.id}`).set(bob.auth).expect(200)).body.online).toBe(true);

    const offline = collect(watcher, 'presence');
    // Instance one handles the close (and publishes any presence change it finds) before this resolves;
    // then a message published on instance one too, to a room of the watcher, travels the same way
    // (instance one's Redis publisher, the same pattern subscription on two) and so arrives after it.
    await closeOnServer(one, tabOne);
    await barrier(watcher, () => one.http().post('/api/v1/messages').set(bob.auth).send({ conversationId: conversation.id, text: 'barrier' }).expect(201));
    expect(offline.filter((state) => state.userId === alice.id && !state.online)).toEqual([]);
    expect((await two.http().get(`/api/v1/users/${alice.id}`).set(bob.auth).expect(200)).body.online).toBe(true);

    const wentOffline = waitFor(watcher, 'presence', { predicate: (state) => state.userId === alice.id && !state.online });
    tabTwo.close();
    const state = await wentOffline;
    expect(state.lastSeenAt).toEqual(expect.any(String));
    const seen = (await one.http().get(`/api/v1/users/${alice.id}`).set(bob.auth).expect(200)).body;
    expect(seen).toMatchObject({ online: false, lastSeenAt: state.lastSeenAt });
  });

  it('reports Redis in /health on both instances', async () => {
    await one.http().get('/health').expect(200);
    await two.http().get('/health').expect(200);
  });

  it('/metrics: Redis up on both instances; each counts the deliveries it wrote to its own sockets, summing to one per receiving socket', async () => {
    const scrape = async (app: TestApp) => (await app.http().get('/metrics').expect(200)).text;
    const delivered = (text: string) => Number(/^chatify_deliveries_total\{event="message:new"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    expect(await scrape(one)).toMatch(/^chatify_redis_up 1$/m);
    expect(await scrape(two)).toMatch(/^chatify_redis_up 1$/m);
    const [dave, erin] = await Promise.all([createUser(one), createUser(two)]);
    const direct = await directConversation(one, dave, erin);
    // Erin on both instances, Dave (the sender, whose other devices hear of it too) on instance two.
    const erinOnOne = await connectSocket(one.baseUrl, erin.accessToken);
    const erinOnTwo = await connectSocket(two.baseUrl, erin.accessToken);
    const daveOnTwo = await connectSocket(two.baseUrl, dave.accessToken);
    await untilVisibleFrom(one, daveOnTwo.id as string);
    const [beforeOne, beforeTwo] = await Promise.all([scrape(one), scrape(two)]);
    const arrived = Promise.all([erinOnOne, erinOnTwo, daveOnTwo].map((socket) => waitFor(socket, 'message:new')));
    await one.http().post('/api/v1/messages').set(dave.auth).send({ conversationId: direct.id, text: 'counted where written' }).expect(201);
    await arrived;
    const [afterOne, afterTwo] = await Promise.all([scrape(one), scrape(two)]);
    expect(delivered(afterOne) - delivered(beforeOne)).toBe(1);
    expect(delivered(afterTwo) - delivered(beforeTwo)).toBe(2);
  });

  it("a message sent on instance one reaches the recipient's socket on instance two, and back", async () => {
    const aliceSocket = await connectSocket(one.baseUrl, alice.accessToken);
    const bobSocket = await connectSocket(two.baseUrl, bob.accessToken);
    await untilVisibleFrom(one, bobSocket.id as string);
    await untilVisibleFrom(two, aliceSocket.id as string);

    const arrival = waitFor(bobSocket, 'message:new');
    const message = await requestOk(aliceSocket, 'message:send', { conversationId: conversation.id, text: 'across instances' });
    await expect(arrival).resolves.toEqual(message);

    // A REST write on instance two reaches a socket on instance one.
    const back = waitFor(aliceSocket, 'message:new');
    const response = await two.http().post('/api/v1/messages').set(bob.auth).send({ conversationId: conversation.id, text: 'and back' }).expect(201);
    await expect(back).resolves.toEqual(response.body);

    // Receipts too: alice (instance one) reads bob's message, bob (instance two) hears of it.
    const receipt = waitFor(bobSocket, 'receipt', { predicate: (event) => event.type === 'read' });
    await requestOk(aliceSocket, 'conversation:read', { conversationId: conversation.id, messageId: response.body.id });
    await expect(receipt).resolves.toMatchObject({ userId: alice.id, messageId: response.body.id, type: 'read' });
  });

  it('each event arrives once, on every instance holding a connection of the user, and not at non-members', async () => {
    const carol = await createUser(one);
    const group = await groupConversation(one, alice, [bob], 'Two instances');
    const [bobOnOne, bobOnTwo, carolOnTwo, aliceOnOne] = await Promise.all([
      connectSocket(one.baseUrl, bob.accessToken),
      connectSocket(two.baseUrl, bob.accessToken),
      connectSocket(two.baseUrl, carol.accessToken),
      connectSocket(one.baseUrl, alice.accessToken),
    ]);
    await untilVisibleFrom(one, bobOnTwo.id as string);
    await untilVisibleFrom(two, bobOnOne.id as string);
    const seen = [collect(bobOnOne, 'message:new'), collect(bobOnTwo, 'message:new')];
    const carolSees = collect(carolOnTwo, 'message:new');
    const arrivals = [bobOnOne, bobOnTwo].map((socket) => waitFor(socket, 'message:new'));
    const message = await requestOk(aliceOnOne, 'message:send', { conversationId: group.id, text: 'once each' });
    await Promise.all(arrivals);
    // Barrier published on instance one as alice's message was: carol messages bob (REST on one), which
    // reaches both of bob's sockets and carol's after anything alice's send emitted to them.
    const marker = await barrier([bobOnOne, bobOnTwo, carolOnTwo], () =>
      one.http().post('/api/v1/messages').set(carol.auth).send({ recipientId: bob.id, text: 'barrier' }).expect(201),
    );
    for (const events of seen) expect(events).toEqual([message, marker]);
    expect(carolSees).toEqual([marker]);
  });

  it('typing from instance two reaches a member on instance one', async () => {
    const aliceSocket = await connectSocket(one.baseUrl, alice.accessToken);
    const bobSocket = await connectSocket(two.baseUrl, bob.accessToken);
    await untilVisibleFrom(two, aliceSocket.id as string);
    const typing = waitFor(aliceSocket, 'typing');
    await requestOk(bobSocket, 'typing', { conversationId: conversation.id, typing: true });
    await expect(typing).resolves.toEqual({ conversationId: conversation.id, userId: bob.id, typing: true });
  });

  it("a logout on instance two closes that session's socket on instance one (issue 11, finding 5)", async () => {
    const carol = await createUser(one);
    const socket = await connectSocket(one.baseUrl, carol.accessToken);
    await untilVisibleFrom(two, socket.id as string);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await two.http().post('/api/v1/auth/logout').set(carol.auth).send({ refreshToken: carol.refreshToken }).expect(204);
    await expect(closed).resolves.toBe('io server disconnect');
  });

  it('rate limits are shared: two instances together allow what one does (issue 11, finding 6)', async () => {
    const [dan, erin] = await Promise.all([createUser(one), createUser(two)]);
    const direct = await directConversation(one, dan, erin);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const via = i % 2 ? two : one;
      statuses.push(
        (
          await via
            .http()
            .post('/api/v1/messages')
            .set(dan.auth)
            .send({ conversationId: direct.id, text: `shared ${i}` })
        ).status,
      );
    }
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
  });
});
