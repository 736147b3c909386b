// The load generator: one forked process per (scenario, target), never the server's process.
// It receives its job from bench/run.mjs over the IPC channel, drives the target on loopback with
// socket.io-client / node:http, and answers with one result object. Every loop is bounded by a
// message count and a deadline, and the process exits by itself (hard deadline: job.maxMs).
//
// IPC protocol:  parent → { type: 'run', job }            child → { type: 'result', result }
//                child  → { type: 'probe', label }         parent → { type: 'probed', label, data }
import { io } from 'socket.io-client';
import { summarize, round } from './lib/stats.mjs';
import { createJsonClient } from './lib/http.mjs';

/**
 * @typedef {{ id: string, token: string }} BenchUser
 * @typedef {{ a: number, b: number, conversationId: string }} BenchPair   indexes into users
 * @typedef {{
 *   scenario: 'throughput' | 'latency' | 'fanout' | 'idle' | 'rest',
 *   target: { name: string, url: string },
 *   users: BenchUser[],
 *   pairs: BenchPair[],
 *   group?: { id: string, members: number[] },
 *   params: Record<string, any>,
 *   tag: string,
 *   maxMs: number,
 * }} Job
 */

const TEXT = 'Benchmark message: the quick brown fox jumps over the lazy dog, 0123456789 abcdefghijklmnopqrstuvwxyz.';
const now = () => performance.now();
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @type {Map<string, (data: any) => void>} */
const probeWaiters = new Map();
let probeSeq = 0;

/**
 * Asks the orchestrator to read the server's RSS and CPU time now.
 * @param {string} label
 * @returns {Promise<{ rssKiB: number|null, heapUsed?: number|null, cpuMs: number|null, dbCpuMs: number|null, machine: {busy:number,total:number}|null } | null>}
 */
function probe(label) {
  if (!process.send) return Promise.resolve(null);
  const key = `${label}#${++probeSeq}`;
  return new Promise((resolve) => {
    probeWaiters.set(key, (data) => {
      const own = process.cpuUsage();
      resolve(data && { ...data, loadgenCpuMs: (own.user + own.system) / 1000 });
    });
    process.send?.({ type: 'probe', label: key });
  });
}

/**
 * Server-side cost between two probes.
 * @param {any} a @param {any} b @param {number} units  messages or deliveries in the window
 */
function serverCost(a, b, units) {
  if (!a || !b) return null;
  const cpu = a.cpuMs !== null && b.cpuMs !== null ? b.cpuMs - a.cpuMs : null;
  const db = a.dbCpuMs !== null && b.dbCpuMs !== null ? b.dbCpuMs - a.dbCpuMs : null;
  const wall = b.at - a.at;
  const machineBusyMs = a.machine && b.machine ? b.machine.busy - a.machine.busy : null;
  const loadgen = b.loadgenCpuMs - a.loadgenCpuMs;
  return {
    serverCpuCores: cpu === null ? null : round(cpu / wall),
    dbCpuCores: db === null ? null : round(db / wall),
    loadgenCpuCores: round(loadgen / wall),
    machineBusyCores: machineBusyMs === null ? null : round(machineBusyMs / wall),
    // CPU used by everything else on the machine meanwhile (other jobs): the noise in this figure.
    otherCpuCores: machineBusyMs === null || cpu === null ? null : round(Math.max(0, machineBusyMs - cpu - (db ?? 0) - loadgen) / wall),
    serverCpuUsPerUnit: cpu === null || units === 0 ? null : round((cpu * 1000) / units),
    dbCpuUsPerUnit: db === null || units === 0 ? null : round((db * 1000) / units),
    serverRssMiB: b.rssKiB === null ? null : round(b.rssKiB / 1024),
    database: wireDiff(a.wire, b.wire, units),
    // From the app's /metrics: every command the driver sent (a bulk write is one command).
    dbCommandsPerUnit: a.metrics && b.metrics && units > 0 ? round((b.metrics.dbCommands - a.metrics.dbCommands) / units) : null,
    meanSendBatch:
      a.metrics && b.metrics && b.metrics.batches > a.metrics.batches ? round((b.metrics.batched - a.metrics.batched) / (b.metrics.batches - a.metrics.batches)) : null,
  };
}

