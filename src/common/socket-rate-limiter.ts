import { Injectable } from '@nestjs/common';
import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config';
import { Limit, LimitName, limitsOf } from './rate-limit';
import { RateLimitStore } from './rate-limit-store';
import { RetryLaterException } from './retry-later.exception';

/**
 * The named limits for socket events (and for a send by recipient that opens a conversation, which
 * only the service can tell), in the same limiters and with the same keys as HTTP (a block of one
 * window, as the HTTP guard counts): a user's `message:send` and `POST /messages` share one budget,
 * over every socket and every instance.
 */
@Injectable()
export class SocketRateLimiter {
  private readonly limits: Record<LimitName, Limit>;
  private readonly limiters = new Map<LimitName, RateLimiterAbstract>();

  constructor(
    private readonly store: RateLimitStore,
    config: AppConfig,
  ) {
    this.limits = limitsOf(config);
  }

  /** Counts one event of `userId` against `name`; 429 over the limit, saying when to come back. */
  async consume(name: LimitName, userId: string): Promise<void> {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const { limit, ttlMs } = this.limits[name];
      this.limiters.set(name, (limiter = this.store.limiter({ points: limit, durationMs: ttlMs, blockDurationMs: ttlMs })));
    }
    try {
      await limiter.consume(`${name}:${userId}`);
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) {
        const waitMs = Math.max(1, refusal.msBeforeNext);
        throw new RetryLaterException('Too many requests; slow down and try again shortly', Math.ceil(waitMs / 1000), waitMs);
      }
      throw refusal;
    }
  }
}
