import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import type { AuthUser } from '../common/decorators/current-user.decorator';
import { isObjectId } from '../common/object-id';

/** The claims Chatify's access tokens carry (besides `iss`, `aud` and `iat`). */
interface AccessTokenClaims {
  sub: string;
  /** The session (refresh-token family) the token was issued to: sockets end with it. */
  sid: string;
  exp: number;
}

/** Issues and verifies access tokens; HTTP (passport) and the socket handshake both use it. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  signAccessToken(userId: string, sessionId: string): { accessToken: string; expiresIn: number } {
    const expiresIn = this.config.accessTokenTtlSeconds;
    const accessToken = this.jwt.sign({ sub: userId, sid: sessionId }, { expiresIn, issuer: this.config.jwtIssuer, audience: this.config.jwtAudience });
    return { accessToken, expiresIn };
  }

  /** Verifies signature, expiry, issuer and audience; 401 for anything else. */
  verifyAccessToken(token: unknown): AuthUser {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new UnauthorizedException('Unauthorized');
    }
    try {
      return this.toAuthUser(this.jwt.verify<AccessTokenClaims>(token, { algorithms: ['HS256'], issuer: this.config.jwtIssuer, audience: this.config.jwtAudience }));
    } catch {
      throw new UnauthorizedException('Unauthorized');
    }
  }

  /** Claims checked by a verifier (passport or ours) to the request's user. */
  toAuthUser(claims: { sub?: unknown; sid?: unknown; exp?: unknown }): AuthUser {
    if (!isObjectId(claims.sub) || !isObjectId(claims.sid) || typeof claims.exp !== 'number') {
      throw new UnauthorizedException('Unauthorized');
    }
    return { userId: claims.sub, sessionId: claims.sid, exp: claims.exp };
  }
}
