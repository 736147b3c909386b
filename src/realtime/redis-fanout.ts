import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { connectPair, RedisClient, RedisPair, redisPair } from '../common/redis-pair';
import type { AppConfig } from '../config/app-config';

const CONNECT_TIMEOUT_MS = 10_000;
/** Reconnection back-off of the Redis clients: quick at first, at most this far apart. */
const RECONNECT_MAX_MS = 2_000;

/**
 * The Redis connections Socket.IO fans out through when REDIS_URL is set, so an event emitted on one
 * instance reaches sockets connected to any other. Connected before the app starts listening (the
 * provider's factory is awaited), so the first emit is never lost; closed after the socket server.
 *
 * While Redis is away the instance keeps serving its own sockets: events still reach sockets on the
 * instance that emitted them, and publishes to the others are dropped at once (no offline queue that
 * would grow without bound and deliver stale events late). Socket.IO's adapter calls `publish`
 * without handling its promise, so the publisher's rejections are handled here: unhandled, the
 * first publish cut off by a Redis crash would take the process down. Once both connections are
 * back, `onRecovered` listeners run: the gateway then tells every client to catch up with
 * `/api/v1/sync` (`sync:required`), which holds everything the outage kept from them.
 */
export class ChatRedisFanout implements OnApplicationShutdown {
  private readonly logger = new Logger('ChatRedisFanout');
  private readonly recoveredListeners: Array<(outage: { since: Date }) => void> = [];
  /** True from the moment either connection broke until both are ready again. */
  private interrupted = false;
  private interruptedAt = 0;
  private droppedPublishes = 0;

  private constructor(private readonly clients: RedisPair | null) {}

  /** Provider factory: no Redis configured means one instance, in-memory rooms. */
  static async connect(config: Pick<AppConfig, 'redisUrl'>, timeoutMs = CONNECT_TIMEOUT_MS): Promise<ChatRedisFanout> {
    if (!config.redisUrl) return new ChatRedisFanout(null);
    const pair = redisPair(config.redisUrl, { connectTimeoutMs: timeoutMs, reconnectMaxMs: RECONNECT_MAX_MS, logger: new Logger('ChatRedisFanout') });
    const fanout = new ChatRedisFanout(pair);
    fanout.guardPublishes(pair.pub);
    for (const client of [pair.pub, pair.sub]) {
      client.on('end', () => fanout.markInterrupted());
      client.on('reconnecting', () => fanout.markInterrupted());
      client.on('ready', () => fanout.maybeRecovered());
    }
    // Refuse to start: an instance that cannot fan out would silently miss other instances' events.
    await connectPair(pair, timeoutMs);
    return fanout;
  }

  get enabled(): boolean {
    return this.clients !== null;
  }

  /** True when Redis is not configured, or both connections are ready. */
  get connected(): boolean {
    return this.clients === null || (this.clients.pub.isReady && this.clients.sub.isReady);
  }

  /** The Socket.IO adapter factory to install on the server, or null without Redis. */
  createAdapter(): ReturnType<typeof createAdapter> | null {
    return this.clients ? createAdapter(this.clients.pub, this.clients.sub, { key: 'chatify' }) : null;
  }

  /**
   * Runs `listener` each time fan-out works again after an interruption (events may have been
   * missed), with when the interruption began.
   */
  onRecovered(listener: (outage: { since: Date }) => void): void {
    this.recoveredListeners.push(listener);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.clients) return;
    this.recoveredListeners.length = 0;
    await Promise.all([this.clients.pub, this.clients.sub].map((client) => (client.isOpen ? client.quit().catch(() => client.disconnect()) : undefined))).catch(() => undefined);
  }

  /**
   * Every publish's rejection is handled (and counted in the log once per outage), whoever ignores its
   * promise. Replaces the client's `publish` on this instance: a reliability fix, not a speed-up (no
   * bench finding). test/faults-redis.e2e-spec.ts (a real Redis crashed under sends through the real
   * @socket.io/redis-adapter) fails if a new adapter publishes another way and a rejection goes unhandled.
   */
  private guardPublishes(pub: RedisClient): void {
    const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
    (pub as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (...args: unknown[]) => {
      const published = publish(...args);
      published.catch(() => {
        this.markInterrupted();
        this.droppedPublishes += 1;
      });
      return published;
    };
  }

  private markInterrupted(): void {
    if (this.interrupted || !this.clients) return;
    this.interrupted = true;
    // A moment earlier: a publish cut off by the crash may have been sent just before it was noticed.
    this.interruptedAt = Date.now() - 1000;
    this.logger.warn("Redis fan-out interrupted: events reach this instance's sockets only until it is back");
  }

  private maybeRecovered(): void {
    if (!this.interrupted || !this.connected) return;
    this.interrupted = false;
    this.logger.warn({ droppedPublishes: this.droppedPublishes }, 'Redis fan-out is back: clients are told to catch up');
    this.droppedPublishes = 0;
    for (const listener of this.recoveredListeners) {
      try {
        listener({ since: new Date(this.interruptedAt) });
      } catch (error) {
        this.logger.error({ err: error }, 'A Redis recovery listener failed');
      }
    }
  }
}
