import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../common/decorators/current-user.decorator';
import { AppConfig } from '../config/app-config';
import { TokenService } from './token.service';

/** Bearer tokens on HTTP: signature, expiry, issuer and audience checked by passport-jwt, claims by TokenService. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    config: AppConfig,
    private readonly tokens: TokenService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // @types/passport-jwt types the key as string | Buffer, but passport-jwt hands it unchanged to
      // jsonwebtoken.verify, which takes the KeyObject and so skips re-parsing the secret per request.
      secretOrKeyProvider: (_request: unknown, _token: unknown, done: (error: null, key: string | Buffer) => void) => done(null, config.jwtKey as unknown as Buffer),
      algorithms: ['HS256'],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      ignoreExpiration: false,
    });
  }

  validate(claims: { sub?: unknown; sid?: unknown; exp?: unknown }): AuthUser {
    return this.tokens.toAuthUser(claims);
  }
}
