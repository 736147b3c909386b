import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { createUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { expectErrorBody, expectNoInternals } from './helpers/http-assertions';

type Operation = {
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  parameters?: { name: string; in: string }[];
};
type OpenApi = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> } };

const BODY_METHODS = new Set(['post', 'put', 'patch']);
/** Routes whose method usually carries a body but that take none (everything is in the path). */
const BODILESS = new Set(['put /api/v1/messages/{id}/reactions/{emoji}', 'post /api/v1/users/{id}/block']);

describe('Operations (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /health', () => {
    it('answers 200 with the database up, without a token', async () => {
      const response = await t.http().get('/health').expect(200);
      expect(response.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    });
  });

  describe('database pool', () => {
    it('keeps MONGODB_MIN_POOL_SIZE connections (10 by default) open, up to MONGODB_MAX_POOL_SIZE (50)', () => {
      const { options } = t.app.get<Connection>(getConnectionToken()).getClient();
      expect({ min: options.minPoolSize, max: options.maxPoolSize }).toEqual({ min: 10, max: 50 });
    });
  });

  describe('API documentation', () => {
    let doc: OpenApi;
    beforeAll(async () => {
      const response = await t.http().get('/docs-json').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      doc = response.body;
    });

    const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const jsonBody = (operation: Operation) => operation.requestBody?.content?.['application/json']?.schema;
    const jsonResponse = (operation: Operation, status: string) => operation.responses[status]?.content?.['application/json']?.schema;

    it('serves the Swagger UI at /docs', async () => {
      const response = await t.http().get('/docs').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toContain('swagger-ui');
    });

    it('documents the auth routes with their request and response schemas', () => {
      const auth = (route: string) => doc.paths[`/api/v1/auth/${route}`]?.post;
      expect(jsonBody(auth('signup'))).toEqual(schemaRef('SignupDto'));
      expect(jsonResponse(auth('signup'), '201')).toEqual(schemaRef('AuthResult'));
      expect(jsonBody(auth('login'))).toEqual(schemaRef('LoginDto'));
      expect(jsonResponse(auth('login'), '200')).toEqual(schemaRef('AuthResult'));
      expect(jsonBody(auth('refresh'))).toEqual(schemaRef('RefreshTokenDto'));
      expect(jsonResponse(auth('refresh'), '200')).toEqual(schemaRef('AuthResult'));
      expect(jsonBody(auth('logout'))).toEqual(schemaRef('RefreshTokenDto'));
      expect(auth('logout').responses['204']).toBeDefined();
    });

    it('documents the users routes with their request and response schemas', () => {
      const me = doc.paths['/api/v1/users/me'];
      expect(jsonResponse(me.get, '200')).toEqual(schemaRef('UserResponse'));
      expect(jsonBody(me.patch)).toEqual(schemaRef('UpdateUserDto'));
      expect(jsonResponse(me.patch, '200')).toEqual(schemaRef('UserResponse'));
      const byId = doc.paths['/api/v1/users/{id}'].get;
      expect(jsonResponse(byId, '200')).toEqual(schemaRef('PublicUserResponse'));
      expect(byId.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]));
      const search = doc.paths['/api/v1/users'].get;
      expect(jsonResponse(search, '200')).toEqual({ type: 'array', items: schemaRef('PublicUserResponse') });
      expect(search.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`).sort()).toEqual(['query:limit', 'query:q']);
    });

    it('describes every field of AuthResult, UserResponse and PublicUserResponse', () => {
      const properties = (name: string) => Object.keys(doc.components.schemas[name]?.properties ?? {}).sort();
      expect(properties('AuthResult')).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
      expect(properties('PublicUserResponse')).toEqual(['avatarUrl', 'id', 'lastSeenAt', 'name', 'online']);
      expect(properties('UserResponse')).toEqual(['avatarUrl', 'createdAt', 'email', 'id', 'lastSeenAt', 'name', 'online']);
      expect(properties('SignupDto')).toEqual(['email', 'name', 'password']);
      for (const schema of ['AuthResult', 'UserResponse', 'PublicUserResponse']) {
        // Complete shapes: every field is always present.
        expect(doc.components.schemas[schema].required?.sort()).toEqual(properties(schema));
      }
    });

    it('documents the rich-messaging routes and the new fields of Message, Conversation and the sync result', () => {
      expect(jsonResponse(doc.paths['/api/v1/messages/{id}/reactions/{emoji}'].put, '200')).toEqual(schemaRef('MessageResponse'));
      expect(jsonResponse(doc.paths['/api/v1/messages/{id}/reactions/{emoji}'].delete, '200')).toEqual(schemaRef('MessageResponse'));
      expect(jsonResponse(doc.paths['/api/v1/search/messages'].get, '200')).toEqual(schemaRef('MessagePageResponse'));
      expect(doc.paths['/api/v1/search/messages'].get.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`).sort()).toEqual([
        'query:before',
        'query:conversationId',
        'query:limit',
        'query:q',
      ]);
      expect(doc.paths['/api/v1/users/{id}/block'].post.responses['204']).toBeDefined();
      expect(doc.paths['/api/v1/users/{id}/block'].delete.responses['204']).toBeDefined();
      expect(jsonResponse(doc.paths['/api/v1/users/me/blocked'].get, '200')).toEqual({ type: 'array', items: schemaRef('PublicUserResponse') });
      const properties = (name: string) => Object.keys(doc.components.schemas[name]?.properties ?? {});
      expect(properties('MessageResponse')).toEqual(expect.arrayContaining(['replyTo', 'mentions', 'reactions']));
      expect(properties('ReplyPreviewResponse').sort()).toEqual(['deletedAt', 'id', 'senderId', 'text']);
      expect(properties('ReactionResponse').sort()).toEqual(['count', 'emoji', 'userIds']);
      expect(properties('ConversationResponse')).toContain('mentionCount');
      expect(properties('SendMessageDto')).toEqual(expect.arrayContaining(['replyToId', 'mentions']));
      expect(properties('SyncResponse')).toEqual(expect.arrayContaining(['blocks', 'presence']));
    });

    it('lists every /api/v1 route the server answers, each with its request and response schemas', () => {
      // Express keeps the registered routes on its router; Nest adds every controller route there.
      const instance = t.app.getHttpAdapter().getInstance() as { router?: unknown; _router?: unknown };
      const router = (instance.router ?? instance._router) as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      const layers = router.stack;
      const served = layers
        .filter((layer) => layer.route?.path.startsWith('/api/v1/'))
        .flatMap((layer) => Object.keys(layer.route!.methods).map((method) => ({ method, path: layer.route!.path.replace(/:(\w+)/g, '{$1}') })));
      expect(served.map((route) => `${route.method} ${route.path}`)).toEqual(
        expect.arrayContaining([
          'post /api/v1/auth/signup',
          'post /api/v1/auth/login',
          'post /api/v1/auth/refresh',
          'post /api/v1/auth/logout',
          'get /api/v1/users/me',
          'patch /api/v1/users/me',
          'get /api/v1/users',
          'get /api/v1/users/{id}',
        ]),
      );

      const problems: string[] = [];
      for (const { method, path } of served) {
        const operation = doc.paths[path]?.[method];
        if (!operation) {
          problems.push(`${method} ${path}: not documented`);
          continue;
        }
        if (BODY_METHODS.has(method) && !BODILESS.has(`${method} ${path}`) && !jsonBody(operation)) problems.push(`${method} ${path}: no request body schema`);
        const success = Object.keys(operation.responses).filter((status) => /^2\d\d$/.test(status));
        if (success.length === 0) problems.push(`${method} ${path}: no success response`);
        for (const status of success) {
          if (status !== '204' && !jsonResponse(operation, status)) problems.push(`${method} ${path}: ${status} without a response schema`);
        }
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          const parameter = name.slice(1, -1);
          if (!operation.parameters?.some((candidate) => candidate.in === 'path' && candidate.name === parameter))
            problems.push(`${method} ${path}: path parameter ${parameter} undocumented`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('request bodies', () => {
    it('answers 413 in the error shape for a body over BODY_LIMIT_BYTES (64 KiB by default)', async () => {
      const response = await t
        .http()
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(70 * 1024) }));
      expectErrorBody(response, 413, 'Request body is too large');
    });

    it('reads a body just under the limit (then validation answers, not 413)', async () => {
      const response = await t
        .http()
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(60 * 1024) }));
      expectErrorBody(response, 400, /password must be shorter than or equal to 128/);
    });

    it('counts the limit on an authenticated route too', async () => {
      const user = await createUser(t);
      const response = await t
        .http()
        .patch('/api/v1/users/me')
        .set(user.auth)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ name: 'n'.repeat(80 * 1024) }));
      expectErrorBody(response, 413);
    });

    it('answers a body that cannot be decoded with a 4xx in the error shape, never 500', async () => {
      const response = await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('this is not gzip');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expectErrorBody(response, response.status, 'Request body could not be read');
      const charset = await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/json; charset=klingon').send('{}');
      expectErrorBody(charset, 415);
    });
  });

  describe('error bodies', () => {
    it('show no stack traces, file paths or driver messages', async () => {
      const user = await createUser(t);
      const cases = [
        await t.http().get('/api/v1/no-such-route'),
        await t.http().get('/api/v1/users/me'),
        await t.http().get('/api/v1/users/me').set('Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.bad'),
        await t.http().get('/api/v1/users/not-an-id').set(user.auth),
        await t.http().get('/api/v1/users/%E0%A4%A').set(user.auth),
        await t
          .http()
          .get(`/api/v1/users/${'0'.repeat(24)}`)
          .set(user.auth),
        await t.http().get('/api/v1/users?q[$where]=1').set(user.auth),
        await t.http().post('/api/v1/auth/signup').set('Content-Type', 'application/json').send('{"name": "x", "email": "y", '),
        await t.http().post('/api/v1/auth/signup').send({ name: 'Again', email: user.email, password: 'correct horse battery' }),
        await t
          .http()
          .post('/api/v1/auth/login')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ pad: 'x'.repeat(70 * 1024) })),
        await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/json').set('Content-Encoding', 'deflate').send('garbage'),
        await t.http().post('/api/v1/auth/login').send({ email: user.email, password: 'wrong password' }),
      ];
      expect(cases.map((response) => response.status)).toEqual([404, 401, 401, 400, 400, 404, 400, 400, 409, 413, 400, 401]);
      for (const response of cases) {
        expectErrorBody(response, response.status);
        expectNoInternals(response);
      }
    });
  });
});
