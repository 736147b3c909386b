#!/usr/bin/env node
// `npm run chaos`: a bounded, self-stopping fault-injection run on this machine, loopback only
// (issue 12). Three app instances behind a TCP round-robin balancer, Redis and the embedded database;
// simulated clients send 1:1 and group messages while a schedule kills, restarts, pauses and
// disconnects things; then it checks that nothing acknowledged was lost, duplicated or reordered,
// that every recipient got everything after catching up, that presence is right again, and that the
// servers' metrics agree with the clients' counts. See docs/RELIABILITY.md.
//
//   node chaos/run.mjs [--short] [--clients N] [--rate R] [--json FILE] [--keep-logs DIR]
//                      [--faults kill,redis,db,stop,drop] [--settle-s S] [--pause-s S]
//
// Exit code 0 only when the bar holds (0 lost, 0 duplicated, 0 out of order, 0 undelivered,
// 0 stale presence 30 s after recovery, no send failure, metrics agree).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfNeeded } from '../bench/lib/targets.mjs';
import { freePort } from '../bench/lib/proc.mjs';
import { summarize } from '../bench/lib/stats.mjs';
import { startBalancer } from './lib/balancer.mjs';
import { createCluster, httpStatus } from './lib/cluster.mjs';
import { compareMetrics, deliveryCheck, historyCheck, presenceCheck, readHistory } from './lib/checks.mjs';
import { createFleet } from './lib/fleet.mjs';
import { startScraper } from './lib/metrics.mjs';
import { createRest, mapLimit, sleep } from './lib/rest.mjs';
import { renderKeyValue, renderTable } from './lib/table.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ------------------------------------------------------------------------------------ options
function parseArgs(argv) {
  /** @type {Record<string, string | boolean>} */
  const a = {};
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [key, inline] = arg.slice(2).split('=', 2);
    if (key === 'short' || key === 'help') a[key] = true;
    else a[key] = inline ?? argv[++k];
  }
  return a;
}
const args = parseArgs(process.argv.slice(2));
if (args.help) {
  console.log('usage: node chaos/run.mjs [--short] [--clients N] [--rate R] [--json FILE] [--keep-logs DIR] [--faults kill,redis,db,stop,drop] [--settle-s S] [--pause-s S]');
  process.exit(0);
}
const short = !!args.short;
const opt = {
  clients: Number(args.clients ?? (short ? 60 : 400)),
  rate: Number(args.rate ?? (short ? 50 : 500)),
  faults: String(args.faults ?? (short ? 'kill,redis' : 'kill,redis,db,stop,drop'))
    .split(',')
    .filter(Boolean),
  /** steady load before each fault (and after the last one) */
  baselineMs: short ? 3000 : 6000,
  /** presence is judged this long after recovery (the bar: 30 s) */
  settleMs: Number(args['settle-s'] ?? 30) * 1000,
  /** SIGSTOP beyond the server's presence heartbeat */
  pauseMs: Number(args['pause-s'] ?? 25) * 1000,
  /** how long Redis / the database stay away */
  downMs: 2000,
  ackTimeoutMs: 10000,
  /**
   * longest wait for recovery (every instance healthy, every remaining client connected, caught up,
   * subscribed). Not a bar of its own (the time it took is printed per fault): at 500 msgs/s offered
   * this machine runs 2.5 times over its capacity, and 400 clients catching up at once after every
   * connection dropped take about a minute.
   */
  recoveryMs: 120000,
  /** share of a killed or paused instance's clients that never come back */
  vanishShare: 0.05,
  /** clients that log off normally during each fault */
  logoffsPerFault: short ? 1 : 2,
  groupSize: 8,
  deadlineMs: (short ? 4 : 12) * 60_000,
  json: /** @type {string | undefined} */ (args.json),
  keepLogs: /** @type {string | undefined} */ (args['keep-logs']),
};
for (const f of opt.faults) if (!['kill', 'redis', 'db', 'stop', 'drop', 'drop30'].includes(f)) throw new Error(`unknown fault ${f}`);
if (!(opt.clients >= 16)) throw new Error('--clients must be at least 16');

const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
const log = (/** @type {string} */ s) => console.log(`[chaos ${stamp()}] ${s}`);

