import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { closeAllSockets } from './socket';

export interface TestApp {
  app: NestExpressApplication;
  /** e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  /** supertest bound to the running server */
  http: () => ReturnType<typeof request>;
  /** The Mongoose connection, for assertions on stored state and command counting. */
  connection: Connection;
  /** The database name, to start another instance over the same data. */
  database: string;
  close: () => Promise<void>;
}

/** Settings every e2e test runs with; a test file may override any of them. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  JWT_SECRET: 'test-secret-that-is-long-enough-for-tests-0123456789',
  BCRYPT_ROUNDS: '4',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  AUTH_RATE_LIMIT: '100000',
  SEND_RATE_LIMIT: '100000',
  // Every other limit out of the way too; the rate-limit specs set their own.
  ADDRESS_RATE_LIMIT: '1000000',
  REFRESH_RATE_LIMIT: '100000',
  SEARCH_RATE_LIMIT: '100000',
  SYNC_RATE_LIMIT: '100000',
  RECEIPTS_RATE_LIMIT: '100000',
  EDIT_RATE_LIMIT: '100000',
  CONVERSATION_RATE_LIMIT: '100000',
  PRESENCE_RATE_LIMIT: '100000',
  TYPING_RATE_LIMIT: '100000',
  REACTION_RATE_LIMIT: '100000',
  MARK_RATE_LIMIT: '100000',
  BLOCK_RATE_LIMIT: '100000',
  MEMBERS_RATE_LIMIT: '100000',
  PROFILE_RATE_LIMIT: '100000',
  LOGIN_BACKOFF_FREE_ATTEMPTS: '1000',
  WS_MAX_CONNECTIONS_PER_USER: '1000',
  CORS_ORIGINS: '*',
  SHUTDOWN_TIMEOUT_MS: '2000',
};

/** The run's database server (TEST_MONGODB_URL) with `database` as the database name, options kept. */
export function databaseUri(database: string): string {
  const base = process.env.TEST_MONGODB_URL;
  if (!base) throw new Error('TEST_MONGODB_URL is not set: run the e2e tests through `npm test` or test/jest-e2e.json');
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Boots the real application (same modules and HTTP set-up as production) on a random loopback
 * port, against the run's database server, in a fresh database that `close()` drops. Resolves once
 * every index is built (until then the app answers 503, see IndexReadiness).
 * Configuration is read once per test file (Jest isolates modules per file): pass `env` overrides
 * in the first call of the file.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: { database?: string; waitForIndexes?: boolean; override?: (builder: TestingModuleBuilder) => TestingModuleBuilder } = {},
): Promise<TestApp> {
  // `options.database`: a second instance of the app over the same data (e.g. two instances behind Redis).
  const database = options.database ?? `chatify_test_${randomBytes(6).toString('hex')}`;
  Object.assign(process.env, TEST_ENV, { MONGODB_URI: databaseUri(database) }, env);
  // Imported after the environment is set: configuration is validated when the module loads.
  const { AppModule } = await import('../../src/app.module');
  const { configureApp } = await import('../../src/app.setup');
  // `options.override`: replace a provider (e.g. where the log goes) before the app is built.
  const builder = Test.createTestingModule({ imports: [AppModule] });
  const moduleRef = await (options.override ? options.override(builder) : builder).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  if (options.waitForIndexes !== false) {
    const { IndexReadiness } = await import('../../src/database/index-readiness');
    await app.get(IndexReadiness).whenReady();
  }
  const server = app.getHttpServer();
  const { port } = server.address() as { port: number };
  const connection = app.get<Connection>(getConnectionToken());
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    http: () => request(server),
    connection,
    database,
    close: async () => {
      await connection.dropDatabase().catch(() => undefined);
      await app.close();
    },
  };
}

export type AnyApp = INestApplication;

/**
 * The usual lifecycle of an e2e file: one app booted before its tests (handed to `use`), every socket
 * closed after each test, the app closed after all.
 */
export function useTestApp(use: (app: TestApp) => void, env: Record<string, string> = {}): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await createTestApp(env);
    use(app);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await app?.close();
  });
}
