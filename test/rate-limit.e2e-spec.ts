import { request as httpRequest } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { createTestApp, TestApp } from './helpers/app';

const LIMIT = 3;

interface Answer {
  status: number;
  body: { statusCode?: number; error?: string; message?: unknown; user?: { id: string } };
}

let unique = 0;
const email = (label: string) => `${label}.${Date.now().toString(36)}.${(unique += 1)}@example.test`;

describe('Auth rate limits (e2e, AUTH_RATE_LIMIT=3)', () => {
  let t: TestApp;
  let port: number;
  // Each test speaks from loopback addresses of its own (all of 127.0.0.0/8 is local on Linux),
  // so the per-address counters of one test never touch another's.
  let nextAddress = 10;
  const freshAddress = () => `127.0.0.${(nextAddress += 1)}`;

  beforeAll(async () => {
    t = await createTestApp({ AUTH_RATE_LIMIT: String(LIMIT), AUTH_RATE_WINDOW_SECONDS: '60' });
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
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
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
    expect(answer).toEqual({ status: 429, body: { statusCode: 429, error: STATUS_CODES[429], message: expect.any(String) } });

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

  it('limits login attempts per account, across client addresses; other accounts are unaffected', async () => {
    const victim = await signup('victim');
    const other = await signup('other');
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      // Case and spaces do not make a new account.
      const variant = attempt % 2 ? ` ${victim.email.toUpperCase()} ` : victim.email;
      expect((await postFrom(freshAddress(), '/api/v1/auth/login', { email: variant, password: 'wrong password' })).status).toBe(401);
    }
    const fromNewAddress = freshAddress();
    expectTooMany(await postFrom(fromNewAddress, '/api/v1/auth/login', { email: victim.email, password: victim.password }));
    expect((await postFrom(fromNewAddress, '/api/v1/auth/login', { email: other.email, password: other.password })).status).toBe(200);
  });

  it('shares one budget between /api/v1/auth/login and the first release\'s /login', async () => {
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

  it('does not limit routes other than login and signup', async () => {
    const user = await signup('unlimited');
    for (let attempt = 0; attempt < LIMIT + 2; attempt += 1) {
      await t.http().get('/api/v1/users/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
    }
  });
});
