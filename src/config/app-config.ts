import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import type { EnvironmentVariables } from './env.validation';

/** Typed, validated configuration. Inject this; never read `process.env`. */
@Injectable()
export class AppConfig {
  readonly nodeEnv: EnvironmentVariables['NODE_ENV'];
  readonly isProduction: boolean;
  readonly port: number;
  readonly host: string;
  readonly mongodbUri: string;
  readonly mongodbPool: { min: number; max: number };
  /**
   * The HS256 key, built once. jsonwebtoken given the secret as a string re-parses it on every sign and
   * verify, first as a PEM key (which throws), then as a secret key: about 1 ms per call, against
   * about 20 µs with this KeyObject. Hand this to every signer and verifier, never the string.
   */
  readonly jwtKey: KeyObject;
  /** `iss` and `aud` of access tokens: set and required, so a token of another service with the same secret is refused. */
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly bcryptRounds: number;
  readonly corsOrigins: string[] | '*';
  readonly bodyLimitBytes: number;
  readonly messageMaxLength: number;
  readonly groupMaxMembers: number;
  readonly authRateLimit: number;
  readonly authRateWindowMs: number;
  readonly sendRateLimit: number;
  readonly sendRateWindowMs: number;
  readonly loginBackoff: { freeAttempts: number; baseMs: number; maxMs: number };
  readonly rateLimitWindowMs: number;
  readonly addressRateLimit: number;
  readonly refreshRateLimit: number;
  readonly searchRateLimit: number;
  readonly syncRateLimit: number;
  readonly receiptsRateLimit: number;
  readonly editRateLimit: number;
  readonly conversationRateLimit: number;
  readonly presenceRateLimit: number;
  readonly typingRateLimit: number;
  readonly reactionRateLimit: number;
  readonly markRateLimit: number;
  readonly blockRateLimit: number;
  readonly membersRateLimit: number;
  readonly profileRateLimit: number;
  readonly wsMaxPayloadBytes: number;
  readonly wsMaxConnectionsPerUser: number;
  readonly typingThrottleMs: number;
  readonly wsPingIntervalMs: number;
  readonly wsPingTimeoutMs: number;
  /** The back-off clients are told to use between reconnection attempts (socket.io-client's options). */
  readonly wsReconnect: { delayMs: number; maxDelayMs: number; randomizationFactor: number };
  readonly wsHandshakeRate: number;
  readonly presenceHeartbeatMs: number;
  readonly presenceInstanceTtlMs: number;
  readonly syncOverlapMs: number;
  readonly syncMaxAgeMs: number;
  readonly shutdownTimeoutMs: number;
  readonly redisUrl: string | null;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
  /** Serve `/docs` and `/docs-json`: by default everywhere but production. */
  readonly swaggerEnabled: boolean;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    const get = <K extends keyof EnvironmentVariables>(key: K) => config.get(key, { infer: true }) as EnvironmentVariables[K];
    this.nodeEnv = get('NODE_ENV');
    this.isProduction = this.nodeEnv === 'production';
    this.port = get('PORT');
    this.host = get('HOST');
    this.mongodbUri = get('MONGODB_URI') ?? 'mongodb://127.0.0.1:27117/chatify';
    this.mongodbPool = { min: get('MONGODB_MIN_POOL_SIZE'), max: get('MONGODB_MAX_POOL_SIZE') };
    let secret = get('JWT_SECRET');
    if (!secret) {
      // Development only (production refuses to start without one): tokens die with the process.
      secret = randomBytes(32).toString('hex');
      new Logger('Config').warn('JWT_SECRET is not set: generated a random one; tokens will not survive a restart');
    }
    this.jwtKey = createSecretKey(Buffer.from(secret));
    this.jwtIssuer = get('JWT_ISSUER');
    this.jwtAudience = get('JWT_AUDIENCE');
    this.accessTokenTtlSeconds = get('JWT_ACCESS_TTL_SECONDS');
    this.refreshTokenTtlSeconds = get('REFRESH_TOKEN_TTL_SECONDS');
    this.bcryptRounds = get('BCRYPT_ROUNDS');
    const origins = get('CORS_ORIGINS')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
    this.corsOrigins = origins.includes('*') ? '*' : origins;
    this.bodyLimitBytes = get('BODY_LIMIT_BYTES');
    this.messageMaxLength = get('MESSAGE_MAX_LENGTH');
    this.groupMaxMembers = get('GROUP_MAX_MEMBERS');
    this.authRateLimit = get('AUTH_RATE_LIMIT');
    this.authRateWindowMs = get('AUTH_RATE_WINDOW_SECONDS') * 1000;
    this.sendRateLimit = get('SEND_RATE_LIMIT');
    this.sendRateWindowMs = get('SEND_RATE_WINDOW_SECONDS') * 1000;
    this.loginBackoff = { freeAttempts: get('LOGIN_BACKOFF_FREE_ATTEMPTS'), baseMs: get('LOGIN_BACKOFF_BASE_MS'), maxMs: get('LOGIN_BACKOFF_MAX_SECONDS') * 1000 };
    this.rateLimitWindowMs = get('RATE_LIMIT_WINDOW_SECONDS') * 1000;
    this.addressRateLimit = get('ADDRESS_RATE_LIMIT');
    this.refreshRateLimit = get('REFRESH_RATE_LIMIT');
    this.searchRateLimit = get('SEARCH_RATE_LIMIT');
    this.syncRateLimit = get('SYNC_RATE_LIMIT');
    this.receiptsRateLimit = get('RECEIPTS_RATE_LIMIT');
    this.editRateLimit = get('EDIT_RATE_LIMIT');
    this.conversationRateLimit = get('CONVERSATION_RATE_LIMIT');
    this.presenceRateLimit = get('PRESENCE_RATE_LIMIT');
    this.typingRateLimit = get('TYPING_RATE_LIMIT');
    this.reactionRateLimit = get('REACTION_RATE_LIMIT');
    this.markRateLimit = get('MARK_RATE_LIMIT');
    this.blockRateLimit = get('BLOCK_RATE_LIMIT');
    this.membersRateLimit = get('MEMBERS_RATE_LIMIT');
    this.profileRateLimit = get('PROFILE_RATE_LIMIT');
    this.wsMaxPayloadBytes = get('WS_MAX_PAYLOAD_BYTES');
    this.wsMaxConnectionsPerUser = get('WS_MAX_CONNECTIONS_PER_USER');
    this.typingThrottleMs = get('TYPING_THROTTLE_MS');
    this.wsPingIntervalMs = get('WS_PING_INTERVAL_MS');
    this.wsPingTimeoutMs = get('WS_PING_TIMEOUT_MS');
    this.wsReconnect = {
      delayMs: get('WS_RECONNECT_DELAY_MS'),
      maxDelayMs: Math.max(get('WS_RECONNECT_DELAY_MS'), get('WS_RECONNECT_DELAY_MAX_MS')),
      randomizationFactor: get('WS_RECONNECT_JITTER'),
    };
    this.wsHandshakeRate = get('WS_HANDSHAKE_RATE');
    this.presenceHeartbeatMs = get('PRESENCE_HEARTBEAT_MS');
    this.presenceInstanceTtlMs = Math.max(get('PRESENCE_INSTANCE_TTL_MS'), 2 * get('PRESENCE_HEARTBEAT_MS'));
    this.syncOverlapMs = get('SYNC_OVERLAP_SECONDS') * 1000;
    this.syncMaxAgeMs = get('SYNC_MAX_AGE_DAYS') * 86_400_000;
    this.shutdownTimeoutMs = get('SHUTDOWN_TIMEOUT_MS');
    this.redisUrl = get('REDIS_URL') ?? null;
    this.logLevel = get('LOG_LEVEL');
    const swagger = get('SWAGGER_ENABLED');
    this.swaggerEnabled = swagger === undefined ? !this.isProduction : swagger === 'true';
  }
}
