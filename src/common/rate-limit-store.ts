import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { createClient } from 'redis';

type RedisClient = ReturnType<typeof createClient>;

/**
 * Where every rate limit counts (HTTP throttler, socket limits, login backoff): this process's memory
 * with one instance, Redis when REDIS_URL is set, so that N instances allow what one does.
 * `increment` is the throttler's contract; the other three serve the login backoff.
 */
export abstract class RateLimitStore implements ThrottlerStorage {
  abstract increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord>;

  /** Adds one to a counter that lives `ttlMs` from its latest bump; the new value. */
  abstract bump(key: string, ttlMs: number): Promise<number>;

  /** Milliseconds until `key` expires; 0 when it does not exist. */
  abstract remaining(key: string): Promise<number>;

  /** Sets `key` for `ms`; with `onlyIfAbsent`, only when it does not exist. True when it was set. */
  abstract hold(key: string, ms: number, onlyIfAbsent?: boolean): Promise<boolean>;

  abstract clear(...keys: string[]): Promise<void>;

  /** Provider factory. */
  static async connect(redisUrl: string | null): Promise<RateLimitStore> {
    return redisUrl ? RedisRateLimitStore.connect(redisUrl) : new MemoryRateLimitStore();
  }
}

/** The hits of one key and limit still inside the window: expiry times in the order they were counted. */
class HitLog {
  private times: number[] = [];
  private head = 0;

  get count(): number {
    return this.times.length - this.head;
  }

  /** The earliest expiry still counted, or undefined when none is. */
  get first(): number | undefined {
    return this.head < this.times.length ? this.times[this.head] : undefined;
  }

  add(expiresAt: number): void {
    this.times.push(expiresAt);
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }

  /**
   * Forgets the hits that expired by `now`. A key's hits all have the same window, so they expire in
   * the order they were counted: only a prefix goes, and a hit is looked at once however long the
   * window is (the throttler's storage copies the whole log on every request).
   */
  prune(now: number): void {
    const times = this.times;
    let head = this.head;
    while (head < times.length && times[head] <= now) head++;
    if (head === times.length) {
      this.clear();
    } else if (head > 64 && head * 2 > times.length) {
      this.times = times.slice(head);
      this.head = 0;
    } else {
      this.head = head;
    }
  }

  /** Whether any hit is still counted at `now`. */
  live(now: number): boolean {
    for (let index = this.head; index < this.times.length; index++) if (this.times[index] > now) return true;
    return false;
  }
}

interface ThrottleRecord {
  hits: Map<string, HitLog>;
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
}

/**
 * The throttler's in-memory storage (`ThrottlerStorageService` of @nestjs/throttler 6), counted the
 * same way — a sliding log of hits per key and limit, a block of `blockDuration` once a key passes its
 * limit, idle keys swept every minute — without copying a key's whole log on every request.
 * `rate-limit-store.spec.ts` checks it against the throttler's own storage.
 */
