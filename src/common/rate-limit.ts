import { applyDecorators, ExecutionContext, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config';
import type { AuthUser } from './decorators/current-user.decorator';

const AUTH_BY_ADDRESS = 'auth-address';
const AUTH_BY_ACCOUNT = 'auth-account';
const SEND = 'send';

function clientAddress(request: Request): string {
  return request.ip ?? request.socket?.remoteAddress ?? 'unknown';
}

/**
 * One counter per limit, tracker and action (`login`, `signup`, `send`), whichever controller serves
 * it: the throttler's default key includes the controller class, so `/login` and
 * `/api/v1/auth/login` would each get a budget of their own and double an attacker's attempts.
 */
const sharedKey = (context: ExecutionContext, tracker: string, name: string) => `${name}:${context.getHandler().name}:${tracker}`;

/** The named rate limits: login/signup per client address and per account, sends per user. */
export function rateLimitOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: AUTH_BY_ADDRESS,
        ttl: config.authRateWindowMs,
        limit: config.authRateLimit,
        getTracker: (request) => clientAddress(request as Request),
        generateKey: sharedKey,
      },
      {
        name: AUTH_BY_ACCOUNT,
        ttl: config.authRateWindowMs,
        limit: config.authRateLimit,
        getTracker: (request) => {
          const email = (request as Request).body?.email;
          return typeof email === 'string' ? `account:${email.trim().toLowerCase()}` : `address:${clientAddress(request as Request)}`;
        },
        generateKey: sharedKey,
      },
      {
        name: SEND,
        ttl: config.sendRateWindowMs,
        limit: config.sendRateLimit,
        getTracker: (request) => ((request as Request).user as AuthUser | undefined)?.userId ?? clientAddress(request as Request),
        // Every REST send route shares one budget per user, whatever the handler is called.
        generateKey: (_context, tracker, name) => `${name}:${tracker}`,
      },
    ],
    errorMessage: 'Too many requests; slow down and try again shortly',
  };
}

/** Login and signup: limited per client address and per account (e-mail). */
export const AuthRateLimit = () => applyDecorators(UseGuards(ThrottlerGuard), SkipThrottle({ [SEND]: true }));

/** Message sends over REST: limited per user (sockets have their own limiter in the gateway). */
export const SendRateLimit = () =>
  applyDecorators(UseGuards(ThrottlerGuard), SkipThrottle({ [AUTH_BY_ADDRESS]: true, [AUTH_BY_ACCOUNT]: true }));
