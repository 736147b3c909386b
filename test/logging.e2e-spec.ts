import { PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import { DomainEvents } from '../src/common/domain-events';
import { loggerParams } from '../src/common/logging/logger-params';
import { AppConfig } from '../src/config/app-config';
import { MessagesService } from '../src/messages/messages.service';
import { UsersRepository } from '../src/users/users.repository';
import { UsersService } from '../src/users/users.service';
import { createUser, createUsers, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, connectSocket } from './helpers/socket';
import { openDirect, send, UNKNOWN_ID } from './helpers/messaging';

type LogLine = Record<string, unknown> & { msg?: string; req?: { id?: unknown }; socketId?: unknown; userId?: unknown };

/** Every line the app logs, parsed (the app logs JSON lines through this destination instead of stdout). */
const lines: LogLine[] = [];
const destination = { write: (chunk: string) => void lines.push(JSON.parse(chunk) as LogLine) };

/** The first line logged (from now on or earlier) whose message matches, once it is written. */
async function logged(message: RegExp, timeoutMs = 3000): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = lines.find((entry) => typeof entry.msg === 'string' && message.test(entry.msg));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`nothing matching ${message} was logged within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('structured log: request and socket ids (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;

  beforeAll(async () => {
    t = await createTestApp(
      { LOG_LEVEL: 'info' },
      {
        override: (builder) =>
          builder.overrideProvider(PARAMS_PROVIDER_TOKEN).useFactory({ factory: (config: AppConfig) => loggerParams(config, destination), inject: [AppConfig] }),
      },
    );
    [a, b] = await createUsers(t, 2);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    closeAllSockets();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a sane X-Request-Id as given, and a random UUID for a missing or unsafe one', async () => {
    const given = await t.http().get('/api/v1/users/me').set(a.auth).set('X-Request-Id', 'edge-7f3a.1_b').expect(200);
    expect(given.headers['x-request-id']).toBe('edge-7f3a.1_b');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const unsafe of ['has space', 'x'.repeat(65), 'quote"d', '']) {
      const response = await t.http().get('/api/v1/users/me').set(a.auth).set('X-Request-Id', unsafe).expect(200);
      expect(response.headers['x-request-id']).toMatch(uuid);
    }
    const none = await t.http().get('/api/v1/users/me').set(a.auth).expect(200);
    expect(none.headers['x-request-id']).toMatch(uuid);
    // Even answers given before routing carry one.
    const tooLarge = await t
      .http()
      .post('/api/v1/messages')
      .set(a.auth)
      .set('content-type', 'application/json')
      .send(`{"text":"${'x'.repeat(70_000)}"}`)
      .expect(413);
    expect(tooLarge.headers['x-request-id']).toMatch(uuid);
  });

  it("writes the request id on the lines a request logs: the exception filter's error line and the access line", async () => {
    jest.spyOn(t.app.get(MessagesService), 'edit').mockRejectedValueOnce(new Error('disk on fire'));
    const response = await t.http().patch(`/api/v1/messages/${UNKNOWN_ID}`).set(a.auth).set('X-Request-Id', 'req-edit-500').send({ text: 'edited' }).expect(500);
    expect(response.headers['x-request-id']).toBe('req-edit-500');
    const error = await logged(/^Unhandled error /);
    expect(error).toMatchObject({ context: 'HttpExceptionFilter', req: { id: 'req-edit-500', method: 'PATCH' } });
    expect(JSON.stringify(response.body)).not.toContain(String(error.errorId));
    const access = lines.find((line) => line.msg === 'request errored' || (line.req?.id === 'req-edit-500' && line.res !== undefined));
    expect(access?.req?.id).toBe('req-edit-500');
  });

  it('writes socketId and userId on the lines a socket event logs', async () => {
    jest.spyOn(t.app.get(MessagesService), 'edit').mockRejectedValueOnce(new Error('disk on fire'));
    const socket = await connectSocket(t.baseUrl, a.accessToken);
    const answer = await socket.emitWithAck('message:edit', { messageId: UNKNOWN_ID, text: 'edited' });
    expect(answer).toMatchObject({ ok: false, error: { status: 500 } });
    const error = await logged(/^Unhandled socket error /);
    expect(error).toMatchObject({ context: 'WsExceptionFilter', socketId: socket.id, userId: a.id });
    expect(error.req).toBeUndefined();
  });

  it('writes socketId and userId on the lines logged while a connection opens and closes', async () => {
    const c = await createUser(t);
    // Announcing c online (c's first connection) reads c, which fails; that is logged and the socket stays.
    const users = t.app.get(UsersService);
    jest.spyOn(t.app.get(UsersRepository), 'findById').mockRejectedValueOnce(new Error('database away'));
    const socket = await connectSocket(t.baseUrl, c.accessToken);
    expect(await logged(/^Could not record an opened connection$/)).toMatchObject({ context: 'UsersService', socketId: socket.id, userId: c.id });
    jest.spyOn(users, 'connectionClosed').mockRejectedValueOnce(new Error('database away'));
    const socketId = socket.id;
    socket.close();
    expect(await logged(/^Could not record a closed connection$/)).toMatchObject({ context: 'ChatGateway', socketId, userId: c.id });
  });

  it("writes the sender's request id on what announcing a stored message logs, not another sender's", async () => {
    const direct = await openDirect(t, a, b);
    const events = t.app.get(DomainEvents);
    const publish = events.publish.bind(events);
    jest.spyOn(events, 'publish').mockImplementation((name, payload) => {
      if (name === 'message.created' && (payload as { message?: { text?: string } }).message?.text === 'announce fails') throw new Error('listener broke');
      publish(name, payload);
    });
    // Two senders in one batch: only the failing one's id is on the line.
    const [, failing] = await Promise.all([
      t.http().post('/api/v1/messages').set(b.auth).set('X-Request-Id', 'req-fine').send({ conversationId: direct.id, text: 'fine' }),
      t.http().post('/api/v1/messages').set(a.auth).set('X-Request-Id', 'req-announce').send({ conversationId: direct.id, text: 'announce fails' }),
    ]);
    expect(failing.status).toBe(201);
    const line = await logged(/^Could not announce a stored message$/);
    expect(line).toMatchObject({ context: 'SendBatcher', req: { id: 'req-announce' }, messageId: failing.body.id });
    await send(t, a, direct.id, 'still works');
  });
});
