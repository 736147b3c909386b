import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { LimitName } from '../common/rate-limit';
import { SocketRateLimiter } from '../common/socket-rate-limiter';
import type { ChatSocket } from './chat.socket';

const SOCKET_LIMIT_KEY = 'chatify:socket-rate-limit';

/**
 * A socket event counted against a named limit per user (the same budget as the REST route of the same
 * kind, over every socket and instance); over it the ack is a 429 and the socket stays connected.
 */
export const SocketRateLimit = (name: Exclude<LimitName, 'address' | 'auth' | 'refresh'>) => applyDecorators(SetMetadata(SOCKET_LIMIT_KEY, name), UseGuards(SocketRateLimitGuard));

@Injectable()
export class SocketRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: SocketRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const name = this.reflector.get<LimitName | undefined>(SOCKET_LIMIT_KEY, context.getHandler());
    if (!name) return true;
    const socket = context.switchToWs().getClient<ChatSocket>();
    await this.limiter.consume(name, socket.data.user.userId);
    return true;
  }
}