export class MemoryThrottleStorage implements ThrottlerStorage, OnApplicationShutdown {
  static readonly SWEEP_INTERVAL_MS = 60_000;
  private readonly records = new Map<string, ThrottleRecord>();
  private sweep: NodeJS.Timeout | undefined;

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    this.sweep ??= setInterval(() => this.evictIdle(Date.now()), MemoryThrottleStorage.SWEEP_INTERVAL_MS).unref();
    const now = Date.now();
    let record = this.records.get(key);
    if (!record) this.records.set(key, (record = { hits: new Map(), expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false }));
    let hits = record.hits.get(throttlerName);
    if (!hits) record.hits.set(throttlerName, (hits = new HitLog()));
    hits.prune(now);
    let timeToExpire = Math.ceil((record.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      record.expiresAt = now + ttl;
      timeToExpire = Math.ceil(ttl / 1000);
    }
    if (blockDuration <= 0) {
      const isBlocked = hits.count >= limit;
      if (!isBlocked) hits.add(now + ttl);
      const first = hits.first;
      return {
        totalHits: hits.count + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? (first === undefined ? timeToExpire : Math.ceil((first - now) / 1000)) : 0,
      };
    }
    if (!record.isBlocked) hits.add(now + ttl);
    if (hits.count > limit && !record.isBlocked) {
      record.isBlocked = true;
      record.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((record.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && record.isBlocked) {
      record.isBlocked = false;
      hits.clear();
      hits.add(now + ttl);
    }
    return { totalHits: hits.count, timeToExpire, isBlocked: record.isBlocked, timeToBlockExpire };
  }

  private evictIdle(now: number): void {
    for (const [key, record] of this.records) {
      if (record.isBlocked && record.blockExpiresAt > now) continue;
      if (record.expiresAt > now) continue;
      if ([...record.hits.values()].some((hits) => hits.live(now))) continue;
      this.records.delete(key);
    }
  }

  onApplicationShutdown(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    this.records.clear();
  }
}

/** One instance: the throttler's counting in memory, plus expiring counters. */
export class MemoryRateLimitStore extends RateLimitStore implements OnApplicationShutdown {
  private readonly throttles = new MemoryThrottleStorage();
  private readonly entries = new Map<string, { value: number; expiresAt: number }>();

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    return this.throttles.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  async bump(key: string, ttlMs: number): Promise<number> {
    const value = (this.live(key)?.value ?? 0) + 1;
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    return value;
  }

  async remaining(key: string): Promise<number> {
    const entry = this.live(key);
    return entry ? entry.expiresAt - Date.now() : 0;
  }

  async hold(key: string, ms: number, onlyIfAbsent = false): Promise<boolean> {
    if (onlyIfAbsent && this.live(key)) return false;
    this.entries.set(key, { value: 1, expiresAt: Date.now() + ms });
    return true;
  }

  async clear(...keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  onApplicationShutdown(): void {
    this.throttles.onApplicationShutdown();
  }

  private live(key: string): { value: number; expiresAt: number } | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

const KEY_PREFIX = 'chatify:limit:';

/**
 * A fixed window per key, counted and blocked in one script run, so concurrent requests on any
 * instance see one count. KEYS[1] the hits, KEYS[2] the block; ARGV ttl ms, limit, block ms.
 */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return { hits, ttl, blocked }
`;

/**
 * Several instances: the counters live in Redis. While Redis is away they fall back to this
 * process's memory (each instance then allows what one does, for the length of the outage): a
 * limit must never turn an outage of Redis into refused or failed requests. Commands fail at once
 * when Redis is down (no offline queue), so nothing waits for it.
 */
export class RedisRateLimitStore extends RateLimitStore implements OnApplicationShutdown {
  private readonly logger = new Logger('RedisRateLimitStore');
  private readonly fallback = new MemoryRateLimitStore();
  private degraded = false;

  private constructor(private readonly client: RedisClient) {
    super();
  }

  static async connect(url: string): Promise<RedisRateLimitStore> {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 10_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000) },
    });
    const store = new RedisRateLimitStore(client);
    client.on('error', (error: Error) => store.logger.warn(`Redis: ${error.message}`));
    client.on('ready', () => {
      if (store.degraded) store.logger.warn('Redis is back: rate limits count in Redis again');
      store.degraded = false;
    });
    await client.connect();
    return store;
  }

  /** Runs `command` against Redis, or `local` (this process's counters) while Redis cannot answer. */
  private async either<T>(command: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) return this.degrade(local);
    try {
      return await command();
    } catch (error) {
      if (this.client.isReady && !isConnectionError(error)) throw error;
      return this.degrade(local);
    }
  }

  private degrade<T>(local: () => Promise<T>): Promise<T> {
    if (!this.degraded) this.logger.warn('Redis is away: rate limits count per instance until it is back');
    this.degraded = true;
    return local();
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    return this.either(
      async () => {
        const [hits, ttlLeft, blockLeft] = (await this.client.eval(INCREMENT, {
          keys: [`${KEY_PREFIX}${key}`, `${KEY_PREFIX}${key}:blocked`],
          arguments: [String(ttl), String(limit), String(blockDuration)],
        })) as [number, number, number];
        return {
          totalHits: hits,
          timeToExpire: Math.max(0, Math.ceil(ttlLeft / 1000)),
          isBlocked: blockLeft > 0,
          timeToBlockExpire: Math.max(0, Math.ceil(blockLeft / 1000)),
        };
      },
      () => this.fallback.increment(key, ttl, limit, blockDuration, throttlerName),
    );
  }

  bump(key: string, ttlMs: number): Promise<number> {
    return this.either(
      async () => {
        const [value] = (await this.client.multi().incr(`${KEY_PREFIX}${key}`).pExpire(`${KEY_PREFIX}${key}`, ttlMs).exec()) as unknown as [number];
        return value;
      },
      () => this.fallback.bump(key, ttlMs),
    );
  }

  remaining(key: string): Promise<number> {
    return this.either(
      async () => Math.max(0, await this.client.pTTL(`${KEY_PREFIX}${key}`)),
      () => this.fallback.remaining(key),
    );
  }

  hold(key: string, ms: number, onlyIfAbsent = false): Promise<boolean> {
    return this.either(
      async () => (await this.client.set(`${KEY_PREFIX}${key}`, '1', onlyIfAbsent ? { PX: ms, NX: true } : { PX: ms })) === 'OK',
      () => this.fallback.hold(key, ms, onlyIfAbsent),
    );
  }

  async clear(...keys: string[]): Promise<void> {
    await this.fallback.clear(...keys);
    if (keys.length > 0) await this.either(async () => void (await this.client.del(keys.map((key) => `${KEY_PREFIX}${key}`))), async () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.fallback.onApplicationShutdown();
    if (this.client.isOpen) await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** The connection broke or is closed (as opposed to a command Redis refused). */
function isConnectionError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return ['SocketClosedUnexpectedlyError', 'ClientClosedError', 'ConnectionTimeoutError', 'ReconnectStrategyError', 'ClientOfflineError'].includes(name) || /closed|ECONNRE|EPIPE/i.test(String(error));
}
