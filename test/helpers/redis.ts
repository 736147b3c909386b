import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The project's Redis script (scripts/redis.sh): ensure, start DIR PORT, stop DIR. */
export const REDIS_SCRIPT = join(__dirname, '..', '..', 'scripts', 'redis.sh');

/** Installs redis-server when missing; the reason it cannot be had, or null when it can. */
export function redisUnavailable(): string | null {
  try {
    execFileSync(REDIS_SCRIPT, ['ensure'], { stdio: 'pipe' });
    return null;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (error instanceof Error ? error.message : String(error));
  }
}
