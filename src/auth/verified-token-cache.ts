import { LRUCache } from 'lru-cache';
import type { AuthUser } from '../common/decorators/current-user.decorator';

/**
 * The users of access tokens already verified, by the exact `Authorization` header that carried them,
 * until each token's own expiry: a client sends the same token on every request until it expires, and
 * verifying it again (HMAC, base64 and JSON decoding, passport's per-request strategy) costs more than
 * the rest of the guard. What the verification depends on besides the header never changes in a running
 * process (the key, the algorithm, `iss` and `aud`), except the clock, which is checked here as
 * jsonwebtoken checks it (a token expires once the current second reaches `exp`). The one other thing that
 * invalidates an entry is its session ending: the guard asks EndedSessions on every hit and deletes the
 * entry of an ended session (`delete`). Failures are never kept: each one is verified again.
 *
 * Bounded: at `maxEntries` the entry set longest ago goes (reads use `peek`, which does not make an
 * entry the newest); an expired entry goes when it is next asked for.
 */
export class VerifiedTokenCache {
  static readonly DEFAULT_MAX_ENTRIES = 10_000;
  /** Longer headers are not kept (the token service refuses tokens over 4,096 characters anyway). */
  static readonly MAX_KEY_LENGTH = 4_200;

  private readonly users: LRUCache<string, AuthUser>;

  constructor(
    maxEntries = VerifiedTokenCache.DEFAULT_MAX_ENTRIES,
    private readonly nowMs: () => number = () => Date.now(),
  ) {
    this.users = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.users.size;
  }

  /** The user of an unexpired token verified before with this exact header, else undefined. */
  get(header: string): AuthUser | undefined {
    const user = this.users.peek(header);
    if (user === undefined) return undefined;
    if (Math.floor(this.nowMs() / 1000) >= user.exp) {
      this.users.delete(header);
      return undefined;
    }
    return user;
  }

  /** Forgets a header (its session ended). */
  delete(header: string): void {
    this.users.delete(header);
  }

  /** Keeps a verified user (frozen: every request with this header shares it) until its token expires. */
  set(header: string, user: AuthUser): AuthUser {
    if (header.length > VerifiedTokenCache.MAX_KEY_LENGTH || Math.floor(this.nowMs() / 1000) >= user.exp) return user;
    const kept: AuthUser = Object.freeze({ userId: user.userId, sessionId: user.sessionId, exp: user.exp });
    this.users.set(header, kept);
    return kept;
  }
}
