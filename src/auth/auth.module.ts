import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
import { EndedSessions } from './ended-sessions';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionEndings } from './session-endings';
import { LoginBackoff } from './login-backoff';
import { PasswordHasher } from './password-hasher';
import { RefreshToken, RefreshTokenSchema } from './schemas/refresh-token.schema';
import { Session, SessionSchema } from './schemas/session.schema';
import { TokenService } from './token.service';

@Module({
  imports: [
    UsersModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.jwtKey,
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    MongooseModule.forFeature([
      { name: RefreshToken.name, schema: RefreshTokenSchema },
      { name: Session.name, schema: SessionSchema },
    ]),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenService,
    JwtStrategy,
    RefreshTokensRepository,
    PasswordHasher,
    LoginBackoff,
    // What the global HTTP guard (app.module.ts) asks for every request: sessions ended lately, in memory.
    { provide: EndedSessions, inject: [AppConfig], useFactory: (config: AppConfig) => new EndedSessions(config.accessTokenTtlSeconds * 1000) },
    SessionEndings,
  ],
  exports: [AuthService, TokenService, EndedSessions],
})
export class AuthModule {}
