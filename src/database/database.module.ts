import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config/app-config';
import { GuardedUpdates } from './guarded-update';

/**
 * The Mongoose connection. The application only ever sees a URI (MongoDB in production,
 * FerretDB in development and tests); the scripts own the embedded database.
 */
@Global()
@Module({
  providers: [GuardedUpdates],
  exports: [GuardedUpdates],
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
        autoIndex: true,
        maxPoolSize: 50,
      }),
    }),
  ],
})
export class DatabaseModule {}
