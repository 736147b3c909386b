import { Injectable } from '@nestjs/common';
import { RateLimitStore } from '../common/rate-limit-store';
import { RetryLaterException } from '../common/retry-later.exception';
import { AppConfig } from '../config/app-config';

/** Attempts are forgotten this long after the latest one. */
const FORGET_ATTEMPTS_MS = 15 * 60_000;
/** An address the account logged in from is remembered this long: its attempts have a budget of their own. */
const KNOWN_ADDRESS_MS = 30 * 86_400_000;

/**
 * Per-account login backoff instead of a lock-out. Every attempt on an account counts (an unknown
 * e-mail too, so a 429 tells nothing about registration); after LOGIN_BACKOFF_FREE_ATTEMPTS without a
 * success, each attempt must wait for the previous one's delay, which doubles from LOGIN_BACKOFF_BASE_MS
 * up to LOGIN_BACKOFF_MAX_SECONDS, and one attempt per delay gets through (the store's set-if-absent
 * decides which, on every instance). A guesser is slowed to one try per delay; the owner waits at most
 * that long, and not at all from an address it logged in from before: such an address counts on its
 * own, so a guesser elsewhere cannot spend its attempts. A success clears the count.
 */
@Injectable()
export class LoginBackoff {
  constructor(
    private readonly store: RateLimitStore,
    private readonly config: AppConfig,
  ) {}

  /** Counts an attempt (429 with Retry-After while it must wait); the scope to pass to `succeeded`. */
  async attempt(email: string, address: string): Promise<string> {
    const known = (await this.store.remaining(`login-known:${email}:${address}`)) > 0;
    const scope = known ? `${email}:${address}` : email;
    const waiting = await this.store.remaining(`login-wait:${scope}`);
    if (waiting > 0) throw this.retryLater(waiting);
    const attempts = await this.store.bump(`login-attempts:${scope}`, FORGET_ATTEMPTS_MS);
    const { freeAttempts, baseMs, maxMs } = this.config.loginBackoff;
    if (attempts >= freeAttempts) {
      const delay = Math.min(baseMs * 2 ** (attempts - freeAttempts), maxMs);
      // Set-if-absent: of concurrent attempts, one goes on; the others wait like the next one would.
      if (!(await this.store.hold(`login-wait:${scope}`, delay, true))) throw this.retryLater(await this.store.remaining(`login-wait:${scope}`));
    }
    return scope;
  }

  async succeeded(email: string, address: string, scope: string): Promise<void> {
    await Promise.all([
      this.store.clear(`login-attempts:${scope}`, `login-wait:${scope}`),
      this.store.hold(`login-known:${email}:${address}`, KNOWN_ADDRESS_MS),
    ]);
  }

  private retryLater(waitMs: number): RetryLaterException {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new RetryLaterException(`Too many login attempts for this account; try again in ${seconds} s`, seconds);
  }
}
