import { RateLimitStore } from '../common/rate-limit-store';
import { RetryLaterException } from '../common/retry-later.exception';
import type { AppConfig } from '../config/app-config';
import { LoginBackoff } from './login-backoff';

describe('LoginBackoff', () => {
  let sut: LoginBackoff;
  let now: number;
  const EMAIL = 'ada@example.test';

  beforeEach(async () => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    sut = new LoginBackoff(await RateLimitStore.connect(null), { loginBackoff: { freeAttempts: 3, baseMs: 1000, maxMs: 4000 } } as AppConfig);
  });
  afterEach(() => jest.restoreAllMocks());

  const refusal = (attempt: Promise<unknown>) =>
    attempt.then(
      () => null,
      (error: unknown) => error as RetryLaterException,
    );

  it('lets the free attempts through, then one attempt per doubling delay, capped, and never refuses for longer than the cap', async () => {
    for (let i = 0; i < 3; i += 1) await sut.attempt(EMAIL, '10.0.0.9');
    const first = await refusal(sut.attempt(EMAIL, '10.0.0.9'));
    expect(first).toBeInstanceOf(RetryLaterException);
    expect(first?.retryAfterSeconds).toBe(1);
    for (const delay of [1000, 2000, 4000, 4000]) {
      now += delay;
      await sut.attempt(EMAIL, '10.0.0.8');
      expect(await refusal(sut.attempt(EMAIL, '10.0.0.7'))).toBeInstanceOf(RetryLaterException);
    }
  });

  it('gives an address the account logged in from a budget of its own, and a success clears the count', async () => {
    const scope = await sut.attempt(EMAIL, '10.0.0.1');
    await sut.succeeded(EMAIL, '10.0.0.1', scope);
    for (let i = 0; i < 3; i += 1) await sut.attempt(EMAIL, '10.6.6.6');
    expect(await refusal(sut.attempt(EMAIL, '10.6.6.6'))).toBeInstanceOf(RetryLaterException);
    // The owner, from where it logged in before, is not slowed by the guesser.
    const own = await sut.attempt(EMAIL, '10.0.0.1');
    await sut.succeeded(EMAIL, '10.0.0.1', own);
    await sut.attempt(EMAIL, '10.0.0.1');
    // Another account is untouched.
    await sut.attempt('grace@example.test', '10.6.6.6');
  });

  it("still gives an address its own budget a day after the login from it, with the process's timers running", async () => {
    jest.restoreAllMocks();
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const backoff = new LoginBackoff(await RateLimitStore.connect(null), { loginBackoff: { freeAttempts: 3, baseMs: 1000, maxMs: 4000 } } as AppConfig);
      await backoff.succeeded(EMAIL, '10.0.0.1', await backoff.attempt(EMAIL, '10.0.0.1'));
      jest.advanceTimersByTime(86_400_000);
      for (let i = 0; i < 3; i += 1) await backoff.attempt(EMAIL, '10.6.6.6');
      expect(await refusal(backoff.attempt(EMAIL, '10.6.6.6'))).toBeInstanceOf(RetryLaterException);
      await backoff.attempt(EMAIL, '10.0.0.1');
    } finally {
      jest.useRealTimers();
    }
  });
});
