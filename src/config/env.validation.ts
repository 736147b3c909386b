import { plainToInstance, Transform, Type } from 'class-transformer';
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Max, Min, MinLength, validateSync } from 'class-validator';

const toInt = () => Type(() => Number);
// Blank counts as unset, like an empty value: `MONGODB_URI="  "` must not become an empty connection string.
const trimmed = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || undefined : value));

/**
 * Every environment variable Chatify reads, with its development default.
 * Validated once at start-up; nothing else reads `process.env`.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @toInt()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** Required in production. In development `npm start` points it at the embedded database. */
  @IsOptional()
  @trimmed()
  @IsString()
  MONGODB_URI?: string;

  /**
   * Database connections opened at start and kept open even when idle. A burst that finds too few
   * open ones waits while new ones authenticate (two at a time): a stall of hundreds of milliseconds
   * measured after a start (docs/BENCHMARKS.md, finding 13).
   */
  @toInt()
  @IsInt()
  @Min(0)
  @Max(1000)
  MONGODB_MIN_POOL_SIZE = 10;

  /** The most database connections this instance opens. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  MONGODB_MAX_POOL_SIZE = 50;

  /** Required in production (at least 32 characters). In development a random one is generated. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  JWT_SECRET?: string;

  /** `iss` of access tokens (checked on every request and handshake). */
  @trimmed()
  @IsString()
  @Length(1, 200)
  JWT_ISSUER = 'chatify';

  /** `aud` of access tokens (checked on every request and handshake). */
  @trimmed()
  @IsString()
  @Length(1, 200)
  JWT_AUDIENCE = 'chatify-api';

  @toInt()
  @IsInt()
  @Min(10)
  @Max(86400)
  JWT_ACCESS_TTL_SECONDS = 900;

  @toInt()
  @IsInt()
  @Min(60)
  @Max(31_536_000)
  REFRESH_TOKEN_TTL_SECONDS = 2_592_000;

  /** bcrypt cost factor; at least 12 in production (refused below), tests lower it for speed. */
  @toInt()
  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_ROUNDS = 12;

  /** Comma-separated list of allowed origins, or `*`. */
  @IsString()
  CORS_ORIGINS = 'http://localhost:3000';

  @toInt()
  @IsInt()
  @Min(1024)
  @Max(10_485_760)
  BODY_LIMIT_BYTES = 65_536;

  @toInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  MESSAGE_MAX_LENGTH = 4000;

  @toInt()
  @IsInt()
  @Min(2)
  @Max(10_000)
  GROUP_MAX_MEMBERS = 256;

  /** Login and signup: attempts per window, per client address (each has its own budget). */
  @toInt()
  @IsInt()
  @Min(1)
  AUTH_RATE_LIMIT = 10;

  @toInt()
  @IsInt()
  @Min(1)
  AUTH_RATE_WINDOW_SECONDS = 60;

  /** Message sends: per user per window, REST and Socket.IO together, over every instance. */
  @toInt()
  @IsInt()
  @Min(1)
  SEND_RATE_LIMIT = 60;

  @toInt()
  @IsInt()
  @Min(1)
  SEND_RATE_WINDOW_SECONDS = 10;

  /** Failed logins of one account: this many are free, then each further one must wait (capped backoff). */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_BACKOFF_FREE_ATTEMPTS = 5;

  /** The first wait after the free attempts; it doubles with each further failure. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(600_000)
  LOGIN_BACKOFF_BASE_MS = 1000;

  /** The longest wait: the owner is slowed down by a guesser, never locked out for longer than this. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  LOGIN_BACKOFF_MAX_SECONDS = 30;

  /** The window of the limits below (each counts per user, or per client address where noted). */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /** Every HTTP request, per client address. */
  @toInt()
  @IsInt()
  @Min(1)
  ADDRESS_RATE_LIMIT = 1200;

  /** `POST /auth/refresh`, per client address. */
  @toInt()
  @IsInt()
  @Min(1)
  REFRESH_RATE_LIMIT = 30;

  /** `GET /users?q=` (it also tells whether an e-mail is registered). */
  @toInt()
  @IsInt()
  @Min(1)
  SEARCH_RATE_LIMIT = 30;

  /** `GET /sync` (a client pages at once while `hasMore`). */
  @toInt()
  @IsInt()
  @Min(1)
  SYNC_RATE_LIMIT = 60;

  /** `GET /messages/:id/receipts`. */
  @toInt()
  @IsInt()
  @Min(1)
  RECEIPTS_RATE_LIMIT = 60;

  /** Edits and deletes, REST and socket together. */
  @toInt()
  @IsInt()
  @Min(1)
  EDIT_RATE_LIMIT = 60;

  /** `POST /conversations` (direct and group), and a send by `recipientId` that opens a direct conversation. */
  @toInt()
  @IsInt()
  @Min(1)
  CONVERSATION_RATE_LIMIT = 30;

  /** `presence:subscribe` calls. */
  @toInt()
  @IsInt()
  @Min(1)
  PRESENCE_RATE_LIMIT = 30;

  /** `typing` events, starts and stops alike (over all conversations; the relay throttle is per conversation too). */
  @toInt()
  @IsInt()
  @Min(1)
  TYPING_RATE_LIMIT = 120;

  /** Reactions added and taken back, REST and `message:react` together. */
  @toInt()
  @IsInt()
  @Min(1)
  REACTION_RATE_LIMIT = 120;

  /**
   * Read and delivered marks, REST (compat routes too) and socket together. Generous: a client marks
   * every incoming message it shows, on each of the user's devices.
   */
  @toInt()
  @IsInt()
  @Min(1)
  MARK_RATE_LIMIT = 600;

  /** Blocks and unblocks. */
  @toInt()
  @IsInt()
  @Min(1)
  BLOCK_RATE_LIMIT = 30;

  /** Group member additions and removals (leaving included) and renames. */
  @toInt()
  @IsInt()
  @Min(1)
  MEMBERS_RATE_LIMIT = 60;

  /** `PATCH /users/me`. */
  @toInt()
  @IsInt()
  @Min(1)
  PROFILE_RATE_LIMIT = 30;

  /** Largest Socket.IO frame accepted, in bytes. */
  @toInt()
  @IsInt()
  @Min(1024)
  @Max(10_485_760)
  WS_MAX_PAYLOAD_BYTES = 65_536;

  /** Most Socket.IO connections one user may hold at once, over every instance (tabs, devices). */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  WS_MAX_CONNECTIONS_PER_USER = 20;

  /** Socket.IO heartbeat: the server pings every interval and drops a socket that has not answered within the timeout. */
  @toInt()
  @IsInt()
  @Min(1000)
  @Max(300_000)
  WS_PING_INTERVAL_MS = 10_000;

  @toInt()
  @IsInt()
  @Min(1000)
  @Max(300_000)
  WS_PING_TIMEOUT_MS = 10_000;

  /** Reconnection back-off advertised to clients (`reconnect:policy`): first delay, ceiling, and jitter (0–1). */
  @toInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  WS_RECONNECT_DELAY_MS = 1000;

  @toInt()
  @IsInt()
  @Min(100)
  @Max(600_000)
  WS_RECONNECT_DELAY_MAX_MS = 10_000;

  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  WS_RECONNECT_JITTER = 0.5;

  /** Handshakes one instance admits per second; beyond it clients are told when to come back (0: no limit). */
  @toInt()
  @IsInt()
  @Min(0)
  WS_HANDSHAKE_RATE = 200;

  /** Several instances: how often each one beats in Redis, and after how long without a beat it is taken as dead. */
  @toInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  PRESENCE_HEARTBEAT_MS = 5000;

  @toInt()
  @IsInt()
  @Min(300)
  @Max(600_000)
  PRESENCE_INSTANCE_TTL_MS = 15_000;

  /** Minimum gap between two `typing` relays from one socket for one conversation. */
  @toInt()
  @IsInt()
  @Min(0)
  TYPING_THROTTLE_MS = 1000;

  /** How far back each sync re-reads, so that a write in flight when a cursor was issued is never missed. */
  @toInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  SYNC_OVERLAP_SECONDS = 30;

  /** A sync cursor older than this answers 410 Gone; the client reloads. */
  @toInt()
  @IsInt()
  @Min(1)
  SYNC_MAX_AGE_DAYS = 30;

  /** How long a graceful shutdown waits for in-flight work. */
  @toInt()
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** Optional: when set, Socket.IO fans out through Redis so several instances can run. */
  @IsOptional()
  @trimmed()
  @IsString()
  REDIS_URL?: string;

  /** The OpenAPI UI and document (`/docs`, `/docs-json`): on by default, off in production unless `true`. */
  @IsOptional()
  @IsIn(['true', 'false'])
  SWAGGER_ENABLED?: 'true' | 'false';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';
}

