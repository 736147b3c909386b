import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, collect, connectSocket } from './helpers/socket';
import { disconnection, refusal, requestOk, sessionOf, signToken } from './realtime-helpers';

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('realtime: handshake authentication and token expiry', () => {
  let t: TestApp;
  let alice: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await createUser(t);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  it('refuses a socket without a token', async () => {
    const error = await refusal(connectSocket(t.baseUrl, undefined));
    expect(error.message).toBe('Unauthorized');
  });

  it.each([
    ['a malformed token', () => 'not-a-jwt'],
    ['an empty token', () => ''],
    ['a token of the wrong type', () => 42 as unknown as string],
    [
      'a token signed with another secret',
      () => signToken(alice.id, nowSeconds() + 600, { secret: 'another-secret-that-is-long-enough-0123456789', sid: sessionOf(alice.accessToken) }),
    ],
    ['an expired token', () => signToken(alice.id, nowSeconds() - 5, { sid: sessionOf(alice.accessToken) })],
    ['a token whose subject is not a user id', () => signToken('not-an-id', nowSeconds() + 600, { sid: sessionOf(alice.accessToken) })],
    ['a token of another issuer', () => signToken(alice.id, nowSeconds() + 600, { sid: sessionOf(alice.accessToken), iss: 'someone-else' })],
    ['a token for another audience', () => signToken(alice.id, nowSeconds() + 600, { sid: sessionOf(alice.accessToken), aud: 'another-api' })],
    ['a token without a session', () => signToken(alice.id, nowSeconds() + 600, { sid: 'not-a-session' })],
    ['a token of a session that does not exist', () => signToken(alice.id, nowSeconds() + 600)],
  ])('refuses %s with connect_error "Unauthorized"', async (_name, token) => {
    const error = await refusal(connectSocket(t.baseUrl, token()));
    expect(error.message).toBe('Unauthorized');
  });

  it('refuses a malformed Authorization header', async () => {
    const error = await refusal(connectSocket(t.baseUrl, undefined, { headers: { Authorization: `Basic ${alice.accessToken}` } }));
    expect(error.message).toBe('Unauthorized');
  });

  it('accepts the access token from auth.token, and the socket acts as that user', async () => {
    const socket = await connectSocket(t.baseUrl, alice.accessToken);
    // Online is counted per user: the server knows whose socket this is.
    await expect(requestOk(socket, 'presence:subscribe', { userIds: [alice.id] })).resolves.toEqual([{ userId: alice.id, online: true, lastSeenAt: null }]);
  });

  it('accepts an Authorization: Bearer header', async () => {
    const socket = await connectSocket(t.baseUrl, undefined, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    await expect(requestOk(socket, 'presence:subscribe', { userIds: [alice.id] })).resolves.toEqual([expect.objectContaining({ userId: alice.id, online: true })]);
  });

  it('closes a silent socket when its access token expires (issue 11, finding 5): no message:new after exp; a fresh token reconnects', async () => {
    const bob = await createUser(t);
    const direct = (await t.http().post('/api/v1/conversations').set(bob.auth).send({ type: 'direct', userId: alice.id }).expect(201)).body;
    const socket = await connectSocket(t.baseUrl, signToken(alice.id, nowSeconds() + 2, { sid: sessionOf(alice.accessToken) }));
    const received = collect(socket, 'message:new');
    await expect(requestOk(socket, 'presence:subscribe', { userIds: [] })).resolves.toEqual([]);
    // Silent from here on: no client event that a per-event check could refuse.
    await expect(disconnection(socket, 4000)).resolves.toBe('io server disconnect');
    await t.http().post('/api/v1/messages').set(bob.auth).send({ conversationId: direct.id, text: 'after expiry' }).expect(201);
    expect(received).toEqual([]);
    // Reconnecting with a fresh token works.
    const fresh = await connectSocket(t.baseUrl, alice.accessToken);
    await expect(requestOk(fresh, 'presence:subscribe', { userIds: [] })).resolves.toEqual([]);
  });
});
