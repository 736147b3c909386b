import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

/**
 * The sessions of this instance's knowledge that ended (logout, refresh-token reuse) less than an
 * access-token TTL ago: the HTTP guard refuses their access tokens with one O(1) look-up, no database
 * read. An entry is kept until the last access token its session may have issued has expired (ended
 * at + the access-token TTL); after that the token's own expiry refuses it, so the entry goes when it
 * is next asked for, or when the bound pushes it out. Fed by SessionEndings (this instance's endings,
 * the other instances' through Redis, and the database's on start and after a Redis outage).
 *
 * Bounded: at `maxEntries` the entry set longest ago goes (reads use `peek`). Sessions ending faster
 * than `maxEntries` per access-token TTL would push out entries still needed: that is logged, and the
 * pushed-out sessions' tokens are accepted by REST until they expire (the socket handshake still asks
 * the database).
 */
export class EndedSessions {
  static readonly DEFAULT_MAX_ENTRIES = 100_000;

  private readonly logger = new Logger('EndedSessions');
  /** Session id → when its entry may go (ms): its last access token has expired by then. */
  private readonly until: LRUCache<string, number>;
  private lastOverflowWarning = 0;

  constructor(
    private readonly accessTokenTtlMs: number,
    maxEntries = EndedSessions.DEFAULT_MAX_ENTRIES,
    private readonly nowMs: () => number = () => Date.now(),
  ) {
    this.until = new LRUCache({
      max: maxEntries,
      dispose: (until, sessionId, reason) => {
        if (reason === 'evict' && until > this.nowMs()) this.overflowed(sessionId);
      },
    });
  }

  get size(): number {
    return this.until.size;
  }

  /** Whether the session ended and an access token of it may still be unexpired. */
  has(sessionId: string): boolean {
    // The usual case on the hot path: nothing ended lately.
    if (this.until.size === 0) return false;
    const until = this.until.peek(sessionId);
    if (until === undefined) return false;
    if (this.nowMs() >= until) {
      this.until.delete(sessionId);
      return false;
    }
    return true;
  }

  /** Records that the session ended at `endedAtMs` (ignored once every token it issued has expired). */
  add(sessionId: string, endedAtMs: number = this.nowMs()): void {
    const until = endedAtMs + this.accessTokenTtlMs;
    if (until <= this.nowMs()) return;
    const known = this.until.peek(sessionId);
    if (known === undefined || known < until) this.until.set(sessionId, until);
  }

  private overflowed(sessionId: string): void {
    const now = this.nowMs();
    if (now - this.lastOverflowWarning < 60_000) return;
    this.lastOverflowWarning = now;
    this.logger.warn({ sessionId, maxEntries: this.until.max }, 'Ended-session set full: an ended session was dropped before its access tokens expired');
  }
}
