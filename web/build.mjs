// Builds the web client into dist/web/: compiles web/src/*.ts to ES modules (tsc -p web/tsconfig.json),
// copies the static files from web/public/ and the Socket.IO browser client into dist/web/vendor/.
// Usage: node web/build.mjs   (from anywhere; paths are resolved from this file)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(webDir);
const out = join(root, 'dist', 'web');
const tscOut = join(root, 'dist', '.web-tsc');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const socketIoClient = join(root, 'node_modules', 'socket.io-client', 'dist', 'socket.io.esm.min.js');

const log = (line) => console.log(`[build:web] ${line}`);

rmSync(out, { recursive: true, force: true });
rmSync(tscOut, { recursive: true, force: true });

log('compiling web/src with tsc -p web/tsconfig.json');
try {
  execFileSync(process.execPath, [tsc, '-p', join(webDir, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
} catch {
  console.error('[build:web] TypeScript compilation failed');
  process.exit(1);
}

// tsc mirrors the layout under rootDir (the repo root): the client lands in web/src/, and the shared
// contract files it imports only as types come out as empty modules under src/, which nothing loads.
const compiled = join(tscOut, 'web', 'src');
if (!existsSync(join(compiled, 'main.js'))) {
  console.error(`[build:web] expected ${relative(root, join(compiled, 'main.js'))} after compiling`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
cpSync(compiled, out, { recursive: true });
rmSync(tscOut, { recursive: true, force: true });

cpSync(join(webDir, 'public'), out, { recursive: true });

mkdirSync(join(out, 'vendor'), { recursive: true });
cpSync(socketIoClient, join(out, 'vendor', 'socket.io.esm.min.js'));

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files.push(relative(out, path));
  }
};
walk(out);
log(`wrote ${files.length} files to ${relative(root, out)}/: ${files.sort().join(', ')}`);
