import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DomainEvents } from '../common/domain-events';
import type { UpdateUserDto } from './dto/update-user.dto';
import { PresenceService } from './presence.service';
import type { PublicUserResponse, UserResponse } from './user.response';
import { UserRecord, UsersRepository } from './users.repository';

/** Users: profiles, search, and the online / last-seen state everyone sees. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly presence: PresenceService,
    private readonly events: DomainEvents,
  ) {}

  private readonly logger = new Logger('UsersService');

  private toPublicResponse(user: UserRecord, online: Set<string>): PublicUserResponse {
    const id = user._id.toHexString();
    return {
      id,
      name: user.name,
      avatarUrl: user.avatarUrl ?? null,
      online: online.has(id),
      lastSeenAt: user.lastSeenAt ? user.lastSeenAt.toISOString() : null,
    };
  }

  private async toResponse(user: UserRecord): Promise<UserResponse> {
    const online = await this.presence.onlineAmong([user._id.toHexString()]);
    return { ...this.toPublicResponse(user, online), email: user.email, createdAt: user.createdAt.toISOString() };
  }

  private async toPublicResponses(users: UserRecord[]): Promise<PublicUserResponse[]> {
    const online = await this.presence.onlineAmong(users.map((user) => user._id.toHexString()));
    return users.map((user) => this.toPublicResponse(user, online));
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

  async getPublic(userId: string): Promise<PublicUserResponse> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    const [response] = await this.toPublicResponses([user]);
    return response;
  }

  async search(callerId: string, text: string, limit: number): Promise<PublicUserResponse[]> {
    const users = await this.users.search(text, limit, callerId);
    return this.toPublicResponses(users);
  }

  /** The ids among `userIds` that belong to existing users. */
  existingIds(userIds: string[]): Promise<string[]> {
    return this.users.existingIds(userIds);
  }

  /** Current presence of each user (unknown ids are reported offline). */
  async presenceOf(userIds: string[]): Promise<{ userId: string; online: boolean; lastSeenAt: string | null }[]> {
    const [records, online] = await Promise.all([this.users.findManyByIds(userIds), this.presence.onlineAmong(userIds)]);
    const lastSeen = new Map(records.map((user) => [user._id.toHexString(), user.lastSeenAt?.toISOString() ?? null]));
    return userIds.map((userId) => ({
      userId,
      online: online.has(userId),
      lastSeenAt: lastSeen.get(userId) ?? null,
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
      const user = await this.users.findById(userId);
      // Announce only if still online: a quick disconnect may have gone offline meanwhile.
      if (await this.presence.isOnline(userId)) {
        this.events.publish('presence.changed', { userId, online: true, lastSeenAt: user?.lastSeenAt?.toISOString() ?? null });
      }
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'Could not record an opened connection');
    }
  }

  /** A socket closed. When it was the user's last, stores `lastSeenAt` and publishes `presence.changed`. */
  async connectionClosed(userId: string): Promise<void> {
    if (!(await this.presence.disconnected(userId))) return;
    const at = new Date();
    await this.users.setLastSeen(userId, at);
    // A new connection may have arrived while we were writing: only announce offline if still so.
    if (!(await this.presence.isOnline(userId))) {
      this.events.publish('presence.changed', { userId, online: false, lastSeenAt: at.toISOString() });
    }
  }
}
