import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { ChatSocket } from './chat.socket';

interface Window {
  startedAt: number;
  count: number;
}

/**
 * `message:send` per socket: at most SEND_RATE_LIMIT per SEND_RATE_WINDOW_SECONDS (fixed window),
 * answered 429 beyond that. REST sends have their own per-user limiter.
 */
@Injectable()
export class SendRateLimitGuard implements CanActivate {
  private readonly windows = new WeakMap<ChatSocket, Window>();

  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<ChatSocket>();
    const now = Date.now();
    let window = this.windows.get(socket);
    if (!window || now - window.startedAt >= this.config.sendRateWindowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(socket, window);
    }
    window.count += 1;
    if (window.count > this.config.sendRateLimit) {
      throw new HttpException('Too many messages; slow down and try again shortly', HttpStatus.TOO_MANY_REQUESTS);
    }
    return true;
  }
}
