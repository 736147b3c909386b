// A minimal keep-alive JSON client over node:http (lower overhead than fetch in a load loop).
import http from 'node:http';

/**
 * @typedef {{ status: number, body: any, ms: number }} JsonAnswer
 */

/**
 * @param {string} baseUrl e.g. http://127.0.0.1:3000
 * @param {{ maxSockets?: number }} [opts]
 */
export function createJsonClient(baseUrl, { maxSockets = 64 } = {}) {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    /**
     * @param {string} method
     * @param {string} path
     * @param {unknown} [body]
     * @param {string} [token]
     * @param {number} [timeoutMs]
     * @returns {Promise<JsonAnswer>}
     */
    request(method, path, body, token, timeoutMs = 30000) {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      /** @type {Record<string, string | number>} */
      const headers = { accept: 'application/json' };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = payload.length;
      }
      if (token) headers.authorization = `Bearer ${token}`;
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const req = http.request({ host: base.hostname, port: base.port, path, method, headers, agent, timeout: timeoutMs }, (res) => {
          /** @type {Buffer[]} */
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // keep the raw text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
        req.on('error', reject);
        if (payload) req.write(payload);
        req.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/**
 * Runs `fn(i)` for i in [0, count) with at most `concurrency` in flight; results in order.
 * @template T
 * @param {number} count
 * @param {number} concurrency
 * @param {(i: number) => Promise<T>} fn
 * @returns {Promise<T[]>}
 */
export async function mapLimit(count, concurrency, fn) {
  /** @type {T[]} */
  const out = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
