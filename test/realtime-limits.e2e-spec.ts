import type { Conversation } from '../src/contract';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { barrier, closeAllSockets, collect, connectSocket } from './helpers/socket';
import { directConversation, disconnection, refusal, request, requestOk } from './realtime-helpers';

const SEND_LIMIT = 3;
const EVENT_LIMIT = 4;
const MAX_SOCKETS = 3;
const MAX_FRAME_BYTES = 4096;
const ALLOWED_ORIGIN = 'http://allowed.example';

describe('realtime: limits (send rate, frame size, origins)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: Conversation;

  beforeAll(async () => {
    t = await createTestApp({
      SEND_RATE_LIMIT: String(SEND_LIMIT),
      SEND_RATE_WINDOW_SECONDS: '60',
      WS_MAX_PAYLOAD_BYTES: String(MAX_FRAME_BYTES),
      CORS_ORIGINS: `${ALLOWED_ORIGIN},http://other.example`,
      PRESENCE_RATE_LIMIT: String(EVENT_LIMIT),
      TYPING_RATE_LIMIT: String(EVENT_LIMIT),
      RATE_LIMIT_WINDOW_SECONDS: '60',
      WS_MAX_CONNECTIONS_PER_USER: String(MAX_SOCKETS),
    });
    [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
    conversation = await directConversation(t, alice, bob);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 to message:send over SEND_RATE_LIMIT per window per user, over all its sockets, and stores nothing beyond it (issue 11, finding 6)', async () => {
    const [aliceSocket, aliceOtherTab, bobSocket] = await Promise.all([
      connectSocket(t.baseUrl, alice.accessToken),
      connectSocket(t.baseUrl, alice.accessToken),
      connectSocket(t.baseUrl, bob.accessToken),
    ]);
    const bobSees = collect(bobSocket, 'message:new');
    for (let i = 0; i < SEND_LIMIT; i += 1) await requestOk(i % 2 ? aliceOtherTab : aliceSocket, 'message:send', { conversationId: conversation.id, text: `m${i}` });
    // A new socket does not bring a new budget, and neither does REST.
    const fresh = await connectSocket(t.baseUrl, alice.accessToken).catch(() => aliceOtherTab);
    await expect(request(fresh, 'message:send', { conversationId: conversation.id, text: 'another tab' })).resolves.toMatchObject({ ok: false, error: { status: 429 } });
    expect((await t.http().post('/api/v1/messages').set(alice.auth).send({ conversationId: conversation.id, text: 'over REST' })).status).toBe(429);
    await expect(request(aliceSocket, 'message:send', { conversationId: conversation.id, text: 'one too many' })).resolves.toEqual({
      ok: false,
      // With when to come back (issue 22), as REST's Retry-After.
      error: { status: 429, message: expect.any(String), retryAfterMs: expect.any(Number) },
    });
    // Other events are not limited and the socket stays usable.
    await expect(request(aliceSocket, 'typing', { conversationId: conversation.id, typing: true })).resolves.toEqual({ ok: true, data: {} });
    // Barrier: bob (his own send budget) messages alice after every refused send was answered; his
    // socket gets it after anything those sends announced, so it comes right after m2.
    await barrier(bobSocket, () => requestOk(bobSocket, 'message:send', { conversationId: conversation.id, text: 'barrier' }));
    expect(bobSees.map((message) => message.text)).toEqual(['m0', 'm1', 'm2', 'barrier']);
    expect(aliceSocket.connected).toBe(true);
  });

  it('limits presence:subscribe and typing per user (issue 11, finding 6)', async () => {
    const carol = await createUser(t);
    const direct = await directConversation(t, carol, bob);
    const socket = await connectSocket(t.baseUrl, carol.accessToken);
    for (let i = 0; i < EVENT_LIMIT; i += 1) await requestOk(socket, 'presence:subscribe', { userIds: [bob.id] });
    await expect(request(socket, 'presence:subscribe', { userIds: [bob.id] })).resolves.toMatchObject({ ok: false, error: { status: 429 } });
    for (let i = 0; i < EVENT_LIMIT; i += 1) await requestOk(socket, 'typing', { conversationId: direct.id, typing: i % 2 === 0 });
    await expect(request(socket, 'typing', { conversationId: direct.id, typing: false })).resolves.toMatchObject({ ok: false, error: { status: 429 } });
    expect(socket.connected).toBe(true);
  });

  it('caps the concurrent sockets of one user at WS_MAX_CONNECTIONS_PER_USER; a closed one frees its place (issue 11, finding 6)', async () => {
    const dave = await createUser(t);
    const sockets = [];
    for (let i = 0; i < MAX_SOCKETS; i += 1) sockets.push(await connectSocket(t.baseUrl, dave.accessToken));
    const error = await refusal(connectSocket(t.baseUrl, dave.accessToken));
    expect(error.message).toMatch(/at most 3 connections/i);
    expect(error.data).toEqual({ status: 429 });
    // Other users are not affected, and closing one lets the next in.
    await expect(connectSocket(t.baseUrl, bob.accessToken)).resolves.toMatchObject({ connected: true });
    const closed = disconnection(sockets[0]);
    sockets[0].close();
    await closed;
    let next = null;
    for (let tries = 0; tries < 50 && !next; tries += 1) next = await connectSocket(t.baseUrl, dave.accessToken).catch(() => null);
    expect(next?.connected).toBe(true);
  });

  it('drops a connection that sends a frame over WS_MAX_PAYLOAD_BYTES; the server keeps serving others', async () => {
    const [aliceSocket, bobSocket] = await Promise.all([connectSocket(t.baseUrl, alice.accessToken), connectSocket(t.baseUrl, bob.accessToken)]);
    const dropped = disconnection(aliceSocket);
    (aliceSocket as unknown as { emit(event: string, payload: unknown): void }).emit('typing', {
      conversationId: conversation.id,
      typing: true,
      padding: 'x'.repeat(MAX_FRAME_BYTES * 2),
    });
    await expect(dropped).resolves.toBe('transport close');
    await expect(request(bobSocket, 'presence:subscribe', { userIds: [alice.id] })).resolves.toMatchObject({ ok: true });
  });

  it('accepts a frame just under the limit', async () => {
    const aliceSocket = await connectSocket(t.baseUrl, alice.accessToken);
    // Under the limit: handled (404, no such message) rather than a dropped connection.
    const answer = await request(aliceSocket, 'message:edit', { messageId: '0123456789abcdef01234567', text: 'x'.repeat(MAX_FRAME_BYTES - 200) });
    expect(answer).toMatchObject({ ok: false, error: { status: 404 } });
    expect(aliceSocket.connected).toBe(true);
  });

  it('refuses a browser origin that is not in CORS_ORIGINS, and accepts listed ones, its own origin and clients without an Origin', async () => {
    const error = await refusal(connectSocket(t.baseUrl, alice.accessToken, { headers: { Origin: 'http://evil.example' } }));
    expect(error.message).not.toBe('');
    await expect(connectSocket(t.baseUrl, alice.accessToken, { headers: { Origin: ALLOWED_ORIGIN } })).resolves.toMatchObject({ connected: true });
    // The web client the app serves itself, under whatever host it is reached by.
    await expect(connectSocket(t.baseUrl, alice.accessToken, { headers: { Origin: t.baseUrl } })).resolves.toMatchObject({ connected: true });
    await expect(connectSocket(t.baseUrl, alice.accessToken)).resolves.toMatchObject({ connected: true });
  });

  it('answers polling requests with the CORS headers of an allowed origin only', async () => {
    const allowed = await t.http().get('/socket.io/?EIO=4&transport=polling').set('Origin', ALLOWED_ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    const refused = await t.http().get('/socket.io/?EIO=4&transport=polling').set('Origin', 'http://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});
