import { io, Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerEventName, ServerToClientEvents } from '../../src/chat/chat.events';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const open: ChatSocket[] = [];

/** Connects to `/chat` with a token and resolves once connected (rejects on connect_error). */
export function connectSocket(baseUrl: string, token: string | undefined, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<ChatSocket> {
  const socket: ChatSocket = io(`${baseUrl}/chat`, {
    auth: token === undefined ? {} : { token },
    extraHeaders: options.headers,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: options.timeoutMs ?? 5000,
  });
  open.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Resolves with the first `event` (that matches `predicate`) within `timeoutMs`, else rejects. */
export function waitFor<E extends ServerEventName>(
  socket: ChatSocket,
  event: E,
  options: { timeoutMs?: number; predicate?: (...args: Parameters<ServerToClientEvents[E]>) => boolean } = {},
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  const { timeoutMs = 3000, predicate } = options;
  return new Promise((resolve, reject) => {
    const listener = (...args: Parameters<ServerToClientEvents[E]>) => {
      if (predicate && !predicate(...args)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(args[0]);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    socket.on(event, listener as never);
  });
}

/** Collects every `event` the socket receives from now on (for "nothing else arrived" checks). */
export function collect<E extends ServerEventName>(socket: ChatSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const received: Parameters<ServerToClientEvents[E]>[0][] = [];
  socket.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => received.push(payload)) as never);
  return received;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Closes every socket opened through `connectSocket` (call in afterEach/afterAll). */
export function closeAllSockets(): void {
  while (open.length) open.pop()?.close();
}

/**
 * An ordering barrier for "it did not arrive": resolves once `socket` gets the `message:new` that
 * `sendLater` causes. Events to one socket arrive in the order they were emitted, so anything emitted
 * to it before has arrived by then; check what was collected afterwards.
 */
export async function barrier(socket: ChatSocket, sendLater: () => Promise<unknown>): Promise<void> {
  const arrival = waitFor(socket, 'message:new');
  await sendLater();
  await arrival;
}
