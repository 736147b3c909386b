// Small, dependency-free statistics helpers for the benchmark.

/**
 * Latency summary (milliseconds) of a list of samples, nearest-rank percentiles.
 * @param {number[] | Float64Array} samples
 * @returns {{ count: number, p50: number|null, p95: number|null, p99: number|null, max: number|null, mean: number|null }}
 */
export function summarize(samples) {
  const n = samples.length;
  if (n === 0) return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(samples).sort();
  const pick = (/** @type {number} */ q) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    p50: round(pick(0.5)),
    p95: round(pick(0.95)),
    p99: round(pick(0.99)),
    max: round(sorted[n - 1]),
    mean: round(sum / n),
  };
}

/**
 * Rounds to a sensible number of significant digits for a report.
 * @param {number | null | undefined} v
 * @returns {number | null}
 */
export function round(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v);
  if (a >= 10) return Math.round(v * 10) / 10;
  if (a >= 1) return Math.round(v * 100) / 100;
  return Math.round(v * 1000) / 1000;
}

/**
 * The ratio app / relay, or null when it is meaningless.
 * @param {number | null | undefined} app
 * @param {number | null | undefined} relay
 */
export function ratio(app, relay) {
  if (app === null || app === undefined || relay === null || relay === undefined) return null;
  if (!Number.isFinite(app) || !Number.isFinite(relay) || relay === 0) return null;
  return Math.round((app / relay) * 1000) / 1000;
}
