import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator';

/** Applied globally: every HTTP route needs a valid bearer token unless marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  /** Whether a route is `@Public()`, per handler and controller: route metadata never changes, so it is read once. */
  private readonly publicRoutes = new WeakMap<object, WeakMap<object, boolean>>();

  canActivate(context: ExecutionContext) {
    if (context.getType() !== 'http') return true;
    return this.isPublic(context) ? true : super.canActivate(context);
  }

  private isPublic(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = this.publicRoutes.get(handler);
    if (!byClass) this.publicRoutes.set(handler, (byClass = new WeakMap()));
    let isPublic = byClass.get(classRef);
    if (isPublic === undefined) byClass.set(classRef, (isPublic = Boolean(this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [handler, classRef]))));
    return isPublic;
  }

  handleRequest<TUser>(error: unknown, user: TUser): TUser {
    if (error || !user) throw new UnauthorizedException('Unauthorized');
    return user;
  }
}
