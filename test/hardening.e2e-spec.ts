import { createTestApp, TestApp } from './helpers/app';

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
});
