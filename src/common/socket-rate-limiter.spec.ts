import { HttpException } from '@nestjs/common';
import { RetryLaterException } from './retry-later.exception';
import type { AppConfig } from '../config/app-config';
import { RateLimitStore } from './rate-limit-store';
import { SocketRateLimiter } from './socket-rate-limiter';

describe('SocketRateLimiter', () => {
  it('counts per user and limit, answers 429 beyond the limit, and opens a new window later', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const sut = new SocketRateLimiter(await RateLimitStore.connect(null), { typingRateLimit: 2, presenceRateLimit: 1, rateLimitWindowMs: 1000 } as AppConfig);
    await sut.consume('typing', 'a');
    await sut.consume('typing', 'a');
    const refused = await sut.consume('typing', 'a').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpException);
    expect((refused as HttpException).getStatus()).toBe(429);
    // When to come back: the rest of the window (it opened at the first event).
    expect((refused as RetryLaterException).retryAfterMs).toBe(1000);
    await sut.consume('typing', 'b');
    await sut.consume('presence', 'a');
    now += 2001;
    await sut.consume('typing', 'a');
    jest.restoreAllMocks();
  });
});