/**
 * Database round trips between two probes (only in `--profile` runs), per unit of work.
 * @param {any} a @param {any} b @param {number} units
 */
function wireDiff(a, b, units) {
  if (!a || !b) return undefined;
  if (units === 0) return { roundTripsPerUnit: null, commands: [], unansweredAtEnd: b.waiting };
  /** @type {{ command: string, perUnit: number | null, meanMs: number | null }[]} */
  const commands = [];
  for (const [key, v] of Object.entries(b.byKey)) {
    const before = a.byKey[key] ?? { count: 0, totalMs: 0 };
    const count = /** @type {any} */ (v).count - before.count;
    if (count <= 0) continue;
    // Prettier 3.10 moves this JSDoc cast into the parentheses around it, a little further on each run.
    // prettier-ignore
    commands.push({ command: key, perUnit: round(count / units), meanMs: round((/** @type {any} */ (v).totalMs - before.totalMs) / count) });
  }
  commands.sort((x, y) => (y.perUnit ?? 0) - (x.perUnit ?? 0));
  return { roundTripsPerUnit: round((b.total - a.total) / units), commands, unansweredAtEnd: b.waiting };
}

/**
 * Opens one Socket.IO connection per entry of `userIdxs` (several may share a user), at most
 * `concurrency` handshakes at a time.
 * @param {Job} job
 * @param {number[]} userIdxs
 * @param {number} concurrency
 * @param {(msg: any, userIdx: number) => void} [onMessage]
 */
async function connectAll(job, userIdxs, concurrency, onMessage) {
  /** @type {{ socket: import('socket.io-client').Socket, userIdx: number }[]} */
  const conns = new Array(userIdxs.length);
  const errors = /** @type {Record<string, number>} */ ({});
  let next = 0;
  const started = now();
  async function worker() {
    while (next < userIdxs.length) {
      const i = next++;
      const userIdx = userIdxs[i];
      const socket = io(`${job.target.url}/chat`, {
        auth: { token: job.users[userIdx].token },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: 20000,
      });
      if (onMessage) socket.on('message:new', (msg) => onMessage(msg, userIdx));
      conns[i] = { socket, userIdx };
      await new Promise((resolve) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('connect_error', (err) => {
          errors[err.message] = (errors[err.message] ?? 0) + 1;
          resolve(undefined);
        });
      });
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, userIdxs.length) }, worker));
  const connected = conns.filter((c) => c.socket.connected).length;
  return { conns, connected, errors, ms: now() - started };
}

/** @param {{ socket: import('socket.io-client').Socket }[]} conns */
async function closeAll(conns) {
  for (const c of conns) c?.socket.disconnect();
  await sleep(200);
}

/**
 * Book-keeping for numbered messages: clientId = `<tag>.<i>`; typed arrays keep it cheap.
 * @param {string} tag
 * @param {number} capacity
 */
function createLedger(tag, capacity) {
  const prefix = `${tag}.`;
  const l = {
    prefix,
    capacity,
    count: 0,
    scheduledAt: new Float64Array(capacity),
    sentAt: new Float64Array(capacity),
    ackAt: new Float64Array(capacity),
    deliveredAt: new Float64Array(capacity), // first delivery to a non-sender member
    lastDeliveredAt: new Float64Array(capacity),
    deliveries: new Int32Array(capacity),
    ackStatus: new Int16Array(capacity), // 0 pending, 1 ok, otherwise the error status
    duplicates: 0,
    foreign: 0,
    echoes: 0,
    /** @type {Record<string, number>} */
    ackErrors: {},
    /** @param {any} msg @returns {number} */
    indexOf(msg) {
      const cid = msg?.clientId;
      if (typeof cid !== 'string' || !cid.startsWith(prefix)) return -1;
      const i = Number(cid.slice(prefix.length));
      return Number.isInteger(i) && i >= 0 && i < l.count ? i : -1;
    },
  };
  return l;
}

