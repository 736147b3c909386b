import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config';
import type { AuthUser } from './decorators/current-user.decorator';
import type { RateLimitStore } from './rate-limit-store';

/**
 * Every named limit. `address` applies to every HTTP request, per client address; the others apply
 * where a route (`@RateLimit`) or socket event (`@SocketRateLimit`) names them, per user (per client
 * address for the public auth routes). REST and socket actions of one kind share one budget per user.
 */
export type LimitName = 'address' | 'auth' | 'refresh' | 'send' | 'search' | 'sync' | 'receipts' | 'edit' | 'conversation' | 'presence' | 'typing';

export interface Limit {
  limit: number;
  ttlMs: number;
}

export function limitsOf(config: AppConfig): Record<LimitName, Limit> {
  const perWindow = (limit: number): Limit => ({ limit, ttlMs: config.rateLimitWindowMs });
  return {
    address: perWindow(config.addressRateLimit),
    auth: { limit: config.authRateLimit, ttlMs: config.authRateWindowMs },
    refresh: perWindow(config.refreshRateLimit),
    send: { limit: config.sendRateLimit, ttlMs: config.sendRateWindowMs },
    search: perWindow(config.searchRateLimit),
    sync: perWindow(config.syncRateLimit),
    receipts: perWindow(config.receiptsRateLimit),
    edit: perWindow(config.editRateLimit),
    conversation: perWindow(config.conversationRateLimit),
    presence: perWindow(config.presenceRateLimit),
    typing: perWindow(config.typingRateLimit),
  };
}

/** Limits counted per client address (the public routes); every other named limit counts per user. */
const BY_ADDRESS = new Set<LimitName>(['address', 'auth', 'refresh']);

export function clientAddress(request: Request): string {
  return request.ip ?? request.socket?.remoteAddress ?? 'unknown';
}

/**
 * One key per limit and tracker, whichever controller serves the route: the throttler's default key
 * includes the controller class, so `/login` and `/api/v1/auth/login` would each get a budget of their
 * own. Login and signup keep a budget each (`auth` names both).
 */
function keyOf(context: ExecutionContext, tracker: string, name: string): string {
  return name === 'auth' ? `${name}:${context.getHandler().name}:${tracker}` : `${name}:${tracker}`;
}

export const RATE_LIMITS_KEY = 'chatify:rate-limits';

/** The named limits a route counts against (besides `address`, which every request does). */
export const RateLimit = (...names: Exclude<LimitName, 'address'>[]) => SetMetadata(RATE_LIMITS_KEY, names);

/** The throttler's options: every named limit, counted in the shared store (memory, or Redis with REDIS_URL). */
export function rateLimitOptions(config: AppConfig, storage: RateLimitStore): ThrottlerModuleOptions {
  const limits = limitsOf(config);
  return {
    throttlers: (Object.keys(limits) as LimitName[]).map((name) => ({
      name,
      ttl: limits[name].ttlMs,
      limit: limits[name].limit,
      getTracker: (request) =>
        BY_ADDRESS.has(name) ? clientAddress(request as Request) : (((request as Request).user as AuthUser | undefined)?.userId ?? clientAddress(request as Request)),
      generateKey: keyOf,
    })),
    storage,
    errorMessage: 'Too many requests; slow down and try again shortly',
  };
}

/**
 * Global HTTP guard, registered after the JWT guard (app.module.ts) so that `request.user` is known: `address` on every request, and the limits the route names.
 * Answers 429 with `Retry-After`; `X-RateLimit-*` headers otherwise.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return super.canActivate(context);
  }

  protected async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const name = request.throttler.name as LimitName;
    if (name !== 'address') {
      const named = this.reflector.getAllAndOverride<LimitName[] | undefined>(RATE_LIMITS_KEY, [request.context.getHandler(), request.context.getClass()]);
      if (!named?.includes(name)) return true;
    }
    return super.handleRequest(request);
  }

  /** The throttler names its header per limit (`Retry-After-<name>`); clients read the standard one. */
  protected async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    this.getRequestResponse(context).res.header('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    return super.throwThrottlingException(context, detail);
  }
}
