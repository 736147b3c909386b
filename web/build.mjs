// Builds the web client into dist/web/: compiles web/src/*.ts to ES modules (tsc -p web/tsconfig.json),
// copies the static files from web/public/ and the Socket.IO browser client into dist/web/vendor/.
// Usage: node web/build.mjs   (from anywhere; paths are resolved from this file)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(webDir);
const out = join(root, 'dist', 'web');
const tscOut = join(root, 'dist', '.web-tsc');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const socketIoClient = join(root, 'node_modules', 'socket.io-client', 'dist', 'socket.io.esm.min.js');

const log = (line) => console.log(`[build:web] ${line}`);

/** Every file under `dir`, recursively, as paths relative to `base`. */
function filesUnder(dir, base) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...filesUnder(path, base));
    else files.push(relative(base, path));
  }
  return files;
}

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
// contract files it imports only as types come out as empty modules under src/contract/, which nothing
// loads. Anything else under src/ means the client reached into the server past its contract: refuse.
const serverFiles = existsSync(join(tscOut, 'src')) ? filesUnder(join(tscOut, 'src'), tscOut) : [];
const outsideContract = serverFiles.filter((file) => !file.startsWith(join('src', 'contract') + sep));
if (outsideContract.length > 0) {
  console.error(`[build:web] the client may import only src/contract/ from the server, but it pulled in: ${outsideContract.join(', ')}`);
  process.exit(1);
}
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

const files = filesUnder(out, out);
log(`wrote ${files.length} files to ${relative(root, out)}/: ${files.sort().join(', ')}`);
