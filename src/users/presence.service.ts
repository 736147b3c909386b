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
}

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
const HEARTBEAT_MS = 10_000;
/** An instance that has not beaten for this long is taken as dead (crashed): its users count as offline. */
const INSTANCE_TTL_MS = 30_000;
const LIVE_CACHE_MS = 1_000;

/**
 * Several instances (REDIS_URL): each user has a Redis hash of the instances it is connected to (with
 * how many connections each holds), and
 * each instance beats in a sorted set. A user is online while any live instance holds it, so a crashed
 * instance's users go offline within INSTANCE_TTL_MS instead of staying online forever.
 */
export class RedisPresence extends PresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RedisPresence');
  private readonly instanceId = randomUUID();
  private readonly connections = new Connections();
  private heartbeat: NodeJS.Timeout | null = null;
  private live: { ids: Set<string>; at: number } | null = null;

  constructor(private readonly client: RedisClient) {
    super();
  }

  static async connect(url: string): Promise<RedisPresence> {
    const client = createClient({ url, socket: { connectTimeout: 10_000 } });
    const presence = new RedisPresence(client);
    client.on('error', (error: Error) => presence.logger.warn(`Redis: ${error.message}`));
    await client.connect();
    return presence;
  }

  async onModuleInit(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch((error: Error) => this.logger.warn(`heartbeat: ${error.message}`)), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async connected(userId: string): Promise<boolean> {
    const first = this.connections.add(userId);
    await this.client.hSet(userKey(userId), this.instanceId, String(this.connections.count(userId)));
    if (!first) return false;
    return !(await this.onlineElsewhere(userId));
  }

  async disconnected(userId: string): Promise<boolean> {
    const last = this.connections.remove(userId);
    if (!last) {
      await this.client.hSet(userKey(userId), this.instanceId, String(this.connections.count(userId)));
      return false;
    }
    await this.client.hDel(userKey(userId), this.instanceId);
    return !(await this.onlineElsewhere(userId));
  }

  async connectionsElsewhere(userId: string): Promise<number> {
    const [live, counts] = await Promise.all([this.liveInstances(), this.client.hGetAll(userKey(userId))]);
    let total = 0;
    for (const [instanceId, count] of Object.entries(counts)) {
      if (instanceId !== this.instanceId && live.has(instanceId)) total += Number.parseInt(count, 10) || 1;
    }
    return total;
  }

  async onlineAmong(userIds: string[]): Promise<Set<string>> {
    const online = new Set(userIds.filter((userId) => this.connections.has(userId)));
    const others = userIds.filter((userId) => !online.has(userId));
    if (others.length === 0) return online;
    const [live, ...instances] = await Promise.all([this.liveInstances(), ...others.map((userId) => this.client.hKeys(userKey(userId)))]);
    others.forEach((userId, index) => {
      if (instances[index].some((id) => live.has(id))) online.add(userId);
    });
    return online;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!this.client.isOpen) return;
    try {
      // Leave cleanly: this instance's users are no longer connected here.
      await Promise.all([
        this.client.zRem(instancesKey(), this.instanceId),
        ...this.connections.users().map((userId) => this.client.hDel(userKey(userId), this.instanceId)),
      ]);
      await this.client.quit();
    } catch {
      await this.client.disconnect().catch(() => undefined);
    }
  }

  private async onlineElsewhere(userId: string): Promise<boolean> {
    const [live, instances] = await Promise.all([this.liveInstances(), this.client.hKeys(userKey(userId))]);
    return instances.some((id) => id !== this.instanceId && live.has(id));
  }

  private async liveInstances(): Promise<Set<string>> {
    const now = Date.now();
    if (this.live && now - this.live.at < LIVE_CACHE_MS) return this.live.ids;
    const ids = await this.client.zRangeByScore(instancesKey(), now - INSTANCE_TTL_MS, '+inf');
    this.live = { ids: new Set(ids), at: now };
    return this.live.ids;
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    await this.client.zAdd(instancesKey(), { score: now, value: this.instanceId });
    // Forget instances dead for long (their hash fields are ignored already; this keeps the set small).
    await this.client.zRemRangeByScore(instancesKey(), '-inf', now - 10 * INSTANCE_TTL_MS);
  }
}

const userKey = (userId: string) => `${KEY_PREFIX}:user:${userId}`;
const instancesKey = () => `${KEY_PREFIX}:instances`;
