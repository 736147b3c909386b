import { PinoLogger } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger as PinoInstance } from 'pino';

/** What a socket is known by in the log: its id, and its user once the handshake proved one. */
interface LoggedSocket {
  readonly id: string;
  readonly data?: { user?: { userId?: string } };
}

/**
 * The log context of one socket event, connection or disconnect: nestjs-pino's Logger writes through
 * `store.logger`, so every line logged inside it carries `socketId` (and `userId`). The child logger
 * is made when the first line is written (most events log nothing), and the store is made per event,
 * so an idle socket keeps nothing of it.
 */
class SocketLogStore implements Store {
  responseLogger = undefined;
  private child: PinoInstance | undefined;

  constructor(private readonly socket: LoggedSocket) {}

  get logger(): PinoInstance {
    if (!this.child) {
      const userId = this.socket.data?.user?.userId;
      // PinoLogger.root is pino-http's logger, set once the LoggerModule is configured (before any socket).
      this.child = PinoLogger.root?.child(userId === undefined ? { socketId: this.socket.id } : { socketId: this.socket.id, userId });
    }
    return this.child as PinoInstance;
  }

  /** PinoLogger.assign() replaces the store's logger with a child of it. */
  set logger(logger: PinoInstance) {
    this.child = logger;
  }
}

/** A captured log context (an HTTP request's or a socket's), to log in it later from background work. */
export type LogContext = Store;

/** Runs `work` (and everything it awaits) with `socketId`/`userId` on every log line. */
export function runWithSocketLog<T>(socket: LoggedSocket, work: () => T): T {
  return storage.run(new SocketLogStore(socket), work);
}

/** The current request's or socket's log context, if any: a reference, cheap to keep with queued work. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** Runs `work` in a captured context (a request's or socket's lines carry its ids), or as is without one. */
export function runInLogContext<T>(context: LogContext | undefined, work: () => T): T {
  return context ? storage.run(context, work) : work();
}

/**
 * Runs `work` outside any request's or socket's context: for background work started by the first of
 * many callers, whose lines would otherwise carry that one caller's ids (async context is inherited).
 */
export function runOutsideLogContext<T>(work: () => T): T {
  return storage.exit(work);
}
