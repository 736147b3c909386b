import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { RateLimitStore } from './rate-limit-store';

/** A small deterministic generator, so a failure names a sequence that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * The throttler's contract as the store keeps it, in memory as in Redis: a fixed window per key from
 * its first hit; the hit that goes over the limit holds the key for `blockDuration` (0: to the end of
 * its window), every hit until then is refused, and the next one opens a new window.
 */
class ReferenceCounts {
  private readonly keys = new Map<string, { hits: number; expiresAt: number }>();

  increment(now: number, key: string, ttl: number, limit: number, blockDuration: number): ThrottlerStorageRecord {
    let entry = this.keys.get(key);
    if (!entry || entry.expiresAt <= now) this.keys.set(key, (entry = { hits: 0, expiresAt: now + ttl }));
    entry.hits += 1;
    const isBlocked = entry.hits > limit;
    if (entry.hits === limit + 1 && blockDuration > 0) entry.expiresAt = now + blockDuration;
    const seconds = Math.ceil((entry.expiresAt - now) / 1000);
    return { totalHits: entry.hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }
}

describe('RateLimitStore (in memory)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it.each([1, 2, 3, 4, 5])("counts the throttler's windows and blocks as the reference does (sequence %i)", async (seed) => {
    const next = random(seed);
    const reference = new ReferenceCounts();
    const sut = await RateLimitStore.connect(null);
    // Limits as the app configures them: a window and a limit per name; the block lasts one window
    // (blockDuration = ttl), or none at all (blockDuration 0).
    const limits = [
      { name: 'address', ttl: 1000, limit: 5, blockDuration: 1000 },
      { name: 'send', ttl: 3000, limit: 3, blockDuration: 3000 },
      { name: 'edit', ttl: 2000, limit: 2, blockDuration: 0 },
    ];
    for (let step = 0; step < 3000; step++) {
      jest.advanceTimersByTime(Math.floor(next() * 300));
      const { name, ttl, limit, blockDuration } = limits[Math.floor(next() * limits.length)];
      const key = `${name}:${Math.floor(next() * 3)}`;
      const expected = reference.increment(Date.now(), key, ttl, limit, blockDuration);
      await expect(sut.increment(key, ttl, limit, blockDuration, name)).resolves.toEqual(expected);
    }
    await sut.onApplicationShutdown();
  });

  it('forgets a key once its window and its block are over, and counts it afresh', async () => {
    const sut = await RateLimitStore.connect(null);
    await sut.increment('address:a', 1000, 2, 1000, 'address');
    await sut.increment('address:a', 1000, 2, 1000, 'address');
    expect(await sut.increment('address:a', 1000, 2, 1000, 'address')).toEqual({ totalHits: 3, timeToExpire: 1, isBlocked: true, timeToBlockExpire: 1 });
    jest.advanceTimersByTime(60_000);
    expect(await sut.increment('address:a', 1000, 2, 1000, 'address')).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: expect.any(Number) });
    await sut.onApplicationShutdown();
  });

  it('hands the socket limiter the limiter the HTTP guard counts in, so both spend one budget', async () => {
    const sut = await RateLimitStore.connect(null);
    await sut.increment('send:u1', 10_000, 2, 10_000, 'send');
    await sut.limiter({ points: 2, durationMs: 10_000, blockDurationMs: 10_000 }).consume('send:u1');
    expect((await sut.increment('send:u1', 10_000, 2, 10_000, 'send')).isBlocked).toBe(true);
    expect((await sut.increment('send:u2', 10_000, 2, 10_000, 'send')).isBlocked).toBe(false);
  });
});