/**
 * Emits one `message:send` and records its ack in the ledger.
 * @param {ReturnType<typeof createLedger>} ledger
 * @param {import('socket.io-client').Socket} socket
 * @param {string} conversationId
 * @param {number} i
 * @param {(i: number) => void} [onAck]
 */
function sendOne(ledger, socket, conversationId, i, onAck) {
  ledger.sentAt[i] = now();
  socket.emit('message:send', { conversationId, text: TEXT, clientId: `${ledger.prefix}${i}` }, (/** @type {any} */ answer) => {
    ledger.ackAt[i] = now();
    if (answer && answer.ok === true) ledger.ackStatus[i] = 1;
    else {
      const status = Number(answer?.error?.status) || 999;
      ledger.ackStatus[i] = status;
      ledger.ackErrors[status] = (ledger.ackErrors[status] ?? 0) + 1;
    }
    onAck?.(i);
  });
}

/**
 * Loss accounting over the first `count` messages of a ledger.
 * @param {ReturnType<typeof createLedger>} ledger
 * @param {number} expectedDeliveries per message
 */
function lossOf(ledger, expectedDeliveries) {
  let acked = 0;
  let ackFailed = 0;
  let unacked = 0;
  let ackedNotDelivered = 0;
  let deliveredNotAcked = 0;
  let missingDeliveries = 0;
  for (let i = 0; i < ledger.count; i++) {
    const s = ledger.ackStatus[i];
    if (s === 1) acked++;
    else if (s === 0) unacked++;
    else ackFailed++;
    const d = ledger.deliveries[i];
    if (s === 1 && d < expectedDeliveries) ackedNotDelivered++;
    if (s !== 1 && d > 0) deliveredNotAcked++;
    if (d < expectedDeliveries) missingDeliveries += expectedDeliveries - d;
  }
  return {
    sent: ledger.count,
    acked,
    ackFailed,
    ackErrors: ledger.ackErrors,
    unacked,
    ackedNotDelivered,
    deliveredNotAcked,
    missingDeliveries,
    duplicates: ledger.duplicates,
    lost: unacked + ackFailed + ackedNotDelivered,
  };
}

/**
 * After the last send: waits until nothing is outstanding, for at most `maxMs`, and gives up
 * early when the server's own pace says it would need more than `hopelessS` seconds to finish
 * (an overloaded server: waiting longer would change no figure, only the run's length).
 * @param {() => number} outstanding messages not yet acked and delivered
 * @param {number} maxMs
 * @param {number} [hopelessS]
 */
async function drain(outstanding, maxMs, hopelessS = 60) {
  const start = now();
  let lastAt = start;
  let lastLeft = outstanding();
  for (;;) {
    const left = outstanding();
    const t = now();
    if (left === 0) return { ms: round(t - start), outstanding: 0, gaveUp: false };
    if (t - start >= maxMs) return { ms: round(t - start), outstanding: left, gaveUp: false };
    if (t - lastAt >= 1000) {
      const pace = (lastLeft - left) / ((t - lastAt) / 1000);
      lastAt = t;
      lastLeft = left;
      if (t - start >= 2000 && left / Math.max(pace, 0.001) > hopelessS) return { ms: round(t - start), outstanding: left, gaveUp: true };
    }
    await sleep(50);
  }
}

/**
 * Direct-pair delivery: handler for `message:new` that fills the ledger.
 * @param {Job} job @param {ReturnType<typeof createLedger>} ledger
 */
