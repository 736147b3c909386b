// Starting and stopping the two targets: the Chatify app (on the embedded DocumentDB) and the bare relay.
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForHttp, sleep } from './proc.mjs';

/**
 * @typedef {{ name: 'app' | 'relay', url: string, pid: number | null, dbPids: number[], logFile: string | null,
 *   stop: (o?: { keepData?: boolean }) => Promise<unknown>, describe: Record<string, unknown> }} Target
 */

/**
 * Environment for the app under benchmark. Names come from src/config (validated there);
 * the limits that would throttle a load test are lifted, and the password hash is made cheap
 * because signups are setup, not the thing measured.
 * @param {{ mongoUri: string, port: number }} o
 */
export function appEnv({ mongoUri, port }) {
  return {
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    MONGODB_URI: mongoUri,
    JWT_SECRET: 'bench-only-secret-not-for-production-0123456789abcdef',
    LOG_LEVEL: 'warn',
    // Access tokens outlive the whole run (the contract's 15 minutes would not, with setup).
    JWT_ACCESS_TTL_SECONDS: '86400',
    // Signups are fixtures, not the thing measured: the cheapest bcrypt cost the config accepts.
    BCRYPT_ROUNDS: '4',
    // Lift the login/signup throttle and the per-user send limit (they stay in the code path).
    AUTH_RATE_LIMIT: '100000000',
    AUTH_RATE_WINDOW_SECONDS: '1',
    SEND_RATE_LIMIT: '100000000',
    SEND_RATE_WINDOW_SECONDS: '1',
    // Every other limit (per client address: the load generator is one address) likewise.
    RATE_LIMIT_WINDOW_SECONDS: '1',
    ADDRESS_RATE_LIMIT: '100000000',
    REFRESH_RATE_LIMIT: '100000000',
    SEARCH_RATE_LIMIT: '100000000',
    SYNC_RATE_LIMIT: '100000000',
    RECEIPTS_RATE_LIMIT: '100000000',
    EDIT_RATE_LIMIT: '100000000',
    CONVERSATION_RATE_LIMIT: '100000000',
    PRESENCE_RATE_LIMIT: '100000000',
    TYPING_RATE_LIMIT: '100000000',
    REACTION_RATE_LIMIT: '100000000',
    MARK_RATE_LIMIT: '100000000',
    BLOCK_RATE_LIMIT: '100000000',
    MEMBERS_RATE_LIMIT: '100000000',
    PROFILE_RATE_LIMIT: '100000000',
    WS_MAX_CONNECTIONS_PER_USER: '10000',
    // Connection set-up is fixture work here: no handshake pacing.
    WS_HANDSHAKE_RATE: '0',
    // No Redis adapter: a single instance, in-memory rooms (like the relay).
    REDIS_URL: '',
    SCARF_ANALYTICS: 'false',
  };
}

/** Newest mtime (ms) of the files under `dir`, recursively. @param {string} dir */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the server into dist/ when dist/main.js is missing or older than src/ (unless `skip`).
 * @param {string} root @param {boolean} skip @param {(s: string) => void} log
 */
