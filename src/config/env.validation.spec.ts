import 'reflect-metadata'; // class-transformer's @Type reads design metadata; Nest loads this in the app
import { validateEnvironment } from './env.validation';

const SECRET = 'a-production-secret-of-at-least-32-characters';

/** The message a refused start-up prints: must be one readable line. */
function failure(raw: Record<string, unknown>): string {
  try {
    validateEnvironment(raw);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('validateEnvironment accepted the configuration');
}

describe('validateEnvironment', () => {
  const sut = validateEnvironment;

  it('fills every default for an empty development environment', () => {
    const env = sut({});
    expect(env).toMatchObject({ NODE_ENV: 'development', PORT: 3000, BODY_LIMIT_BYTES: 65_536, JWT_ACCESS_TTL_SECONDS: 900, AUTH_RATE_LIMIT: 10 });
    expect(env.MONGODB_URI).toBeUndefined();
    expect(env.JWT_SECRET).toBeUndefined();
  });

  it('converts numbers and treats empty values (as in .env.example) as unset', () => {
    const env = sut({ PORT: '8080', BCRYPT_ROUNDS: '4', MONGODB_URI: '', JWT_SECRET: '', REDIS_URL: '' });
    expect(env.PORT).toBe(8080);
    expect(env.BCRYPT_ROUNDS).toBe(4);
    expect(env.MONGODB_URI).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('treats a blank MONGODB_URI as unset (development default; refused in production)', () => {
    expect(sut({ MONGODB_URI: '   ' }).MONGODB_URI).toBeUndefined();
    expect(failure({ NODE_ENV: 'production', MONGODB_URI: '   ', JWT_SECRET: SECRET })).toBe('Invalid configuration: MONGODB_URI must be set in production');
  });

  it('accepts production with a database URI and a long secret', () => {
    const env = sut({ NODE_ENV: 'production', MONGODB_URI: ' mongodb://db:27017/chatify ', JWT_SECRET: SECRET });
    expect(env.MONGODB_URI).toBe('mongodb://db:27017/chatify');
    expect(env.JWT_SECRET).toBe(SECRET);
  });

  it('refuses production without MONGODB_URI, in one line naming the variable', () => {
    const message = failure({ NODE_ENV: 'production', JWT_SECRET: SECRET });
    expect(message).toBe('Invalid configuration: MONGODB_URI must be set in production');
  });

  it('refuses production without JWT_SECRET, in one line naming the variable', () => {
    const message = failure({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db:27017/chatify' });
    expect(message).toBe('Invalid configuration: JWT_SECRET must be set to at least 32 characters in production');
  });

  it('refuses production with a short JWT_SECRET, and an empty one counts as missing', () => {
    expect(failure({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/c', JWT_SECRET: 'only-twenty-chars-xx' })).toMatch(/JWT_SECRET must be set to at least 32 characters/);
    expect(failure({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/c', JWT_SECRET: '' })).toMatch(/JWT_SECRET must be set/);
  });

  it('lists every problem on the same line', () => {
    const message = failure({ NODE_ENV: 'production', PORT: 'eighty' });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^Invalid configuration: /);
    expect(message).toContain('PORT must be an integer number');
    expect(message).toContain('MONGODB_URI must be set in production');
    expect(message).toContain('JWT_SECRET must be set');
  });

  it('refuses out-of-range and unknown values', () => {
    expect(failure({ NODE_ENV: 'staging' })).toMatch(/NODE_ENV must be one of the following values/);
    expect(failure({ BCRYPT_ROUNDS: '3' })).toMatch(/BCRYPT_ROUNDS must not be less than 4/);
    expect(failure({ BODY_LIMIT_BYTES: '100' })).toMatch(/BODY_LIMIT_BYTES must not be less than 1024/);
    expect(failure({ LOG_LEVEL: 'verbose' })).toMatch(/LOG_LEVEL must be one of the following values/);
  });

  it('refuses a bcrypt cost under 12 in production, and accepts it elsewhere (tests run at 4)', () => {
    expect(failure({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/c', JWT_SECRET: SECRET, BCRYPT_ROUNDS: '10' })).toBe(
      'Invalid configuration: BCRYPT_ROUNDS must be at least 12 in production',
    );
    expect(sut({ NODE_ENV: 'production', MONGODB_URI: 'mongodb://db/c', JWT_SECRET: SECRET, BCRYPT_ROUNDS: '12' }).BCRYPT_ROUNDS).toBe(12);
    expect(sut({ BCRYPT_ROUNDS: '4' }).BCRYPT_ROUNDS).toBe(4);
  });

  it('validates the new security settings: iss/aud, the socket cap, SWAGGER_ENABLED', () => {
    expect(sut({})).toMatchObject({ JWT_ISSUER: 'chatify', JWT_AUDIENCE: 'chatify-api', WS_MAX_CONNECTIONS_PER_USER: 20, RATE_LIMIT_WINDOW_SECONDS: 60 });
    expect(failure({ SWAGGER_ENABLED: 'yes' })).toMatch(/SWAGGER_ENABLED must be one of the following values/);
    expect(failure({ WS_MAX_CONNECTIONS_PER_USER: '0' })).toMatch(/WS_MAX_CONNECTIONS_PER_USER must not be less than 1/);
    expect(failure({ SEARCH_RATE_LIMIT: 'many' })).toMatch(/SEARCH_RATE_LIMIT must be an integer number/);
  });

  it('limits every write per user by default: reactions, marks (generous), blocks, member changes, profile updates (issue 22)', () => {
    expect(sut({})).toMatchObject({ REACTION_RATE_LIMIT: 120, MARK_RATE_LIMIT: 600, BLOCK_RATE_LIMIT: 30, MEMBERS_RATE_LIMIT: 60, PROFILE_RATE_LIMIT: 30 });
    expect(sut({ MARK_RATE_LIMIT: '5' }).MARK_RATE_LIMIT).toBe(5);
    expect(failure({ REACTION_RATE_LIMIT: '0' })).toMatch(/REACTION_RATE_LIMIT must not be less than 1/);
    expect(failure({ PROFILE_RATE_LIMIT: 'many' })).toMatch(/PROFILE_RATE_LIMIT must be an integer number/);
  });

  it('sizes the database pool: 10 kept open and 50 at most by default, and no minimum above the maximum', () => {
    expect(sut({})).toMatchObject({ MONGODB_MIN_POOL_SIZE: 10, MONGODB_MAX_POOL_SIZE: 50 });
    expect(sut({ MONGODB_MIN_POOL_SIZE: '0', MONGODB_MAX_POOL_SIZE: '1' })).toMatchObject({ MONGODB_MIN_POOL_SIZE: 0, MONGODB_MAX_POOL_SIZE: 1 });
    expect(failure({ MONGODB_MIN_POOL_SIZE: '60' })).toMatch(/MONGODB_MIN_POOL_SIZE must not exceed MONGODB_MAX_POOL_SIZE/);
    expect(failure({ MONGODB_MAX_POOL_SIZE: '0' })).toMatch(/MONGODB_MAX_POOL_SIZE must not be less than 1/);
  });
});