function directDeliveryHandler(job, ledger) {
  return (/** @type {any} */ msg, /** @type {number} */ userIdx) => {
    if (msg?.senderId === job.users[userIdx].id) {
      ledger.echoes++;
      return;
    }
    const i = ledger.indexOf(msg);
    if (i < 0) {
      ledger.foreign++;
      return;
    }
    if (ledger.deliveries[i]++ === 0) ledger.deliveredAt[i] = now();
    else ledger.duplicates++;
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/**
 * Closed loop over N connected users in N/2 direct pairs: `inFlight` sends are outstanding at all
 * times; each ack releases the next send, from the next user in turn (so every connection sends
 * and receives). A message counts when it is both acked and delivered inside the window.
 * Bounding the sends in flight (instead of one per user) keeps the queue, and so the latency, the
 * same for N = 200 and N = 1,000: what changes with N is the connections, rooms and data.
 * @param {Job} job
 */
async function throughput(job) {
  const { users: n, inFlight, warmupMs, durationMs, drainMs, maxMessages, connectConcurrency = 100 } = job.params;
  const pairs = job.pairs.slice(0, n / 2);
  const ledger = createLedger(job.tag, maxMessages);
  const userIdxs = pairs.flatMap((p) => [p.a, p.b]);
  const { conns, connected, errors, ms: connectMs } = await connectAll(job, userIdxs, connectConcurrency, directDeliveryHandler(job, ledger));
  if (connected < userIdxs.length) {
    await closeAll(conns);
    return { error: `only ${connected}/${userIdxs.length} connected`, connectErrors: errors };
  }
  let sending = true;
  let nextSender = 0;
  const pump = () => {
    if (!sending || ledger.count >= ledger.capacity) return;
    const i = ledger.count++;
    const c = nextSender;
    nextSender = (nextSender + 1) % conns.length;
    // Connection c belongs to pair c >> 1; its partner is c ^ 1.
    sendOne(ledger, conns[c].socket, pairs[c >> 1].conversationId, i, pump);
  };
  const t0 = now();
  for (let k = 0; k < Math.min(inFlight, conns.length * 4); k++) pump();
  await sleep(warmupMs);
  const winStart = now();
  const p0 = await probe('start');
  await sleep(durationMs);
  const winEnd = now();
  const p1 = await probe('end');
  sending = false;
  const sentTotal = ledger.count;
  const pendingDirect = () => {
    let left = 0;
    for (let i = 0; i < sentTotal; i++) if (ledger.ackStatus[i] === 0 || (ledger.ackStatus[i] === 1 && ledger.deliveries[i] === 0)) left++;
    return left;
  };
  // Closed loop: what is in flight needs about inFlight / pace to finish; allow three times that.
  const paceSoFar = ledger.count / Math.max(0.001, (winEnd - t0) / 1000);
  const drained = await drain(pendingDirect, Math.max(drainMs, Math.min(60000, (3000 * inFlight) / Math.max(paceSoFar, 0.001))));
  let completed = 0;
  const ackLat = [];
  const e2eLat = [];
  // Completions per second of the window: a falling line means each send costs more as data grows.
  const perSecond = new Array(Math.max(1, Math.floor((winEnd - winStart) / 1000))).fill(0);
  for (let i = 0; i < ledger.count; i++) {
    if (ledger.ackStatus[i] !== 1 || ledger.deliveries[i] === 0) continue;
    const doneAt = Math.max(ledger.ackAt[i], ledger.deliveredAt[i]);
    if (doneAt >= winStart && doneAt < winEnd) {
      completed++;
      const bucket = Math.floor((doneAt - winStart) / 1000);
      if (bucket < perSecond.length) perSecond[bucket]++;
      ackLat.push(ledger.ackAt[i] - ledger.sentAt[i]);
      e2eLat.push(ledger.deliveredAt[i] - ledger.sentAt[i]);
    }
  }
  await closeAll(conns);
  const windowS = (winEnd - winStart) / 1000;
  return {
    connections: connected,
    connectMs: round(connectMs),
    inFlight,
    windowS: round(windowS),
    totalS: round((winEnd - t0) / 1000),
    messagesPerS: round(completed / windowS),
    perSecond,
    drain: drained,
    completedInWindow: completed,
    ackLatencyMs: summarize(ackLat),
    e2eLatencyMs: summarize(e2eLat),
    loss: lossOf(ledger, 1),
    echoes: ledger.echoes,
    server: serverCost(p0, p1, completed),
  };
}

/**
 * Open loop at a fixed offered rate over N/2 direct pairs; latency from the *scheduled* send time
 * to the recipient's `message:new` (so a stalled generator or server cannot hide queueing).
 * @param {Job} job
 */
async function latency(job) {
  const { users: n, rate, warmupMs, durationMs, drainMs, connectConcurrency = 100 } = job.params;
  const pairs = job.pairs.slice(0, n / 2);
  const total = Math.round((rate * (warmupMs + durationMs)) / 1000);
  const warmupCount = Math.round((rate * warmupMs) / 1000);
  const ledger = createLedger(job.tag, total);
  const userIdxs = pairs.flatMap((p) => [p.a, p.b]);
  const { conns, connected, errors } = await connectAll(job, userIdxs, connectConcurrency, directDeliveryHandler(job, ledger));
  if (connected < userIdxs.length) {
    await closeAll(conns);
    return { error: `only ${connected}/${userIdxs.length} connected`, connectErrors: errors };
  }
  const interval = 1000 / rate;
  const t0 = now() + 5;
  let maxLag = 0;
  /** @type {any} */
  let p0 = null;
  let measureStart = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const t = now();
      const due = Math.min(total, Math.floor((t - t0) / interval) + 1);
      while (ledger.count < due) {
        const i = ledger.count++;
        ledger.scheduledAt[i] = t0 + i * interval;
        const c = i % conns.length;
        sendOne(ledger, conns[c].socket, pairs[c >> 1].conversationId, i);
        const lag = ledger.sentAt[i] - ledger.scheduledAt[i];
        if (i >= warmupCount && lag > maxLag) maxLag = lag;
        if (i === warmupCount) {
          measureStart = ledger.scheduledAt[i];
          probe('start').then((d) => (p0 = d));
        }
      }
      if (ledger.count >= total) resolve(undefined);
      else setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, t0 - now()));
  });
  const sendEnd = now();
  const p1 = await probe('end');
  const drained = await drain(() => {
    let left = 0;
    for (let i = 0; i < total; i++) if (ledger.ackStatus[i] === 0 || (ledger.ackStatus[i] === 1 && ledger.deliveries[i] === 0)) left++;
    return left;
  }, drainMs);
  const e2e = [];
  const ack = [];
  let lastDelivery = 0;
  for (let i = warmupCount; i < total; i++) {
    if (ledger.ackStatus[i] === 1) ack.push(ledger.ackAt[i] - ledger.scheduledAt[i]);
    if (ledger.deliveries[i] > 0) {
      e2e.push(ledger.deliveredAt[i] - ledger.scheduledAt[i]);
      lastDelivery = Math.max(lastDelivery, ledger.deliveredAt[i]);
    }
  }
  await closeAll(conns);
  const measured = total - warmupCount;
  return {
    connections: connected,
    offeredPerS: rate,
    measuredMessages: measured,
    achievedSendPerS: round(measured / ((sendEnd - measureStart) / 1000)),
    deliveredPerS: lastDelivery ? round(e2e.length / ((lastDelivery - measureStart) / 1000)) : 0,
    generatorMaxLagMs: round(maxLag),
    drain: drained,
    e2eLatencyMs: summarize(e2e),
    ackLatencyMs: summarize(ack),
    loss: lossOf(ledger, 1),
    server: serverCost(p0, p1, measured),
  };
}

