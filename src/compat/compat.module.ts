import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CompatAuthController } from './compat-auth.controller';

/** The first release's routes (`/signup`, `/login`, `/message/...`), delegating to today's services. */
@Module({
  imports: [AuthModule],
  controllers: [CompatAuthController],
})
export class CompatModule {}
