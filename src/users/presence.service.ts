import { Injectable } from '@nestjs/common';

/**
 * Who is online on this instance: a user is online while it has at least one socket.
 * The chat gateway reports connections; users' `online` field reads from here.
 */
@Injectable()
export class PresenceService {
  private readonly connections = new Map<string, number>();

  /** Counts a new connection; true when it is the user's first (the user just came online). */
  connected(userId: string): boolean {
    const count = (this.connections.get(userId) ?? 0) + 1;
    this.connections.set(userId, count);
    return count === 1;
  }

  /** Counts a closed connection; true when it was the user's last (the user just went offline). */
  disconnected(userId: string): boolean {
    const count = (this.connections.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.connections.set(userId, count);
      return false;
    }
    this.connections.delete(userId);
    return true;
  }

  isOnline(userId: string): boolean {
    return this.connections.has(userId);
  }
}
