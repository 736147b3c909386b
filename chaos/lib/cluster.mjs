// The processes of a chaos run: the embedded database (DocumentDB: gateway + PostgreSQL), Redis and
// N app instances, all on loopback, all started by this run and all stopped by `stopAll()` on every
// exit path (see run.mjs). Every app instance lifetime writes its own log file.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { appEnv } from '../../bench/lib/targets.mjs';
import { sleep } from '../../bench/lib/proc.mjs';

/** Same secret on every instance: a token minted by one is accepted by all. */
export const JWT_SECRET = 'chaos-only-secret-not-for-production-0123456789abcdef';

/** GET url → status (0 when no answer within timeoutMs). @param {string} url @param {number} [timeoutMs] */
export function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

/** Polls until `GET url` answers 200. @param {string} url @param {number} timeoutMs @param {() => string | null} [whyDead] */
export async function waitFor200(url, timeoutMs, whyDead) {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    const dead = whyDead?.();
    if (dead) throw new Error(dead);
    last = await httpStatus(url, 2000);
    if (last === 200) return;
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last status ${last || 'none'})`);
}

/**
 * @param {{ root: string, appRoot: string, dir: string, logDir: string, log: (s: string) => void }} o
 */
export function createCluster({ root, appRoot, dir, logDir, log }) {
  const dbScript = path.join(root, 'scripts', 'documentdb.sh');
  const redisScript = path.join(root, 'scripts', 'redis.sh');
  const dbDir = path.join(dir, 'db');
  const redisDir = path.join(dir, 'redis');
  let dbStarted = false;
  let redisStarted = false;
  /** @type {string} */
  let mongoUri = '';

  /** @param {string} script @param {string[]} args */
  const run = (script, args) => {
    const r = spawnSync('bash', [script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${path.basename(script)} ${args[0]} failed (exit ${r.status}): ${r.stderr.toString().trim().split('\n').slice(-3).join(' | ')}`);
    return r.stdout.toString().trim();
  };

  /**
   * @typedef {{ index: number, port: number, lifetime: number, child: import('node:child_process').ChildProcess | null,
   *   exited: { code: number | null, signal: string | null } | null, logFile: string, stopped: boolean, startedAt: number }} Instance
   */
  /** @type {Instance[]} */
  const instances = [];

  const cluster = {
    dbDir,
    instances,
    get mongoUri() {
      return mongoUri;
    },
    /** @type {number} */ dbPort: 0,
    /** @type {number} */ redisPort: 0,

    /** @param {number} port */
    startDatabase(port) {
      cluster.dbPort = port;
      dbStarted = true;
      const uri = new URL(run(dbScript, ['start', dbDir, String(port)]));
      uri.pathname = '/chatify_chaos';
      mongoUri = uri.toString();
      return mongoUri;
    },
    /** Gateway, then PostgreSQL (the script's order). */
    stopDatabase() {
      run(dbScript, ['stop', dbDir]);
    },
    restartDatabase() {
      cluster.stopDatabase();
      run(dbScript, ['start', dbDir, String(cluster.dbPort)]);
    },
    /** @param {number} port */
    startRedis(port) {
      cluster.redisPort = port;
      redisStarted = true;
      run(redisScript, ['start', redisDir, String(port)]);
    },
    stopRedis() {
      run(redisScript, ['stop', redisDir]);
    },

    /**
     * Starts (or restarts, same port) app instance `index`; resolves when /health answers 200.
     * @param {number} index @param {number} port
     * @param {Record<string, string>} [extraEnv]
     */
    async startInstance(index, port, extraEnv = {}) {
      const prev = instances[index];
      const lifetime = (prev?.lifetime ?? 0) + 1;
      const logFile = path.join(logDir, `app-${index}-life${lifetime}.log`);
      const env = {
        ...process.env,
        ...appEnv({ mongoUri, port }),
        JWT_SECRET,
        REDIS_URL: `redis://127.0.0.1:${cluster.redisPort}`,
        LOG_LEVEL: 'info',
        ...extraEnv,
      };
      const out = createWriteStream(logFile);
      const child = spawn(process.execPath, ['dist/main.js'], { cwd: appRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
      /** @type {Instance} */
      const inst = { index, port, lifetime, child, exited: null, logFile, stopped: false, startedAt: Date.now() };
      child.on('exit', (code, signal) => {
        inst.exited = { code, signal };
      });
      instances[index] = inst;
      const startedAt = Date.now();
      await waitFor200(`http://127.0.0.1:${port}/health`, 60000, () =>
        inst.exited ? `instance ${index} exited (code ${inst.exited.code}, signal ${inst.exited.signal}); see ${logFile}` : null,
      );
      log(`  [app ${index}] lifetime ${lifetime} ready on :${port} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (log ${logFile})`);
      return inst;
    },

    /** kill -9; resolves once the process is gone. @param {number} index */
    async kill9(index) {
      const inst = instances[index];
      if (!inst?.child || inst.exited) return;
      if (inst.stopped) process.kill(/** @type {number} */ (inst.child.pid), 'SIGCONT');
      inst.child.kill('SIGKILL');
      const deadline = Date.now() + 5000;
      while (!inst.exited && Date.now() < deadline) await sleep(10);
    },
    /** @param {number} index */
    pause(index) {
      const inst = instances[index];
      if (!inst?.child?.pid || inst.exited) return;
      process.kill(inst.child.pid, 'SIGSTOP');
      inst.stopped = true;
    },
    /** @param {number} index */
    resume(index) {
      const inst = instances[index];
      if (!inst?.child?.pid || inst.exited) return;
      process.kill(inst.child.pid, 'SIGCONT');
      inst.stopped = false;
    },

    /** Exit notices of instances that died when the run did not kill them. */
    unexpectedExits() {
      return instances
        .filter((i) => i.exited && i.exited.signal !== 'SIGKILL' && i.exited.signal !== 'SIGTERM')
        .map((i) => ({ index: i.index, lifetime: i.lifetime, ...i.exited, logFile: i.logFile }));
    },

    /** Stops everything this run started. Safe to call twice, and from an exit handler (synchronous parts). */
    async stopAll() {
      await Promise.all(
        instances.map(async (inst) => {
          if (!inst?.child || inst.exited) return;
          try {
            if (inst.stopped) process.kill(/** @type {number} */ (inst.child.pid), 'SIGCONT');
            inst.child.kill('SIGTERM');
          } catch {
            /* gone */
          }
          const deadline = Date.now() + 8000;
          while (!inst.exited && Date.now() < deadline) await sleep(50);
          if (!inst.exited) inst.child.kill('SIGKILL');
        }),
      );
      cluster.stopServicesSync();
    },
    /** Kills the instances outright and stops Redis and the database (for the process 'exit' handler). */
    stopAllSync() {
      for (const inst of instances) {
        if (!inst?.child || inst.exited) continue;
        try {
          inst.child.kill('SIGKILL');
        } catch {
          /* gone */
        }
      }
      cluster.stopServicesSync();
    },
    stopServicesSync() {
      if (redisStarted) {
        spawnSync('bash', [redisScript, 'stop', redisDir], { cwd: root, stdio: 'ignore' });
        redisStarted = false;
      }
      if (dbStarted) {
        spawnSync('bash', [dbScript, 'stop', dbDir], { cwd: root, stdio: 'ignore' });
        dbStarted = false;
      }
    },
    /** Pids of the database processes (gateway + postmaster), for the report. */
    dbPids() {
      try {
        return [Number(readFileSync(path.join(dbDir, 'gateway.pid'), 'utf8')), Number(readFileSync(path.join(dbDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])];
      } catch {
        return [];
      }
    },
  };
  return cluster;
}
