#!/usr/bin/env node
// Chatify benchmark orchestrator.
//
//   node bench/run.mjs [--quick] [--only=throughput,latency,...] [--target=both|app|relay] [--profile]
//                      [--cpu-prof] [--heap-snapshot] [--no-build] [--no-reset] [--ref=<commit>|worktree] [--app-dir=DIR]
//                      [--rates=100,500]
//
// --ref builds and runs that commit (exported to a temporary directory; --ref=worktree: a copy of the
// work tree) instead of building into the work tree's dist/; --rates sets the latency-<rate> scenarios' offered rates;
// --no-reset keeps one app and database for all scenarios instead of a fresh copy per scenario
// (the default with --quick; --reset forces fresh copies).
// Starts the app on the embedded DocumentDB (or uses BENCH_URL), starts the bare relay (bench/relay/server.mjs),
// creates users and conversations through the REST API, then runs each scenario against the app
// and the relay in turn, every run in a fresh load-generator process (bench/loadgen.mjs).
// Prints a table with app / relay ratios and writes bench/results/<timestamp>.json.
// All traffic is on 127.0.0.1; every run is bounded in messages and time. See docs/BENCHMARKS.md.
import { spawnSync, fork, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync, rmSync, readdirSync, statSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCpuMs, readTreeCpuMs, readRssKiB, readMachineCpuMs, settle, isLoopback, sleep } from './lib/proc.mjs';
import { startApp, startRelay, externalApp, exportRef, buildIfNeeded, seedHistory } from './lib/targets.mjs';
import { createFixtures } from './lib/setup.mjs';
import { buildRows, renderTable } from './lib/report.mjs';
import { connectInspector } from './lib/inspector.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

// 5,000 idle sockets need more descriptors than a default shell allows: re-run ourselves once
// under a raised `ulimit -n` (children inherit it).
if (!process.env.BENCH_ULIMIT_RAISED) {
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const r = spawnSync(
    'bash',
    [
      '-c',
      'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
      'bash',
      process.execPath,
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, BENCH_ULIMIT_RAISED: '1' } },
  );
  process.exit(r.status ?? 1);
}

/**
 * The app's own counters from GET /metrics: database commands sent, and send batches (count, sum).
 * @param {string} url
 * @returns {Promise<{ dbCommands: number, batches: number, batched: number } | null>}
 */
async function scrapeMetrics(url) {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) return null;
    const text = await response.text();
    const sum = (/** @type {RegExp} */ pattern) =>
      text
        .split('\n')
        .filter((line) => pattern.test(line))
        .reduce((total, line) => total + Number(line.split(' ').pop()), 0);
    return { dbCommands: sum(/^chatify_db_commands_total\{/), batches: sum(/^chatify_send_batch_size_count /), batched: sum(/^chatify_send_batch_size_sum /) };
  } catch {
    return null;
  }
}

