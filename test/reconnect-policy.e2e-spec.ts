import { io } from 'socket.io-client';
import type { ReconnectPolicy } from '../src/chat/chat.events';
import { createUsers, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import type { ChatSocket } from './helpers/socket';

type Outcome = { connected: true; policy: Promise<ReconnectPolicy> } | { connected: false; error: Error & { data?: { status?: number; retryAfterMs?: number } } };

/** One handshake; the `reconnect:policy` listener is in place before it connects (it comes right away). */
function handshake(t: TestApp, token: string, sockets: ChatSocket[]): Promise<Outcome> {
  const socket: ChatSocket = io(`${t.baseUrl}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const policy = new Promise<ReconnectPolicy>((resolve) => socket.once('reconnect:policy', resolve));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, policy }));
    socket.once('connect_error', (error) => resolve({ connected: false, error }));
  });
}

describe('realtime: reconnect back-off and handshake pacing', () => {
  let t: TestApp;
  let users: TestUser[];
  const sockets: ChatSocket[] = [];

  beforeAll(async () => {
    t = await createTestApp({ WS_HANDSHAKE_RATE: '4', WS_RECONNECT_DELAY_MS: '700', WS_RECONNECT_DELAY_MAX_MS: '9000', WS_RECONNECT_JITTER: '0.25' });
    users = await createUsers(t, 3);
  });
  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('tells every connection the back-off to use between reconnection attempts', async () => {
    const outcome = await handshake(t, users[0].accessToken, sockets);
    if (!outcome.connected) throw outcome.error;
    await expect(outcome.policy).resolves.toEqual({ delayMs: 700, maxDelayMs: 9000, randomizationFactor: 0.25 });
  });

  it('admits a burst, refuses the rest of a storm with spread-out waits, and admits them when they come back as told', async () => {
    // The burst left by the previous test refills within a second at 4 a second: start from a full one.
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the pacer's refill time, not a wait for an event
    const storm = await Promise.all(Array.from({ length: 10 }, (_, index) => handshake(t, users[index % users.length].accessToken, sockets)));
    const admitted = storm.filter((outcome) => outcome.connected);
    const refused = storm.flatMap((outcome) => (outcome.connected ? [] : [outcome.error]));
    expect(admitted).toHaveLength(4);
    expect(refused).toHaveLength(6);
    for (const error of refused) {
      expect(error.message).toBe('Retry later');
      expect(error.data?.status).toBe(503);
    }
    // One slot every 250 ms, each refused client a later one, plus at most 700 × 0.25 ms of spread.
    const waits = refused.map((error) => error.data?.retryAfterMs ?? -1).sort((a, b) => a - b);
    waits.forEach((wait, index) => {
      expect(wait).toBeGreaterThanOrEqual(250 * (index + 1));
      expect(wait).toBeLessThanOrEqual(250 * (index + 1) + 175);
    });

    // Each refused client comes back when it was told: all get in.
    const returns = await Promise.all(
      waits.map((wait, index) => new Promise<Outcome>((resolve) => setTimeout(() => void handshake(t, users[index % users.length].accessToken, sockets).then(resolve), wait))),
    );
    expect(returns.filter((outcome) => outcome.connected)).toHaveLength(6);
  }, 15_000);

  it('answers a bad token 401 at once, whatever the pacing', async () => {
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => handshake(t, 'not-a-token', sockets)));
    for (const outcome of outcomes) {
      expect(outcome.connected).toBe(false);
      if (!outcome.connected) expect(outcome.error.message).toBe('Unauthorized');
    }
  });
});
