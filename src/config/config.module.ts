import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';
import { validateEnvironment } from './env.validation';

/** Loads `.env` (if any) over defaults, validates once, and exports the typed `AppConfig`. */
@Global()
@Module({
  imports: [NestConfigModule.forRoot({ validate: validateEnvironment, envFilePath: ['.env'], cache: true })],
  providers: [AppConfig],
  exports: [AppConfig],
})
export class AppConfigModule {}
