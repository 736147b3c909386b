// Process helpers: /proc readers, free loopback ports, waiting for a server to answer.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Resident set size of a process in KiB (VmRSS from /proc/<pid>/status), or null.
 * @param {number | null | undefined} pid
 */
export function readRssKiB(pid) {
  if (!pid) return null;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, all threads) a process has used so far, in milliseconds, or null.
 * @param {number | null | undefined} pid
 */
export function readCpuMs(pid) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * CPU time (ms) of a process and all its children, live and reaped: the database is a PostgreSQL
 * postmaster with one backend per connection (reaped backends count in the postmaster's cutime).
 * @param {number | null} pid
 */
export function readTreeCpuMs(pid) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14-17.
    let ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    for (const child of readChildren(pid)) ticks += ((readCpuMs(child) ?? 0) * CLOCK_TICKS) / 1000;
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Direct children of a process (from /proc/<pid>/task/<pid>/children). @param {number} pid */
function readChildren(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Machine-wide CPU counters (ms) from /proc/stat: busy and total, to compute utilisation. */
export function readMachineCpuMs() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] || 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: ((total - idle) * 1000) / CLOCK_TICKS, total: (total * 1000) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers with a status below 500, or throws after `timeoutMs`.
 * @param {string} url
 * @param {number} timeoutMs
 * @param {() => string | null} [whyDead] returns a reason when the server process died meanwhile
 */
export async function waitForHttp(url, timeoutMs, whyDead) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const dead = whyDead?.();
    if (dead) throw new Error(dead);
    try {
      const status = await new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: 2000 }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
      });
      if (/** @type {number} */ (status) < 500) return;
      last = `status ${status}`;
    } catch (err) {
      last = /** @type {Error} */ (err).message;
    }
    await sleep(200);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until a process uses less than `threshold` of one core over 250 ms windows
 * (so one scenario's leftovers do not spill into the next), for at most `maxMs`.
 * @param {number[]} pids
 * @param {{ threshold?: number, maxMs?: number }} [opts]
 */
export async function settle(pids, { threshold = 0.1, maxMs = 5000 } = {}) {
  const live = pids.filter(Boolean);
  if (live.length === 0) return sleep(250);
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = live.map(readCpuMs);
    await sleep(250);
    const after = live.map(readCpuMs);
    const busy = after.reduce((/** @type {number} */ acc, v, i) => acc + ((v ?? 0) - (before[i] ?? 0)), 0) / 250;
    if (busy < threshold) return;
  }
}

/** `true` when the host is a loopback address or name. @param {string} hostname */
export function isLoopback(hostname) {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
