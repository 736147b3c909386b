import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';

/**
 * Who is online: a user is online while it has at least one socket on any instance. The chat
 * gateway reports connections; the users' `online` field and presence events read from here.
 */
export abstract class PresenceService {
  /** Counts a new connection; true when the user just came online (its first connection anywhere). */
  abstract connected(userId: string): Promise<boolean>;

  /** Counts a closed connection; true when the user just went offline (its last connection anywhere). */
  abstract disconnected(userId: string): Promise<boolean>;

  /** The users among `userIds` that are online. */
  abstract onlineAmong(userIds: string[]): Promise<Set<string>>;

  /** How many connections the user has on other (live) instances: the per-user socket cap counts them. */
  abstract connectionsElsewhere(userId: string): Promise<number>;

  async isOnline(userId: string): Promise<boolean> {
    return (await this.onlineAmong([userId])).has(userId);
  }

  private readonly listeners: PresenceChangeListener[] = [];

  /**
   * Changes that no connect or disconnect on this instance reports: another instance died and its
   * users went offline with it, or this instance's users are online again after Redis lost track of
   * them. The users service announces them like any other change.
   */
  onChange(listener: PresenceChangeListener): void {
    this.listeners.push(listener);
  }

  protected changed(changes: PresenceChange[]): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) listener(changes);
  }
}

/** `at`: when the user was last seen, for an offline change (the dead instance's last heartbeat). */
export interface PresenceChange {
  userId: string;
  online: boolean;
  at?: Date;
}
export type PresenceChangeListener = (changes: PresenceChange[]) => void;

/** Connection counts of this instance: a connection-less user on this instance is offline. */
class Connections {
  private readonly counts = new Map<string, number>();

  /** True when this is the user's first connection here. */
  add(userId: string): boolean {
    const count = (this.counts.get(userId) ?? 0) + 1;
    this.counts.set(userId, count);
    return count === 1;
  }

  count(userId: string): number {
    return this.counts.get(userId) ?? 0;
  }

  /** True when this was the user's last connection here. */
  remove(userId: string): boolean {
    const count = (this.counts.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.counts.set(userId, count);
      return false;
    }
    this.counts.delete(userId);
    return true;
  }

  has(userId: string): boolean {
    return this.counts.has(userId);
  }

  users(): string[] {
    return [...this.counts.keys()];
  }
}

/** One instance (no REDIS_URL): presence is this process's connections. */
export class LocalPresence extends PresenceService {
  private readonly connections = new Connections();

  async connected(userId: string): Promise<boolean> {
    return this.connections.add(userId);
  }

  async disconnected(userId: string): Promise<boolean> {
    return this.connections.remove(userId);
  }

  async onlineAmong(userIds: string[]): Promise<Set<string>> {
    return new Set(userIds.filter((userId) => this.connections.has(userId)));
  }

  async connectionsElsewhere(): Promise<number> {
    return 0;
  }
}

type RedisClient = ReturnType<typeof createClient>;

const KEY_PREFIX = 'chatify:presence';
const LIVE_CACHE_MS = 1_000;
/** An instance id the cached live set does not hold is looked up again, at most this often. */
const LIVE_RECHECK_MS = 100;
/** How long one instance holds the right to sweep a dead one (others leave it alone meanwhile). */
const SWEEP_LOCK_MS = 30_000;

export interface RedisPresenceOptions {
  heartbeatMs: number;
  /** An instance that has not beaten for this long is taken as dead (crashed, frozen, cut off). */
  instanceTtlMs: number;
}

/**
 * Several instances (REDIS_URL). In Redis: per user, a hash of the instances holding its connections
 * (with how many each); per instance, the set of its users; and a sorted set of instances by last
 * heartbeat. A user is online while a live instance holds it.
 *
 * Redis is a shared view of what each instance knows; every instance's own connection counts are
 * the truth it rebuilds that view from:
 * - A dead instance (no heartbeat for `instanceTtlMs`) is swept by one survivor (a lock per dead
 *   instance): its users leave the hashes, and those now online nowhere are announced offline.
 * - An instance that finds itself missing from the instance set (Redis restarted empty, or it was
 *   frozen long enough to be swept) or that failed to write while Redis was away, writes its users
 *   again, announces them online (others may have been told otherwise meanwhile) and re-checks the
 *   users it saw leave during the outage.
 * While Redis is away nothing waits for it: commands fail at once (no offline queue), connections
 * are counted locally, and presence answers from this instance's connections.
 */
