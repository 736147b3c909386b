import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The authenticated caller, as the JWT strategy and the socket handshake put it on the request. */
export interface AuthUser {
  userId: string;
  /** The session (refresh-token family) the access token belongs to. */
  sessionId: string;
  /** Access token expiry, seconds since the epoch. */
  exp: number;
}

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  if (context.getType() === 'ws') {
    return context.switchToWs().getClient<{ data: { user: AuthUser } }>().data.user;
  }
  return context.switchToHttp().getRequest<{ user: AuthUser }>().user;
});
