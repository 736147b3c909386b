import { PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import { loggerParams } from '../src/common/logging/logger-params';
import { AppConfig } from '../src/config/app-config';
import type { Conversation } from '../src/contract';
import { createUsers, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { expectErrorBody, expectNoInternals } from './helpers/http-assertions';
import { ChatSocket, closeAllSockets, connectSocket } from './helpers/socket';
import { directConversation, request } from './realtime-helpers';

type LogLine = Record<string, unknown> & { level?: number; msg?: string };

/** Every line the app logs, parsed (JSON lines through this destination instead of stdout). */
const lines: LogLine[] = [];
const destination = { write: (chunk: string) => void lines.push(JSON.parse(chunk) as LogLine) };

/** pino's level number of `error`. */
const ERROR_LEVEL = 50;

/** The deepest body or payload the app accepts (src/common/nesting-depth.ts). */
const LIMIT = 32;

/** An array nested `depth` levels deep (`[]` is depth 1), as JSON text. */
const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** The same as a value, built without recursion. */
function nestedValue(depth: number): unknown {
  let value: unknown[] = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
}

/** No error-level line and no stack trace among the lines logged since `from`. */
function expectQuietLogSince(from: number): void {
  const logged = lines.slice(from);
  expect(logged.filter((line) => (line.level ?? 0) >= ERROR_LEVEL)).toEqual([]);
  expect(logged.filter((line) => /\n\s+at\s/.test(JSON.stringify(line).replace(/\\n/g, '\n')))).toEqual([]);
}

/** Issue 22, defect 3: deeply nested JSON used to overflow the stack in validation (a logged 500). */
describe('deeply nested bodies and socket payloads (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: Conversation;
  let socket: ChatSocket;

  beforeAll(async () => {
    t = await createTestApp(
      // Room for 100,000 levels (200 kB of brackets) under the size limits, so that the depth is what is refused.
      { LOG_LEVEL: 'info', BODY_LIMIT_BYTES: '1048576', WS_MAX_PAYLOAD_BYTES: '1048576' },
      {
        override: (builder) =>
          builder.overrideProvider(PARAMS_PROVIDER_TOKEN).useFactory({ factory: (config: AppConfig) => loggerParams(config, destination), inject: [AppConfig] }),
      },
    );
    [alice, bob] = await createUsers(t, 2);
    conversation = await directConversation(t, alice, bob);
  });
  beforeEach(async () => {
    socket = await connectSocket(t.baseUrl, alice.accessToken);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  const login = (body: string) => t.http().post('/api/v1/auth/login').set('content-type', 'application/json').send(body);
  const send = (body: string) => t.http().post('/api/v1/messages').set(alice.auth).set('content-type', 'application/json').send(body);
  // `{"…": [[…]]}`: the object is one level, so the whole body is `depth` deep.
  const loginBody = (depth: number) => `{"email":"${alice.email}","password":${nestedArray(depth - 1)}}`;
  const sendBody = (depth: number) => `{"conversationId":"${conversation.id}","text":${nestedArray(depth - 1)}}`;

  it.each([LIMIT + 1, 3_000, 100_000])('answers a body %i deep 400 on a public and an authenticated route, quietly', async (depth) => {
    const from = lines.length;
    for (const response of [await login(loginBody(depth)), await send(sendBody(depth))]) {
      expectErrorBody(response, 400, `Request body is nested more than ${LIMIT} levels deep`);
      expectNoInternals(response);
    }
    expectQuietLogSince(from);
    // Still answering, and the refused requests changed nothing.
    await login(JSON.stringify({ email: alice.email, password: alice.password })).expect(200);
    const history = await t.http().get(`/api/v1/conversations/${conversation.id}/messages`).set(alice.auth).expect(200);
    expect(history.body.items).toEqual([]);
  });

  it('validates a body exactly at the limit as before', async () => {
    const loginAnswer = await login(loginBody(LIMIT));
    expectErrorBody(loginAnswer, 400, /password must be a string/);
    const sendAnswer = await send(sendBody(LIMIT));
    expectErrorBody(sendAnswer, 400, /text must be a string/);
  });

  it('refuses a deep array or object anywhere in the body, not only down its first branch', async () => {
    let deepObject = '{}';
    for (let level = 1; level < LIMIT; level += 1) deepObject = `{"a":1,"b":${deepObject}}`;
    const wide = `{"conversationId":"${conversation.id}","text":"hi","extra":[1,{"x":[2,3]},${deepObject}]}`;
    expectErrorBody(await send(wide), 400, `Request body is nested more than ${LIMIT} levels deep`);
  });

  it.each([LIMIT + 1, 3_000])('answers a socket payload %i deep with a 400 ack, quietly, and keeps the socket', async (depth) => {
    const from = lines.length;
    const answer = await request(socket, 'message:send', { conversationId: conversation.id, text: nestedValue(depth - 1) });
    expect(answer).toEqual({ ok: false, error: { status: 400, message: `Payload is nested more than ${LIMIT} levels deep` } });
    expectQuietLogSince(from);
    expect(socket.connected).toBe(true);
    await expect(request(socket, 'message:send', { conversationId: conversation.id, text: 'still here' })).resolves.toMatchObject({ ok: true });
  });

  it('answers a socket payload 100,000 deep with a 400 ack', async () => {
    // socket.io-client walks a payload recursively for binary parts before sending it, which overflows the
    // test's own stack this deep: the packet is written as text, with an ack id the client then awaits.
    const ackId = 1_000_000;
    const answered = new Promise((resolve) => {
      (socket as unknown as { acks: Record<number, (answer: unknown) => void> }).acks[ackId] = resolve;
    });
    const payload = `{"conversationId":"${conversation.id}","text":${nestedArray(100_000 - 1)}}`;
    (socket.io.engine as unknown as { write: (packet: string) => void }).write(`2/chat,${ackId}["message:send",${payload}]`);
    await expect(answered).resolves.toEqual({ ok: false, error: { status: 400, message: `Payload is nested more than ${LIMIT} levels deep` } });
    expect(socket.connected).toBe(true);
  });

  it('validates a socket payload exactly at the limit as before', async () => {
    const answer = await request(socket, 'message:send', { conversationId: conversation.id, text: nestedValue(LIMIT - 1) });
    expect(answer).toMatchObject({ ok: false, error: { status: 400, message: expect.arrayContaining(['text must be a string']) } });
  });
});