/** The lowest bcrypt cost production accepts. */
const MIN_PRODUCTION_BCRYPT_ROUNDS = 12;

/** ConfigModule's `validate`: throws one readable line per problem, refusing to start. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const env = plainToInstance(EnvironmentVariables, cleaned, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  const problems = errors.flatMap((error) => Object.values(error.constraints ?? {}));
  if (env.MONGODB_MIN_POOL_SIZE > env.MONGODB_MAX_POOL_SIZE) problems.push('MONGODB_MIN_POOL_SIZE must not exceed MONGODB_MAX_POOL_SIZE');
  if (env.NODE_ENV === 'production') {
    if (!env.MONGODB_URI) problems.push('MONGODB_URI must be set in production');
    if (!env.JWT_SECRET || env.JWT_SECRET.length < 32) problems.push('JWT_SECRET must be set to at least 32 characters in production');
    if (env.BCRYPT_ROUNDS < MIN_PRODUCTION_BCRYPT_ROUNDS) problems.push(`BCRYPT_ROUNDS must be at least ${MIN_PRODUCTION_BCRYPT_ROUNDS} in production`);
  }
  if (problems.length > 0) {
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return env;
}

/**
 * Validates the environment (plus `.env`, which never overrides it) before Nest starts, so that a bad
 * configuration refuses to start with one readable line instead of a stack trace.
 */
export function checkEnvironmentAtStartup(envFile = '.env'): void {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  validateEnvironment({ ...fromFile, ...process.env });
}
