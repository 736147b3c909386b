import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A free loopback port, picked by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts one real DocumentDB for the whole run, in a temporary directory on a free port, unless
 * TEST_MONGODB_URL points at a database server already (e.g. a real MongoDB).
 * Each test file then works in a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_MONGODB_URL) return;
  const dir = mkdtempSync(join(tmpdir(), 'chatify-test-db-'));
  process.env.CHATIFY_TEST_DB_DIR = dir;
  const port = await freePort();
  const uri = execFileSync(join(ROOT, 'scripts', 'documentdb.sh'), ['start', dir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim();
  process.env.TEST_MONGODB_URL = uri;
}