export function buildIfNeeded(root, skip, log) {
  const main = path.join(root, 'dist', 'main.js');
  if (skip && existsSync(main)) return;
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.join(root, 'src'))) return;
  // Only the server: the web client (also built by `npm run build`) plays no part in the benchmark.
  log('building the server (tsc -p tsconfig.build.json)...');
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${r.status})`);
  if (!existsSync(main)) throw new Error('npm run build produced no dist/main.js');
}

/**
 * Spawns a long-running child with its output in a log file.
 * @param {string} cmd @param {string[]} args @param {{ cwd: string, env: NodeJS.ProcessEnv, logFile: string }} o
 */
function spawnLogged(cmd, args, { cwd, env, logFile }) {
  const out = createWriteStream(logFile);
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  /** @type {{ code: number | null, signal: string | null } | null} */
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  return {
    child,
    whyDead: () => (exited ? `process exited (code ${exited.code}, signal ${exited.signal}); see ${logFile}` : null),
    /** @param {number} [graceMs] */
    async stop(graceMs = 5000) {
      if (exited || !child.pid) return;
      child.kill('SIGTERM');
      const deadline = Date.now() + graceMs;
      while (!exited && Date.now() < deadline) await sleep(50);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/**
 * The bare Socket.IO relay, in its own process.
 * @param {{ root: string, logDir: string }} o
 * @returns {Promise<Target>}
 */
export async function startRelay({ root, logDir }) {
  const port = await freePort();
  const logFile = path.join(logDir, 'relay.log');
  // The inspector (loopback, random port) lets the idle scenario force a GC before reading RSS.
  const proc = spawnLogged(process.execPath, ['--inspect=127.0.0.1:0', path.join(root, 'bench', 'relay', 'server.mjs')], {
    cwd: root,
    env: { ...process.env, PORT: String(port) },
    logFile,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 15000, proc.whyDead);
  return { name: 'relay', url, pid: proc.child.pid ?? null, dbPids: [], logFile, stop: () => proc.stop(), describe: { kind: 'bench/relay/server.mjs' } };
}

/**
 * The app: the embedded DocumentDB on a fresh cluster folder (empty, or a copy of `seedDir`), then
 * `node dist/main.js`, both on loopback. Optionally a wire-protocol counting proxy sits between
 * them (`profile`). `appRoot` is where the app was built (the work tree, or an exported commit,
 * see `exportRef`); the database script always comes from `root`.
 * `stop({ keepData: true })` stops both processes and hands back the cluster folder (a snapshot).
 * @param {{ root: string, appRoot: string, logDir: string, profile: boolean, cpuProf?: boolean, heapSnapshot?: boolean, inspect?: boolean, label: string, seedDir?: string, log: (s: string) => void }} o
 * @returns {Promise<Target & { profileFile: string | null, wireSnapshot: (() => Promise<any>) | null, stop: (o?: { keepData?: boolean }) => Promise<any> }>}
 */
export async function startApp({ root, appRoot, logDir, profile, cpuProf = false, heapSnapshot = false, inspect = false, label, seedDir, log }) {
  const dataDir = seedDir ? copyCluster(seedDir) : mkdtempSync(path.join(os.tmpdir(), 'chatify-bench-db-'));
  const dbPort = await freePort();
  log(`  [app ${label}] DocumentDB on 127.0.0.1:${dbPort} (data ${dataDir}${seedDir ? ', copied from the fixture snapshot' : ''})`);
  const db = startDatabase(root, dataDir, dbPort);
  const stopDb = async (keepData = false) => {
    spawnSync('bash', [path.join(root, 'scripts', 'documentdb.sh'), 'stop', dataDir], { cwd: root, stdio: 'ignore' });
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };

  let mongoPort = dbPort;
  /** @type {import('node:child_process').ChildProcess | null} */
  let proxy = null;
  let profileFile = null;
  /** @type {(() => Promise<any>) | null} */
  let wireSnapshot = null;
  if (profile) {
    mongoPort = await freePort();
    profileFile = path.join(logDir, `wire-profile-${label}.json`);
    const child = fork(path.join(root, 'bench', 'profile', 'wire-proxy.mjs'), [], {
      cwd: root,
      env: { ...process.env, PROXY_LISTEN: String(mongoPort), PROXY_TARGET: String(dbPort), PROXY_OUT: profileFile },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    proxy = child;
    await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`wire proxy exited (${code})`)));
    });
    let seq = 0;
    /** @type {Map<number, (d: any) => void>} */
    const waiting = new Map();
    child.on('message', (/** @type {any} */ m) => {
      if (m?.type === 'snapshot') {
        waiting.get(m.id)?.(m.data);
        waiting.delete(m.id);
      }
    });
    wireSnapshot = () =>
      new Promise((resolve) => {
        const id = ++seq;
        waiting.set(id, resolve);
        child.send({ type: 'snapshot', id });
        setTimeout(() => waiting.has(id) && (waiting.delete(id), resolve(null)), 2000).unref();
      });
  }
  const stopProxy = async () => {
    if (!proxy || proxy.exitCode !== null) return;
    proxy.kill('SIGTERM');
    await new Promise((resolve) => {
      proxy?.once('exit', resolve);
      setTimeout(resolve, 3000).unref();
    });
  };

  const port = await freePort();
  const logFile = path.join(logDir, `app-${label}.log`);
  const mongoUri = new URL(db.uri);
  mongoUri.port = String(mongoPort);
  mongoUri.pathname = '/chatify_bench';
  const env = { ...process.env, ...appEnv({ mongoUri: mongoUri.toString(), port }) };
  log(`  [app ${label}] node dist/main.js on 127.0.0.1:${port}`);
  // --cpu-prof: V8 writes a .cpuprofile of the app into the log folder when it exits.
  const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${logDir}`, `--cpu-prof-name=app-${label}.cpuprofile`] : [];
  // --heap-snapshot: SIGWINCH (Nest's shutdown hooks own SIGUSR2) makes the app write a heap snapshot (after a full GC) into the log folder.
  if (heapSnapshot) nodeArgs.push('--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${logDir}`);
  // The inspector (loopback, random port) lets the idle scenario force a GC before reading RSS.
  if (inspect) nodeArgs.push('--inspect=127.0.0.1:0');
  const app = spawnLogged(process.execPath, [...nodeArgs, 'dist/main.js'], { cwd: appRoot, env, logFile });
  const url = `http://127.0.0.1:${port}`;
  const startedAt = Date.now();
  try {
    await waitForHttp(`${url}/health`, 60000, app.whyDead);
    log(`  [app ${label}] ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  } catch (err) {
    await app.stop();
    await stopProxy();
    await stopDb();
    throw err;
  }
  return {
    name: 'app',
    url,
    pid: app.child.pid ?? null,
    dbPids: db.pids,
    logFile,
    profileFile,
    wireSnapshot,
    describe: { kind: 'node dist/main.js on DocumentDB (PostgreSQL 15)', profiled: profile },
    async stop({ keepData = false } = {}) {
      await app.stop();
      await stopProxy();
      await stopDb(keepData);
      return keepData ? dataDir : null;
    },
  };
}

/**
 * An app that is already running (BENCH_URL); its pid (for RSS / CPU) only when BENCH_PID is set.
 * @param {string} url
 * @returns {Target}
 */
export function externalApp(url) {
  return {
    name: 'app',
    url: url.replace(/\/$/, ''),
    pid: Number(process.env.BENCH_PID) || null,
    dbPids: (process.env.BENCH_DB_PIDS ?? '').split(',').map(Number).filter(Boolean),
    logFile: null,
    stop: async () => {},
    describe: { kind: 'external (BENCH_URL)', url },
  };
}

/**
 * Exports one commit of the repository into a temporary directory (git archive), with the work
 * tree's node_modules linked in, so a benchmark measures exactly that commit even while the work
 * tree is being edited. Returns the directory and a cleanup function.
 * @param {string} root @param {string} ref @param {(s: string) => void} log
 */
export function exportRef(root, ref, log) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatify-bench-src-'));
  if (ref === 'worktree') {
    // The work tree as it is now (tracked and untracked, minus ignored files), without building
    // into the shared dist/.
    log(`copying the work tree to ${dir}...`);
    const copy = spawnSync('bash', ['-c', 'cd "$1" && git ls-files -co --exclude-standard -z | tar --null -T - -c | tar -x -C "$2"', 'bash', root, dir], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (copy.status !== 0) throw new Error('copying the work tree failed');
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    return { dir, commit: 'worktree', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const commit = execFileSync('git', ['-C', root, 'rev-parse', '--verify', `${ref}^{commit}`])
    .toString()
    .trim();
  log(`exporting ${ref} (${commit.slice(0, 10)}) to ${dir}...`);
  const archive = spawnSync('bash', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'bash', root, commit, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (archive.status !== 0) throw new Error(`git archive ${ref} failed`);
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, commit, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A copy of the fixture snapshot in which one direct conversation (`conversationId`, between
 * `senderIds`) already holds `count` earlier messages, shaped like the app's own documents, with the
 * conversation's counter, summary and both members' marks moved to the last of them. Written
 * straight to the database with the MongoDB driver, then the database is stopped again. Shows how
 * the send path's cost depends on the size of the conversation being written to.
 * @param {{ root: string, snapshotDir: string, count: number, conversationId: string, senderIds: string[], log: (s: string) => void }} o
 * @returns {Promise<string>} the new snapshot directory
 */
export async function seedHistory({ root, snapshotDir, count, conversationId, senderIds, log }) {
  const require = createRequire(path.join(root, 'package.json'));
  const { MongoClient, ObjectId } = require('mongodb');
  const dir = copyCluster(snapshotDir);
  const port = await freePort();
  const script = path.join(root, 'scripts', 'documentdb.sh');
  const { uri } = startDatabase(root, dir, port);
  const started = Date.now();
  const client = new MongoClient(uri);
  try {
    await client.connect();
    const db = client.db('chatify_bench');
    const conversation = new ObjectId(conversationId);
    const senders = senderIds.map((id) => new ObjectId(id));
    const at = new Date(Date.now() - 86_400_000);
    let last = null;
    for (let n = 0; n < count;) {
      const batch = [];
      for (let k = 0; k < 1000 && n < count; k++, n++) {
        last = {
          _id: new ObjectId(),
          conversationId: conversation,
          seq: n + 1,
          senderId: senders[n % senders.length],
          text: 'Earlier message: the quick brown fox jumps over the lazy dog, 0123456789 abcdefghijklmnopqrstuvwxyz.',
          clientId: null,
          createdAt: at,
          editedAt: null,
          deletedAt: null,
          changedAt: at,
        };
        batch.push(last);
      }
      await db.collection('messages').insertMany(batch, { ordered: false });
    }
    if (last) {
      const { conversationId: _c, changedAt: _x, ...snapshot } = last;
      await db.collection('conversations').updateOne({ _id: conversation }, { $set: { seq: count, lastMessageSeq: count, lastMessage: snapshot, lastActivityAt: at } });
      await db
        .collection('memberships')
        .updateMany(
          { conversationId: conversation },
          { $set: { readUpToSeq: count, readUpToId: last._id, readAt: at, deliveredUpToSeq: count, deliveredUpToId: last._id, deliveredAt: at } },
        );
    }
    log(`  ${count.toLocaleString('en')} earlier messages stored in one conversation in ${((Date.now() - started) / 1000).toFixed(1)} s (history snapshot)`);
  } finally {
    await client.close();
    spawnSync('bash', [script, 'stop', dir], { cwd: root, stdio: 'ignore' });
  }
  return dir;
}

/**
 * Starts the cluster in `dir` (created, or a copied snapshot that it relocates) on `port`.
 * @param {string} root @param {string} dir @param {number} port
 * @returns {{ uri: string, pids: number[] }} the connection string, and the gateway's and postmaster's pids (CPU accounting)
 */
function startDatabase(root, dir, port) {
  const script = path.join(root, 'scripts', 'documentdb.sh');
  const started = spawnSync('bash', [script, 'start', dir, String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  if (started.status !== 0) throw new Error(`scripts/documentdb.sh start failed (exit ${started.status})`);
  const gateway = Number(readFileSync(path.join(dir, 'gateway.pid'), 'utf8').trim());
  const postmaster = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { uri: started.stdout.toString().trim(), pids: [gateway, postmaster].filter(Boolean) };
}

/** A copy of a stopped cluster folder, ownership kept (PostgreSQL runs as `postgres`). @param {string} from */
function copyCluster(from) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatify-bench-db-'));
  const copy = spawnSync('cp', ['-a', `${from}/.`, dir], { stdio: 'inherit' });
  if (copy.status !== 0) throw new Error(`copying the database snapshot ${from} failed`);
  return dir;
}
