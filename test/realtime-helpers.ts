/** Helpers shared by the realtime (Socket.IO) e2e specs. */
import { createHmac } from 'node:crypto';
import type { Ack, ClientEventName, ClientToServerEvents, Conversation, Message } from '../src/contract';
import type { TestUser } from './factories/user.factory';
import { TEST_ENV, TestApp } from './helpers/app';
import { ChatSocket } from './helpers/socket';

type AckData<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[1] extends (answer: Ack<infer T>) => void ? T : never;

/** Emits a client → server event and resolves with the server's ack (rejects if none within `timeoutMs`). */
export function request<E extends ClientEventName>(socket: ChatSocket, event: E, payload: unknown, timeoutMs = 5000): Promise<Ack<AckData<E>>> {
  return (socket.timeout(timeoutMs) as unknown as { emitWithAck(event: string, payload: unknown): Promise<Ack<AckData<E>>> }).emitWithAck(event, payload);
}

/** Like `request`, but expects `{ ok: true }` and returns its data. */
export async function requestOk<E extends ClientEventName>(socket: ChatSocket, event: E, payload: unknown): Promise<AckData<E>> {
  const answer = await request(socket, event, payload);
  if (!answer.ok) throw new Error(`${event} answered ${JSON.stringify(answer)}`);
  return answer.data;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** The session id (`sid`) an access token was issued to. */
export function sessionOf(accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')).sid;
}

/**
 * An HS256 access token with any `exp` (seconds since the epoch), signed with the tests' secret unless
 * told otherwise, with the server's `iss`/`aud`. `sid` should name a live session (see `sessionOf`) for
 * a socket to be admitted.
 */
export function signToken(sub: string, exp: number, claims: { secret?: string; sid?: string; iss?: string; aud?: string } = {}): string {
  const { secret = TEST_ENV.JWT_SECRET, sid = '000000000000000000000000', iss = 'chatify', aud = 'chatify-api' } = claims;
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify({ sub, sid, iss, aud, iat: Math.floor(Date.now() / 1000) - 5, exp }));
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

/** Resolves with the connect_error a handshake is refused with (fails if the socket connects). */
export async function refusal(connecting: Promise<ChatSocket>): Promise<Error & { data?: unknown }> {
  try {
    await connecting;
  } catch (error) {
    return error as Error & { data?: unknown };
  }
  throw new Error('the socket connected');
}

export async function directConversation(t: TestApp, a: TestUser, b: TestUser): Promise<Conversation> {
  const response = await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: b.id });
  if (response.status !== 200 && response.status !== 201) throw new Error(`direct conversation: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function groupConversation(t: TestApp, owner: TestUser, members: TestUser[], title = 'Group'): Promise<Conversation> {
  const response = await t
    .http()
    .post('/api/v1/conversations')
    .set(owner.auth)
    .send({ type: 'group', title, memberIds: members.map((member) => member.id) });
  if (response.status !== 201) throw new Error(`group conversation: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function messagesOf(t: TestApp, user: TestUser, conversationId: string): Promise<Message[]> {
  const response = await t.http().get(`/api/v1/conversations/${conversationId}/messages`).set(user.auth);
  if (response.status !== 200) throw new Error(`messages: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.items;
}

/**
 * Closes `socket` and resolves once the server of `t` it is connected to has handled the close and
 * finished the work the close started (presence, last-seen: the gateway tracks it as in-flight work),
 * so whatever that close announces has been emitted by then. Follow with a `barrier` published on the
 * same server to check what arrived.
 */
export async function closeOnServer(t: TestApp, socket: ChatSocket, timeoutMs = 5000): Promise<void> {
  // Imported here, like the app itself (createTestApp), so that loading these helpers loads no app module.
  const [{ ChatGateway }, { InFlightWork }] = await Promise.all([import('../src/chat/chat.gateway'), import('../src/realtime/in-flight-work')]);
  const serverSocket = socket.id === undefined ? undefined : t.app.get(ChatGateway).server.sockets.get(socket.id);
  if (!serverSocket) throw new Error(`socket ${socket.id} is not connected to this server`);
  // Registered after the gateway's own disconnect handler (bound when the socket connected), so it runs after it.
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not see the socket close')), timeoutMs);
    serverSocket.once('disconnect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  socket.close();
  await closed;
  if (!(await t.app.get(InFlightWork).drain(timeoutMs))) throw new Error(`the server's in-flight work did not finish within ${timeoutMs} ms`);
}

/** Resolves when the socket is disconnected, with the reason. */
export function disconnection(socket: ChatSocket, timeoutMs = 3000): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket stayed connected')), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}
