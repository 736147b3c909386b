import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config/app-config';
import { DatabaseAvailability } from './database-availability';
import { IndexReadiness } from './index-readiness';

/**
 * The Mongoose connection. The application only ever sees a URI (any MongoDB 6+, or the embedded
 * development database the scripts run); indexes are built before traffic is served (IndexReadiness).
 */
@Global()
@Module({
  providers: [IndexReadiness, DatabaseAvailability],
  exports: [IndexReadiness, DatabaseAvailability],
  imports: [
    MongooseModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        uri: config.mongodbUri,
        // An unreachable database answers 503 within seconds instead of hanging requests.
        serverSelectionTimeoutMS: 3000,
        socketTimeoutMS: 15000,
        // Fail fast when the database is away instead of buffering commands for ten seconds.
        bufferCommands: false,
        // IndexReadiness creates the indexes and waits for them; nothing is served before.
        autoIndex: false,
        autoCreate: false,
        // Open before traffic and kept open: a burst never waits for connections to authenticate.
        minPoolSize: config.mongodbPool.min,
        maxPoolSize: config.mongodbPool.max,
        // Every command is reported to MetricsService (counts and latency for /metrics).
        monitorCommands: true,
      }),
    }),
  ],
})
export class DatabaseModule {}