/**
 * One group: every member connected; `senders` members send closed-loop; each message must reach
 * every other member. Deliveries/s counts `message:new` received by non-senders in the window.
 * @param {Job} job
 */
async function fanout(job) {
  const { members: m, senders: s, warmupMs, durationMs, drainMs, maxMessages, connectConcurrency = 100 } = job.params;
  const group = /** @type {NonNullable<Job['group']>} */ (job.group);
  const memberIdxs = group.members.slice(0, m);
  const ledger = createLedger(job.tag, maxMessages);
  const expected = memberIdxs.length - 1;
  let deliveriesTotal = 0;
  /** @type {number[]} */
  const deliveryTimes = [];
  let recordTimes = false;
  const onMessage = (/** @type {any} */ msg, /** @type {number} */ userIdx) => {
    if (msg?.senderId === job.users[userIdx].id) {
      ledger.echoes++;
      return;
    }
    const i = ledger.indexOf(msg);
    if (i < 0) {
      ledger.foreign++;
      return;
    }
    const t = now();
    deliveriesTotal++;
    if (recordTimes) deliveryTimes.push(t);
    const d = ++ledger.deliveries[i];
    if (d === 1) ledger.deliveredAt[i] = t;
    if (d === expected) ledger.lastDeliveredAt[i] = t;
    if (d > expected) ledger.duplicates++;
  };
  const { conns, connected, errors } = await connectAll(job, memberIdxs, connectConcurrency, onMessage);
  if (connected < memberIdxs.length) {
    await closeAll(conns);
    return { error: `only ${connected}/${memberIdxs.length} connected`, connectErrors: errors };
  }
  let sending = true;
  const pump = (/** @type {number} */ c) => {
    if (!sending || ledger.count >= ledger.capacity) return;
    const i = ledger.count++;
    sendOne(ledger, conns[c].socket, group.id, i, () => pump(c));
  };
  for (let c = 0; c < s; c++) pump(c);
  await sleep(warmupMs);
  recordTimes = true;
  const winStart = now();
  const firstInWindow = ledger.count;
  const p0 = await probe('start');
  await sleep(durationMs);
  const winEnd = now();
  const p1 = await probe('end');
  sending = false;
  const sentTotal = ledger.count;
  const drained = await drain(() => {
    let left = 0;
    for (let i = 0; i < sentTotal; i++) if (ledger.ackStatus[i] === 0 || (ledger.ackStatus[i] === 1 && ledger.deliveries[i] < expected)) left++;
    return left;
  }, drainMs);
  let inWindow = 0;
  for (const t of deliveryTimes) if (t >= winStart && t < winEnd) inWindow++;
  const fanoutLat = [];
  const firstLat = [];
  for (let i = firstInWindow; i < sentTotal; i++) {
    if (ledger.deliveries[i] >= expected) fanoutLat.push(ledger.lastDeliveredAt[i] - ledger.sentAt[i]);
    if (ledger.deliveries[i] > 0) firstLat.push(ledger.deliveredAt[i] - ledger.sentAt[i]);
  }
  await closeAll(conns);
  const windowS = (winEnd - winStart) / 1000;
  return {
    members: memberIdxs.length,
    senders: s,
    windowS: round(windowS),
    deliveriesPerS: round(inWindow / windowS),
    drain: drained,
    messagesPerS: round(inWindow / expected / windowS),
    firstDeliveryLatencyMs: summarize(firstLat),
    fullFanoutLatencyMs: summarize(fanoutLat),
    deliveriesTotal,
    loss: lossOf(ledger, expected),
    server: serverCost(p0, p1, inWindow),
  };
}

