// JSON over node:http for the simulated clients (through the balancer), with a keep-alive agent.
import http from 'node:http';

/**
 * @param {string} baseUrl
 * @param {{ maxSockets?: number }} [o]
 */
export function createRest(baseUrl, { maxSockets = 48 } = {}) {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 1000 });
  return {
    /**
     * Resolves with `{ status, body, headers }`; status 0 when there was no HTTP answer (network error or timeout).
     * @param {string} method @param {string} path @param {unknown} [body] @param {string} [token] @param {number} [timeoutMs]
     * @returns {Promise<{ status: number, body: any, headers: import('node:http').IncomingHttpHeaders, error?: string }>}
     */
    request(method, path, body, token, timeoutMs = 15000) {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      /** @type {Record<string, string | number>} */
      const headers = { accept: 'application/json' };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = payload.length;
      }
      if (token) headers.authorization = `Bearer ${token}`;
      return new Promise((resolve) => {
        let done = false;
        const finish = (/** @type {any} */ v) => {
          if (!done) {
            done = true;
            resolve(v);
          }
        };
        const req = http.request({ host: base.hostname, port: base.port, path, method, headers, agent, timeout: timeoutMs }, (res) => {
          /** @type {Buffer[]} */
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed = null;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              parsed = text;
            }
            finish({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
          });
          res.on('error', (err) => finish({ status: 0, body: null, headers: {}, error: err.message }));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (err) => finish({ status: 0, body: null, headers: {}, error: err.message }));
        if (payload) req.write(payload);
        req.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs fn(i) for i in [0, n) with at most `limit` at once. @template T @param {number} n @param {number} limit @param {(i: number) => Promise<T>} fn */
export async function mapLimit(n, limit, fn) {
  /** @type {T[]} */
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}
