// A tiny client of the V8 inspector of a process started with `--inspect=127.0.0.1:0`: used by
// the idle-connection scenario to run a full garbage collection before reading the RSS, so the
// figure is live memory, not garbage that happens not to be collected yet.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sleep } from './proc.mjs';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

/**
 * Waits for "Debugger listening on ws://..." in a log file and connects to it.
 * @param {string} logFile
 * @param {number} [timeoutMs]
 */
export async function connectInspector(logFile, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let url = null;
  while (!url && Date.now() < deadline) {
    try {
      url = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(readFileSync(logFile, 'utf8'))?.[1] ?? null;
    } catch {
      // not written yet
    }
    if (!url) await sleep(100);
  }
  if (!url) throw new Error(`no inspector address in ${logFile}`);
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  /** @type {Map<number, (v: any) => void>} */
  const waiting = new Map();
  ws.on('message', (/** @type {Buffer} */ raw) => {
    const msg = JSON.parse(raw.toString());
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)?.(msg);
      waiting.delete(msg.id);
    }
  });
  /** @param {string} method @param {Record<string, unknown>} [params] @returns {Promise<any>} */
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
      setTimeout(() => waiting.has(n) && (waiting.delete(n), resolve({ error: 'timeout' })), 30000).unref();
    });
  return {
    /** Full GC (twice, so objects freed by finalizers go too). */
    async gc() {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
    },
    /** @returns {Promise<{ rss: number, heapUsed: number, external: number } | null>} bytes */
    async memory() {
      const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      try {
        return JSON.parse(r.result.result.value);
      } catch {
        return null;
      }
    },
    close() {
      ws.close();
    },
  };
}
