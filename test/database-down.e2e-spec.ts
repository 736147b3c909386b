import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'supertest';
import type { Conversation } from '../src/contract';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, connectSocket, type ChatSocket } from './helpers/socket';
import { directConversation, request } from './realtime-helpers';
import { expectErrorBody, expectNoInternals } from './helpers/http-assertions';
import { freePort } from './setup/global-setup';

const DOCUMENTDB = join(__dirname, '..', 'scripts', 'documentdb.sh');

/**
 * The app runs against a database server of this file's own, which the tests then really take away:
 * stopped (connections refused) or its wire-protocol gateway frozen with SIGSTOP (connections open,
 * no answers).
 */
describe('Database unavailable (e2e)', () => {
  let t: TestApp;
  let dir: string;
  let port: number;
  let user: TestUser;
  let peer: TestUser;
  let conversation: Conversation;
  let socket: ChatSocket;
  let state: 'running' | 'frozen' | 'stopped' = 'stopped';

  let uri = '';
  const databasePid = () => Number(readFileSync(join(dir, 'gateway.pid'), 'utf8'));
  const startDatabase = () => {
    uri = execFileSync(DOCUMENTDB, ['start', dir, String(port)], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    state = 'running';
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chatify-down-db-'));
    port = await freePort();
    startDatabase();
    const database = new URL(uri);
    database.pathname = '/chatify_down';
    t = await createTestApp({ MONGODB_URI: database.toString() });
    user = await createUser(t);
    peer = await createUser(t);
    conversation = await directConversation(t, user, peer);
    // Opened while the database answers: a handshake checks the session there.
    socket = await connectSocket(t.baseUrl, user.accessToken);
  });

  afterAll(async () => {
    closeAllSockets();
    if (state === 'frozen') process.kill(databasePid(), 'SIGCONT');
    if (state === 'stopped') startDatabase();
    await t?.close();
    execFileSync(DOCUMENTDB, ['stop', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  async function timed(request: PromiseLike<Response>): Promise<{ response: Response; ms: number }> {
    const started = Date.now();
    const response = await request;
    return { response, ms: Date.now() - started };
  }

  async function waitUntilHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await t.http().get('/health');
      if (response.status === 200) return;
      if (Date.now() > deadline) throw new Error(`still ${response.status} after ${timeoutMs} ms: ${response.text}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Polls /metrics until `chatify_database_up` reads `value` (a scraper's view), or fails at the deadline. */
  async function untilDatabaseUpReads(value: 0 | 1, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = (await t.http().get('/metrics').expect(200)).text;
      if (new RegExp(`^chatify_database_up ${value}$`, 'm').test(text)) return;
      if (Date.now() > deadline) throw new Error(`chatify_database_up still not ${value} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  function expectUnavailable(response: Response): void {
    expectErrorBody(response, 503);
    expectNoInternals(response);
    expect(response.text).not.toContain(String(port));
  }

  it('answers /health 200 while the database answers', async () => {
    const response = await t.http().get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });

  it('answers /health 503 within a few seconds while the database hangs, and 200 again once it answers', async () => {
    process.kill(databasePid(), 'SIGSTOP');
    state = 'frozen';

    const { response, ms } = await timed(t.http().get('/health'));
    expectUnavailable(response);
    expect(ms).toBeLessThan(4000);

    process.kill(databasePid(), 'SIGCONT');
    state = 'running';
    await waitUntilHealthy(10_000);
  }, 20_000);

  it('answers 503 (never 500) to /health at once and to writes and reads within seconds when the database is stopped', async () => {
    execFileSync(DOCUMENTDB, ['stop', dir], { stdio: 'ignore' });
    state = 'stopped';

    // Asked before any other request has noticed: the check itself must find out.
    const health = await timed(t.http().get('/health'));
    expectUnavailable(health.response);
    expect(health.ms).toBeLessThan(4000);

    const answers = await Promise.all([
      timed(t.http().post('/api/v1/auth/signup').send({ name: 'Late', email: 'late@example.test', password: 'correct horse battery' })),
      timed(t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password })),
      timed(t.http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken })),
      timed(t.http().get('/api/v1/users/me').set(user.auth)),
      timed(t.http().patch('/api/v1/users/me').set(user.auth).send({ name: 'Renamed' })),
    ]);
    for (const { response, ms } of answers) {
      expectUnavailable(response);
      expect(ms).toBeLessThan(8000);
    }
    await untilDatabaseUpReads(0, 12_000);
  }, 45_000);

  it('refuses sends with 503 within seconds while the database is stopped, over REST and the socket, and acknowledges none', async () => {
    const [rest, viaSocket] = await Promise.all([
      timed(t.http().post('/api/v1/messages').set(user.auth).send({ conversationId: conversation.id, text: 'refused over REST', clientId: 'down-rest' })),
      (async () => {
        const started = Date.now();
        const answer = await request(socket, 'message:send', { conversationId: conversation.id, text: 'refused over the socket', clientId: 'down-socket' }, 10_000);
        return { answer, ms: Date.now() - started };
      })(),
    ]);
    expectUnavailable(rest.response);
    expect(rest.ms).toBeLessThan(8000);
    expect(viaSocket.answer).toEqual({ ok: false, error: { status: 503, message: expect.any(String) } });
    expect(viaSocket.ms).toBeLessThan(8000);
    expect(socket.connected).toBe(true);
    // Once the driver knows the server is away, a send is refused at once instead of waiting to time out.
    const started = Date.now();
    const again = await request(socket, 'message:send', { conversationId: conversation.id, text: 'refused at once', clientId: 'down-socket-2' }, 10_000);
    expect(again).toMatchObject({ ok: false, error: { status: 503 } });
    expect(Date.now() - started).toBeLessThan(1000);
  }, 30_000);

  it('serves again once the database is back, with nothing lost', async () => {
    startDatabase();
    await waitUntilHealthy(20_000);
    await untilDatabaseUpReads(1, 12_000);

    const me = await t.http().get('/api/v1/users/me').set(user.auth).expect(200);
    expect(me.body).toMatchObject({ id: user.id, name: user.name });
    // The refresh token survived the outage: a 503 is not a log-out.
    await t.http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
  }, 45_000);
});
