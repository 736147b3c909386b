import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { AppConfig } from '../config/app-config';

type RedisClient = ReturnType<typeof createClient>;

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The Redis connections Socket.IO fans out through when REDIS_URL is set, so an event emitted on one
 * instance reaches sockets connected to any other. Connected before the app starts listening (the
 * provider's factory is awaited), so the first emit is never lost; closed after the socket server.
 */
export class ChatRedisFanout implements OnApplicationShutdown {
  private readonly logger = new Logger('ChatRedisFanout');

  private constructor(private readonly clients: { pub: RedisClient; sub: RedisClient } | null) {}

  /** Provider factory: no Redis configured means one instance, in-memory rooms. */
  static async connect(config: Pick<AppConfig, 'redisUrl'>, timeoutMs = CONNECT_TIMEOUT_MS): Promise<ChatRedisFanout> {
    if (!config.redisUrl) return new ChatRedisFanout(null);
    const pub = createClient({ url: config.redisUrl, socket: { connectTimeout: timeoutMs } });
    const sub = pub.duplicate();
    const fanout = new ChatRedisFanout({ pub, sub });
    // Without a listener an 'error' event would crash the process; the client reconnects by itself.
    pub.on('error', (error: Error) => fanout.logger.warn(`Redis publisher: ${error.message}`));
    sub.on('error', (error: Error) => fanout.logger.warn(`Redis subscriber: ${error.message}`));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis (REDIS_URL) did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const connecting = Promise.all([pub.connect(), sub.connect()]);
    try {
      await Promise.race([connecting, timeout]);
    } catch (error) {
      // Refuse to start: an instance that cannot fan out would silently miss other instances' events.
      connecting.catch(() => undefined);
      await Promise.all([pub, sub].map((client) => (client.isOpen ? client.disconnect().catch(() => undefined) : undefined)));
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return fanout;
  }

  get enabled(): boolean {
    return this.clients !== null;
  }

  /** The Socket.IO adapter factory to install on the server, or null without Redis. */
  createAdapter(): ReturnType<typeof createAdapter> | null {
    return this.clients ? createAdapter(this.clients.pub, this.clients.sub, { key: 'chatify' }) : null;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.clients) return;
    await Promise.all(
      [this.clients.pub, this.clients.sub].map((client) => (client.isOpen ? client.quit().catch(() => client.disconnect()) : undefined)),
    ).catch(() => undefined);
  }

  /** Both connections (publish, subscribe) ready; false without Redis. Read by `/metrics` (chatify_redis_up). */
  get connected(): boolean {
    return this.clients !== null && this.clients.pub.isReady && this.clients.sub.isReady;
  }
}
