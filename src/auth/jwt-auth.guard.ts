import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator';
import { RouteMemo } from '../common/route-memo';

/** Applied globally: every HTTP route needs a valid bearer token unless marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  /** Whether a route is `@Public()`: read once per route. */
  private readonly isPublic = new RouteMemo((handler, classRef) =>
    Boolean(this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [handler as () => void, classRef as () => void])),
  );

  canActivate(context: ExecutionContext) {
    if (context.getType() !== 'http') return true;
    return this.isPublic.of(context) ? true : super.canActivate(context);
  }

  handleRequest<TUser>(error: unknown, user: TUser): TUser {
    if (error || !user) throw new UnauthorizedException('Unauthorized');
    return user;
  }
}
