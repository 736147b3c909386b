import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerGenerateKeyFunction, ThrottlerGetTrackerFunction, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerOptions } from '@nestjs/throttler';
import { THROTTLER_BLOCK_DURATION, THROTTLER_KEY_GENERATOR, THROTTLER_LIMIT, THROTTLER_SKIP, THROTTLER_TRACKER, THROTTLER_TTL } from '@nestjs/throttler/dist/throttler.constants';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config';
import type { AuthUser } from './decorators/current-user.decorator';
import type { RateLimitStore } from './rate-limit-store';
import { RouteMemo } from './route-memo';

/**
 * Every named limit. `address` applies to every HTTP request, per client address; the others apply
 * where a route (`@RateLimit`) or socket event (`@SocketRateLimit`) names them, per user (per client
 * address for the public auth routes). REST and socket actions of one kind share one budget per user.
 */
export type LimitName =
  | 'address'
  | 'auth'
  | 'refresh'
  | 'send'
  | 'search'
  | 'sync'
  | 'receipts'
  | 'edit'
  | 'conversation'
  | 'presence'
  | 'typing'
  | 'reaction'
  | 'mark'
  | 'block'
  | 'members'
  | 'profile';

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
    reaction: perWindow(config.reactionRateLimit),
    mark: perWindow(config.markRateLimit),
    block: perWindow(config.blockRateLimit),
    members: perWindow(config.membersRateLimit),
    profile: perWindow(config.profileRateLimit),
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

/** A limit value as the throttler takes it: a number, or a function of the request's context. */
type Resolvable = number | ((context: ExecutionContext) => number | Promise<number>);

/** One throttler that applies to a route, with everything the route's metadata says about it (read once). */
interface RouteThrottler {
  throttler: ThrottlerOptions;
  skipIf: ((context: ExecutionContext) => boolean) | undefined;
  limit: Resolvable;
  ttl: Resolvable;
  blockDuration: Resolvable | undefined;
  getTracker: ThrottlerGetTrackerFunction;
  generateKey: ThrottlerGenerateKeyFunction;
}

/**
 * Global HTTP guard, registered after the JWT guard (app.module.ts) so that `request.user` is known: `address` on every request, and the limits the route names.
 * Answers 429 with `Retry-After`; `X-RateLimit-*` headers otherwise.
 *
 * The throttler's own `canActivate` reads six metadata keys per named limit on every request (sixteen
 * limits here, most of which a route does not name) and awaits each value. Route metadata never
 * changes, so this guard reads it once per route handler and then counts only the limits that apply,
 * in the throttler's order, through the throttler's own `handleRequest` (counting, headers, 429).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly routes = new RouteMemo((handler, classRef) => this.readRoute(handler, classRef));

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    for (const route of this.routes.of(context)) {
      if (route.skipIf?.(context)) continue;
      // Fixed numbers (every limit here) are used as they are: an `await` per value costs a promise and a turn.
      const limit = typeof route.limit === 'function' ? await route.limit(context) : route.limit;
      const ttl = typeof route.ttl === 'function' ? await route.ttl(context) : route.ttl;
      const block = route.blockDuration ?? ttl;
      const blockDuration = typeof block === 'function' ? await block(context) : block;
      await this.handleRequest({ context, limit, ttl, blockDuration, throttler: route.throttler, getTracker: route.getTracker, generateKey: route.generateKey });
    }
    return true;
  }

  /** The limits that apply to a route (`address`, the ones it names, minus any it skips), worked out on its first request. */
  private readRoute(handler: object, classRef: object): RouteThrottler[] {
    const targets = [handler, classRef] as Array<() => void>;
    const named = this.reflector.getAllAndOverride<LimitName[] | undefined>(RATE_LIMITS_KEY, targets) ?? [];
    const route: RouteThrottler[] = [];
    for (const throttler of this.throttlers) {
      const name = throttler.name as LimitName;
      if (name !== 'address' && !named.includes(name)) continue;
      if (this.reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + name, targets)) continue;
      const meta = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key + name, targets);
      route.push({
        throttler,
        skipIf: throttler.skipIf ?? this.commonOptions.skipIf,
        limit: checked(meta<Resolvable>(THROTTLER_LIMIT) ?? (throttler.limit as Resolvable), 'limit', name),
        ttl: checked(meta<Resolvable>(THROTTLER_TTL) ?? (throttler.ttl as Resolvable), 'ttl', name),
        blockDuration: meta<Resolvable>(THROTTLER_BLOCK_DURATION) ?? (throttler.blockDuration as Resolvable | undefined),
        getTracker: (meta<ThrottlerGetTrackerFunction>(THROTTLER_TRACKER) ?? throttler.getTracker ?? this.commonOptions.getTracker) as ThrottlerGetTrackerFunction,
        generateKey: (meta<ThrottlerGenerateKeyFunction>(THROTTLER_KEY_GENERATOR) ?? throttler.generateKey ?? this.commonOptions.generateKey) as ThrottlerGenerateKeyFunction,
      });
    }
    return route;
  }

  /** The throttler names its header per limit (`Retry-After-<name>`); clients read the standard one. */
  protected async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-call -- the throttler types the response as a record of `any`; it is Express's
    this.getRequestResponse(context).res.header('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    return super.throwThrottlingException(context, detail);
  }
}

/** A fixed limit value must be a number (the throttler would refuse the request otherwise): refused at the route's first request. */
function checked(value: Resolvable, option: string, name: string): Resolvable {
  if (typeof value === 'function' || (typeof value === 'number' && !Number.isNaN(value))) return value;
  throw new Error(`Invalid "${option}" for the "${name}" throttler: expected a number, got ${JSON.stringify(value)}.`);
}
