// A small TCP round-robin load balancer on loopback, in the harness process (node:net only).
// No stickiness: every new TCP connection goes to the next backend that is up. A backend is "down"
// while it refuses connections, or while it does not answer an HTTP probe within 2 s twice in a row
// (`GET /chaos-probe`: any answer, a 404 too, proves the event loop runs; /health would also wait for
// the database and Redis, which is not what decides whether a process can take connections)
// (a SIGSTOPped process still accepts TCP connections in the kernel's backlog, so refusals alone
// would keep sending new clients to it); any HTTP answer, 503 included, counts as up. When every
// backend fails its probe, those with the fewest failures in a row that do not refuse are used.
//
// It records which backend (and which lifetime of it) every connection went to, so acks can be
// attributed to an instance lifetime: socket.io-client connections carry `cc=<tag>` in the query
// string of their HTTP upgrade request, which the balancer reads from the first bytes.
import http from 'node:http';
import net from 'node:net';

/**
 * @typedef {{ index: number, port: number, lifetime: number, up: boolean, downUntil: number, probeFails: number }} Backend
 * @typedef {{ id: number, backend: number, lifetime: number, tag: string | null, openedAt: number, closedAt: number | null,
 *   client: net.Socket, server: net.Socket | null }} Conn
 */

/**
 * @param {{ backends: { port: number }[], log: (s: string) => void }} o
 */
export async function startBalancer({ backends: list, log }) {
  /** @type {Backend[]} */
  const backends = list.map((b, index) => ({ index, port: b.port, lifetime: 1, up: true, downUntil: 0, probeFails: 0 }));
  /** @type {Map<number, Conn>} live connections */
  const live = new Map();
  /** @type {Map<string, Conn>} every tagged connection ever (tag → conn), for attribution */
  const byTag = new Map();
  /** new Socket.IO (tagged) connections per whole second (epoch second → count) */
  const perSecond = new Map();
  let nextId = 1;
  let rr = 0;
  let refusedNoBackend = 0;

  const isUp = (/** @type {Backend} */ b) => b.up && b.downUntil <= Date.now();

  /** @param {net.Socket} client */
  function onClient(client) {
    client.setNoDelay(true);
    /** @type {Conn} */
    const conn = { id: nextId++, backend: -1, lifetime: 0, tag: null, openedAt: Date.now(), closedAt: null, client, server: null };
    live.set(conn.id, conn);
    /** @type {Buffer[]} */
    const early = [];
    let tagRead = false;
    const onEarly = (/** @type {Buffer} */ chunk) => {
      early.push(chunk);
      if (!tagRead) {
        tagRead = true;
        const head = chunk.subarray(0, 2048).toString('latin1');
        const m = /[?&]cc=([\w.-]+)/.exec(head.split('\r\n')[0] ?? '');
        if (m) {
          conn.tag = m[1];
          byTag.set(m[1], conn);
          const sec = Math.floor(Date.now() / 1000);
          perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
        }
      }
    };
    client.on('data', onEarly);
    const close = () => {
      if (conn.closedAt !== null) return;
      conn.closedAt = Date.now();
      live.delete(conn.id);
      client.destroy();
      conn.server?.destroy();
    };
    client.on('error', close);
    client.on('close', close);

    const tried = new Set();
    const attempt = () => {
      if (conn.closedAt !== null) return;
      /** @type {Backend | null} */
      let pick = null;
      for (let k = 0; k < backends.length; k++) {
        const b = backends[(rr + k) % backends.length];
        if (!tried.has(b.index) && isUp(b)) {
          pick = b;
          rr = (b.index + 1) % backends.length;
          break;
        }
      }
      // Every backend failing its probe (e.g. all slow under load): the ones that failed the fewest
      // probes in a row among those not refusing (a frozen process keeps failing every probe).
      if (!pick) {
        const open = backends.filter((b) => !tried.has(b.index) && b.downUntil <= Date.now());
        const fewest = Math.min(...open.map((b) => b.probeFails));
        for (let k = 0; k < backends.length; k++) {
          const b = backends[(rr + k) % backends.length];
          if (open.includes(b) && b.probeFails === fewest) {
            pick = b;
            rr = (b.index + 1) % backends.length;
            break;
          }
        }
      }
      if (!pick) {
        refusedNoBackend += 1;
        close();
        return;
      }
      tried.add(pick.index);
      const chosen = pick;
      const server = net.connect({ host: '127.0.0.1', port: chosen.port });
      server.setNoDelay(true);
      let connected = false;
      server.once('connect', () => {
        connected = true;
        conn.backend = chosen.index;
        conn.lifetime = chosen.lifetime;
        conn.server = server;
        client.off('data', onEarly);
        for (const chunk of early) server.write(chunk);
        early.length = 0;
        client.pipe(server);
        server.pipe(client);
        server.on('close', close);
      });
      server.on('error', () => {
        if (!connected) {
          // Refused: skip this backend for a second, try the next one.
          chosen.downUntil = Date.now() + 1000;
          server.destroy();
          attempt();
        } else close();
      });
    };
    attempt();
  }

  const server = net.createServer({ noDelay: true }, onClient);
  server.maxConnections = 20000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(undefined));
  });
  const port = /** @type {net.AddressInfo} */ (server.address()).port;

  // Health probes: any HTTP answer within 2 s is "up"; two misses in a row are "down".
  const probe = (/** @type {Backend} */ b) =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: b.port, path: '/chaos-probe', timeout: 2000, agent: false }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(false));
    });
  let probing = true;
  const prober = (async () => {
    while (probing) {
      await Promise.all(
        backends.map(async (b) => {
          const ok = await probe(b);
          b.probeFails = ok ? 0 : b.probeFails + 1;
          const up = b.probeFails < 2;
          if (up !== b.up) log(`  [lb] backend ${b.index} (:${b.port}) ${up ? 'up' : 'down'}`);
          b.up = up;
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
  })();

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    backends,
    /** A new lifetime of backend `i` (after a restart): later connections are attributed to it. */
    newLifetime(/** @type {number} */ i) {
      backends[i].lifetime += 1;
      backends[i].downUntil = 0;
      backends[i].probeFails = 0;
      backends[i].up = true;
      return backends[i].lifetime;
    },
    /** @param {string} tag */
    lookup: (tag) => byTag.get(tag) ?? null,
    /** Live connections, optionally only those of backend `i`. @param {number} [i] */
    liveConns: (i) => [...live.values()].filter((c) => i === undefined || c.backend === i),
    /**
     * Resets (RST) live client connections: all of them, or a random `fraction`. Returns how many.
     * @param {number} [fraction]
     */
    drop(fraction = 1) {
      let n = 0;
      for (const c of [...live.values()]) {
        if (fraction < 1 && Math.random() >= fraction) continue;
        n += 1;
        c.client.resetAndDestroy();
        c.server?.resetAndDestroy();
      }
      return n;
    },
    /** Peak new Socket.IO connections per second within [from, to] (ms). */
    peakPerSecond(/** @type {number} */ from, /** @type {number} */ to) {
      let peak = 0;
      for (let s = Math.floor(from / 1000); s <= Math.floor(to / 1000); s++) peak = Math.max(peak, perSecond.get(s) ?? 0);
      return peak;
    },
    stats: () => ({ refusedNoBackend, live: live.size }),
    async close() {
      probing = false;
      for (const c of live.values()) {
        c.client.destroy();
        c.server?.destroy();
      }
      await new Promise((r) => server.close(() => r(undefined)));
      await prober.catch(() => undefined);
    },
  };
}
