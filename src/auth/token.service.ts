import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import type { AuthUser } from '../common/decorators/current-user.decorator';
import { isObjectId } from '../common/object-id';

interface AccessTokenClaims {
  sub: string;
  exp: number;
}

/** Issues and verifies access tokens; HTTP (passport) and the socket handshake both use it. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  signAccessToken(userId: string): { accessToken: string; expiresIn: number } {
    const expiresIn = this.config.accessTokenTtlSeconds;
    return { accessToken: this.jwt.sign({ sub: userId }, { expiresIn }), expiresIn };
  }

  /** Verifies signature and expiry; 401 for anything else. */
  verifyAccessToken(token: unknown): AuthUser {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new UnauthorizedException('Unauthorized');
    }
    try {
      return this.toAuthUser(this.jwt.verify<AccessTokenClaims>(token, { algorithms: ['HS256'] }));
    } catch {
      throw new UnauthorizedException('Unauthorized');
    }
  }

  /** Claims checked by a verifier (passport or ours) to the request's user. */
  toAuthUser(claims: { sub?: unknown; exp?: unknown }): AuthUser {
    if (!isObjectId(claims.sub) || typeof claims.exp !== 'number') {
      throw new UnauthorizedException('Unauthorized');
    }
    return { userId: claims.sub, exp: claims.exp };
  }
}
