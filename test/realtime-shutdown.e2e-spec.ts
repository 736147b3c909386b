import { createConnection } from 'mongoose';
import { InFlightWork } from '../src/realtime/in-flight-work';
import { MessagesService } from '../src/messages/messages.service';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, databaseUri, TestApp } from './helpers/app';
import { closeAllSockets, collect, connectSocket } from './helpers/socket';
import { directConversation, disconnection, refusal, request } from './realtime-helpers';

describe('realtime: graceful shutdown', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ SHUTDOWN_TIMEOUT_MS: '5000' });
    [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
  });
  afterEach(() => closeAllSockets());

  it('finishes, answers and announces an accepted send, refuses new work, closes the sockets and only then the database', async () => {
    const conversation = await directConversation(t, alice, bob);
    const messages = t.app.get(MessagesService);
    const send = messages.send.bind(messages);
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // A held write: shutdown begins while it is in flight, and it goes on only once draining was checked.
    jest.spyOn(messages, 'send').mockImplementation(async (...args) => {
      started();
      await released;
      return send(...args);
    });
    // Draining has begun once the gateway closed the in-flight work to new work.
    const work = t.app.get(InFlightWork);
    const closeWork = work.close.bind(work);
    let drainingBegan!: () => void;
    const draining = new Promise<void>((resolve) => (drainingBegan = resolve));
    jest.spyOn(work, 'close').mockImplementation(() => {
      closeWork();
      drainingBegan();
    });
    const aliceSocket = await connectSocket(t.baseUrl, alice.accessToken);
    const bobSocket = await connectSocket(t.baseUrl, bob.accessToken);
    const aliceDropped = disconnection(aliceSocket, 10_000);
    const bobDropped = disconnection(bobSocket, 10_000);
    const bobReceived = collect(bobSocket, 'message:new');
    const answer = request(aliceSocket, 'message:send', { conversationId: conversation.id, text: 'sent just before SIGTERM' }, 10_000);
    await handlerStarted;

    const closing = t.app.close();
    await draining;
    // While draining: a new event is refused with 503, a new connection is refused.
    await expect(request(bobSocket, 'typing', { conversationId: conversation.id, typing: true })).resolves.toEqual({
      ok: false,
      error: { status: 503, message: expect.any(String) },
    });
    const refused = await refusal(connectSocket(t.baseUrl, bob.accessToken, { timeoutMs: 2000 }));
    expect(refused.message).toBeTruthy();

    // The held send is still being waited for; let it finish.
    release();
    await expect(answer).resolves.toMatchObject({ ok: true, data: { text: 'sent just before SIGTERM', senderId: alice.id } });
    await expect(aliceDropped).resolves.toBe('io server disconnect');
    // The recipient heard of it before its connection was closed.
    await expect(bobDropped).resolves.toBe('io server disconnect');
    expect(bobReceived.map((message) => message.text)).toEqual(['sent just before SIGTERM']);
    await closing;

    // The write and the closed connections' last-seen times were stored before the database closed.
    const db = await createConnection(databaseUri(t.database)).asPromise();
    try {
      const stored = await db.collection('messages').findOne({ text: 'sent just before SIGTERM' });
      expect(stored).not.toBeNull();
      const users = await db
        .collection('users')
        .find({}, { projection: { lastSeenAt: 1 } })
        .toArray();
      expect(users).toHaveLength(2);
      for (const user of users) expect(user.lastSeenAt).toBeInstanceOf(Date);
    } finally {
      await db.dropDatabase().catch(() => undefined);
      await db.close();
    }
  });
});
