import { BadRequestException, Injectable, Logger, NotFoundException, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DomainEventMap, DomainEvents, PresenceView } from '../common/domain-events';
import { toObjectId } from '../common/object-id';
import { BlocksService } from './blocks.service';
import type { UpdateUserDto } from './dto/update-user.dto';
import { PresenceChange, PresenceService } from '../presence/presence.service';
import { PublicUserResponse, toPublicUserResponse, UserResponse } from './user.response';
import { UserRecord, UsersRepository } from './users.repository';

/** How long after a presence change its publisher looks again (see UsersService.publishPresence). */
const PRESENCE_RECHECK_MS = 1000;

/** Users: profiles, search, blocking, and the online / last-seen state others see. */
@Injectable()
export class UsersService implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly users: UsersRepository,
    private readonly presence: PresenceService,
    private readonly events: DomainEvents,
    private readonly blocks: BlocksService,
  ) {}

  private readonly logger = new Logger('UsersService');

  onModuleInit(): void {
    this.presence.onChange((changes) => void this.announce(changes));
  }

  /** Pending presence re-checks would run against closed connections. */
  onApplicationShutdown(): void {
    for (const timer of this.rechecks.values()) clearTimeout(timer);
    this.rechecks.clear();
  }

  /**
   * Presence changes no connection on this instance made (another instance died; Redis lost track of
   * ours): stored and published like a connect or disconnect, a few users at a time.
   */
  private async announce(changes: PresenceChange[]): Promise<void> {
    const ANNOUNCE_CONCURRENCY = 16;
    for (let index = 0; index < changes.length; index += ANNOUNCE_CONCURRENCY) {
      await Promise.all(
        changes
          .slice(index, index + ANNOUNCE_CONCURRENCY)
          .map((change) =>
            (change.online ? this.announceOnline(change.userId) : this.announceOffline(change.userId, change.at ?? new Date())).catch((error: unknown) =>
              this.logger.warn({ err: error, userId: change.userId }, 'Could not announce a presence change'),
            ),
          ),
      );
    }
  }

  /** Per user, the pending re-check of what was last published (see publishPresence). */
  private readonly rechecks = new Map<string, NodeJS.Timeout>();

  /**
   * Publishes a presence change, then looks again a moment later and publishes the state then if it
   * differs. Changes of one user made on two instances (a disconnect here, a reconnect there; an
   * instance swept while its user reconnects elsewhere) are published over two connections to Redis
   * and may reach subscribers in the opposite order, leaving them with the older state for good. The
   * re-check's event comes after this instance's own, so subscribers end on the truth either way.
   */
  private publishPresence(event: DomainEventMap['presence.changed'], rechecksLeft = 2): void {
    this.events.publish('presence.changed', event);
    clearTimeout(this.rechecks.get(event.userId));
    if (rechecksLeft === 0) {
      this.rechecks.delete(event.userId);
      return;
    }
    const timer = setTimeout(() => {
      this.rechecks.delete(event.userId);
      void this.recheck(event, rechecksLeft - 1).catch((error: unknown) => this.logger.warn({ err: error, userId: event.userId }, 'Could not re-check presence'));
    }, PRESENCE_RECHECK_MS);
    timer.unref();
    this.rechecks.set(event.userId, timer);
  }

  private async recheck(published: DomainEventMap['presence.changed'], rechecksLeft: number): Promise<void> {
    const online = await this.presence.isOnline(published.userId);
    if (online === published.online) return;
    const user = await this.users.findById(published.userId);
    if ((await this.presence.isOnline(published.userId)) !== online) return; // changed again: that change publishes itself
    this.publishPresence({ ...published, online, lastSeenAt: user?.lastSeenAt?.toISOString() ?? published.lastSeenAt }, rechecksLeft);
  }

  private async announceOnline(userId: string): Promise<void> {
    const [user, hiddenFrom] = await Promise.all([this.users.findById(userId), this.blocks.hiddenFrom(userId)]);
    if (!(await this.presence.isOnline(userId))) return;
    this.publishPresence({ userId, online: true, lastSeenAt: user?.lastSeenAt?.toISOString() ?? null, hiddenFrom: [...hiddenFrom] });
  }

  private async announceOffline(userId: string, at: Date): Promise<void> {
    const [, hiddenFrom] = await Promise.all([this.users.setLastSeen(userId, at), this.blocks.hiddenFrom(userId)]);
    if (await this.presence.isOnline(userId)) return;
    const user = await this.users.findById(userId);
    this.publishPresence({ userId, online: false, lastSeenAt: (user?.lastSeenAt ?? at).toISOString(), hiddenFrom: [...hiddenFrom] });
  }

  private async toResponse(user: UserRecord): Promise<UserResponse> {
    const online = await this.presence.onlineAmong([user._id.toHexString()]);
    return { ...toPublicUserResponse(user, online.has(user._id.toHexString())), email: user.email, createdAt: user.createdAt.toISOString() };
  }

  /** Public views for `viewerId`: presence hidden where a block stands between them. */
  private async toPublicResponses(viewerId: string, users: UserRecord[]): Promise<PublicUserResponse[]> {
    const [online, hidden] = await Promise.all([this.presence.onlineAmong(users.map((user) => user._id.toHexString())), this.blocks.hiddenFrom(viewerId)]);
    return users.map((user) => toPublicUserResponse(user, online.has(user._id.toHexString()), hidden.has(user._id.toHexString())));
  }

  /** Creates an account; the e-mail must already be normalized. 409 when taken. */
  async create(input: { name: string; email: string; passwordHash: string }): Promise<UserResponse> {
    return this.toResponse(await this.users.create(input));
  }

  /** For the auth layer only: the stored hash of an account, looked up by normalized e-mail. */
  async findCredentials(email: string): Promise<{ userId: string; passwordHash: string } | null> {
    const user = await this.users.findByEmail(email);
    return user ? { userId: user._id.toHexString(), passwordHash: user.passwordHash } : null;
  }

  async getMe(userId: string): Promise<UserResponse> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    return this.toResponse(user);
  }

  async updateMe(userId: string, changes: UpdateUserDto): Promise<UserResponse> {
    const user = await this.users.update(userId, changes);
    if (!user) throw new NotFoundException('User not found');
    return this.toResponse(user);
  }

  async getPublic(viewerId: string, userId: string): Promise<PublicUserResponse> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    const [response] = await this.toPublicResponses(viewerId, [user]);
    return response;
  }

  async search(callerId: string, text: string, limit: number): Promise<PublicUserResponse[]> {
    const users = await this.users.search(text, limit, callerId);
    return this.toPublicResponses(callerId, users);
  }

  // ---- blocking ---------------------------------------------------------------------------------

  /**
   * Blocks or unblocks `userId` for the caller (idempotent). Blocking oneself is a 400, an unknown
   * user a 404. Answers once every effect is in place (the `block.changed` subscribers are awaited):
   * their direct conversation refuses sends, and presence and typing stop both ways.
   */
  async setBlocked(callerId: string, userId: string, blocked: boolean): Promise<void> {
    toObjectId(userId, 'id');
    if (userId === callerId) throw new BadRequestException('You cannot block yourself');
    if ((await this.users.existingIds([userId])).length === 0) throw new NotFoundException('User not found');
    const changed = await this.blocks.setBlocked(callerId, userId, blocked, new Date());
    const [ofBlocked, ofBlocker] = await Promise.all([this.presenceFor(callerId, userId), this.presenceFor(userId, callerId)]);
    // Published even when nothing changed: the subscribers' writes are idempotent and so repair a
    // block whose first attempt failed half-way.
    await this.events.publishAndWait('block.changed', { blockerId: callerId, blockedId: userId, blocked, changed, presence: { ofBlocked, ofBlocker } });
  }

  /** The users the caller blocks, most recently blocked first (their presence is hidden from the caller). */
  async blockedUsers(callerId: string): Promise<PublicUserResponse[]> {
    const ids = await this.blocks.blockedBy(callerId);
    const byId = new Map((await this.users.findManyByIds(ids)).map((user) => [user._id.toHexString(), user]));
    return ids.flatMap((id) => {
      const user = byId.get(id);
      return user ? [toPublicUserResponse(user, false, true)] : [];
    });
  }

  private async presenceFor(viewerId: string, userId: string): Promise<PresenceView> {
    const [state] = await this.presenceOf(viewerId, [userId]);
    return state;
  }

  /** The ids among `userIds` that belong to existing users. */
  existingIds(userIds: string[]): Promise<string[]> {
    return this.users.existingIds(userIds);
  }

  /**
   * Current presence of each user as `viewerId` may see it: unknown ids, and users with a block
   * between them and the viewer, are reported offline with no last-seen time.
   */
  async presenceOf(viewerId: string, userIds: string[]): Promise<PresenceView[]> {
    const [records, online, hidden] = await Promise.all([this.users.findManyByIds(userIds), this.presence.onlineAmong(userIds), this.blocks.hiddenFrom(viewerId)]);
    const lastSeen = new Map(records.map((user) => [user._id.toHexString(), user.lastSeenAt?.toISOString() ?? null]));
    return userIds.map((userId) => ({
      userId,
      online: online.has(userId) && !hidden.has(userId),
      lastSeenAt: hidden.has(userId) ? null : (lastSeen.get(userId) ?? null),
    }));
  }

  /** How many sockets the user has open on other instances (the per-user socket cap counts them too). */
  connectionsElsewhere(userId: string): Promise<number> {
    return this.presence.connectionsElsewhere(userId);
  }

  /**
   * A socket opened. When the user just came online, publishes `presence.changed` with the stored
   * `lastSeenAt` (the same value REST and `presence:subscribe` show). Never throws: presence is
   * best effort and must not break a connection.
   */
  async connectionOpened(userId: string): Promise<void> {
    try {
      if (!(await this.presence.connected(userId))) return;
      const [user, hiddenFrom] = await Promise.all([this.users.findById(userId), this.blocks.hiddenFrom(userId)]);
      // Announce only if still online: a quick disconnect may have gone offline meanwhile.
      if (await this.presence.isOnline(userId)) {
        this.publishPresence({ userId, online: true, lastSeenAt: user?.lastSeenAt?.toISOString() ?? null, hiddenFrom: [...hiddenFrom] });
      }
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'Could not record an opened connection');
    }
  }

  /** A socket closed. When it was the user's last, stores `lastSeenAt` and publishes `presence.changed`. */
  async connectionClosed(userId: string): Promise<void> {
    if (!(await this.presence.disconnected(userId))) return;
    const at = new Date();
    const [, hiddenFrom] = await Promise.all([this.users.setLastSeen(userId, at), this.blocks.hiddenFrom(userId)]);
    // A new connection may have arrived while we were writing: only announce offline if still so.
    if (!(await this.presence.isOnline(userId))) {
      this.publishPresence({ userId, online: false, lastSeenAt: at.toISOString(), hiddenFrom: [...hiddenFrom] });
    }
  }
}
