import { type INestApplication, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObservable, type Observable, type Subscription } from 'rxjs';
import type { Server, ServerOptions } from 'socket.io';
import { TokenService } from '../auth/token.service';
import { AppConfig } from '../config/app-config';
import { runWithSocketLog } from '../common/logging/log-context';
import { MAX_NESTING_DEPTH, nestedDeeperThan } from '../common/nesting-depth';
import { IndexReadiness } from '../database/index-readiness';
import { MetricsService } from '../metrics/metrics.service';
import { CHAT_NAMESPACE } from '../contract/socket-events';
import { ChatRedisFanout } from './redis-fanout';
import { coalesceFlushes } from './flush-coalescing';
import { HandshakePacer, jittered } from './handshake-pacer';
import { InFlightWork } from './in-flight-work';
import type { ChatServer, ChatSocket } from './chat.socket';

/** `auth: { token }` (what the web client sends) or an `Authorization: Bearer …` header. */
function handshakeToken(socket: ChatSocket): unknown {
  const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (fromAuth !== undefined) return fromAuth;
  const header = socket.handshake.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** What `handshake.auth` holds once the token was checked (Socket.IO keeps the handshake as long as the socket). */
const CHECKED_AUTH: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Browsers send an Origin with every WebSocket handshake. Allowed: listed origins, the app's own origin
 * (the web client it serves, whatever host name it is reached by), and clients that send no Origin at
 * all (servers, mobile apps: not browsers, so no other site's page can be acting through them).
 */
function originAllowed(request: IncomingMessage, origins: string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || origins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** The answer to a payload nested deeper than MAX_NESTING_DEPTH (the exception filter's shape for a 400). */
const TOO_DEEP_ANSWER = Object.freeze({ ok: false, error: Object.freeze({ status: 400, message: `Payload is nested more than ${MAX_NESTING_DEPTH} levels deep` }) });

/**
 * Engine.IO's own refusal (a 403 with `{ code: 4, message }`, as `allowRequest` answered). On a WebSocket
 * upgrade Engine.IO hands middleware a stand-in response whose `end` destroys the TCP socket.
 */
function refuseOrigin(response: ServerResponse): void {
  response.writeHead(403, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ code: 4, message: 'Origin not allowed' }));
}

/**
 * The client's ack, counted (`chatify_socket_events_total{event,status}`) and timed from the event's
 * arrival (`chatify_ack_duration_seconds{event}`) on its first call; Socket.IO sends one answer only.
 */
function countedAck(metrics: MetricsService, event: string, arrived: number, ack: (response: unknown) => void): (response: unknown) => void {
  let answered = false;
  return (response: unknown) => {
    if (!answered) {
      answered = true;
      metrics.socketEvents.inc({ event, status: ackStatus(response) });
      metrics.ackSeconds.observe({ event }, (performance.now() - arrived) / 1000);
    }
    ack(response);
  };
}

/** "ok", or the error status of an `{ ok: false, error: { status } }` answer. */
export function ackStatus(response: unknown): string {
  const answer = response as { ok?: unknown; error?: { status?: unknown } } | null | undefined;
  if (answer?.ok === true) return 'ok';
  const status = answer?.error?.status;
  return typeof status === 'number' ? String(status) : 'unknown';
}

/** `run()`'s result as a promise (the same promise when it is one); a synchronous throw as a rejection. */
function settle(run: () => unknown): Promise<unknown> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * What binding handlers needs of a socket. Structural on purpose: `@nestjs/platform-socket.io` runs its
 * own copy of socket.io (4.8.3) beside the app's (4.8.4), and the two `Socket` classes do not assign to
 * each other (private members), so the override cannot be typed with the app's `Socket`.
 */
interface HandlerSocket {
  readonly id: string;
  readonly data?: { user?: { userId?: string } };
  readonly connected: boolean;
  readonly nsp: object;
  onAny(listener: (event: unknown, ...args: unknown[]) => void): unknown;
  once(event: string, listener: () => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
}

/** Nest's handler callback bound to one socket: guards, pipes, interceptors and the handler inside the gateway's filter. */
type BoundHandler = (data: unknown, ack: unknown) => unknown;

/** What every socket shares about one client event: its position in each socket's callbacks, and how it answers. */
interface EventRoute {
  readonly index: number;
  readonly isAckHandledManually: boolean;
}

/**
 * The Socket.IO server of the app: frame size and allowed origins from config, Redis fan-out when
 * configured, and the JWT check on `/chat` at the handshake, so an unauthenticated socket never
 * connects and never joins a room (`connect_error` with message `Unauthorized`).
 */
export class ChatIoAdapter extends IoAdapter {
  private readonly logger = new Logger('ChatIoAdapter');
  /** Handler streams still open, per socket that has any (made on its first one; idle sockets have none). */
  private readonly openStreams = new WeakMap<HandlerSocket, Set<Subscription>>();
  /** Per socket: Nest's callbacks bound to it, in the order of its namespace's routes. */
  private readonly callbacks = new WeakMap<HandlerSocket, BoundHandler[]>();
  /** Per namespace (one gateway each), its events: the same for every socket of it; made on its first connection. */
  private readonly routes = new WeakMap<object, Map<string, EventRoute>>();
  /** The one catch-all listener every socket shares (`this` is the socket). */
  private readonly onClientEvent: (this: HandlerSocket, event: unknown, ...args: unknown[]) => void;
  /** Resolved on the first connection (the app's providers exist by then). */
  private metrics: MetricsService | undefined;
  private work: InFlightWork | undefined;

  constructor(private readonly app: INestApplication) {
    super(app);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the handler below has its own `this` (the socket)
    const adapter = this;
    this.onClientEvent = function (this: HandlerSocket, event: unknown, ...args: unknown[]): void {
      adapter.dispatch(this, event, args);
    };
  }

  /**
   * One listener shared by every socket instead of Nest's `fromEvent → mergeMap → takeUntil(disconnect)`
   * pipeline per handler per socket, which kept about 35 KiB of RxJS subscribers alive for every idle
   * connection (idle memory 46 → 15 KiB per connection: docs/BENCHMARKS-HISTORY.md, "Earlier runs",
   * "Earlier fixes still in place"), and instead of a listener (a closure and its two scopes) per
   * handler per socket, which kept about 1.5 KiB more (docs/BENCHMARKS.md, finding 12).
   * What a socket keeps is the list of Nest's callbacks bound to it (Nest makes them per socket before
   * this runs) and one catch-all listener entry (`onAny`); the event names and how each answers are
   * shared by all sockets.
   *
   * Same behaviour as `IoAdapter.bindMessageHandlers`: arguments split into data and ack by `mapPayload`;
   * the handler's result awaited and, when it is an Observable (as it is with interceptors: subscribing is
   * what runs the handler), every non-nil value answered; `{ event, data }` emitted as that event,
   * anything else given to the ack unless the handler acks itself; nothing answered, and no Observable
   * subscribed or kept, once the socket disconnected; events the gateway has no handler for ignored.
   * Errors never reach this code: Nest's callback runs guards, pipes, interceptors and the handler inside
   * the gateway's exception filter (`WsProxy`), which answers them; `transform` only did the awaiting
   * and flattening done inline here.
   *
   * Every event's promise (guards, pipes, handler, filter) is in-flight work that a graceful shutdown
   * waits for, however the client fares meanwhile (InFlightWork; AcceptingEventsGuard refuses new
   * events once it began). Held here rather than by an interceptor: Nest runs interceptors through
   * RxJS with an async-context bind per stage, which cost more than the rest of an event's pipeline.
   *
   * A patch of a framework internal, kept for what the bench measured: finding 12 (scenario `idle`,
   * `node bench/run.mjs --only=idle --heap-snapshot`: about 1.5 KiB of heap per idle connection) and
   * finding 4 (scenario `throughput-200`, `--cpu-prof`: the interceptor's RxJS stages, about 6 % of
   * the CPU). It relies on how @nestjs/websockets calls `bindMessageHandlers` (once per connection,
   * with callbacks already bound to that socket) and must answer as `IoAdapter.bindMessageHandlers`
   * does: chat-io.adapter.spec.ts, "on the installed Nest and Socket.IO", runs a real gateway through
   * both adapters and fails when a new Nest binds or answers differently, or stops calling this.
   */
  override bindMessageHandlers(socket: HandlerSocket, handlers: MessageMappingProperties[], _transform: (data: unknown) => Observable<unknown>): void {
    this.metrics ??= this.app.get<MetricsService>(MetricsService, { strict: false });
    this.work ??= this.app.get<InFlightWork>(InFlightWork, { strict: false });
    let routes = this.routes.get(socket.nsp);
    if (!routes) {
      routes = new Map(handlers.map(({ message, isAckHandledManually }, index) => [String(message), { index, isAckHandledManually }]));
      this.routes.set(socket.nsp, routes);
    }
    const callbacks = new Array<BoundHandler>(routes.size);
    for (const { message, callback } of handlers) {
      const route = routes.get(String(message));
      // Nest hands every socket of a gateway the same handlers; one it did not hand the first is never called.
      if (route) callbacks[route.index] = callback as BoundHandler;
      else this.logger.error({ event: String(message), socketId: socket.id }, 'A handler the first socket did not have is ignored');
    }
    this.callbacks.set(socket, callbacks);
    socket.onAny(this.onClientEvent);
  }

  /**
   * One client event of `socket`: its arguments, then the ack Socket.IO appended when the client asked
   * for one. A catch-all listener runs before Socket.IO's per-event dispatch (and would run before
   * `socket.use` middlewares, which this app has none of), so it skips a socket that disconnected
   * meanwhile, as that dispatch does.
   */
  private dispatch(socket: HandlerSocket, name: unknown, args: unknown[]): void {
    const arrived = performance.now();
    const event = String(name);
    const route = this.routes.get(socket.nsp)?.get(event);
    const callback = route && this.callbacks.get(socket)?.[route.index];
    if (!route || !callback || !socket.connected) return;
    const metrics = this.metrics as MetricsService;
    const work = this.work as InFlightWork;
    // rxjs `fromEvent`, which fed Nest's pipeline, passes one argument as itself and several as an array.
    const mapped = this.mapPayload(args.length > 1 ? args : args[0]);
    const data: unknown = mapped.data;
    // Every answer goes through this one ack (the handler's result below, the exception filter's and
    // the expiry guard's errors alike), so each answered event is counted and timed exactly once.
    const ack = typeof mapped.ack === 'function' ? countedAck(metrics, event, arrived, mapped.ack as (response: unknown) => void) : mapped.ack;
    // Refused before guards, pipes and handler: validation walks a payload recursively, and one a few
    // thousand levels deep overflowed its stack (an error-level log line and a 500 ack).
    if (nestedDeeperThan(data, MAX_NESTING_DEPTH)) {
      if (typeof ack === 'function') (ack as (response: unknown) => void)(TOO_DEEP_ANSWER);
      return;
    }
    const answer = (response: unknown): void => {
      if (response === null || response === undefined || !socket.connected) return;
      const reply = response as { event?: unknown; data?: unknown };
      if (reply.event) {
        socket.emit(reply.event as string, reply.data);
      } else if (!route.isAckHandledManually && typeof ack === 'function') {
        (ack as (response: unknown) => void)(response);
      }
    };
    const failed = (error: unknown): void => {
      this.logger.error({ err: error, event }, 'Socket handler failed outside the exception filter');
    };
    // In the socket's log context: every line the handler writes carries socketId and userId.
    void runWithSocketLog(socket, () =>
      // Called synchronously, as Nest does; a synchronous throw becomes a rejection.
      work
        .track(settle(() => callback(data, ack)))
        .then((result) => {
          if (!isObservable(result)) return answer(result);
          if (!socket.connected) return;
          const subscription = result.subscribe({ next: answer, error: failed });
          if (!subscription.closed) this.closeOnDisconnect(socket, subscription);
        })
        .catch(failed),
    );
  }

  /** Like Nest's takeUntil(disconnect): a handler stream still open when its socket goes is unsubscribed. */
  private closeOnDisconnect(socket: HandlerSocket, subscription: Subscription): void {
    let streams = this.openStreams.get(socket);
    if (!streams) {
      const created = new Set<Subscription>();
      this.openStreams.set(socket, created);
      socket.once('disconnect', () => created.forEach((stream) => stream.unsubscribe()));
      streams = created;
    }
    streams.add(subscription);
    const open = streams;
    subscription.add(() => open.delete(subscription));
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const config = this.app.get(AppConfig);
    const tokens = this.app.get(TokenService, { strict: false });
    const fanout = this.app.get(ChatRedisFanout, { strict: false });
    const readiness = this.app.get(IndexReadiness, { strict: false });
    const origins = config.corsOrigins;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- Nest's IoAdapter types it `any`; it is a socket.io Server
    const server: Server = super.createIOServer(port, {
      ...options,
      serveClient: false,
      maxHttpBufferSize: config.wsMaxPayloadBytes,
      // A peer that stopped answering (a frozen or vanished client) is dropped within interval + timeout.
      pingInterval: config.wsPingIntervalMs,
      pingTimeout: config.wsPingTimeoutMs,
      cors: { origin: origins === '*' ? true : origins, credentials: false },
    });
    // CORS headers only bind what a browser page may read, not what it may send, and bind WebSocket
    // upgrades not at all: the Origin is checked on every Engine.IO request. Not with `allowRequest`,
    // which Engine.IO asks about a session's opening request only: the requests that carry the session's
    // id (polling GETs, the POSTs that carry the Socket.IO CONNECT packet with the token, the upgrade to
    // WebSocket) went through from any Origin.
    if (origins !== '*') {
      const engine = (server as unknown as { engine: { use(middleware: (request: IncomingMessage, response: ServerResponse, next: () => void) => void): void } }).engine;
      engine.use((request, response, next) => (originAllowed(request, origins) ? next() : refuseOrigin(response)));
    }
    const redisAdapter = fanout.createAdapter();
    if (redisAdapter) server.adapter(redisAdapter);
    // Corks ws's TCP stream (`_socket`) between engine.io's flush and drain: finding 4 (throughput-200).
    if (!coalesceFlushes((server as unknown as { engine?: unknown }).engine)) {
      this.logger.warn('The Socket.IO engine has an unexpected shape: queued packets are written one by one');
    }
    const metrics = this.app.get(MetricsService, { strict: false });
    const { delayMs, randomizationFactor } = config.wsReconnect;
    const pacer = new HandshakePacer(config.wsHandshakeRate, delayMs * randomizationFactor);
    const refuse = (message: string, status: number, outcome: string, retryAfterMs?: number): Error => {
      metrics.handshakes.inc({ outcome });
      return Object.assign(new Error(message), { data: retryAfterMs === undefined ? { status } : { status, retryAfterMs } });
    };
    (server.of(CHAT_NAMESPACE) as ChatServer).use((socket, next) => {
      // Until every index exists nothing may be written: the client retries (as after any refused connection).
      if (!readiness.ready) return next(refuse('Service Unavailable', 503, 'unavailable', jittered(delayMs, randomizationFactor)));
      try {
        socket.data.user = tokens.verifyAccessToken(handshakeToken(socket));
        // The socket keeps the user the token names, not the token: a bearer credential (about 300 bytes)
        // nothing reads again, which the Redis adapter would otherwise also hand to other instances
        // (about 0.3 KiB per idle connection: docs/BENCHMARKS.md, finding 12).
        socket.handshake.auth = CHECKED_AUTH;
      } catch {
        return next(refuse('Unauthorized', 401, 'unauthorized'));
      }
      // Paced after the (cheap) token check and before the session and presence look-ups a storm would pile up.
      const retryAfterMs = pacer.take();
      if (retryAfterMs !== null) return next(refuse('Retry later', 503, 'paced', retryAfterMs));
      next();
    });
    return server;
  }
}
