import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { AuthUser } from '../common/decorators/current-user.decorator';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator';
import { RouteMemo } from '../common/route-memo';
import { EndedSessions } from './ended-sessions';
import { VerifiedTokenCache } from './verified-token-cache';

/**
 * Applied globally: every HTTP route needs a valid bearer token unless marked `@Public()`. Every
 * request's token is checked: by passport-jwt (signature, expiry, issuer, audience, claims) the first
 * time a header is seen, then against the verified-token cache (same header, token not yet expired);
 * either way its session must not have ended (EndedSessions: in memory, no database read).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly ended: EndedSessions,
  ) {
    super();
  }

  /** Whether a route is `@Public()`: read once per route. */
  private readonly isPublic = new RouteMemo((handler, classRef) =>
    Boolean(this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [handler as () => void, classRef as () => void])),
  );

  private readonly verified = new VerifiedTokenCache();

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.isPublic.of(context)) return true;
    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const header = request.headers.authorization;
    if (header !== undefined) {
      const user = this.verified.get(header);
      if (user !== undefined) {
        if (this.ended.has(user.sessionId)) {
          this.verified.delete(header);
          throw new UnauthorizedException('Unauthorized');
        }
        request.user = user;
        return true;
      }
    }
    return this.verify(context, request, header);
  }

  /** passport-jwt's full check; a success of a live session is remembered for this header until the token expires. */
  private async verify(context: ExecutionContext, request: { user?: AuthUser }, header: string | undefined): Promise<boolean> {
    const allowed = (await super.canActivate(context)) as boolean;
    if (request.user !== undefined && this.ended.has(request.user.sessionId)) {
      request.user = undefined;
      throw new UnauthorizedException('Unauthorized');
    }
    if (header !== undefined && request.user !== undefined) request.user = this.verified.set(header, request.user);
    return allowed;
  }

  handleRequest<TUser>(error: unknown, user: TUser): TUser {
    if (error || !user) throw new UnauthorizedException('Unauthorized');
    return user;
  }
}