// ------------------------------------------------------------------------------------ cleanup
const tmp = mkdtempSync(path.join(os.tmpdir(), 'chatify-chaos-'));
const logDir = path.join(tmp, 'logs');
mkdirSync(logDir);
/** @type {ReturnType<typeof createCluster> | null} */
let cluster = null;
/** @type {Awaited<ReturnType<typeof startBalancer>> | null} */
let balancer = null;
/** @type {ReturnType<typeof startScraper> | null} */
let scraper = null;
/** @type {ReturnType<typeof createFleet> | null} */
let fleet = null;
/** @type {ReturnType<typeof createRest> | null} */
let rest = null;
/** @type {Promise<void> | null} */
let cleaning = null;
let tmpRemoved = false;

function removeTmp() {
  if (tmpRemoved) return;
  tmpRemoved = true;
  if (opt.keepLogs) {
    try {
      mkdirSync(opt.keepLogs, { recursive: true });
      cpSync(logDir, opt.keepLogs, { recursive: true });
      for (const [from, to] of [
        [path.join(tmp, 'redis', 'redis.log'), 'redis.log'],
        [path.join(tmp, 'db', 'gateway.log'), 'gateway.log'],
        [path.join(tmp, 'db', 'log', 'postgres.log'), 'postgres.log'],
      ]) {
        try {
          cpSync(from, path.join(opt.keepLogs, to));
        } catch {
          /* absent */
        }
      }
    } catch (err) {
      console.error(`could not keep the logs in ${opt.keepLogs}: ${/** @type {Error} */ (err).message}`);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

function cleanup() {
  cleaning ??= (async () => {
    try {
      await fleet?.closeAll();
    } catch {
      /* best effort */
    }
    await scraper?.stop().catch(() => undefined);
    await balancer?.close().catch(() => undefined);
    await cluster?.stopAll().catch((err) => console.error(`stopping the cluster: ${err.message}`));
    rest?.close();
    removeTmp();
  })();
  return cleaning;
}
process.on('exit', () => {
  cluster?.stopAllSync();
  removeTmp();
});
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(sig, () => {
    log(`${sig}: stopping everything this run started`);
    void cleanup().finally(() => process.exit(130));
  });
}
const deadline = setTimeout(() => {
  log(`hard deadline (${opt.deadlineMs / 60000} min) reached: stopping`);
  void cleanup().finally(() => process.exit(3));
}, opt.deadlineMs);
deadline.unref();

// ------------------------------------------------------------------------------------ helpers
/** @param {() => boolean} cond @param {number} timeoutMs @param {number} [every] */
async function waitUntil(cond, timeoutMs, every = 100) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (cond()) return true;
    await sleep(every);
  }
  return cond();
}

async function allHealthy() {
  if (!cluster) return false;
  const statuses = await Promise.all(cluster.instances.map((i) => (i.exited || i.stopped ? 0 : httpStatus(`http://127.0.0.1:${i.port}/health`, 2000))));
  return statuses.every((s) => s === 200);
}

/** Lifetime key → number of connected clients on it. */
function connectedBy() {
  /** @type {Record<string, number>} */
  const out = {};
  let n = 0;
  for (const c of /** @type {any} */ (fleet).clients) {
    if (!c.connected) continue;
    n += 1;
    if (c.lifetime) out[c.lifetime] = (out[c.lifetime] ?? 0) + 1;
  }
  return { by: out, n };
}

/**
 * A quiet point: no new sends, every pending send answered, every client connected, caught up and
 * presence-subscribed, deliveries drained; then every instance is scraped. Windows between two quiet
 * points compare the servers' counters with the clients' exactly.
 * @param {string} label
 */
async function quiesce(label) {
  const f = /** @type {NonNullable<typeof fleet>} */ (fleet);
  f.pause();
  const started = Date.now();
  const quiet = await waitUntil(() => f.unsettled() === 0 && f.allReady(), 20000, 50);
  await waitUntil(() => Date.now() - f.lastMessageNewAt > 400, 5000, 50);
  if (!quiet) log(`  ! quiet point "${label}" not reached in 20 s: ${f.unsettled()} sends pending, ${f.notReady()} clients not ready`);
  const scrapes = await /** @type {NonNullable<typeof scraper>} */ (scraper).now();
  const cb = connectedBy();
  const q = { label, t: Date.now(), quiet, scrapes, counters: structuredClone(f.counters), connectedBy: cb.by, connected: cb.n, tookMs: Date.now() - started };
  f.resume();
  return q;
}

