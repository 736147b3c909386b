import { ThrottlerStorageService } from '@nestjs/throttler';
import { MemoryThrottleStorage } from './rate-limit-store';

/** A small deterministic generator, so a failure names a sequence that can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('MemoryThrottleStorage', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([1, 2, 3, 4, 5])('answers exactly as the throttler\'s own storage (sequence %i)', async (seed) => {
    const next = random(seed);
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const reference = new ThrottlerStorageService();
    const sut = new MemoryThrottleStorage();
    // Limits as the app configures them: a window and a limit per name; the block lasts one window
    // (blockDuration = ttl), or none at all (blockDuration 0) for the throttler's other path.
    const limits = [
      { name: 'address', ttl: 1000, limit: 5, blockDuration: 1000 },
      { name: 'send', ttl: 2500, limit: 3, blockDuration: 2500 },
      { name: 'edit', ttl: 2700, limit: 2, blockDuration: 0 },
    ];
    for (let step = 0; step < 3000; step++) {
      now += Math.floor(next() * 300);
      const { name, ttl, limit, blockDuration } = limits[Math.floor(next() * limits.length)];
      const key = `${name}:${Math.floor(next() * 3)}`;
      const expected = await reference.increment(key, ttl, limit, blockDuration, name);
      await expect(sut.increment(key, ttl, limit, blockDuration, name)).resolves.toEqual(expected);
    }
    reference.onApplicationShutdown();
    sut.onApplicationShutdown();
  });

  it('forgets a key once its window and its hits are over, and counts it afresh', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    jest.useFakeTimers({ doNotFake: ['Date'] });
    const sut = new MemoryThrottleStorage();
    await sut.increment('address:a', 1000, 2, 1000, 'address');
    await sut.increment('address:a', 1000, 2, 1000, 'address');
    expect((await sut.increment('address:a', 1000, 2, 1000, 'address')).isBlocked).toBe(true);
    now += MemoryThrottleStorage.SWEEP_INTERVAL_MS;
    jest.advanceTimersByTime(MemoryThrottleStorage.SWEEP_INTERVAL_MS);
    expect(await sut.increment('address:a', 1000, 2, 1000, 'address')).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: expect.any(Number) });
    sut.onApplicationShutdown();
    jest.useRealTimers();
  });
});
