import { io } from 'socket.io-client';
import type { ReconnectPolicy } from '../src/contract';
import { createUsers, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import type { ChatSocket } from './helpers/socket';

type Outcome = { connected: true; policy: Promise<ReconnectPolicy> } | { connected: false; at: number; error: Error & { data?: { status?: number; retryAfterMs?: number } } };

/** One handshake; the `reconnect:policy` listener is in place before it connects (it comes right away). */
function handshake(t: TestApp, token: string, sockets: ChatSocket[]): Promise<Outcome> {
  const socket: ChatSocket = io(`${t.baseUrl}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const policy = new Promise<ReconnectPolicy>((resolve) => socket.once('reconnect:policy', resolve));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, policy }));
    socket.once('connect_error', (error) => resolve({ connected: false, at: Date.now(), error }));
  });
}

describe('realtime: reconnect back-off and handshake pacing', () => {
  let t: TestApp;
  let users: TestUser[];
  const sockets: ChatSocket[] = [];

  beforeAll(async () => {
    t = await createTestApp({ WS_HANDSHAKE_RATE: '4', WS_RECONNECT_DELAY_MS: '700', WS_RECONNECT_DELAY_MAX_MS: '9000', WS_RECONNECT_JITTER: '0' });
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
    await expect(outcome.policy).resolves.toEqual({ delayMs: 700, maxDelayMs: 9000, randomizationFactor: 0 });
  });

  it('admits a burst, refuses the rest of a storm with spread-out waits, and admits them when they come back as told', async () => {
    // The burst left by the previous test refills within a second at 4 a second: start from a full one.
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the pacer's refill time, not a wait for an event
    const storm = await Promise.all(Array.from({ length: 20 }, (_, index) => handshake(t, users[index % users.length].accessToken, sockets)));
    const admitted = storm.filter((outcome) => outcome.connected);
    const refused = storm.flatMap((outcome) => (outcome.connected ? [] : [outcome]));
    // A burst of 4, plus whatever refilled (4 a second) while the storm's handshakes came in.
    expect(admitted.length).toBeGreaterThanOrEqual(4);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    for (const { error } of refused) {
      expect(error.message).toBe('Retry later');
      expect(error.data?.status).toBe(503);
      expect(error.data?.retryAfterMs).toBeGreaterThan(0);
    }
    // Each refused client is given its own slot, 250 ms (4 a second) after the one before: told to
    // come back at once, they would all come back together. (No jitter here: the spread is unit-tested.)
    const returnsAt = refused.map(({ at, error }) => at + (error.data?.retryAfterMs ?? 0)).sort((a, b) => a - b);
    for (let index = 1; index < returnsAt.length; index += 1) expect(returnsAt[index] - returnsAt[index - 1]).toBeGreaterThanOrEqual(150);
    expect(returnsAt[returnsAt.length - 1] - returnsAt[0]).toBeGreaterThanOrEqual(250 * (returnsAt.length - 1) - 100);

    // Each refused client comes back when it was told (and again if told again, as clients do): all get in.
    const comeBack = async (userIndex: number, at: number, wait: number, attempt = 1): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + wait - Date.now())));
      const outcome = await handshake(t, users[userIndex % users.length].accessToken, sockets);
      if (outcome.connected || attempt === 5) return outcome.connected ? attempt : Infinity;
      return comeBack(userIndex, outcome.at, outcome.error.data?.retryAfterMs ?? 1000, attempt + 1);
    };
    const attempts = await Promise.all(refused.map(({ at, error }, index) => comeBack(index, at, error.data?.retryAfterMs ?? 0)));
    expect(attempts.every((count) => Number.isFinite(count))).toBe(true);
  }, 20_000);

  it('answers a bad token 401 at once, whatever the pacing', async () => {
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => handshake(t, 'not-a-token', sockets)));
    for (const outcome of outcomes) {
      expect(outcome.connected).toBe(false);
      if (!outcome.connected) expect(outcome.error.message).toBe('Unauthorized');
    }
  });
});
