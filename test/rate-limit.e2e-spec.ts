import { request as httpRequest } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { createTestApp, TestApp } from './helpers/app';

const LIMIT = 3;

interface Answer {
  status: number;
  /** The `Retry-After` header, in seconds, when there is one. */
  retryAfter?: number;
  body: { statusCode?: number; error?: string; message?: unknown; user?: { id: string } };
}

let unique = 0;
const email = (label: string) => `${label}.${Date.now().toString(36)}.${(unique += 1)}@example.test`;

describe('Rate limits (e2e, AUTH_RATE_LIMIT=3, other limits 3 per window)', () => {
  let t: TestApp;
  let port: number;
  // Each test speaks from loopback addresses of its own (all of 127.0.0.0/8 is local on Linux),
  // so the per-address counters of one test never touch another's.
  let nextAddress = 10;
  const freshAddress = () => `127.0.0.${(nextAddress += 1)}`;

  beforeAll(async () => {
    t = await createTestApp({
      AUTH_RATE_LIMIT: String(LIMIT),
      AUTH_RATE_WINDOW_SECONDS: '60',
      LOGIN_BACKOFF_FREE_ATTEMPTS: String(LIMIT),
      LOGIN_BACKOFF_BASE_MS: '300',
      LOGIN_BACKOFF_MAX_SECONDS: '1',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      ...Object.fromEntries(['REFRESH', 'SEARCH', 'SYNC', 'RECEIPTS', 'EDIT', 'CONVERSATION'].map((name) => [`${name}_RATE_LIMIT`, String(LIMIT)])),
    });
    port = Number(new URL(t.baseUrl).port);
  });
  afterAll(async () => {
    await t.close();
  });

  /** POSTs JSON from a chosen loopback source address: the server sees it as the client address. */
  function postFrom(localAddress: string, path: string, body: object): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const outgoing = httpRequest(
        { host: '127.0.0.1', port, path, method: 'POST', localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
        (incoming) => {
          let text = '';
          incoming.setEncoding('utf8');
          incoming.on('data', (chunk) => (text += chunk));
          const retryAfter = incoming.headers['retry-after'] === undefined ? undefined : Number(incoming.headers['retry-after']);
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, retryAfter, body: text ? JSON.parse(text) : {} }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  /** Signs up from an address of its own, so fixtures spend no test's budget. */
  async function signup(label: string): Promise<{ email: string; password: string; accessToken: string }> {
    const account = { name: 'Limited', email: email(label), password: 'correct horse battery' };
    const answer = await postFrom(freshAddress(), '/api/v1/auth/signup', account);
    expect(answer.status).toBe(201);
    return { email: account.email, password: account.password, accessToken: (answer.body as { accessToken: string }).accessToken };
  }

  const expectTooMany = (answer: Answer) =>
    expect(answer).toEqual({ status: 429, retryAfter: expect.any(Number), body: { statusCode: 429, error: STATUS_CODES[429], message: expect.any(String) } });

  it('limits login attempts per client address, whatever the e-mail; other addresses are unaffected', async () => {
    const user = await signup('address');
    const address = freshAddress();
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      expect((await postFrom(address, '/api/v1/auth/login', { email: email('guess'), password: 'wrong password' })).status).toBe(401);
    }
    expectTooMany(await postFrom(address, '/api/v1/auth/login', { email: email('guess'), password: 'wrong password' }));
    // Even the right password is refused from that address until the window ends…
    expectTooMany(await postFrom(address, '/api/v1/auth/login', { email: user.email, password: user.password }));
    // …while another address logs in.
    expect((await postFrom(freshAddress(), '/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
  });

  it('slows failed logins per account with a capped backoff instead of locking the owner out (issue 11, finding 6)', async () => {
    const victim = await signup('victim');
    const other = await signup('other');
    // The owner logged in from its own address once before the attack.
    const home = freshAddress();
    expect((await postFrom(home, '/api/v1/auth/login', { email: victim.email, password: victim.password })).status).toBe(200);
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      // Case and spaces do not make a new account.
      const variant = attempt % 2 ? ` ${victim.email.toUpperCase()} ` : victim.email;
      expect((await postFrom(freshAddress(), '/api/v1/auth/login', { email: variant, password: 'wrong password' })).status).toBe(401);
    }
    // A guesser from elsewhere now has to wait, the right password included (a 429 says nothing about it)…
    const refused = await postFrom(freshAddress(), '/api/v1/auth/login', { email: victim.email, password: victim.password });
    expectTooMany(refused);
    // …while the owner, from an address it logged in from before, is not slowed at all,
    expect((await postFrom(home, '/api/v1/auth/login', { email: victim.email, password: victim.password })).status).toBe(200);
    // another account is unaffected,
    expect((await postFrom(freshAddress(), '/api/v1/auth/login', { email: other.email, password: other.password })).status).toBe(200);
    // and from a new address the owner waits at most LOGIN_BACKOFF_MAX_SECONDS, never longer.
    const started = Date.now();
    let answer: Answer;
    // As a client does: each 429 says when to come back (Retry-After), and the retry waits that long.
    for (;;) {
      answer = await postFrom(freshAddress(), '/api/v1/auth/login', { email: victim.email, password: victim.password });
      if (answer.status !== 429 || Date.now() - started >= 5000) break;
      expect(answer.retryAfter).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, (answer.retryAfter ?? 1) * 1000));
    }
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("shares one budget between /api/v1/auth/login and the first release's /login", async () => {
    const address = freshAddress();
    const paths = ['/api/v1/auth/login', '/login', '/api/v1/auth/login'];
    for (const path of paths) {
      expect((await postFrom(address, path, { email: email('shared'), password: 'wrong password' })).status).toBe(401);
    }
    expectTooMany(await postFrom(address, '/login', { email: email('shared'), password: 'wrong password' }));
  });

  it('limits signups per client address', async () => {
    const address = freshAddress();
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      const answer = await postFrom(address, '/api/v1/auth/signup', { name: 'Signup', email: email('signup'), password: 'correct horse battery' });
      expect(answer.status).toBe(201);
    }
    const refused = email('signup-refused');
    expectTooMany(await postFrom(address, '/api/v1/auth/signup', { name: 'Signup', email: refused, password: 'correct horse battery' }));
    expect(await t.connection.collection('users').countDocuments({ email: refused })).toBe(0);
  });

  it("does not limit reading one's own profile beyond the per-address budget", async () => {
    const user = await signup('unlimited');
    for (let attempt = 0; attempt < LIMIT + 2; attempt += 1) {
      await t.http().get('/api/v1/users/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
    }
  });

  it('limits refresh per client address (issue 11, finding 6)', async () => {
    const address = freshAddress();
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      expect((await postFrom(address, '/api/v1/auth/refresh', { refreshToken: `never-issued-${attempt}` })).status).toBe(401);
    }
    expectTooMany(await postFrom(address, '/api/v1/auth/refresh', { refreshToken: 'never-issued' }));
    expect((await postFrom(freshAddress(), '/api/v1/auth/refresh', { refreshToken: 'never-issued' })).status).toBe(401);
  });

  it('limits search, sync, receipts, edits, deletes and conversation creation per user, with Retry-After; another user keeps its budget (issue 11, finding 6)', async () => {
    const [one, two] = [await signup('limited-one'), await signup('limited-two')];
    const auth = (user: { accessToken: string }) => ({ Authorization: `Bearer ${user.accessToken}` });
    const me = (await t.http().get('/api/v1/users/me').set(auth(one)).expect(200)).body.id as string;
    const other = (await t.http().get('/api/v1/users/me').set(auth(two)).expect(200)).body.id as string;
    const conversation = (await t.http().post('/api/v1/conversations').set(auth(two)).send({ type: 'direct', userId: me }).expect(201)).body.id as string;
    const messages: string[] = [];
    for (let i = 0; i < LIMIT * 2 + 1; i += 1) {
      messages.push(
        (
          await t
            .http()
            .post('/api/v1/messages')
            .set(auth(one))
            .send({ conversationId: conversation, text: `m${i}` })
            .expect(201)
        ).body.id,
      );
    }
    const calls: Record<string, (user: { accessToken: string }, i: number) => Promise<{ status: number; headers: Record<string, string>; body: unknown }>> = {
      search: (user) => t.http().get('/api/v1/users').query({ q: 'Limited' }).set(auth(user)),
      sync: (user) => t.http().get('/api/v1/sync').set(auth(user)),
      receipts: (user) => t.http().get(`/api/v1/messages/${messages[0]}/receipts`).set(auth(user)),
      edit: (_user, i) => t.http().patch(`/api/v1/messages/${messages[i]}`).set(auth(one)).send({ text: 'edited' }),
      conversation: (user) =>
        t
          .http()
          .post('/api/v1/conversations')
          .set(auth(user))
          .send({ type: 'direct', userId: user === one ? other : me }),
    };
    for (const [name, call] of Object.entries(calls)) {
      for (let i = 0; i < LIMIT; i += 1) {
        const answer = await call(one, i);
        if (answer.status >= 400) throw new Error(`${name} #${i}: ${answer.status}`);
      }
      const refused = await call(one, LIMIT);
      if (refused.status !== 429) throw new Error(`${name}: ${refused.status} past the limit`);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      if (name !== 'edit') expect((await call(two, 0)).status).toBeLessThan(400);
    }
    // Deletes share the edit budget, and the first release's delete route too.
    expect(
      (
        await t
          .http()
          .delete(`/api/v1/messages/${messages[LIMIT + 1]}`)
          .set(auth(one))
      ).status,
    ).toBe(429);
    expect(
      (
        await t
          .http()
          .delete(`/message/delete/${messages[LIMIT + 2]}`)
          .set(auth(one))
      ).status,
    ).toBe(429);
    const stored = await t.connection.collection('messages').countDocuments({ deletedAt: { $ne: null }, text: null });
    expect(stored).toBe(0);
  });

  it('limits message search per user in the search budget it shares with user search (issue 22)', async () => {
    const [one, two] = [await signup('searcher-one'), await signup('searcher-two')];
    const auth = (user: { accessToken: string }) => ({ Authorization: `Bearer ${user.accessToken}` });
    const searchMessages = (user: { accessToken: string }) => t.http().get('/api/v1/search/messages').query({ q: 'report' }).set(auth(user));
    for (let i = 0; i < LIMIT - 1; i += 1) expect((await searchMessages(one)).status).toBe(200);
    expect((await t.http().get('/api/v1/users').query({ q: 'Limited' }).set(auth(one))).status).toBe(200);
    const refused = await searchMessages(one);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await searchMessages(two)).status).toBe(200);
  });
});
