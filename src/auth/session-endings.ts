import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEventMap, DomainEventName } from '../common/domain-events';
import { connectPair, RedisPair, redisPair } from '../common/redis-pair';
import { AppConfig } from '../config/app-config';
import { EndedSessions } from './ended-sessions';
import { RefreshTokensRepository } from './refresh-tokens.repository';

/** The Redis channel every instance announces its session endings on (message: the session id). */
export const SESSION_ENDED_CHANNEL = 'chatify:session-ended';
const CONNECT_TIMEOUT_MS = 10_000;
const RECONNECT_MAX_MS = 2_000;
/** How often the database is asked for recent endings while it must be (Redis away, or the last load failed). */
const POLL_MS = 2_000;

/**
 * Keeps EndedSessions current on this instance, so the HTTP guard refuses an ended session's access
 * tokens at once, everywhere, without a database read per request:
 * - a session that ends here (`session.revoked`) is added at once, before the request that ended it is
 *   answered, and announced on Redis (REDIS_URL) so every other instance adds it within milliseconds;
 * - on start, the sessions revoked within the last access-token TTL are loaded from the database, so a
 *   new or restarted instance refuses what it never heard of;
 * - while Redis is away (or a load failed) the database is asked again every POLL_MS, and once more when
 *   the subscriber is back: an ending announced during the outage is missed for at most that long.
 */
@Injectable()
export class SessionEndings implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionEndings');
  private clients: RedisPair | null = null;
  /** The last database load failed (or none ran yet): poll until one succeeds. */
  private stale = true;
  /** The subscriber lost its connection since the last load: announcements may have been missed. */
  private missed = false;
  private poller: NodeJS.Timeout | undefined;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly ended: EndedSessions,
    private readonly sessions: RefreshTokensRepository,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.redisUrl) await this.connect(this.config.redisUrl);
    // Before the app listens: an instance started after a logout refuses the token from its first request.
    await this.load();
    this.poller = setInterval(() => {
      if (this.stale || this.missed || (this.clients !== null && !this.clients.sub.isReady)) void this.load();
    }, POLL_MS);
    this.poller.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.poller);
    const clients = this.clients;
    this.clients = null;
    if (!clients) return;
    await Promise.all([clients.pub, clients.sub].map((client) => (client.isOpen ? client.quit().catch(() => client.disconnect()) : undefined))).catch(() => undefined);
  }

  /** A session ended on this instance: refused here at once, and announced to the others. */
  @OnEvent('session.revoked' satisfies DomainEventName)
  sessionRevoked({ sessionId }: DomainEventMap['session.revoked']): void {
    this.ended.add(sessionId);
    // Dropped at once while Redis is away (no offline queue): the others poll the database meanwhile.
    this.clients?.pub.publish(SESSION_ENDED_CHANNEL, sessionId).catch((error: unknown) => {
      this.logger.warn(`Could not announce an ended session on Redis: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** The sessions revoked within the last access-token TTL, from the database (one at a time). */
  private load(): Promise<void> {
    this.loading ??= this.loadOnce().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    const missedBefore = this.missed;
    this.missed = false;
    try {
      const since = new Date(Date.now() - this.config.accessTokenTtlSeconds * 1000);
      for (const { sessionId, revokedAt } of await this.sessions.findRevokedSince(since)) this.ended.add(sessionId, revokedAt.getTime());
      if (this.stale) this.logger.log({ ended: this.ended.size }, 'Recently ended sessions loaded');
      this.stale = false;
    } catch (error) {
      this.missed ||= missedBefore;
      if (!this.stale) this.logger.warn(`Could not load the recently ended sessions (retried every ${POLL_MS} ms): ${error instanceof Error ? error.message : String(error)}`);
      this.stale = true;
    }
  }

  private async connect(url: string): Promise<void> {
    const pair = redisPair(url, { connectTimeoutMs: CONNECT_TIMEOUT_MS, reconnectMaxMs: RECONNECT_MAX_MS, logger: this.logger });
    const { sub } = pair;
    sub.on('reconnecting', () => (this.missed = true));
    sub.on('end', () => (this.missed = true));
    // node-redis subscribes again by itself on reconnect; what was announced meanwhile comes from the database.
    sub.on('ready', () => {
      if (this.missed) void this.load();
    });
    // As the socket fan-out does: an instance that cannot hear of other instances' endings refuses to start.
    await connectPair(pair, CONNECT_TIMEOUT_MS, () => sub.subscribe(SESSION_ENDED_CHANNEL, (sessionId) => this.ended.add(sessionId)));
    this.clients = pair;
  }
}
