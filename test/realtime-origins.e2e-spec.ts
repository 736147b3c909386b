import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { ChatSocket, closeAllSockets, connectSocket } from './helpers/socket';
import { refusal, requestOk } from './realtime-helpers';

const ALLOWED_ORIGIN = 'https://chat.example';
const EVIL_ORIGIN = 'https://evil.example';

/** Each way socket.io-client reaches the server: straight WebSocket, long-polling only, and polling then upgraded. */
const TRANSPORTS: [name: string, transports: ('websocket' | 'polling')[]][] = [
  ['websocket', ['websocket']],
  ['polling', ['polling']],
  ['polling upgraded to websocket', ['polling', 'websocket']],
];

/** Issue 22: cross-site WebSocket hijacking. A browser page of another site must not open `/chat`. */
describe('realtime: origins of the /chat handshake (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: `${ALLOWED_ORIGIN},https://other.example` });
    alice = await createUser(t);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  /** Connected, and usable: an event is answered. */
  async function expectWorking(socket: ChatSocket): Promise<void> {
    expect(socket.connected).toBe(true);
    await expect(requestOk(socket, 'presence:subscribe', { userIds: [alice.id] })).resolves.toBeDefined();
  }

  it.each(TRANSPORTS)('over %s: refuses an Origin not in CORS_ORIGINS', async (_name, transports) => {
    const error = await refusal(connectSocket(t.baseUrl, alice.accessToken, { transports, headers: { Origin: EVIL_ORIGIN } }));
    expect(error.message).not.toBe('');
  });

  it.each(TRANSPORTS)('over %s: accepts a listed Origin and a client that sends none', async (_name, transports) => {
    await expectWorking(await connectSocket(t.baseUrl, alice.accessToken, { transports, headers: { Origin: ALLOWED_ORIGIN } }));
    await expectWorking(await connectSocket(t.baseUrl, alice.accessToken, { transports }));
  });

  it('after an upgrade from polling, talks over the WebSocket', async () => {
    const socket = await connectSocket(t.baseUrl, alice.accessToken, { transports: ['polling', 'websocket'], headers: { Origin: ALLOWED_ORIGIN } });
    const engine = socket.io.engine;
    if (engine.transport.name !== 'websocket') await new Promise((resolve) => engine.once('upgrade', resolve));
    await expectWorking(socket);
  });

  describe('requests of an open Engine.IO session', () => {
    const ENGINE_PATH = '/socket.io/?EIO=4&transport=polling';

    /** A session opened by a client that sends no Origin (allowed): its id. */
    async function openSession(): Promise<string> {
      const handshake = await t.http().get(ENGINE_PATH).expect(200);
      const sid = (JSON.parse(handshake.text.slice(1)) as { sid: string }).sid;
      expect(sid).toEqual(expect.any(String));
      return sid;
    }
    /** Posts the Socket.IO CONNECT packet of `/chat` (the namespace handshake, with the token) into the session. */
    const connectPacket = (sid: string, origin?: string) => {
      const post = t.http().post(`${ENGINE_PATH}&sid=${sid}`).set('content-type', 'text/plain;charset=UTF-8');
      return (origin ? post.set('Origin', origin) : post).send(`40/chat,${JSON.stringify({ token: alice.accessToken })}`);
    };

    it('refuses them from an Origin not in CORS_ORIGINS, not only the opening handshake', async () => {
      const refused = await connectPacket(await openSession(), EVIL_ORIGIN);
      expect(refused.status).toBe(403);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('accepts them from a listed Origin and without one', async () => {
      await connectPacket(await openSession(), ALLOWED_ORIGIN).expect(200);
      await connectPacket(await openSession()).expect(200);
    });
  });
});