/** CPU ms of the database's processes (each with its children), or null when unknown. @param {number[] | undefined} pids */
function sumCpu(pids) {
  if (!pids || pids.length === 0) return null;
  return pids.reduce((total, pid) => total + (readTreeCpuMs(pid) ?? 0), 0);
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
/** @param {string} name */
const flag = (name) => argv.includes(`--${name}`);
/** @param {string} name */
const option = (name) =>
  argv
    .find((a) => a.startsWith(`--${name}=`))
    ?.split('=')
    .slice(1)
    .join('=');
if (flag('help') || flag('h')) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 14)
      .map((l) => l.replace(/^\/\/ ?/, ''))
      .join('\n'),
  );
  process.exit(0);
}
const QUICK = flag('quick') || process.env.BENCH_QUICK === '1';
const ONLY = (option('only') ?? process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
/** @type {string[]} */
const TARGETS = (option('target') ?? process.env.BENCH_TARGET ?? 'both') === 'both' ? ['app', 'relay'] : [String(option('target') ?? process.env.BENCH_TARGET)];
const PROFILE = flag('profile') || process.env.BENCH_PROFILE === '1';
const SKIP_BUILD = flag('no-build') || process.env.BENCH_NO_BUILD === '1';
const REF = option('ref') ?? process.env.BENCH_REF;
const CPU_PROF = flag('cpu-prof') || process.env.BENCH_CPU_PROF === '1';
const HEAP_SNAPSHOT = flag('heap-snapshot');
// --app-dir: build and run the app from another checkout (an A/B experiment on a patched copy).
const APP_DIR = option('app-dir');
// --rates=100,500: the offered rates of the latency-<rate> scenarios instead of 500, 1000 and 2000.
const RATES = option('rates')?.split(',').map(Number);
if (RATES && (RATES.length === 0 || RATES.some((r) => !Number.isInteger(r) || r < 1))) {
  console.error('--rates must list whole numbers of messages per second, e.g. --rates=100,500');
  process.exit(2);
}
// No scenario starts once the run is this old (a loaded machine slows every step), so that a full
// run ends within about 10 minutes.
const MAX_MINUTES = Number(option('max-minutes') ?? process.env.BENCH_MAX_MINUTES ?? (QUICK ? 3 : 8.5));
// A quick run keeps one app for all scenarios (they are small); --reset forces a fresh one each.
const RESET = flag('reset') || (!QUICK && !flag('no-reset') && process.env.BENCH_NO_RESET !== '1');
const BENCH_URL = process.env.BENCH_URL;
if (BENCH_URL && !isLoopback(new URL(BENCH_URL).hostname)) {
  console.error(`BENCH_URL must be a loopback address (127.0.0.1, localhost, ::1); got ${BENCH_URL}`);
  process.exit(2);
}
for (const t of TARGETS) if (t !== 'app' && t !== 'relay') (console.error(`--target must be both, app or relay`), process.exit(2));

/**
 * The scenarios. Full run: about 5 minutes; quick: a smoke run of a few seconds per target.
 * @typedef {{ id: string, kind: 'throughput'|'latency'|'fanout'|'idle'|'rest', title: string, params: Record<string, any>, budgetMs: number }} Scenario
 */
function plan() {
  const w = QUICK ? 300 : 1000; // warm-up
  const d = QUICK ? 1000 : 6000; // measured window
  const drain = QUICK ? 3000 : 10000;
  const pairsN = QUICK ? [20] : [200, 1000];
  const rates = RATES ?? (QUICK ? [200] : [500, 1000, 2000]);
  const latencyUsers = QUICK ? 20 : 200;
  const groupMembers = QUICK ? 10 : 100;
  const idleLevels = QUICK ? [50, 100] : [1000, 5000];
  const restConcurrency = QUICK ? 4 : 64;
  // In flight per user (the goal: 200 users with 4 sends each in flight); bounded for 1,000 users.
  const perUser = 4;
  const maxInFlight = QUICK ? 64 : 800;
  const bigInFlight = QUICK ? 16 : 64;
  const historyCount = QUICK ? 2000 : 100000;
  /** @type {Scenario[]} */
  const scenarios = [];
  for (const n of pairsN) {
    const inFlight = Math.min(maxInFlight, n * perUser);
    scenarios.push({
      id: `throughput-${n}`,
      kind: 'throughput',
      title: `socket send, ${n} users in direct pairs (closed loop, ${inFlight} in flight)`,
      params: { users: n, inFlight, warmupMs: w, durationMs: d, drainMs: drain, maxMessages: 2_000_000 },
      budgetMs: w + d + drain + 60000,
    });
  }
  // An extra rate the app can sustain: half of what it completed in the first throughput run
  // (same users), so the table also shows its latency when it is not overloaded.
  scenarios.push({
    id: 'latency-half',
    kind: 'latency',
    title: `socket send at half the app's measured throughput, ${latencyUsers} users in pairs`,
    params: { users: latencyUsers, rate: 'half', warmupMs: w, durationMs: d, drainMs: drain },
    budgetMs: w + d + drain + 60000,
  });
  for (const rate of rates) {
    scenarios.push({
      id: `latency-${rate}`,
      kind: 'latency',
      title: `socket send at ${rate}/s offered, ${latencyUsers} users in pairs`,
      params: { users: latencyUsers, rate, warmupMs: w, durationMs: d, drainMs: drain },
      budgetMs: w + d + drain + 60000,
    });
  }
  // One direct conversation written to as fast as it goes, empty and then already holding
  // earlier messages (needs a fresh database per scenario, so not with --no-reset): the cost of a
  // large conversation, e.g. in its indexes.
  scenarios.push({
    id: 'throughput-one-conversation',
    kind: 'throughput',
    title: `socket send, 2 users in one direct conversation (closed loop, ${bigInFlight} in flight)`,
    params: { users: 2, inFlight: bigInFlight, warmupMs: w, durationMs: d, drainMs: drain, maxMessages: 2_000_000 },
    budgetMs: w + d + drain + 60000,
  });
  if (RESET)
    scenarios.push({
      id: 'throughput-one-conversation-history',
      kind: 'throughput',
      title: `socket send, 2 users in one direct conversation already holding ${historyCount.toLocaleString('en')} messages (${bigInFlight} in flight)`,
      params: { users: 2, inFlight: bigInFlight, warmupMs: w, durationMs: d, drainMs: drain, maxMessages: 2_000_000, history: historyCount },
      budgetMs: w + d + drain + 60000,
    });
  scenarios.push({
    id: `fanout-${groupMembers}`,
    kind: 'fanout',
    title: `group fan-out, ${groupMembers} members, 4 senders (closed loop)`,
    params: { members: groupMembers, senders: Math.min(4, groupMembers), warmupMs: w, durationMs: d, drainMs: drain, maxMessages: 1_000_000 },
    budgetMs: w + d + drain + 60000,
  });
  scenarios.push({
    id: 'idle',
    kind: 'idle',
    title: 'idle connections',
    params: { levels: idleLevels, settleMs: QUICK ? 300 : 2000, connectConcurrency: 200 },
    budgetMs: 180000,
  });
  scenarios.push({
    id: 'rest',
    kind: 'rest',
    title: `REST POST /api/v1/messages, ${restConcurrency} keep-alive clients`,
    params: { concurrency: restConcurrency, warmupMs: w, durationMs: d, maxMessages: 2_000_000 },
    budgetMs: w + d + 60000,
  });
  const selected = ONLY.length ? scenarios.filter((s) => ONLY.some((o) => s.id === o || s.kind === o)) : scenarios;
  // The fixtures are those of the whole plan even when --only picks a few scenarios: on the
  // development database the cost of a send grows with the number of conversations and
  // memberships stored, so a partial run must start from the same data to be comparable.
  const users = Math.max(Math.min(1000, idleLevels[idleLevels.length - 1]), ...scenarios.map((s) => s.params.users ?? s.params.members ?? s.params.concurrency ?? 0));
  const pairs = Math.max(0, ...scenarios.map((s) => (s.kind === 'rest' ? Math.ceil(s.params.concurrency / 2) : s.params.users ? s.params.users / 2 : 0)));
  return { scenarios: selected, users: users + (users % 2), pairs, groupMembers };
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------
const stamp = new Date()
  .toISOString()
  .replace(/\.\d+Z$/, 'Z')
  .replace(/:/g, '-');
const resultsDir = path.join(HERE, 'results');
const logDir = path.join(resultsDir, `${stamp}-logs`);
mkdirSync(logDir, { recursive: true });
const log = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);

/** Everything started and not yet stopped, newest last: stopped in reverse on exit or Ctrl-C. */
/** @type {Set<{ name: string, stop: () => Promise<unknown> }>} */
const running = new Set();
/** @type {import('node:child_process').ChildProcess | null} */
let currentLoadgen = null;
let stopping = false;
/** @param {{ name: string, stop: () => Promise<unknown> }} t */
async function stopOne(t) {
  if (!running.delete(t)) return;
  try {
    await t.stop();
  } catch (err) {
    log(`stopping ${t.name}: ${/** @type {Error} */ (err).message}`);
  }
}
async function shutdown() {
  if (stopping) return;
  stopping = true;
  if (currentLoadgen && currentLoadgen.exitCode === null) currentLoadgen.kill('SIGKILL');
  for (const t of [...running].reverse()) await stopOne(t);
}
// Whatever goes wrong, stop what was started (databases, servers) before leaving.
for (const event of /** @type {const} */ (['uncaughtException', 'unhandledRejection'])) {
  process.on(event, (err) => {
    log(`${event}: ${/** @type {Error} */ (err)?.stack ?? err}`);
    shutdown().finally(() => process.exit(1));
  });
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    log(`\n${signal}: stopping...`);
    shutdown().finally(() => process.exit(130));
  });
}