export class RedisPresence extends PresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RedisPresence');
  private readonly instanceId = randomUUID();
  private readonly connections = new Connections();
  private heartbeat: NodeJS.Timeout | null = null;
  private live: { ids: Set<string>; at: number } | null = null;
  /** Redis may not match our connections (a write failed): write them all again at the next beat. */
  private stale = false;
  /** Users whose last connection here closed while Redis could not be asked whether they are online elsewhere. */
  private readonly leftUnchecked = new Set<string>();
  private beating: Promise<void> | null = null;
  private beatenOnce = false;

  constructor(
    private readonly client: RedisClient,
    private readonly options: RedisPresenceOptions,
  ) {
    super();
  }

  static async connect(url: string, options: RedisPresenceOptions): Promise<RedisPresence> {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 10_000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000) },
    });
    const presence = new RedisPresence(client, options);
    client.on('error', (error: Error) => presence.logger.warn(`Redis: ${error.message}`));
    // Back after an outage: repair at once rather than at the next beat.
    client.on('ready', () => {
      if (presence.beatenOnce) void presence.beat();
    });
    await client.connect();
    return presence;
  }

  async onModuleInit(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  async connected(userId: string): Promise<boolean> {
    const first = this.connections.add(userId);
    this.leftUnchecked.delete(userId);
    try {
      await this.client
        .multi()
        .hSet(userKey(userId), this.instanceId, String(this.connections.count(userId)))
        .sAdd(instanceUsersKey(this.instanceId), userId)
        .exec();
      if (!first) return false;
      return !(await this.onlineElsewhere(userId));
    } catch (error) {
      this.redisFailed(error);
      // Others cannot be asked; the repair after the outage announces this user online anyway.
      return first;
    }
  }

  async disconnected(userId: string): Promise<boolean> {
    const last = this.connections.remove(userId);
    try {
      if (!last) {
        await this.client.hSet(userKey(userId), this.instanceId, String(this.connections.count(userId)));
        return false;
      }
      await this.client.multi().hDel(userKey(userId), this.instanceId).sRem(instanceUsersKey(this.instanceId), userId).exec();
      return !(await this.onlineElsewhere(userId));
    } catch (error) {
      this.redisFailed(error);
      // Whether the user is online elsewhere is unknown until Redis is back: checked then.
      if (last && !this.connections.has(userId)) this.leftUnchecked.add(userId);
      return false;
    }
  }

  async connectionsElsewhere(userId: string): Promise<number> {
    try {
      const counts = await this.client.hGetAll(userKey(userId));
      const live = await this.liveInstances(Object.keys(counts));
      let total = 0;
      for (const [instanceId, count] of Object.entries(counts)) {
        if (instanceId !== this.instanceId && live.has(instanceId)) total += Number.parseInt(count, 10) || 1;
      }
      return total;
    } catch (error) {
      // The per-user cap then counts this instance only, for as long as Redis is away.
      this.redisFailed(error);
      return 0;
    }
  }

  async onlineAmong(userIds: string[]): Promise<Set<string>> {
    const online = new Set(userIds.filter((userId) => this.connections.has(userId)));
    const others = userIds.filter((userId) => !online.has(userId));
    if (others.length === 0) return online;
    try {
      const instances = await Promise.all(others.map((userId) => this.client.hKeys(userKey(userId))));
      const live = await this.liveInstances(instances.flat());
      others.forEach((userId, index) => {
        if (instances[index].some((id) => live.has(id))) online.add(userId);
      });
    } catch (error) {
      // Only this instance's connections are known while Redis is away.
      this.redisFailed(error);
    }
    return online;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.beating?.catch(() => undefined);
    if (!this.client.isOpen) return;
    try {
      // Leave cleanly: this instance's users are no longer connected here.
      await Promise.all([
        this.client.zRem(instancesKey(), this.instanceId),
        this.client.del(instanceUsersKey(this.instanceId)),
        ...this.connections.users().map((userId) => this.client.hDel(userKey(userId), this.instanceId)),
      ]);
      await this.client.quit();
    } catch {
      await this.client.disconnect().catch(() => undefined);
    }
  }

  private redisFailed(error: unknown): void {
    if (!this.stale) this.logger.warn(`Redis presence write failed (${error instanceof Error ? error.message : String(error)}): repaired when Redis answers`);
    this.stale = true;
  }

  private async onlineElsewhere(userId: string): Promise<boolean> {
    const instances = await this.client.hKeys(userKey(userId));
    const live = await this.liveInstances(instances);
    return instances.some((id) => id !== this.instanceId && live.has(id));
  }

  /**
   * The instances that beat within the TTL, cached for a second, but looked up again when one of
   * `candidates` is not in the cache: an instance that just started must count at once (its users
   * would otherwise be taken as offline, and announced so, for up to a second).
   */
  private async liveInstances(candidates: string[] = []): Promise<Set<string>> {
    const now = Date.now();
    const cached = this.live;
    if (cached && now - cached.at < LIVE_CACHE_MS && (now - cached.at < LIVE_RECHECK_MS || candidates.every((id) => cached.ids.has(id)))) return cached.ids;
    const ids = await this.client.zRangeByScore(instancesKey(), now - this.options.instanceTtlMs, '+inf');
    this.live = { ids: new Set(ids), at: now };
    return this.live.ids;
  }

  /** One beat at a time: a slow Redis must not pile beats (and repairs) up. */
  private beat(): Promise<void> {
    this.beating ??= this.beatOnce()
      .catch((error: unknown) => this.redisFailed(error))
      .finally(() => {
        this.beating = null;
      });
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    const now = Date.now();
    // 1 when we were not in the set: Redis restarted empty, or we were swept as dead while frozen.
    const added = await this.client.zAdd(instancesKey(), { score: now, value: this.instanceId });
    const first = !this.beatenOnce;
    this.beatenOnce = true;
    if (!first && (added === 1 || this.stale)) await this.repair();
    await this.sweepDeadInstances(now);
  }

  /** Writes this instance's connections again, drops what Redis holds beyond them, and announces the result. */
  private async repair(): Promise<void> {
    this.stale = false;
    const recorded = await this.client.sMembers(instanceUsersKey(this.instanceId));
    const users = this.connections.users();
    const multi = this.client.multi();
    for (const userId of recorded) if (!this.connections.has(userId)) multi.hDel(userKey(userId), this.instanceId);
    multi.del(instanceUsersKey(this.instanceId));
    for (const userId of users) multi.hSet(userKey(userId), this.instanceId, String(this.connections.count(userId)));
    if (users.length > 0) multi.sAdd(instanceUsersKey(this.instanceId), users);
    await multi.exec();
    this.live = null;
    const left = [...this.leftUnchecked];
    this.leftUnchecked.clear();
    const stillOnline = await this.onlineAmong(left);
    this.logger.warn({ users: users.length, rechecked: left.length }, 'Presence written to Redis again after an outage');
    this.changed([...users.map((userId) => ({ userId, online: true })), ...left.filter((userId) => !stillOnline.has(userId)).map((userId) => ({ userId, online: false }))]);
  }

  /** Sweeps each instance that stopped beating: its users go offline unless a live instance holds them. */
  private async sweepDeadInstances(now: number): Promise<void> {
    const dead = await this.client.zRangeByScoreWithScores(instancesKey(), '-inf', now - this.options.instanceTtlMs);
    for (const { value: deadId, score: lastBeat } of dead) {
      const claimed = await this.client.set(sweepLockKey(deadId), this.instanceId, { NX: true, PX: SWEEP_LOCK_MS });
      if (claimed !== 'OK') continue;
      const users = await this.client.sMembers(instanceUsersKey(deadId));
      if (users.length > 0) {
        const multi = this.client.multi();
        for (const userId of users) multi.hDel(userKey(userId), deadId);
        await multi.exec();
      }
      // Only after its users are gone from the hashes: an instance missing from the set counts as dead.
      await this.client.multi().del(instanceUsersKey(deadId)).zRem(instancesKey(), deadId).exec();
      this.live = null;
      const online = await this.onlineAmong(users);
      const offline = users.filter((userId) => !online.has(userId));
      this.logger.warn({ instance: deadId, users: users.length, offline: offline.length }, 'Swept an instance that stopped beating');
      this.changed(offline.map((userId) => ({ userId, online: false, at: new Date(lastBeat) })));
    }
  }
}

const userKey = (userId: string) => `${KEY_PREFIX}:user:${userId}`;
const instancesKey = () => `${KEY_PREFIX}:instances`;
const instanceUsersKey = (instanceId: string) => `${KEY_PREFIX}:instance:${instanceId}:users`;
const sweepLockKey = (instanceId: string) => `${KEY_PREFIX}:sweep:${instanceId}`;
