// Reads `GET /metrics` (Prometheus text format) of every instance, every second, per instance lifetime.
import http from 'node:http';

/** The chatify_* series the chaos run reads (the rest of the exposition is ignored). */
export const WATCHED = [
  'chatify_messages_stored_total',
  'chatify_socket_connections',
  'chatify_handshakes_total',
  'chatify_socket_events_total',
  'chatify_deliveries_total',
  'chatify_sync_requests_total',
  'chatify_redis_up',
  'chatify_database_up',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_eventloop_lag_max_seconds',
];

/**
 * Parses the text format into `{ 'name{a="x",b="y"}': value }` for the watched names (labels sorted).
 * @param {string} text
 * @returns {Record<string, number>}
 */
export function parseMetrics(text) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('chatify_') && !line.startsWith('nodejs_eventloop_lag_')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const name = m[1];
    if (!WATCHED.includes(name)) continue;
    const labels = [];
    if (m[3]) {
      for (const lm of m[3].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.push(`${lm[1]}="${lm[2]}"`);
      labels.sort();
    }
    out[labels.length ? `${name}{${labels.join(',')}}` : name] = Number(m[4]);
  }
  return out;
}

/**
 * Sum of the series of `name` whose labels include every `want` pair (e.g. { event: 'message:send' }).
 * Null when no series of that name exists at all (the metric is missing).
 * @param {Record<string, number> | null | undefined} sample @param {string} name @param {Record<string, string | ((v: string) => boolean)>} [want]
 */
export function pick(sample, name, want = {}) {
  if (!sample) return null;
  let found = false;
  let sum = 0;
  for (const [key, value] of Object.entries(sample)) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    found = true;
    const labels = Object.fromEntries([...key.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    let ok = true;
    for (const [k, v] of Object.entries(want)) {
      const have = labels[k];
      if (typeof v === 'function' ? !(have !== undefined && v(have)) : have !== v) ok = false;
    }
    if (ok) sum += value;
  }
  return found ? sum : null;
}

/** Every label value of `label` among the series of `name`. @param {Record<string, number> | null} sample @param {string} name @param {string} label */
export function labelValues(sample, name, label) {
  const values = new Set();
  for (const key of Object.keys(sample ?? {})) {
    if (!key.startsWith(`${name}{`)) continue;
    const m = new RegExp(`${label}="((?:[^"\\\\]|\\\\.)*)"`).exec(key);
    if (m) values.add(m[1]);
  }
  return [...values];
}

/** @param {number} port @param {number} timeoutMs @returns {Promise<Record<string, number> | null>} */
export function scrape(port, timeoutMs = 900) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: timeoutMs, agent: false }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(res.statusCode === 200 ? parseMetrics(Buffer.concat(chunks).toString('utf8')) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
  });
}

/**
 * Scrapes each instance every second. Keeps, per lifetime key `i.L`, every sample with its time.
 * @param {{ instances: () => { index: number, port: number, lifetime: number, alive: boolean }[] }} o
 */
export function startScraper({ instances }) {
  /** @type {Map<string, { t: number, v: Record<string, number> }[]>} */
  const series = new Map();
  let running = true;

  /** @param {{ index: number, port: number, lifetime: number, alive: boolean }} inst */
  async function once(inst) {
    if (!inst.alive) return null;
    const v = await scrape(inst.port);
    if (!v) return null;
    const key = `${inst.index}.${inst.lifetime}`;
    let list = series.get(key);
    if (!list) series.set(key, (list = []));
    const sample = { t: Date.now(), v };
    list.push(sample);
    return sample;
  }
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await Promise.all(instances().map(once));
      await new Promise((r) => setTimeout(r, Math.max(50, 1000 - (Date.now() - started))));
    }
  })();

  return {
    series,
    /** Scrapes now (every instance, or one); returns `{ key: sample }`. @param {number} [only] */
    async now(only) {
      /** @type {Record<string, { t: number, v: Record<string, number> }>} */
      const out = {};
      await Promise.all(
        instances()
          .filter((i) => only === undefined || i.index === only)
          .map(async (i) => {
            const s = await once(i);
            if (s) out[`${i.index}.${i.lifetime}`] = s;
          }),
      );
      return out;
    },
    /** The last sample of a lifetime taken at or before `t`. @param {string} key @param {number} [t] */
    last(key, t = Infinity) {
      const list = series.get(key) ?? [];
      for (let k = list.length - 1; k >= 0; k--) if (list[k].t <= t) return list[k];
      return null;
    },
    /**
     * Peak per-second rate, summed over lifetimes, of a counter within [from, to] (ms), from consecutive samples.
     * @param {string} name @param {Record<string, string | ((v: string) => boolean)>} want @param {number} from @param {number} to
     */
    peakRate(name, want, from, to) {
      /** @type {Map<number, number>} second → increase */
      const perSecond = new Map();
      let any = false;
      for (const list of series.values()) {
        for (let k = 1; k < list.length; k++) {
          const a = list[k - 1];
          const b = list[k];
          if (b.t < from || a.t > to) continue;
          const va = pick(a.v, name, want);
          const vb = pick(b.v, name, want);
          if (va === null || vb === null) continue;
          any = true;
          // Spread the increase over the seconds the interval covers (scrapes are ~1 s apart).
          const span = Math.max(1, b.t - a.t) / 1000;
          const sec = Math.floor(b.t / 1000);
          perSecond.set(sec, (perSecond.get(sec) ?? 0) + (vb - va) / span);
        }
      }
      if (!any) return null;
      return Math.round(Math.max(0, ...perSecond.values()));
    },
    /** Largest value of a gauge over every lifetime's samples within [from, to]. @param {string} name @param {number} from @param {number} to */
    maxGauge(name, from, to) {
      let max = null;
      for (const list of series.values()) {
        for (const s of list) {
          if (s.t < from || s.t > to) continue;
          const v = pick(s.v, name);
          if (v !== null && (max === null || v > max)) max = v;
        }
      }
      return max;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
