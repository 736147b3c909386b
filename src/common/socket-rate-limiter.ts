import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Limit, LimitName, limitsOf } from './rate-limit';
import { RateLimitStore } from './rate-limit-store';

/**
 * The named limits for socket events, in the same store and with the same keys as HTTP: a user's
 * `message:send` and `POST /messages` share one budget, over every socket and every instance.
 */
@Injectable()
export class SocketRateLimiter {
  private readonly limits: Record<LimitName, Limit>;

  constructor(
    private readonly store: RateLimitStore,
    config: AppConfig,
  ) {
    this.limits = limitsOf(config);
  }

  /** Counts one event of `userId` against `name`; 429 over the limit. */
  async consume(name: LimitName, userId: string): Promise<void> {
    const { limit, ttlMs } = this.limits[name];
    const { isBlocked } = await this.store.increment(`${name}:${userId}`, ttlMs, limit, ttlMs, name);
    if (isBlocked) throw new HttpException('Too many requests; slow down and try again shortly', HttpStatus.TOO_MANY_REQUESTS);
  }
}
