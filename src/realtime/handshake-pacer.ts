/*
 * Why hand-written: rate-limiter-flexible (which counts every other limit, see RateLimitStore) has
 * fixed windows and answers with promises; this pacer needs a token bucket that refills continuously
 * (a quarter second at 4/s frees one handshake), answered synchronously inside Socket.IO's handshake
 * middleware, per instance (a reconnect storm is this process's load: nothing is shared through
 * Redis), and above all it hands each refused client its own slot after every earlier refused one,
 * plus a random spread, as `retryAfterMs`. Neither library considered here schedules refused callers; a
 * token-bucket package (e.g. `limiter`) could replace only the refill arithmetic, four lines, at the
 * cost of a dependency and of the injected clock the spec drives it with.
 */

/**
 * Smooths reconnect storms (an instance died, a network blip dropped every socket): one instance
 * admits at most `ratePerSecond` handshakes a second, with a burst of one second's worth. A handshake
 * beyond that is refused with the time to come back: the next free slot after every earlier refused
 * one, plus a random spread, so that the refused clients return spread out at the admitted rate
 * instead of all at once. Handshakes are where a storm costs (session and presence look-ups);
 * connected sockets are never affected.
 */
export class HandshakePacer {
  private tokens: number;
  private refilledAt: number;
  /** The latest slot handed out to a refused handshake. */
  private lastSlotAt = 0;

  constructor(
    private readonly ratePerSecond: number,
    /** Upper bound of the random spread added to every wait. */
    private readonly spreadMs: number,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = ratePerSecond;
    this.refilledAt = now();
  }

  /** null when the handshake may proceed; otherwise how many milliseconds the client should wait. */
  take(): number | null {
    if (this.ratePerSecond <= 0) return null;
    const now = this.now();
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.refilledAt) * this.ratePerSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return null;
    }
    const slot = Math.max(now, this.lastSlotAt) + 1000 / this.ratePerSecond;
    this.lastSlotAt = slot;
    return Math.ceil(slot - now + this.random() * this.spreadMs);
  }
}

/** A delay around `baseMs`: uniformly within ±`factor` of it (socket.io-client's randomization). */
export function jittered(baseMs: number, factor: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(baseMs * (1 + factor * (2 * random() - 1))));
}
