import { createUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { connectSocket } from './helpers/socket';

/** Issue 11, hardening: the app as production runs it (NODE_ENV=production, no SWAGGER_ENABLED). */
describe('Hardening in production (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ NODE_ENV: 'production', BCRYPT_ROUNDS: '12' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves no Swagger UI or OpenAPI document unless SWAGGER_ENABLED=true', async () => {
    for (const path of ['/docs', '/docs-json', '/docs-yaml']) {
      const response = await t.http().get(path);
      expect(response.status).toBe(404);
      expect(response.text).not.toMatch(/swagger|openapi/i);
    }
  });

  it('limits the CSP connect-src and img-src to what the web client needs', async () => {
    const response = await t.http().get('/').expect(200);
    const csp = String(response.headers['content-security-policy']);
    const directive = (name: string) =>
      csp
        .split(';')
        .map((part) => part.trim())
        .find((part) => part.startsWith(`${name} `));
    expect(directive('connect-src')).toBe("connect-src 'self'");
    expect(directive('img-src')).toBe("img-src 'self' data:");
    expect(csp).toMatch(/script-src 'self'/);
  });

  it('serves the web client with a CSP that allows no inline or eval script, and no inline style', async () => {
    for (const path of ['/', '/index.html']) {
      const response = await t.http().get(path).expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      const directives = new Map(
        String(response.headers['content-security-policy'])
          .split(';')
          .map((part) => part.trim().split(/\s+/))
          .map(([name, ...sources]) => [name, sources] as const),
      );
      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('script-src-attr')).toEqual(["'none'"]);
      expect(directives.get('style-src')).toEqual(["'self'"]);
      expect(directives.get('default-src')).toEqual(["'self'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(String(response.headers['content-security-policy'])).not.toMatch(/unsafe-inline|unsafe-eval/);
    }
  });

  it('lets any Origin open /chat when CORS_ORIGINS is *', async () => {
    const user = await createUser(t);
    for (const transports of [['websocket'], ['polling']] as const) {
      const socket = await connectSocket(t.baseUrl, user.accessToken, { transports: [...transports], headers: { Origin: 'https://evil.example' } });
      expect(socket.connected).toBe(true);
      socket.close();
    }
  });
});
