import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Ack } from './chat.events';
import type { ChatSocket } from '../realtime/chat.socket';
import { ACK_ARGUMENT_INDEX } from './ws-exception.filter';

const UNAUTHORIZED: Ack<never> = { ok: false, error: { status: 401, message: 'Unauthorized' } };

/**
 * The handshake proved the token once; this guard runs on every event and refuses one sent after the
 * token expired: answered 401, then the socket is dropped so the client reconnects with a fresh token.
 */
@Injectable()
export class WsJwtGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<ChatSocket>();
    const user = socket.data.user;
    if (user && user.exp * 1000 > Date.now()) return true;
    const ack: unknown = context.getArgByIndex(ACK_ARGUMENT_INDEX);
    if (typeof ack === 'function') (ack as (answer: Ack<never>) => void)(UNAUTHORIZED);
    // The ack is written before the close, and the connection drains its buffer before closing.
    socket.disconnect(true);
    throw new UnauthorizedException('Unauthorized');
  }
}
