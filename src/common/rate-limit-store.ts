import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { createClient } from 'redis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

type RedisClient = ReturnType<typeof createClient>;

/** Every limiter's keys start with this (`chatify:limit:send:<userId>`), in Redis as in memory. */
const KEY_PREFIX = 'chatify:limit';

export interface LimiterOptions {
  /** Events allowed per window. */
  points: number;
  /** The window, from the first event counted in it. */
  durationMs: number;
  /** How long a key stays refused once it went over `points` (0: until its window ends). */
  blockDurationMs?: number;
  /** Every increment makes the key live `durationMs` from then on (a counter forgotten that long after its latest bump). */
  slidingExpiry?: boolean;
}

/**
 * rate-limiter-flexible counts in whole seconds (Redis keys get `EX`), and a duration of 0 would make a
 * key that never expires: every duration is rounded up to a whole second, at least one.
 */
export const wholeSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The longest a key lives in memory: the longest timer Node runs (2^31 - 1 ms, about 24.8 days). */
const MEMORY_MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * Where every rate limit counts (HTTP throttler, socket limits, login backoff): rate-limiter-flexible's
 * limiters, in this process's memory with one instance (RateLimiterMemory), in Redis when REDIS_URL is
 * set (RateLimiterRedis over the app's `redis` v4 client), so that N instances allow what one does.
 *
 * While Redis is away each Redis limiter counts in its `insuranceLimiter`, a RateLimiterMemory of the
 * same options (each instance then allows what one does, for the length of the outage): a limit must
 * never turn an outage of Redis into refused or failed requests. Commands fail at once when Redis is
 * down (no offline queue, `rejectIfRedisNotReady`), so nothing waits for it; once it is back, counting
 * goes on in Redis.
 *
 * `increment` is the throttler's contract: a fixed window per key from its first hit, and once a key
 * goes over its limit, a block of `blockDuration` (the same key, held that long), in memory as in Redis.
 */
export class RateLimitStore implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimitStore');
  /** One limiter per set of options: the HTTP guard and the socket limiter count in the same one. */
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  /** The limiter each throttler name used last (its options never change): no key to build per request. */
  private readonly byThrottler = new Map<string, { limit: number; ttl: number; blockDuration: number; limiter: RateLimiterAbstract }>();

  private constructor(private readonly client: RedisClient | null) {}

  /** Provider factory: memory without a URL, Redis (connected) with one. */
  static async connect(redisUrl: string | null): Promise<RateLimitStore> {
    if (!redisUrl) return new RateLimitStore(null);
    const client = createClient({
      url: redisUrl,
      disableOfflineQueue: true,
      socket: { connectTimeout: 10_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000) },
    });
    const store = new RateLimitStore(client);
    let away = false;
    client.on('error', (error: Error) => store.logger.warn(`Redis: ${error.message}`));
    client.on('reconnecting', () => {
      if (!away) store.logger.warn('Redis is away: rate limits count per instance until it is back');
      away = true;
    });
    client.on('ready', () => {
      if (away) store.logger.warn('Redis is back: rate limits count in Redis again');
      away = false;
    });
    await client.connect();
    return store;
  }

  /** The limiter for these options (made on first use, then shared). */
  limiter(options: LimiterOptions): RateLimiterAbstract {
    const { points, durationMs, blockDurationMs = 0, slidingExpiry = false } = options;
    const id = `${points}:${durationMs}:${blockDurationMs}:${slidingExpiry}`;
    let limiter = this.limiters.get(id);
    if (!limiter) this.limiters.set(id, (limiter = this.create(points, wholeSeconds(durationMs), blockDurationMs > 0 ? wholeSeconds(blockDurationMs) : 0, slidingExpiry)));
    return limiter;
  }

  private create(points: number, duration: number, blockDuration: number, slidingExpiry: boolean): RateLimiterAbstract {
    const options = { keyPrefix: KEY_PREFIX, points, duration, blockDuration };
    // RateLimiterMemory drops each key with a timer, and Node fires a longer timer at once.
    const inMemory = { ...options, duration: Math.min(duration, MEMORY_MAX_SECONDS), blockDuration: Math.min(blockDuration, MEMORY_MAX_SECONDS) };
    const memory = slidingExpiry ? new SlidingRateLimiterMemory(inMemory) : new RateLimiterMemory(inMemory);
    if (!this.client) return memory;
    return new RateLimiterRedis({
      ...options,
      storeClient: this.client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
      ...(slidingExpiry ? { customIncrTtlLuaScript: SLIDING_INCREMENT } : {}),
    });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    let known = this.byThrottler.get(throttlerName);
    if (!known || known.limit !== limit || known.ttl !== ttl || known.blockDuration !== blockDuration) {
      known = { limit, ttl, blockDuration, limiter: this.limiter({ points: limit, durationMs: ttl, blockDurationMs: blockDuration }) };
      this.byThrottler.set(throttlerName, known);
    }
    let answer: RateLimiterRes;
    let isBlocked = false;
    try {
      answer = await known.limiter.consume(key);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      answer = refusal;
      isBlocked = true;
    }
    const seconds = Math.max(0, Math.ceil(answer.msBeforeNext / 1000));
    return { totalHits: answer.consumedPoints, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client?.isOpen) await this.client.quit().catch(() => this.client?.disconnect());
  }
}

/** Milliseconds until `key` of `limiter` expires; 0 when it does not exist (or has just expired). */
export async function remainingMs(limiter: RateLimiterAbstract, key: string): Promise<number> {
  const answer = await limiter.get(key);
  return answer ? Math.max(0, answer.msBeforeNext) : 0;
}

/**
 * Deletes `keys` of `limiter`, in its memory insurance too (counts made there during an outage
 * must not come back at the next one).
 */
export async function deleteKeys(limiter: RateLimiterAbstract, ...keys: string[]): Promise<void> {
  const insurance = (limiter as { insuranceLimiter?: RateLimiterAbstract }).insuranceLimiter;
  await Promise.all(keys.flatMap((key) => [limiter.delete(key), ...(insurance ? [insurance.delete(key)] : [])]));
}

/**
 * rate-limiter-flexible's default script sets a key's expiry once, when the key is made. This one sets
 * it on every increment, in the same script run (KEYS[1] the key; ARGV points, seconds).
 */
const SLIDING_INCREMENT = `
local consumed = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return { consumed, redis.call('PTTL', KEYS[1]) }
`;

/**
 * Why hand-written: rate-limiter-flexible has no option for a counter whose expiry moves with each
 * increment (the login backoff forgets attempts a while after the latest one, not the first); for
 * Redis its `customIncrTtlLuaScript` takes SLIDING_INCREMENT, and this is the in-memory twin (alone,
 * or as the Redis limiter's insurance). `penalty` counts as usual, then holds the key for the full
 * duration again with its new count. The two steps are one microtask apart, and concurrent calls keep
 * their order across that step, so the last count written is the highest.
 */
class SlidingRateLimiterMemory extends RateLimiterMemory {
  penalty(key: string | number, points = 1, options: { [key: string]: unknown } = {}): Promise<RateLimiterRes> {
    return super.penalty(key, points, options).then((counted) => this.set(key, counted.consumedPoints, this.duration));
  }
}
