import { Injectable } from '@nestjs/common';
import { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { deleteKeys, RateLimitStore, remainingMs, wholeSeconds } from '../common/rate-limit-store';
import { RetryLaterException } from '../common/retry-later.exception';
import { AppConfig } from '../config/app-config';

/** Attempts are forgotten this long after the latest one. */
const FORGET_ATTEMPTS_MS = 15 * 60_000;
/**
 * An address the account logged in from is remembered this long after the latest login from it: its
 * attempts have a budget of their own. (In memory, and in Redis's absence, at most about 24.8 days: see RateLimitStore.)
 */
const KNOWN_ADDRESS_MS = 30 * 86_400_000;

/**
 * Per-account login backoff instead of a lock-out. Every attempt on an account counts (an unknown
 * e-mail too, so a 429 tells nothing about registration); after LOGIN_BACKOFF_FREE_ATTEMPTS without a
 * success, each attempt must wait for the previous one's delay, which doubles from LOGIN_BACKOFF_BASE_MS
 * up to LOGIN_BACKOFF_MAX_SECONDS, and one attempt per delay gets through (the first to consume the
 * one point of the wait limiter, on every instance; delays count in whole seconds, as Retry-After
 * does). A guesser is slowed to one try per delay; the owner waits at most that long, and not at all
 * from an address it logged in from before: such an address counts on its own, so a guesser
 * elsewhere cannot spend its attempts. A success clears the count.
 */
@Injectable()
export class LoginBackoff {
  /** Attempts per scope (an account, or an account from a known address), forgotten FORGET_ATTEMPTS_MS after the latest. */
  private readonly attempts: RateLimiterAbstract;
  /** The delay a scope must wait before its next attempt: one point, held for the delay. */
  private readonly waits: RateLimiterAbstract;
  /** Addresses each account logged in from (a count of logins, forgotten KNOWN_ADDRESS_MS after the latest). */
  private readonly knownAddresses: RateLimiterAbstract;

  constructor(
    store: RateLimitStore,
    private readonly config: AppConfig,
  ) {
    // `penalty` never refuses: `points` matters only to `waits`.
    this.attempts = store.limiter({ points: Number.MAX_SAFE_INTEGER, durationMs: FORGET_ATTEMPTS_MS, slidingExpiry: true });
    this.waits = store.limiter({ points: 1, durationMs: config.loginBackoff.maxMs });
    this.knownAddresses = store.limiter({ points: Number.MAX_SAFE_INTEGER, durationMs: KNOWN_ADDRESS_MS, slidingExpiry: true });
  }

  /** Counts an attempt (429 with Retry-After while it must wait); the scope to pass to `succeeded`. */
  async attempt(email: string, address: string): Promise<string> {
    const known = (await remainingMs(this.knownAddresses, `login-known:${email}:${address}`)) > 0;
    const scope = known ? `${email}:${address}` : email;
    const waiting = await remainingMs(this.waits, `login-wait:${scope}`);
    if (waiting > 0) throw this.retryLater(waiting);
    const { consumedPoints: attempts } = await this.attempts.penalty(`login-attempts:${scope}`);
    const { freeAttempts, baseMs, maxMs } = this.config.loginBackoff;
    if (attempts >= freeAttempts) {
      const delay = Math.min(baseMs * 2 ** (attempts - freeAttempts), maxMs);
      // Of concurrent attempts, the first to take the wait goes on; the others wait like the next one would.
      try {
        await this.waits.consume(`login-wait:${scope}`, 1, { customDuration: wholeSeconds(delay) });
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) throw this.retryLater(refusal.msBeforeNext);
        throw refusal;
      }
    }
    return scope;
  }

  async succeeded(email: string, address: string, scope: string): Promise<void> {
    await Promise.all([
      deleteKeys(this.attempts, `login-attempts:${scope}`),
      deleteKeys(this.waits, `login-wait:${scope}`),
      this.knownAddresses.penalty(`login-known:${email}:${address}`),
    ]);
  }

  private retryLater(waitMs: number): RetryLaterException {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new RetryLaterException(`Too many login attempts for this account; try again in ${seconds} s`, seconds);
  }
}