/**
 * Idle connections: the server's RSS before and after opening `levels` connections (cumulative),
 * users reused round-robin (a user may hold several connections, like tabs).
 * @param {Job} job
 */
async function idle(job) {
  const { levels, settleMs, connectConcurrency = 200 } = job.params;
  const base = await probe('base');
  /** @type {any[]} */
  const out = [];
  /** @type {{ socket: import('socket.io-client').Socket, userIdx: number }[]} */
  const all = [];
  let failed = 0;
  /** @type {Record<string, number>} */
  const errors = {};
  for (const level of levels) {
    const need = level - all.length;
    const idxs = Array.from({ length: need }, (_, k) => (all.length + k) % job.users.length);
    const r = await connectAll(job, idxs, connectConcurrency);
    all.push(...r.conns);
    failed += need - r.connected;
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    await sleep(settleMs);
    const p = await probe(`level-${level}`);
    const connected = all.filter((c) => c.socket.connected).length;
    const deltaKiB = p && base && p.rssKiB !== null && base.rssKiB !== null ? p.rssKiB - base.rssKiB : null;
    out.push({
      connections: connected,
      target: level,
      connectPerS: round(r.connected / (r.ms / 1000)),
      rssMiB: p?.rssKiB ? round(p.rssKiB / 1024) : null,
      rssDeltaMiB: deltaKiB === null ? null : round(deltaKiB / 1024),
      rssPerConnectionKiB: deltaKiB === null || connected === 0 ? null : round(deltaKiB / connected),
      heapPerConnectionKiB: p?.heapUsed && base?.heapUsed && connected ? round((p.heapUsed - base.heapUsed) / 1024 / connected) : null,
    });
  }
  await closeAll(all);
  return { baseRssMiB: base?.rssKiB ? round(base.rssKiB / 1024) : null, levels: out, failed, connectErrors: errors };
}