/**
 * One scenario against one target, in a fresh load-generator process.
 * @param {Scenario} scenario @param {import('./lib/targets.mjs').Target} target @param {any} fixtures
 */
function runLoadgen(scenario, target, fixtures) {
  return new Promise((resolve) => {
    const child = fork(path.join(HERE, 'loadgen.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    /** @type {Awaited<ReturnType<typeof connectInspector>> | null} */
    let inspector = null;
    currentLoadgen = child;
    let result = /** @type {any} */ (null);
    const killer = setTimeout(() => {
      result = result ?? { error: `no result within ${scenario.budgetMs + 15000} ms; load generator killed` };
      child.kill('SIGKILL');
    }, scenario.budgetMs + 15000);
    child.on('message', async (/** @type {any} */ msg) => {
      if (msg?.type === 'probe') {
        if (HEAP_SNAPSHOT && scenario.kind === 'idle' && target.name === 'app' && target.pid) await heapSnapshot(target.pid, `${msg.label}`);
        /** @type {number | null} */
        let heapUsed = null;
        if (scenario.kind === 'idle' && target.logFile) {
          // Live memory, not uncollected garbage: a full GC in the server before reading its RSS.
          try {
            inspector ??= await connectInspector(target.logFile);
            await inspector.gc();
            heapUsed = (await inspector.memory())?.heapUsed ?? null;
          } catch (err) {
            log(`  (no forced GC for ${target.name}: ${/** @type {Error} */ (err).message})`);
          }
        }
        const metrics = target.name === 'app' ? await scrapeMetrics(target.url) : null;
        const data = {
          at: performance.now(),
          rssKiB: readRssKiB(target.pid),
          heapUsed,
          cpuMs: readCpuMs(target.pid),
          dbCpuMs: sumCpu(target.dbPids),
          machine: readMachineCpuMs(),
          wire: null,
          metrics,
        };
        const snap = /** @type {any} */ (target).wireSnapshot;
        if (snap) snap().then((/** @type {any} */ wire) => child.connected && child.send({ type: 'probed', label: msg.label, data: { ...data, wire } }));
        else child.send({ type: 'probed', label: msg.label, data });
      } else if (msg?.type === 'result') {
        result = msg.result;
      }
    });
    child.on('exit', (code) => {
      inspector?.close();
      clearTimeout(killer);
      currentLoadgen = null;
      resolve(result ?? { error: `load generator exited with code ${code} and no result` });
    });
    child.send({
      type: 'run',
      job: {
        scenario: scenario.kind,
        target: { name: target.name, url: target.url },
        users: fixtures.users,
        pairs: fixtures.pairs,
        group: fixtures.group,
        params: scenario.params,
        tag: `${stamp}-${scenario.id}-${target.name}-${Math.random().toString(36).slice(2, 8)}`,
        maxMs: scenario.budgetMs,
      },
    });
  });
}

/**
 * Makes the app write a heap snapshot (SIGWINCH, see --heap-snapshot) and waits until the file is
 * complete; renames it after the probe label.
 * @param {number} pid @param {string} label
 */
async function heapSnapshot(pid, label) {
  const before = new Set(readdirSync(logDir));
  try {
    process.kill(pid, 'SIGWINCH');
  } catch (err) {
    log(`heap snapshot: ${/** @type {Error} */ (err).message}`);
    return;
  }
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    await sleep(500);
    const file = readdirSync(logDir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(path.join(logDir, file)).size;
    await sleep(1000);
    if (statSync(path.join(logDir, file)).size === size && size > 0) {
      renameSync(path.join(logDir, file), path.join(logDir, `app-idle-${label.replace(/[^a-z0-9-]/gi, '_')}.heapsnapshot`));
      return;
    }
  }
  log('heap snapshot: none written within 120 s');
}

/** A one-line summary of a result for the progress log. @param {string} kind @param {any} r */
function brief(kind, r) {
  if (!r || r.error) return `ERROR ${String(r?.error ?? 'no result').split('\n')[0]}`;
  switch (kind) {
    case 'throughput':
      return `${r.messagesPerS} msg/s (per second: ${r.perSecond.join(' ')}), e2e p99 ${r.e2eLatencyMs.p99} ms, lost ${r.loss.lost}`;
    case 'latency':
      return `sent ${r.achievedSendPerS}/s, e2e p50/p99/max ${r.e2eLatencyMs.p50}/${r.e2eLatencyMs.p99}/${r.e2eLatencyMs.max} ms, lost ${r.loss.lost}`;
    case 'fanout':
      return `${r.deliveriesPerS} deliveries/s, full fan-out p99 ${r.fullFanoutLatencyMs.p99} ms, missing ${r.loss.missingDeliveries}`;
    case 'idle':
      return r.levels.map((/** @type {any} */ l) => `${l.connections} conns: ${l.rssPerConnectionKiB} KiB/conn`).join(', ');
    case 'rest':
      return `${r.requestsPerS} req/s, p50/p99 ${r.latencyMs.p50}/${r.latencyMs.p99} ms, statuses ${JSON.stringify(r.statuses)}`;
    default:
      return JSON.stringify(r).slice(0, 200);
  }
}

function machine() {
  /** @param {string} cmd */
  const sh = (cmd) => {
    try {
      return execFileSync('bash', ['-c', cmd]).toString().trim();
    } catch {
      return null;
    }
  };
  return {
    nproc: Number(sh('nproc')) || os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? null,
    memTotalGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: os.release(),
    ulimitNoFile: Number(sh('ulimit -n')) || null,
    gitCommit: sh(`git -C ${JSON.stringify(ROOT)} rev-parse --short HEAD`),
    gitDirtySrc: Boolean(sh(`git -C ${JSON.stringify(ROOT)} status --porcelain -- src`)),
    /** @type {string | null} the commit measured when --ref was given */
    benchedCommit: null,
  };
}

async function main() {
  const runDeadline = Date.now() + MAX_MINUTES * 60000;
  const { scenarios, users, pairs, groupMembers } = plan();
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const meta = {
    timestamp: new Date().toISOString(),
    command: `node bench/run.mjs ${argv.join(' ')}`.trim(),
    quick: QUICK,
    profile: PROFILE,
    machine: machine(),
    note: 'Server, database, relay and load generator share the same 2 cores; compare app/relay ratios, not absolute figures, across machines.',
  };
  log(
    `Chatify benchmark ${QUICK ? '(quick) ' : ''}— ${meta.machine.nproc} cores, ${meta.machine.memTotalGiB} GiB, node ${meta.machine.node}, ulimit -n ${meta.machine.ulimitNoFile}`,
  );

  /** @type {Record<string, any>} */
  const fixtures = {};
  /** @type {Record<string, string>} */
  const errors = {};
  /** @type {Record<string, any>} describes each target for the JSON */
  const targetInfo = {};
  /** @type {Record<string, any>} wire profiles by scenario (--profile) */
  const profiles = {};

  // The relay: one process for the whole run (it keeps nothing that grows).
  /** @type {import('./lib/targets.mjs').Target | null} */
  let relay = null;
  if (TARGETS.includes('relay')) {
    try {
      relay = await startRelay({ root: ROOT, logDir });
      running.add(relay);
      log(`[relay] ${relay.url} (pid ${relay.pid}); creating ${users} users...`);
      fixtures.relay = await createFixtures(relay.url, { users, pairs, groupMembers, runId, concurrency: 32, log });
      targetInfo.relay = { url: relay.url, ...relay.describe, signupMs: fixtures.relay.signupMs, logFile: path.relative(ROOT, relay.logFile ?? '') };
    } catch (err) {
      errors['relay setup'] = String(/** @type {Error} */ (err).message ?? err);
      log(`[relay] setup failed: ${errors['relay setup']}`);
    }
  }

  // The app: fixtures are created once on an empty database, which is then kept as a snapshot;
  // each scenario gets a fresh app process on a fresh copy of it (unless --no-reset), so no
  // scenario inherits another's stored messages or unfinished backlog.
  /** @type {((label: string, history?: number, inspect?: boolean) => Promise<any>) | null} */
  let appFor = null;
  /** @type {any} */
  let sharedApp = null;
  if (TARGETS.includes('app')) {
    try {
      if (BENCH_URL) {
        sharedApp = externalApp(BENCH_URL);
        log(`[app] external ${sharedApp.url} (pid ${sharedApp.pid ?? 'unknown: set BENCH_PID for RSS and CPU'}); creating ${users} users...`);
        fixtures.app = await createFixtures(sharedApp.url, { users, pairs, groupMembers, runId, concurrency: 8, log });
        targetInfo.app = { ...sharedApp.describe, url: sharedApp.url, signupMs: fixtures.app.signupMs, reset: false };
        appFor = async () => sharedApp;
      } else {
        let appRoot = APP_DIR ? path.resolve(APP_DIR) : ROOT;
        if (REF && !APP_DIR) {
          const exported = exportRef(ROOT, REF, log);
          running.add({ name: 'exported source', stop: async () => exported.cleanup() });
          appRoot = exported.dir;
          meta.machine.benchedCommit = exported.commit;
        }
        buildIfNeeded(appRoot, SKIP_BUILD, log);
        log(`[app] starting on an empty database to create ${users} users${groupMembers ? ` and a ${groupMembers}-member group` : ''}...`);
        const seed = await startApp({ root: ROOT, appRoot, logDir, profile: false, label: 'fixtures', log });
        running.add(seed);
        fixtures.app = await createFixtures(seed.url, { users, pairs, groupMembers, runId, concurrency: 8, log });
        running.delete(seed);
        const snapshotDir = /** @type {string} */ (await seed.stop({ keepData: true }));
        running.add({ name: 'fixture snapshot', stop: async () => rmSync(snapshotDir, { recursive: true, force: true }) });
        targetInfo.app = {
          kind: 'node dist/main.js on DocumentDB (PostgreSQL 15)',
          appRoot: path.relative(ROOT, appRoot) || '.',
          signupMs: fixtures.app.signupMs,
          reset: RESET,
          profiled: PROFILE,
          logDir: path.relative(ROOT, logDir),
        };
        /** @type {Map<number, string>} history size → snapshot with that many earlier messages */
        const historySnapshots = new Map();
        const start = async (/** @type {string} */ label, history = 0, inspect = false) => {
          let seedDir = snapshotDir;
          if (history > 0) {
            if (!historySnapshots.has(history)) {
              const pair = fixtures.app.pairs[0];
              const senderIds = [fixtures.app.users[pair.a].id, fixtures.app.users[pair.b].id];
              const dir = await seedHistory({ root: ROOT, snapshotDir, count: history, conversationId: pair.conversationId, senderIds, log });
              historySnapshots.set(history, dir);
              running.add({ name: 'history snapshot', stop: async () => rmSync(dir, { recursive: true, force: true }) });
            }
            seedDir = /** @type {string} */ (historySnapshots.get(history));
          }
          return startApp({ root: ROOT, appRoot, logDir, profile: PROFILE, cpuProf: CPU_PROF, heapSnapshot: HEAP_SNAPSHOT, inspect, label, seedDir, log });
        };
        if (RESET) appFor = start;
        else {
          sharedApp = await start('all', 0, true);
          running.add(sharedApp);
          appFor = async () => sharedApp;
        }
      }
    } catch (err) {
      errors['app setup'] = String(/** @type {Error} */ (err).message ?? err);
      log(`[app] setup failed: ${errors['app setup']}`);
    }
  }

  /** @type {{ id: string, title: string, kind: string, params: any, results: Record<string, any> }[]} */
  const done = [];
  /** @type {string[]} */
  const noisy = [];
  for (const s of scenarios) {
    /** @type {Record<string, any>} */
    const results = {};
    if (Date.now() > runDeadline) {
      errors[s.title] = `skipped: the run passed its ${MAX_MINUTES}-minute budget (BENCH_MAX_MINUTES)`;
      log(`[bench] ${s.id}: skipped (over the ${MAX_MINUTES}-minute budget)`);
      continue;
    }
    if (s.params.rate === 'half') {
      const base = done.find((d) => d.kind === 'throughput');
      const measured = base?.results.app?.messagesPerS ?? base?.results.relay?.messagesPerS;
      if (!measured) {
        log(`[bench] ${s.id}: skipped (no throughput figure to take half of)`);
        continue;
      }
      s.params.rate = Math.max(1, Math.floor(measured / 2));
      s.title = `socket send at ${s.params.rate}/s offered (half of ${base?.results.app?.messagesPerS ? "the app's" : "the relay's"} throughput), ${s.params.users} users in pairs`;
    }
    for (const name of TARGETS) {
      if (!fixtures[name]) continue;
      /** @type {any} */
      let t = null;
      try {
        t = name === 'relay' ? relay : await /** @type {NonNullable<typeof appFor>} */ (appFor)(s.id, s.params.history ?? 0, s.kind === 'idle');
        if (t !== relay && t !== sharedApp) running.add(t);
      } catch (err) {
        results[name] = { error: `could not start: ${/** @type {Error} */ (err).message}` };
        errors[`${s.title} [${name}]`] = results[name].error;
        continue;
      }
      await settle([t.pid ?? 0, ...(t.dbPids ?? [])]);
      const t0 = Date.now();
      results[name] = await runLoadgen(s, t, fixtures[name]);
      const r = results[name];
      if (r?.error) errors[`${s.title} [${name}]`] = r.error;
      else if (r?.connectErrors && Object.keys(r.connectErrors).length) errors[`${s.title} [${name}]`] = `connections refused: ${JSON.stringify(r.connectErrors)}`;
      const other = r?.server?.otherCpuCores;
      if (other !== null && other !== undefined && other > 0.25) noisy.push(`${s.id} [${name}]: other processes used ${other} cores`);
      log(`[${name}] ${s.id}: ${brief(s.kind, r)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      if (t !== relay && t !== sharedApp) {
        await stopOne(t);
        if (t.profileFile && existsSync(t.profileFile)) profiles[s.id] = JSON.parse(readFileSync(t.profileFile, 'utf8'));
      }
    }
    done.push({ id: s.id, title: s.title, kind: s.kind, params: s.params, results });
  }

  const rows = buildRows(done);
  const table = renderTable(rows, errors);
  const file = path.join(resultsDir, `${stamp}.json`);
  const sharedProfile = sharedApp?.profileFile;
  await shutdown();
  if (sharedProfile && existsSync(sharedProfile)) profiles.all = JSON.parse(readFileSync(sharedProfile, 'utf8'));
  const hasProfile = Object.keys(profiles).length > 0;
  writeFileSync(file, `${JSON.stringify({ meta, targets: targetInfo, scenarios: done, rows, errors, noisy, profiles: hasProfile ? profiles : undefined }, null, 2)}\n`);
  console.log(
    `\nChatify benchmark — ${meta.timestamp} — ${meta.machine.nproc} cores, ${meta.machine.memTotalGiB} GiB, node ${meta.machine.node}${QUICK ? ' — QUICK (smoke) run' : ''}`,
  );
  console.log(`command: ${meta.command}\n`);
  console.log(table);
  if (noisy.length) console.log(`\nnoise: ${noisy.join('; ')} (of ${meta.machine.nproc}); figures of those runs are less reliable.`);
  console.log(`\napp/relay: the app's figure over the bare relay's, measured in the same run (throughput: higher is better; latency, CPU, RSS: lower is better).`);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  if (hasProfile)
    console.log(`wire profiles (database commands by shape, per scenario): "profiles" in the JSON; per-message figures under scenarios[].results.app.server.database`);
  // Failing checks: a scenario that did not run, an `ok: false` ack, a message acked but never
  // delivered, or one never acked in a closed-loop run (where the drain waits for the slowest).
  // Sends still unanswered when an open-loop run at a rate above the server's capacity ends are
  // reported as lost in the table but are the expected outcome of overload, not a failed check.
  const failed = [];
  for (const s of done) {
    for (const [name, r] of Object.entries(s.results)) {
      const l = r?.loss;
      if (!l) continue;
      if (l.ackFailed) failed.push(`${s.id} [${name}]: ${l.ackFailed} sends answered ok:false ${JSON.stringify(l.ackErrors)}`);
      if (l.ackedNotDelivered) failed.push(`${s.id} [${name}]: ${l.ackedNotDelivered} acked but never delivered`);
      if (s.kind !== 'latency' && l.unacked) failed.push(`${s.id} [${name}]: ${l.unacked} never acked`);
    }
  }
  if (failed.length) console.log(`\nfailed checks:\n  ${failed.join('\n  ')}`);
  process.exitCode = Object.keys(errors).length || failed.length ? 1 : 0;
}

main().catch(async (err) => {
  log(String(err?.stack ?? err));
  await shutdown();
  process.exit(1);
});
