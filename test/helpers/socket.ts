import { io, Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerEventName, ServerToClientEvents } from '../../src/contract';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const open: ChatSocket[] = [];

/** Connects to `/chat` with a token and resolves once connected (rejects on connect_error). */
export function connectSocket(
  baseUrl: string,
  token: string | undefined,
  options: { timeoutMs?: number; headers?: Record<string, string>; transports?: ('websocket' | 'polling')[] } = {},
): Promise<ChatSocket> {
  const socket: ChatSocket = io(`${baseUrl}/chat`, {
    auth: token === undefined ? {} : { token },
    extraHeaders: options.headers,
    transports: options.transports ?? ['websocket'],
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

type NewMessage = Parameters<ServerToClientEvents['message:new']>[0];

/** The id of what a send resolved with: a message, or an HTTP response whose body is one. */
function sentId(sent: unknown): string | undefined {
  const value = sent as { id?: unknown; body?: { id?: unknown } } | null | undefined;
  const id = value?.id ?? value?.body?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * An ordering barrier for "it did not arrive": resolves, with the message as delivered, once every one
 * of `sockets` got the `message:new` that `sendLater` causes (matched by the id of the message it
 * resolves with; any `message:new` when it resolves with no id). Events to one socket arrive in the
 * order they were emitted, so anything emitted to it before the barrier message has arrived by then:
 * check what was collected afterwards. `sendLater` must only be called once the action under test was
 * answered (its events, if any, are emitted before its answer), and the barrier message must take the
 * same way to the socket (the same instance publishing it, when there are several).
 */
export async function barrier(sockets: ChatSocket | ChatSocket[], sendLater: () => Promise<unknown>, timeoutMs = 3000): Promise<NewMessage> {
  const targets = Array.isArray(sockets) ? sockets : [sockets];
  // Listening before sending: the message may reach a socket before the send is answered.
  const received = targets.map(() => [] as NewMessage[]);
  const waiters: (() => void)[] = [];
  const listeners = targets.map((socket, index) => {
    const listener = (message: NewMessage) => {
      received[index].push(message);
      for (const wake of waiters) wake();
    };
    socket.on('message:new', listener);
    return listener;
  });
  try {
    const id = sentId(await sendLater());
    const matches = (message: NewMessage) => id === undefined || message.id === id;
    const found = await Promise.all(
      targets.map(
        (socket, index) =>
          new Promise<NewMessage>((resolve, reject) => {
            const check = () => {
              const message = received[index].find(matches);
              if (!message) return false;
              clearTimeout(timer);
              resolve(message);
              return true;
            };
            const timer = setTimeout(() => reject(new Error(`barrier: socket ${socket.id} got no message:new ${id ?? ''} within ${timeoutMs} ms`)), timeoutMs);
            if (!check()) waiters.push(check);
          }),
      ),
    );
    return found[0];
  } finally {
    targets.forEach((socket, index) => socket.off('message:new', listeners[index]));
  }
}
