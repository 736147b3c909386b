import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/app-config';
import { checkEnvironmentAtStartup } from './config/env.validation';

async function bootstrap(): Promise<void> {
  checkEnvironmentAtStartup();
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  configureApp(app);
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
}

bootstrap().catch((error: unknown) => {
  // One line, no stack: configuration problems are the common case here.
  console.error(`Chatify failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
