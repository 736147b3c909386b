/**
 * The signed-in session: tokens kept in localStorage, refreshed through `POST /api/v1/auth/refresh`
 * shortly before the access token expires (and on demand after a 401).
 *
 * Refresh tokens rotate and presenting an already-rotated one revokes the whole token family, so two tabs
 * must never refresh with the same token: refreshes are serialised across tabs with a Web Lock, and
 * inside the lock the latest session is re-read from localStorage (another tab may have refreshed already).
 */
import type { AuthResult, User } from '../../src/contract';

export type { AuthResult };

export interface StoredSession {
  user: User;
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  accessExpiresAt: number;
  /** Lifetime the server gave the access token, in milliseconds. */
  accessLifetime: number;
}

/** The refresh token was refused: the person has to log in again. */
export class SessionExpiredError extends Error {
  constructor() {
    super('Your session has ended. Please log in again.');
  }
}

const STORAGE_KEY = 'chatify.session';
const LOCK_NAME = 'chatify.token-refresh';

type Listener = (session: StoredSession | null) => void;

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<StoredSession>;
    if (!parsed.user || !parsed.accessToken || !parsed.refreshToken || !parsed.accessExpiresAt) return null;
    return { accessLifetime: 15 * 60_000, ...parsed } as StoredSession;
  } catch {
    return null;
  }
}

/** Less than 10 s left (or a tenth of the lifetime, for very short-lived tokens). */
function expiresSoon(session: StoredSession): boolean {
  return session.accessExpiresAt - Date.now() < Math.min(10_000, session.accessLifetime * 0.1);
}

export class Session {
  private current: StoredSession | null = readStored();
  private refreshing: Promise<StoredSession> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly changeListeners = new Set<Listener>();
  private readonly expiredListeners = new Set<() => void>();

  constructor() {
    // Another tab logged in, refreshed or logged out.
    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY && event.key !== null) return;
      const next = readStored();
      const wasSignedIn = this.current !== null;
      this.current = next;
      this.scheduleRefresh();
      this.changeListeners.forEach((listener) => listener(next));
      if (wasSignedIn && !next) this.expiredListeners.forEach((listener) => listener());
    });
    this.scheduleRefresh();
  }

  get(): StoredSession | null {
    return this.current;
  }

  /** Called with the new session after login, signup and each refresh (here or in another tab). */
  onChange(listener: Listener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called when the session ends without the person asking for it (refresh refused, logout elsewhere). */
  onExpired(listener: () => void): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  save(result: AuthResult): StoredSession {
    const lifetime = Math.max(1, result.expiresIn) * 1000;
    const session: StoredSession = {
      user: result.user,
      accessToken: result.accessToken,
      refreshToken: result.refreshToken,
      accessExpiresAt: Date.now() + lifetime,
      accessLifetime: lifetime,
    };
    this.current = session;
    localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    this.scheduleRefresh();
    this.changeListeners.forEach((listener) => listener(session));
    return session;
  }

  updateUser(user: User): void {
    if (!this.current) return;
    this.current = { ...this.current, user };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(this.current));
  }

  /** Signs out locally (the caller revokes the refresh token on the server first, best effort). */
  clear(): void {
    this.current = null;
    clearTimeout(this.refreshTimer);
    localStorage.removeItem(STORAGE_KEY);
    this.changeListeners.forEach((listener) => listener(null));
  }

  /** Ends the session because the server refused it; the app shows the login form. */
  expire(): void {
    if (!this.current) return;
    this.clear();
    this.expiredListeners.forEach((listener) => listener());
  }

  /** An access token that is valid for at least a little while longer, refreshing first if needed. */
  async accessToken(): Promise<string> {
    const session = this.current;
    if (!session) throw new SessionExpiredError();
    if (!expiresSoon(session)) return session.accessToken;
    return (await this.refresh(session.accessToken)).accessToken;
  }

  /**
   * Gets a new access token. `staleAccessToken` is the token that was refused or is about to expire:
   * if the stored session already holds a different one (another tab refreshed), that one is used.
   * A refused refresh token ends the session (SessionExpiredError); a network failure just throws.
   */
  refresh(staleAccessToken?: string): Promise<StoredSession> {
    if (!this.refreshing) {
      this.refreshing = this.withLock(() => this.refreshNow(staleAccessToken)).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async refreshNow(staleAccessToken?: string): Promise<StoredSession> {
    const latest = readStored();
    if (!latest) {
      this.expire();
      throw new SessionExpiredError();
    }
    this.current = latest;
    const fresh = !expiresSoon(latest);
    if (fresh && staleAccessToken !== undefined && latest.accessToken !== staleAccessToken) {
      this.scheduleRefresh();
      return latest;
    }
    let response: Response;
    try {
      response = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ refreshToken: latest.refreshToken }),
      });
    } catch {
      // Offline: keep the session, try again later.
      this.scheduleRefresh(15_000);
      throw new Error('Network error while refreshing the session');
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      this.expire();
      throw new SessionExpiredError();
    }
    if (!response.ok) {
      this.scheduleRefresh(15_000);
      throw new Error(`Refreshing the session failed (${response.status})`);
    }
    return this.save((await response.json()) as AuthResult);
  }

  private async withLock<T>(task: () => Promise<T>): Promise<T> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) return task();
    return locks.request(LOCK_NAME, task) as Promise<T>;
  }

  /** Refreshes proactively a little before expiry, so requests and socket reconnects rarely meet a 401. */
  private scheduleRefresh(delay?: number): void {
    clearTimeout(this.refreshTimer);
    const session = this.current;
    if (!session) return;
    const lead = Math.min(60_000, session.accessLifetime * 0.2);
    const wait = delay ?? Math.max(1_000, session.accessExpiresAt - lead - Date.now());
    this.refreshTimer = setTimeout(
      () => {
        const token = this.current?.accessToken;
        if (token) this.refresh(token).catch(() => undefined);
      },
      Math.min(wait, 2 ** 31 - 1),
    );
  }
}
