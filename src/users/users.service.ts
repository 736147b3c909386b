import { Injectable, NotFoundException } from '@nestjs/common';
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

  toPublicResponse(user: UserRecord): PublicUserResponse {
    return {
      id: user._id.toHexString(),
      name: user.name,
      avatarUrl: user.avatarUrl ?? null,
      online: this.presence.isOnline(user._id.toHexString()),
      lastSeenAt: user.lastSeenAt ? user.lastSeenAt.toISOString() : null,
    };
  }

  toResponse(user: UserRecord): UserResponse {
    return { ...this.toPublicResponse(user), email: user.email, createdAt: user.createdAt.toISOString() };
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
    return this.toPublicResponse(user);
  }

  async search(callerId: string, text: string, limit: number): Promise<PublicUserResponse[]> {
    const users = await this.users.search(text, limit, callerId);
    return users.map((user) => this.toPublicResponse(user));
  }

  /** The ids among `userIds` that belong to existing users. */
  existingIds(userIds: string[]): Promise<string[]> {
    return this.users.existingIds(userIds);
  }

  /** Current presence of each user (unknown ids are reported offline). */
  async presenceOf(userIds: string[]): Promise<{ userId: string; online: boolean; lastSeenAt: string | null }[]> {
    const records = await this.users.findManyByIds(userIds);
    const lastSeen = new Map(records.map((user) => [user._id.toHexString(), user.lastSeenAt?.toISOString() ?? null]));
    return userIds.map((userId) => ({
      userId,
      online: this.presence.isOnline(userId),
      lastSeenAt: lastSeen.get(userId) ?? null,
    }));
  }

  /**
   * A socket opened. When the user just came online, publishes `presence.changed` with the stored
   * `lastSeenAt` (the same value REST and `presence:subscribe` show).
   */
  connectionOpened(userId: string): void {
    if (!this.presence.connected(userId)) return;
    const announce = (lastSeenAt: string | null) => {
      // Announce only if still online: a quick disconnect may have gone offline meanwhile.
      if (this.presence.isOnline(userId)) this.events.publish('presence.changed', { userId, online: true, lastSeenAt });
    };
    this.users.findById(userId).then(
      (user) => announce(user?.lastSeenAt?.toISOString() ?? null),
      () => announce(null),
    );
  }

  /** A socket closed. When it was the user's last, stores `lastSeenAt` and publishes `presence.changed`. */
  async connectionClosed(userId: string): Promise<void> {
    if (!this.presence.disconnected(userId)) return;
    const at = new Date();
    await this.users.setLastSeen(userId, at);
    // A new connection may have arrived while we were writing: only announce offline if still so.
    if (!this.presence.isOnline(userId)) {
      this.events.publish('presence.changed', { userId, online: false, lastSeenAt: at.toISOString() });
    }
  }
}
