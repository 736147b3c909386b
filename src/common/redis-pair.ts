import type { Logger } from '@nestjs/common';
import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

/** A publisher and a subscriber on one Redis, for messages between instances. */
export interface RedisPair {
  pub: RedisClient;
  sub: RedisClient;
}

/**
 * A publisher and a subscriber on `url`. No offline queue: while Redis is away a command fails at once
 * instead of piling up to be delivered late. Each logs its errors (without an 'error' listener an error
 * would crash the process) and reconnects by itself, quickly at first, at most `reconnectMaxMs` apart.
 */
export function redisPair(url: string, options: { connectTimeoutMs: number; reconnectMaxMs: number; logger: Logger }): RedisPair {
  const pub = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, options.reconnectMaxMs) },
  });
  const sub = pub.duplicate();
  for (const [name, client] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    client.on('error', (error: Error) => options.logger.warn(`Redis ${name}: ${error.message}`));
  }
  return { pub, sub };
}

/**
 * Connects both clients, then runs `then` (a subscription, say), within `timeoutMs`; otherwise
 * disconnects them and rejects. Its callers refuse to start rather than run without hearing the
 * other instances (a Redis that never answers must not hang start-up either).
 */
export async function connectPair({ pub, sub }: RedisPair, timeoutMs: number, then: () => Promise<unknown> = async () => undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis (REDIS_URL) did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const connecting = Promise.all([pub.connect(), sub.connect()]).then(then);
  try {
    await Promise.race([connecting, timeout]);
  } catch (error) {
    connecting.catch(() => undefined);
    await Promise.all([pub, sub].map((client) => (client.isOpen ? client.disconnect().catch(() => undefined) : undefined)));
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
