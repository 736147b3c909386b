import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, connectSocket, sleep } from './helpers/socket';
import { disconnection, refusal, request, requestOk, signToken } from './realtime-helpers';

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
    ['a token signed with another secret', () => signToken(alice.id, nowSeconds() + 600, 'another-secret-that-is-long-enough-0123456789')],
    ['an expired token', () => signToken(alice.id, nowSeconds() - 5)],
    ['a token whose subject is not a user id', () => signToken('not-an-id', nowSeconds() + 600)],
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

  it('answers 401 to the first event after the token expired, then disconnects the socket', async () => {
    const socket = await connectSocket(t.baseUrl, signToken(alice.id, nowSeconds() + 2));
    await expect(requestOk(socket, 'presence:subscribe', { userIds: [] })).resolves.toEqual([]);
    await sleep(2100);
    const dropped = disconnection(socket);
    await expect(request(socket, 'presence:subscribe', { userIds: [] })).resolves.toEqual({ ok: false, error: { status: 401, message: 'Unauthorized' } });
    await expect(dropped).resolves.toBe('io server disconnect');
    expect(socket.connected).toBe(false);
    // Reconnecting with a fresh token works.
    const fresh = await connectSocket(t.baseUrl, alice.accessToken);
    await expect(requestOk(fresh, 'presence:subscribe', { userIds: [] })).resolves.toEqual([]);
  });
});