/**
 * REST: `concurrency` keep-alive clients POST /api/v1/messages closed-loop into their pair's
 * direct conversation.
 * @param {Job} job
 */
async function rest(job) {
  const { concurrency, warmupMs, durationMs, maxMessages } = job.params;
  const client = createJsonClient(job.target.url, { maxSockets: concurrency });
  /** @type {number[]} */
  const lat = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  let count = 0;
  let inWindow = 0;
  let phase = 'warmup';
  const t0 = now();
  const winStart = t0 + warmupMs;
  const winEnd = winStart + durationMs;
  /** @type {any} */
  let p0 = null;
  const p0Timer = setTimeout(() => probe('start').then((d) => (p0 = d)), warmupMs);
  let errors = 0;
  async function worker(/** @type {number} */ w) {
    const pair = job.pairs[w >> 1];
    const user = job.users[w % 2 === 0 ? pair.a : pair.b];
    while (now() < winEnd && count < maxMessages) {
      const i = count++;
      const started = now();
      try {
        const res = await client.request('POST', '/api/v1/messages', { conversationId: pair.conversationId, text: TEXT, clientId: `${job.tag}.${i}` }, user.token);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const end = now();
        if (started >= winStart && end < winEnd && res.status === 201) {
          inWindow++;
          lat.push(end - started);
        }
      } catch {
        errors++;
      }
    }
    phase = 'done';
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  clearTimeout(p0Timer);
  const p1 = await probe('end');
  client.close();
  const windowS = durationMs / 1000;
  return {
    concurrency,
    windowS,
    requestsPerS: round(inWindow / windowS),
    latencyMs: summarize(lat),
    statuses,
    networkErrors: errors,
    phase,
    server: serverCost(p0, p1, inWindow),
  };
}

const SCENARIOS = { throughput, latency, fanout, idle, rest };

process.on('message', async (/** @type {any} */ msg) => {
  if (msg?.type === 'probed') {
    const resolve = probeWaiters.get(msg.label);
    probeWaiters.delete(msg.label);
    resolve?.(msg.data);
    return;
  }
  if (msg?.type !== 'run') return;
  /** @type {Job} */
  const job = msg.job;
  setTimeout(() => {
    process.send?.({ type: 'result', result: { error: `load generator hit its deadline of ${job.maxMs} ms` } });
    setTimeout(() => process.exit(3), 100);
  }, job.maxMs).unref();
  let result;
  try {
    result = await SCENARIOS[job.scenario](job);
  } catch (err) {
    result = { error: String(/** @type {Error} */ (err)?.stack ?? err) };
  }
  process.send?.({ type: 'result', result }, () => process.exit(0));
});

if (!process.send) {
  console.error('bench/loadgen.mjs is started by bench/run.mjs (it needs the IPC channel).');
  process.exit(2);
}
