import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** Stops the DocumentDB that global-setup started and removes its files. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.CHATIFY_TEST_DB_DIR;
  if (!dir) return;
  execFileSync(join(__dirname, '..', '..', 'scripts', 'documentdb.sh'), ['stop', dir], { stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
}
