// Turns scenario results into the printed table (and the `rows` of the JSON file).
import { ratio } from './stats.mjs';

/**
 * @typedef {{ scenario: string, metric: string, app: number|null, relay: number|null, ratio: number|null, better: 'higher'|'lower'|'zero' }} Row
 */

/**
 * @param {any} r result of one target
 * @param {(r: any) => number | null | undefined} pick
 */
const get = (r, pick) => {
  if (!r || r.error) return null;
  try {
    const v = pick(r);
    return v === undefined ? null : v;
  } catch {
    return null;
  }
};

/**
 * The metrics shown for each kind of scenario: [label, picker, which direction is better].
 * @type {Record<string, Array<[string, (r: any) => any, 'higher'|'lower'|'zero']>>}
 */
const METRICS = {
  throughput: [
    ['messages/s (acked + delivered)', (r) => r.messagesPerS, 'higher'],
    ['e2e latency p50 ms (closed loop)', (r) => r.e2eLatencyMs.p50, 'lower'],
    ['e2e latency p99 ms (closed loop)', (r) => r.e2eLatencyMs.p99, 'lower'],
    ['lost (unacked + failed + undelivered)', (r) => r.loss.lost, 'zero'],
    ['server CPU µs / message', (r) => r.server?.serverCpuUsPerUnit, 'lower'],
    ['database CPU µs / message', (r) => r.server?.dbCpuUsPerUnit, 'lower'],
    ['database commands / message', (r) => r.server?.dbCommandsPerUnit, 'lower'],
    ['mean send batch (messages)', (r) => r.server?.meanSendBatch, 'higher'],
    ['database round trips / message (--profile)', (r) => r.server?.database?.roundTripsPerUnit, 'lower'],
  ],
  latency: [
    ['achieved send rate /s', (r) => r.achievedSendPerS, 'higher'],
    ['e2e latency p50 ms', (r) => r.e2eLatencyMs.p50, 'lower'],
    ['e2e latency p95 ms', (r) => r.e2eLatencyMs.p95, 'lower'],
    ['e2e latency p99 ms', (r) => r.e2eLatencyMs.p99, 'lower'],
    ['e2e latency max ms', (r) => r.e2eLatencyMs.max, 'lower'],
    ['lost: acked, never delivered', (r) => r.loss.ackedNotDelivered, 'zero'],
    ['lost: unacked or failed ack', (r) => r.loss.unacked + r.loss.ackFailed, 'zero'],
    ['server CPU µs / message', (r) => r.server?.serverCpuUsPerUnit, 'lower'],
    ['database commands / message', (r) => r.server?.dbCommandsPerUnit, 'lower'],
    ['mean send batch (messages)', (r) => r.server?.meanSendBatch, 'higher'],
    ['database round trips / message (--profile)', (r) => r.server?.database?.roundTripsPerUnit, 'lower'],
  ],
  fanout: [
    ['deliveries/s', (r) => r.deliveriesPerS, 'higher'],
    ['messages/s', (r) => r.messagesPerS, 'higher'],
    ['full fan-out latency p50 ms', (r) => r.fullFanoutLatencyMs.p50, 'lower'],
    ['full fan-out latency p99 ms', (r) => r.fullFanoutLatencyMs.p99, 'lower'],
    ['missing deliveries', (r) => r.loss.missingDeliveries, 'zero'],
    ['server CPU µs / delivery', (r) => r.server?.serverCpuUsPerUnit, 'lower'],
    ['database commands / delivery', (r) => r.server?.dbCommandsPerUnit, 'lower'],
    ['database round trips / delivery (--profile)', (r) => r.server?.database?.roundTripsPerUnit, 'lower'],
  ],
  rest: [
    ['requests/s (201)', (r) => r.requestsPerS, 'higher'],
    ['latency p50 ms', (r) => r.latencyMs.p50, 'lower'],
    ['latency p95 ms', (r) => r.latencyMs.p95, 'lower'],
    ['latency p99 ms', (r) => r.latencyMs.p99, 'lower'],
    ['latency max ms', (r) => r.latencyMs.max, 'lower'],
    ['non-201 answers', (r) => Object.entries(r.statuses).reduce((a, [k, v]) => a + (k === '201' ? 0 : Number(v)), 0) + r.networkErrors, 'zero'],
    ['server CPU µs / request', (r) => r.server?.serverCpuUsPerUnit, 'lower'],
    ['database commands / request', (r) => r.server?.dbCommandsPerUnit, 'lower'],
    ['mean send batch (messages)', (r) => r.server?.meanSendBatch, 'higher'],
    ['database round trips / request (--profile)', (r) => r.server?.database?.roundTripsPerUnit, 'lower'],
  ],
};

