import { HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthService } from '../auth/auth.service';
import { AppConfig } from '../config/app-config';
import { UsersService } from '../users/users.service';
import type { ChatSocket } from './chat.socket';

/** What a refused handshake carries to the client's `connect_error` (`message`, `data.status`). */
export function handshakeError(error: unknown): Error & { data: { status: number; retryAfterMs?: number } } {
  const status = error instanceof HttpException ? error.getStatus() : HttpStatus.SERVICE_UNAVAILABLE;
  const message = status === HttpStatus.UNAUTHORIZED ? 'Unauthorized' : error instanceof HttpException ? error.message : 'Service Unavailable';
  return Object.assign(new Error(message), { data: { status } });
}

/**
 * The last step of a `/chat` handshake, after the token was verified: the token's session must
 * still be live (a logged-out or revoked session cannot open sockets with an access token it was
 * issued before), and the user may hold at most WS_MAX_CONNECTIONS_PER_USER sockets over all
 * instances. The place is taken synchronously after the last await, so this instance never admits
 * more than the cap; other instances' counts come from presence (a concurrent connect elsewhere
 * may be missed by a moment). The place is given back by `release` when the socket disconnects (the
 * gateway's disconnect hook), so a socket keeps no listener of its own for it.
 */
@Injectable()
export class SocketAdmission {
  /** Sockets admitted on this instance and not yet closed, per user. */
  private readonly admitted = new Map<string, number>();

  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async admit(socket: ChatSocket): Promise<void> {
    const { userId, sessionId } = socket.data.user;
    const [live, elsewhere] = await Promise.all([this.auth.isSessionLive(sessionId), this.users.connectionsElsewhere(userId)]);
    if (!live) throw new UnauthorizedException('Unauthorized');
    // The client left while we looked: Socket.IO drops such a socket without a `disconnect` (so without
    // `release`), and a place taken now would be held for good.
    if (socket.conn.readyState !== 'open') return;
    const here = this.admitted.get(userId) ?? 0;
    if (here + elsewhere >= this.config.wsMaxConnectionsPerUser) {
      throw new HttpException(`At most ${this.config.wsMaxConnectionsPerUser} connections per user`, HttpStatus.TOO_MANY_REQUESTS);
    }
    this.admitted.set(userId, here + 1);
  }

  /** A socket of `userId` that `admit` let in has closed. */
  release(userId: string): void {
    const left = (this.admitted.get(userId) ?? 1) - 1;
    if (left > 0) this.admitted.set(userId, left);
    else this.admitted.delete(userId);
  }
}
