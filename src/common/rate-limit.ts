import { applyDecorators, UseGuards } from '@nestjs/common';
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

/** The named rate limits: login/signup per client address and per account, sends per user. */
export function rateLimitOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: AUTH_BY_ADDRESS, ttl: config.authRateWindowMs, limit: config.authRateLimit, getTracker: (request) => clientAddress(request as Request) },
      {
        name: AUTH_BY_ACCOUNT,
        ttl: config.authRateWindowMs,
        limit: config.authRateLimit,
        getTracker: (request) => {
          const email = (request as Request).body?.email;
          return typeof email === 'string' ? `account:${email.trim().toLowerCase()}` : `address:${clientAddress(request as Request)}`;
        },
      },
      {
        name: SEND,
        ttl: config.sendRateWindowMs,
        limit: config.sendRateLimit,
        getTracker: (request) => ((request as Request).user as AuthUser | undefined)?.userId ?? clientAddress(request as Request),
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