// ------------------------------------------------------------------------------------ fixtures
/**
 * Users, direct conversations (each user in two: a ring of pairs) and groups of `groupSize`
 * (each user in two: blocks of 8 and blocks shifted by 4).
 * @param {NonNullable<typeof rest>} r @param {number} n @param {string} runId
 */
async function createFixtures(r, n, runId) {
  const password = 'chaos-password-123';
  const users = await mapLimit(n, 12, async (i) => {
    const email = `chaos-${runId}-${i}@chaos.example`;
    const res = await r.request('POST', '/api/v1/auth/signup', { name: `Chaos ${i}`, email, password });
    if (res.status !== 201) throw new Error(`signup ${i} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
    return { id: res.body.user.id, token: res.body.accessToken, refreshToken: res.body.refreshToken, email, password };
  });
  /** @type {{ id: string, kind: 'direct'|'group', members: number[] }[]} */
  const specs = [];
  for (let k = 0; k < n; k++) specs.push({ id: '', kind: 'direct', members: [k, (k + 1) % n] });
  const g = opt.groupSize;
  for (let j = 0; j + g <= n; j += g) specs.push({ id: '', kind: 'group', members: Array.from({ length: g }, (_, x) => j + x) });
  for (let j = g / 2; j + g <= n + g / 2 && j + g / 2 < n; j += g) specs.push({ id: '', kind: 'group', members: Array.from({ length: g }, (_, x) => (j + x) % n) });
  await mapLimit(specs.length, 12, async (k) => {
    const s = specs[k];
    const [first, ...rest_] = s.members;
    const body = s.kind === 'direct' ? { type: 'direct', userId: users[rest_[0]].id } : { type: 'group', title: `chaos group ${k}`, memberIds: rest_.map((m) => users[m].id) };
    const res = await r.request('POST', '/api/v1/conversations', body, users[first].token);
    if (res.status !== 200 && res.status !== 201) throw new Error(`conversation ${k} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
    s.id = res.body.id;
  });
  /** @type {import('./lib/fleet.mjs').Route[][]} */
  const routes = users.map(() => []);
  /** @type {Set<number>[]} */
  const peerSets = users.map(() => new Set());
  for (const s of specs) {
    for (const m of s.members) {
      routes[m].push({ conv: s.id, kind: s.kind, members: s.members, pending: null });
      for (const o of s.members) if (o !== m) peerSets[m].add(o);
    }
  }
  return { users, conversations: specs, routes, peers: peerSets.map((p) => [...p]) };
}

// ------------------------------------------------------------------------------------ the run
async function main() {
  log(`${short ? 'short' : 'full'} run: ${opt.clients} clients, ${opt.rate} msgs/s offered, faults ${opt.faults.join(', ')}; temp ${tmp}`);
  buildIfNeeded(root, false, log);
  for (const [script, what] of [
    ['documentdb.sh', 'the embedded database'],
    ['redis.sh', 'Redis'],
  ]) {
    const r = spawnSync('bash', [path.join(root, 'scripts', script), 'ensure'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`scripts/${script} ensure failed: ${what} is not available`);
  }
  cluster = createCluster({ root, appRoot: root, dir: tmp, logDir, log });
  const [dbPort, redisPort, ...appPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  cluster.startDatabase(dbPort);
  log(`database on 127.0.0.1:${dbPort}`);
  cluster.startRedis(redisPort);
  log(`redis on 127.0.0.1:${redisPort}`);
  await cluster.startInstance(0, appPorts[0]);
  await Promise.all([cluster.startInstance(1, appPorts[1]), cluster.startInstance(2, appPorts[2])]);
  const c = cluster;
  balancer = await startBalancer({ backends: appPorts.map((port) => ({ port })), log });
  const lb = balancer;
  log(`balancer on ${lb.url} → ${appPorts.join(', ')}`);
  scraper = startScraper({
    instances: () => c.instances.map((i) => ({ index: i.index, port: i.port, lifetime: i.lifetime, alive: !i.exited && !i.stopped })),
  });
  const sc = scraper;
  rest = createRest(lb.url, { maxSockets: 48 });
  const r = rest;

  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const fx = await createFixtures(r, opt.clients, runId);
  log(
    `fixtures: ${fx.users.length} users, ${fx.conversations.filter((s) => s.kind === 'direct').length} direct conversations, ${fx.conversations.filter((s) => s.kind === 'group').length} groups of ${opt.groupSize}`,
  );

  fleet = createFleet({ url: lb.url, rest: r, balancer: lb, users: fx.users, routes: fx.routes, peers: fx.peers, runTag: runId, ackTimeoutMs: opt.ackTimeoutMs, log });
  const f = fleet;
  await mapLimit(f.clients.length, 16, (i) => f.clients[i].start());
  if (!(await waitUntil(() => f.allReady(), 60000))) throw new Error(`${f.notReady()} clients not connected and subscribed after 60 s`);
  const spread = connectedBy().by;
  log(
    `clients connected: ${Object.entries(spread)
      .map(([k, v]) => `${v} on instance ${k}`)
      .join(', ')}`,
  );

  f.setRate(opt.rate);
  f.startScheduler();

  /** @type {string[]} faults not run (deadline) */
  const skipped = [];
  /** @type {any[]} windows between quiet points (steady and fault) */
  const windows = [];
  let q = await quiesce('start');
  /** @param {string} name */
  const steady = async (name) => {
    const phase = f.newPhase();
    const qa = q;
    await sleep(opt.baselineMs);
    q = await quiesce(`end of ${name}`);
    windows.push({ name, kind: 'steady', phase, qa, qb: q, check: deliveryCheck(f, phase) });
  };

  await steady('warm-up');
  for (const fault of opt.faults) {
    if (Date.now() - t0 > opt.deadlineMs - 150_000) {
      log(`! skipping the remaining faults (${opt.faults.slice(opt.faults.indexOf(fault)).join(', ')}): too close to the ${opt.deadlineMs / 60000} min deadline`);
      skipped.push(...opt.faults.slice(opt.faults.indexOf(fault)));
      break;
    }
    const w = await runFault(fault, q);
    q = w.qb;
    windows.push(w);
    log(`  ${w.title}: ${w.check.acked} acked, ${w.check.missing} deliveries missing, presence stale ${w.presence.final.stale}`);
    await steady(`steady after ${fault}`);
  }
  f.stopScheduler();

  // ---------------------------------------------------------------------------- final checks
  log('final catch-up of every client (departed ones too, as if they opened the app again)');
  await mapLimit(f.clients.length, 16, (i) => f.clients[i].finalSync());
  log("reading every conversation's history");
  const hist = await readHistory(r, fx.conversations, (i) => f.clients[i].user.token);
  const hc = historyCheck(f, hist.byConv);
  const finalDelivery = windows.map((w) => deliveryCheck(f, w.phase, { includeDeparted: true }));

  // Stored messages per window (by the server's createdAt), for the metric comparison.
  for (const w of windows) {
    let n = 0;
    for (const m of hc.stored.values()) {
      const t = Date.parse(m.createdAt);
      if (t > w.qa.t && t <= w.qb.t) n += 1;
    }
    w.storedInWindow = n;
  }
  /** @type {any[]} */
  const metricRows = [];
  for (const w of windows) {
    const P = f.phases[w.phase];
    const lost = (P.sendRefused['0'] ?? 0) + P.inFlightAtDisconnect;
    // A window whose quiet points were not reached has work in flight at its ends: only the bounds apply.
    const exact = w.kind === 'steady' && w.qa.quiet && w.qb.quiet;
    metricRows.push(
      ...compareMetrics({ name: w.title ?? w.name, steady: exact, qa: w.qa, qb: w.qb, storedInWindow: w.storedInWindow, killedBound: lost, answersLostBound: lost }, sc, f),
    );
  }

  // ---------------------------------------------------------------------------- report
  const unexpected = c.unexpectedExits();
  const serverErrors = scanLogs();
  /** @type {any[]} */
  const faultsOut = [];
  let barHolds = true;
  /** @type {string[]} */
  const reasons = [];
  for (const [k, w] of windows.entries()) {
    const P = f.phases[w.phase];
    const h = hc.perPhase[w.phase] ?? { lost: 0, duplicated: 0, outOfOrder: 0, examples: [] };
    const fd = finalDelivery[k];
    const durS = (w.qb.t - w.qa.t) / 1000;
    const ack = summarize(P.ackMs);
    const rc = summarize(P.reconnectMs);
    const cu = summarize(P.caughtUpMs);
    const dupCount = h.duplicated + P.duplicates.length;
    const order = w.check.order.outOfOrder + w.check.order.seqClashes + h.outOfOrder;
    const mrows = metricRows.filter((x) => x.window === (w.title ?? w.name));
    const mBad = mrows.filter((x) => !x.ok);
    const failures = P.sendFailures.length + P.syncFailures.length;
    const staleFinal = w.presence?.final.stale ?? 0;
    const problems = [];
    if (h.lost) problems.push(`${h.lost} lost`);
    if (dupCount) problems.push(`${dupCount} duplicated`);
    if (order) problems.push(`${order} out of order`);
    if (w.check.missing) problems.push(`${w.check.missing} deliveries missing after the clients' catch-up`);
    if (fd.missing) problems.push(`${fd.missing} deliveries missing after the final catch-up`);
    if (staleFinal) problems.push(`${staleFinal} stale presence views ${opt.settleMs / 1000} s after recovery`);
    if (failures) problems.push(`${failures} send/sync failures (4xx other than 429, 5xx other than 503, 410)`);
    if (mBad.length) problems.push(`${mBad.length} metric disagreements`);
    if (w.recoveryTimedOut) problems.push(`recovery not reached in ${opt.recoveryMs / 1000} s`);
    if (!w.qb.quiet) problems.push('quiet point not reached at the window end (checks may count work still in flight)');
    if (problems.length) {
      barHolds = false;
      reasons.push(`${w.title ?? w.name}: ${problems.join(', ')}`);
    }
    const fmtRec = (/** @type {Record<string, number>} */ rec) =>
      Object.entries(rec)
        .map(([s, n]) => `${s === '0' ? 'no answer' : s}×${n}`)
        .join(', ') || '0';
    /** @type {[string, string][]} */
    const rows = [
      [
        'window',
        `${durS.toFixed(1)} s${w.kind === 'fault' ? `; fault at +${((w.faultAt - w.qa.t) / 1000).toFixed(1)} s, recovered at +${((w.recoveredAt - w.qa.t) / 1000).toFixed(1)} s (${((w.recoveredAt - w.faultAt) / 1000).toFixed(1)} s after the fault)` : ''}`,
      ],
      [
        'sends offered → acknowledged',
        `${P.sent} (${(P.sent / durS).toFixed(0)}/s; ${opt.rate}/s offered while not paused) → ${w.check.acked} acknowledged (${(w.check.acked / durS).toFixed(0)}/s)${P.skipped ? `; ${P.skipped} not offered (pending cap or no free conversation)` : ''}`,
      ],
      ['ack latency p50 / p99 / max ms', `${ack.p50 ?? '—'} / ${ack.p99 ?? '—'} / ${ack.max ?? '—'}`],
      ['lost (acknowledged, not in the history)', String(h.lost)],
      ['duplicated (stored twice, or one id with two seqs)', String(dupCount)],
      ['out of seq order (clashes, sender order, history)', String(order)],
      ["never arrived after the clients' own catch-up (pairs / recipients)", `${w.check.missing} / ${w.check.missingRecipients}`],
      ['never arrived after the final catch-up (pairs / recipients)', `${fd.missing} / ${fd.missingRecipients}`],
      ['sends refused, retried (status×n)', fmtRec(P.sendRefused)],
      ['sends in flight when their connection dropped (re-sent)', String(P.inFlightAtDisconnect)],
      [
        'send / sync failures (not retryable)',
        failures
          ? [...P.sendFailures, ...P.syncFailures]
              .slice(0, 3)
              .map((x) => `${x.status} ${x.message}`)
              .join('; ') + (failures > 3 ? ` (+${failures - 3})` : '')
          : '0',
      ],
      ['/sync refused, retried', fmtRec(P.syncRefused)],
      ['handshakes refused (status×n) / connect errors', `${fmtRec(P.handshakeRefused)} / ${P.connectErrors}`],
      ['reconnects: n, p50 / p99 / max ms', `${rc.count}${rc.count ? `, ${rc.p50} / ${rc.p99} / ${rc.max}` : ''}`],
      ['caught up after a drop: p50 / p99 ms', cu.count ? `${cu.p50} / ${cu.p99}` : '—'],
      [
        'peak handshakes/s: servers (metric) / balancer',
        `${sc.peakRate('chatify_handshakes_total', {}, w.qa.t, w.qb.t) ?? 'metric missing'} / ${lb.peakPerSecond(w.qa.t, w.qb.t)}`,
      ],
      ['server disconnects / sync:required received', `${P.serverDisconnects} / ${P.syncRequired}`],
      ['reconnect policy advertised (delay/max/jitter ×n)', fmtRec(P.policies) === '0' ? 'none' : fmtRec(P.policies)],
      [
        'largest event-loop lag seen by /metrics (p99 / max ms)',
        `${fmtMs(sc.maxGauge('nodejs_eventloop_lag_p99_seconds', w.qa.t, w.qb.t))} / ${fmtMs(sc.maxGauge('nodejs_eventloop_lag_max_seconds', w.qa.t, w.qb.t))}`,
      ],
    ];
    if (w.kind === 'fault') {
      rows.push(['departed: vanished / logged off', `${w.vanished} / ${w.loggedOff}`]);
      rows.push([`stale presence ${opt.settleMs / 1000} s after recovery (pairs / users)`, `${staleFinal} / ${w.presence.final.staleUsers} of ${w.presence.final.pairs} pairs`]);
      rows.push([
        'presence right for good from',
        w.presence.convergedAfterMs === null ? `never within ${opt.settleMs / 1000} s` : `+${(w.presence.convergedAfterMs / 1000).toFixed(1)} s after recovery`,
      ]);
    }
    rows.push(['metrics vs clients', mBad.length ? `${mBad.length} of ${mrows.length} disagree (see the metrics table)` : `${mrows.length} agree`]);
    rows.push(['verdict', problems.length ? `FAIL: ${problems.join(', ')}` : 'pass']);
    const examples = [...h.examples, ...w.check.examples, ...fd.examples, ...w.check.order.examples, ...P.duplicates.slice(0, 3), ...(w.presence?.final.examples ?? [])].slice(
      0,
      8,
    );
    faultsOut.push({
      name: w.name,
      title: w.title ?? w.name,
      kind: w.kind,
      rows: Object.fromEntries(rows),
      examples,
      passed: problems.length === 0,
      problems,
      detail: w.detail ?? null,
    });
    if (w.kind === 'fault' || problems.length) {
      console.log(`\n### ${w.title ?? w.name}\n`);
      console.log(renderKeyValue(rows));
      for (const e of examples) console.log(`  e.g. ${e}`);
    }
  }
  console.log('\n### metrics (GET /metrics of every instance lifetime) vs the clients, per window between quiet points\n');
  console.log(
    renderTable(
      ['window', 'metric', 'servers', 'clients', 'verdict'],
      metricRows.map((x) => [x.window, x.metric, x.server === null ? '—' : String(x.server), String(x.clients), x.verdict + (x.note ? ` [${x.note}]` : '')]),
    ),
  );

  const allAck = f.messages.filter((m) => m.status === 'acked').length;
  const allAckMs = summarize(f.messages.filter((m) => m.status === 'acked').map((m) => m.ackAt - m.firstSentAt));
  const loadS = windows.reduce((s, w) => s + (w.qb.t - w.qa.t), 0) / 1000;
  /** @type {[string, string][]} */
  const summary = [
    ['clients / conversations', `${opt.clients} / ${fx.conversations.length} (${fx.conversations.filter((s) => s.kind === 'group').length} groups of ${opt.groupSize})`],
    ['messages acknowledged', `${allAck} in ${loadS.toFixed(0)} s of load (${(allAck / loadS).toFixed(0)}/s achieved, ${opt.rate}/s offered)`],
    ['ack latency p50 / p99 / max ms (whole run)', `${allAckMs.p50} / ${allAckMs.p99} / ${allAckMs.max}`],
    ['stored messages (history)', String(hc.stored.size)],
    ['history read errors', hist.errors.length ? hist.errors.slice(0, 3).join('; ') : '0'],
    [
      'instances that died unexpectedly',
      unexpected.length ? unexpected.map((u) => `instance ${u.index} lifetime ${u.lifetime} (code ${u.code}, signal ${u.signal}; ${u.logFile})`).join('; ') : '0',
    ],
    ['server log lines at level error/fatal (5xx, crashes)', serverErrors.count ? `${serverErrors.count}: ${serverErrors.examples.join(' | ')}` : '0'],
    ['sends abandoned by clients that went away', String(f.messages.filter((m) => m.status === 'abandoned').length)],
    ['wall time', `${((Date.now() - t0) / 1000).toFixed(0)} s`],
  ];
  if (skipped.length) {
    barHolds = false;
    reasons.push(`faults not run before the deadline: ${skipped.join(', ')}`);
  }
  if (hist.errors.length) {
    barHolds = false;
    reasons.push('history could not be read completely');
  }
  if (unexpected.length) {
    barHolds = false;
    reasons.push('an instance died that the run did not kill');
  }
  console.log('\n### summary\n');
  console.log(renderKeyValue(summary));
  console.log('');
  console.log(barHolds ? 'chaos: PASS: 0 lost, 0 duplicated, 0 out of order, 0 undelivered, 0 stale presence, metrics agree' : `chaos: FAIL: ${reasons.join(' | ')}`);

  if (opt.json) {
    const out = {
      targets: 1,
      passed: barHolds ? 1 : 0,
      failed: barHolds ? 0 : 1,
      options: { ...opt, json: undefined, keepLogs: undefined },
      faults: faultsOut,
      metrics: metricRows,
      summary: Object.fromEntries(summary),
      reasons,
    };
    mkdirSync(path.dirname(path.resolve(opt.json)), { recursive: true });
    writeFileSync(opt.json, JSON.stringify(out, null, 2));
  }
  return barHolds ? 0 : 1;
}

/** @param {number | null} s seconds */
const fmtMs = (s) => (s === null ? '—' : String(Math.round(s * 1000)));

/** Server log lines at level error (50) or fatal (60), per instance lifetime. */
function scanLogs() {
  let count = 0;
  /** @type {string[]} */
  const examples = [];
  try {
    for (const file of /** @type {string[]} */ (spawnSync('ls', [logDir]).stdout.toString().split('\n').filter(Boolean))) {
      const text = spawnSync('grep', ['-E', '"level":(50|60)', path.join(logDir, file)]).stdout.toString();
      for (const line of text.split('\n').filter(Boolean)) {
        count += 1;
        if (examples.length < 3) {
          let msg = line.slice(0, 200);
          try {
            const j = JSON.parse(line);
            msg = `${file}: ${j.msg ?? ''} ${j.err?.message ?? ''} ${j.res?.statusCode ?? ''} ${j.req?.url ?? ''}`.trim();
          } catch {
            /* raw */
          }
          examples.push(msg);
        }
      }
    }
  } catch {
    /* none */
  }
  return { count, examples };
}

// ------------------------------------------------------------------------------------ faults
/**
 * One fault: (quiet point qa) → logoffs + the fault → recovery → presence watched for settleMs → quiet point.
 * @param {string} kind @param {any} qa
 */
async function runFault(kind, qa) {
  const f = /** @type {NonNullable<typeof fleet>} */ (fleet);
  const c = /** @type {NonNullable<typeof cluster>} */ (cluster);
  const lb = /** @type {NonNullable<typeof balancer>} */ (balancer);
  const sc = /** @type {NonNullable<typeof scraper>} */ (scraper);
  const phase = f.newPhase();
  /** @type {any} */
  const w = { name: kind, kind: 'fault', phase, qa, faultAt: Date.now(), vanished: 0, loggedOff: 0, detail: {} };
  const busiest = (/** @type {number[]} */ except = []) => {
    const by = connectedBy().by;
    let best = -1;
    let n = -1;
    for (const inst of c.instances) {
      if (except.includes(inst.index)) continue;
      const k = by[`${inst.index}.${inst.lifetime}`] ?? 0;
      if (k > n) {
        n = k;
        best = inst.index;
      }
    }
    return best;
  };
  const clientsOn = (/** @type {number} */ i) => f.clients.filter((x) => !x.departed && x.connected && x.lifetime === `${i}.${c.instances[i].lifetime}`);
  const vanishSome = (/** @type {number} */ i, /** @type {boolean} */ closeNow) => {
    const on = clientsOn(i);
    const k = Math.max(1, Math.round(on.length * opt.vanishShare));
    for (const x of on.sort(() => Math.random() - 0.5).slice(0, k)) x.vanish(closeNow);
    w.vanished += k;
  };
  // A few clients log off normally meanwhile.
  const logoffs = f
    .active()
    .sort(() => Math.random() - 0.5)
    .slice(0, opt.logoffsPerFault)
    .map((x) => x.logOff());
  w.loggedOff = logoffs.length;

  log(`fault: ${kind}`);
  if (kind === 'kill') {
    const i = busiest();
    w.title = `kill -9 instance ${i} and restart it`;
    vanishSome(i, false);
    await sc.now(i); // the last figures of this lifetime
    w.detail.killed = `${i}.${c.instances[i].lifetime}`;
    w.faultAt = Date.now();
    await c.kill9(i);
    await sleep(1000);
    lb.newLifetime(i);
    await c.startInstance(i, c.instances[i].port);
  } else if (kind === 'redis') {
    w.title = 'restart Redis (all keys lost)';
    w.faultAt = Date.now();
    c.stopRedis();
    await sleep(opt.downMs);
    c.startRedis(c.redisPort);
  } else if (kind === 'db') {
    w.title = 'restart the database (gateway, then PostgreSQL)';
    w.faultAt = Date.now();
    c.stopDatabase();
    await sleep(opt.downMs);
    c.restartDatabase();
  } else if (kind === 'stop') {
    const i = busiest([]);
    w.title = `SIGSTOP instance ${i} for ${opt.pauseMs / 1000} s, then SIGCONT`;
    vanishSome(i, true);
    w.faultAt = Date.now();
    c.pause(i);
    await sleep(opt.pauseMs);
    c.resume(i);
  } else if (kind === 'drop' || kind === 'drop30') {
    const share = kind === 'drop' ? 1 : 0.3;
    w.title = share === 1 ? 'drop every client TCP connection at once (balancer RST)' : 'drop a random 30% of client TCP connections';
    w.faultAt = Date.now();
    w.detail.dropped = lb.drop(share);
  }
  w.faultEndAt = Date.now();
  await Promise.all(logoffs);
  let lastNote = Date.now();
  const recovered = await waitUntilAsync(async () => {
    const ready = f.allReady();
    const healthy = await allHealthy();
    if (Date.now() - lastNote > 10000) {
      lastNote = Date.now();
      log(`  waiting for recovery: ${f.describeNotReady()}; instances healthy: ${healthy}`);
    }
    return ready && healthy;
  }, opt.recoveryMs);
  w.recoveredAt = Date.now();
  w.recoveryTimedOut = !recovered;
  if (!recovered) log(`  ! not recovered after ${opt.recoveryMs / 1000} s: ${f.describeNotReady()}; instances healthy: ${await allHealthy()}`);
  else log(`  recovered ${((w.recoveredAt - w.faultAt) / 1000).toFixed(1)} s after the fault`);
  // Presence: watched until settleMs after recovery; "right for good from" = since when it stayed right.
  let convergedAt = /** @type {number | null} */ (null);
  const until = w.recoveredAt + opt.settleMs;
  while (Date.now() < until) {
    const p = presenceCheck(f);
    if (p.stale === 0 && p.unjudged === 0) convergedAt ??= Date.now();
    else convergedAt = null;
    await sleep(500);
  }
  const final = presenceCheck(f, 0);
  if (final.stale !== 0) convergedAt = null;
  w.presence = { final, convergedAfterMs: convergedAt === null ? null : Math.max(0, convergedAt - w.recoveredAt) };
  w.qb = await quiesce(`after ${kind}`);
  w.check = deliveryCheck(f, phase);
  return w;
}

/** @param {() => Promise<boolean>} cond @param {number} timeoutMs */
async function waitUntilAsync(cond, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return true;
    await sleep(250);
  }
  return false;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`chaos: ERROR: ${err?.stack ?? err}`);
    if (opt.json) {
      try {
        writeFileSync(opt.json, JSON.stringify({ targets: 1, passed: 0, failed: 1, error: String(err?.message ?? err), faults: [] }, null, 2));
      } catch {
        /* ignore */
      }
    }
    await cleanup();
    process.exit(1);
  });