/**
 * @param {{ id: string, title: string, kind: string, results: Record<string, any> }[]} scenarios
 * @returns {Row[]}
 */
export function buildRows(scenarios) {
  /** @type {Row[]} */
  const rows = [];
  for (const s of scenarios) {
    const app = s.results.app;
    const relay = s.results.relay;
    if (s.kind === 'idle') {
      const levels = (app && !app.error ? app.levels : relay?.levels) ?? [];
      for (let k = 0; k < levels.length; k++) {
        const target = levels[k].target;
        const a = get(app, (r) => r.levels[k].rssPerConnectionKiB);
        const b = get(relay, (r) => r.levels[k].rssPerConnectionKiB);
        rows.push({ scenario: `${s.title}: ${target} connections`, metric: 'server RSS KiB / connection', app: a, relay: b, ratio: ratio(a, b), better: 'lower' });
        const ha = get(app, (r) => r.levels[k].heapPerConnectionKiB);
        const hb = get(relay, (r) => r.levels[k].heapPerConnectionKiB);
        rows.push({ scenario: `${s.title}: ${target} connections`, metric: 'server JS heap KiB / connection', app: ha, relay: hb, ratio: ratio(ha, hb), better: 'lower' });
        const ca = get(app, (r) => r.levels[k].connectPerS);
        const cb = get(relay, (r) => r.levels[k].connectPerS);
        rows.push({ scenario: `${s.title}: ${target} connections`, metric: 'connections opened /s', app: ca, relay: cb, ratio: ratio(ca, cb), better: 'higher' });
        const fa = get(app, (r) => r.levels[k].target - r.levels[k].connections);
        const fb = get(relay, (r) => r.levels[k].target - r.levels[k].connections);
        rows.push({ scenario: `${s.title}: ${target} connections`, metric: 'connections refused / dropped', app: fa, relay: fb, ratio: null, better: 'zero' });
      }
      continue;
    }
    for (const [metric, pick, better] of METRICS[s.kind] ?? []) {
      const a = get(app, pick);
      const b = get(relay, pick);
      // Figures only some runs have (database ones: app only; round trips: --profile only).
      if (a === null && b === null && (metric.includes('--profile') || metric.startsWith('database'))) continue;
      rows.push({ scenario: s.title, metric, app: a, relay: b, ratio: better === 'zero' ? null : ratio(a, b), better });
    }
  }
  return rows;
}

/** @param {number | null} v */
const fmt = (v) => (v === null || v === undefined ? '—' : String(v));

/**
 * A plain-text table, one row per metric, scenarios grouped.
 * @param {Row[]} rows
 * @param {Record<string, string>} errors scenario title + target → error text
 */
export function renderTable(rows, errors = {}) {
  const head = ['scenario', 'metric', 'app', 'relay', 'app/relay'];
  const body = rows.map((r) => [r.scenario, r.metric, fmt(r.app), fmt(r.relay), r.ratio === null ? '' : r.ratio.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (/** @type {string[]} */ cells) =>
    cells
      .map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = '';
  for (let k = 0; k < body.length; k++) {
    const cells = [...body[k]];
    if (cells[0] === last) cells[0] = '';
    else last = cells[0];
    out.push(line(cells));
  }
  for (const [where, err] of Object.entries(errors)) out.push(`! ${where}: ${err.split('\n')[0]}`);
  return out.join('\n');
}
