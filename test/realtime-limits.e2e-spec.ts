import type { ConversationResponse } from '../src/conversations/conversation.response';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, collect, connectSocket } from './helpers/socket';
import { directConversation, disconnection, refusal, request, requestOk, settle } from './realtime-helpers';

const SEND_LIMIT = 3;
const MAX_FRAME_BYTES = 4096;
const ALLOWED_ORIGIN = 'http://allowed.example';

describe('realtime: limits (send rate, frame size, origins)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: ConversationResponse;

  beforeAll(async () => {
    t = await createTestApp({
      SEND_RATE_LIMIT: String(SEND_LIMIT),
      SEND_RATE_WINDOW_SECONDS: '60',
      WS_MAX_PAYLOAD_BYTES: String(MAX_FRAME_BYTES),
      CORS_ORIGINS: `${ALLOWED_ORIGIN},http://other.example`,
    });
    [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
    conversation = await directConversation(t, alice, bob);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 to message:send over SEND_RATE_LIMIT per window on one socket, and stores nothing beyond it', async () => {
    const [aliceSocket, bobSocket] = await Promise.all([connectSocket(t.baseUrl, alice.accessToken), connectSocket(t.baseUrl, bob.accessToken)]);
    const bobSees = collect(bobSocket, 'message:new');
    for (let i = 0; i < SEND_LIMIT; i += 1) await requestOk(aliceSocket, 'message:send', { conversationId: conversation.id, text: `m${i}` });
    await expect(request(aliceSocket, 'message:send', { conversationId: conversation.id, text: 'one too many' })).resolves.toEqual({
      ok: false,
      error: { status: 429, message: expect.any(String) },
    });
    // Other events are not limited and the socket stays usable.
    await expect(request(aliceSocket, 'typing', { conversationId: conversation.id, typing: true })).resolves.toEqual({ ok: true, data: {} });
    await settle();
    expect(bobSees.map((message) => message.text)).toEqual(['m0', 'm1', 'm2']);
    expect(aliceSocket.connected).toBe(true);
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
