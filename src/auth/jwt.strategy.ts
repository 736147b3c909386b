import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthUser } from '../common/decorators/current-user.decorator';
import { AppConfig } from '../config/app-config';
import { TokenService } from './token.service';

/** Bearer tokens on HTTP: signature and expiry checked by passport-jwt, claims by TokenService. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    config: AppConfig,
    private readonly tokens: TokenService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  validate(claims: { sub?: unknown; exp?: unknown }): AuthUser {
    return this.tokens.toAuthUser(claims);
  }
}
