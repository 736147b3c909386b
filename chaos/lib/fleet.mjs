// The simulated clients of a chaos run, in one process: socket.io-client over the balancer, behaving
// like the web client (web/src/realtime.ts, web/src/chat-client.ts): catch-up through /sync on every
// (re)connect, merge by id, retries of a send with the same clientId until it is acknowledged, the
// server's reconnect policy honoured, presence followed from the subscribe answer plus events.
//
// Every send is one entry of the ledger (`fleet.messages`); at most one send is pending per client and
// conversation, so a sender's send order in a conversation is the order of its ledger entries.
import { io } from 'socket.io-client';
import { sleep } from './rest.mjs';

const TEXT = 'chaos run: the quick brown fox jumps over the lazy dog';
/** Statuses of a refused send that the client retries (0: no answer at all). */
const RETRYABLE = new Set([0, 429, 503]);

/**
 * @typedef {{ i: number, sender: number, conv: string, route: Route, clientId: string, phase: number, createdAt: number,
 *   firstSentAt: number, ackAt: number, status: 'queued'|'inflight'|'acked'|'failed'|'abandoned', attempts: number,
 *   attempt: number, timer: NodeJS.Timeout | null, id: string | null, seq: number | null, storedAt: string | null,
 *   ackLifetime: string | null }} Msg
 * @typedef {{ conv: string, kind: 'direct'|'group', members: number[], pending: Msg | null }} Route
 */

/** Per-phase counters (a phase is a window of the run: steady load, or one fault and its recovery). */
export function newPhaseStats() {
  return {
    /** refused sends by status ('0' = no answer in time) */
    sendRefused: /** @type {Record<string, number>} */ ({}),
    /** sends in flight when their connection dropped (re-sent after reconnecting) */
    inFlightAtDisconnect: 0,
    /** sends answered with a status the client must not retry (a test failure) */
    sendFailures: /** @type {{ status: number, message: string }[]} */ ([]),
    /** handshakes refused by the server's middleware, by status */
    handshakeRefused: /** @type {Record<string, number>} */ ({}),
    /** connect attempts that failed below socket.io (no backend, timeout, reset) */
    connectErrors: 0,
    syncRefused: /** @type {Record<string, number>} */ ({}),
    syncFailures: /** @type {{ status: number, message: string }[]} */ ([]),
    presenceRefused: /** @type {Record<string, number>} */ ({}),
    /** ms from a connection's loss to the next connect, and to the end of its catch-up */
    reconnectMs: /** @type {number[]} */ ([]),
    caughtUpMs: /** @type {number[]} */ ([]),
    ackMs: /** @type {number[]} */ ([]),
    serverDisconnects: 0,
    syncRequired: 0,
    policies: /** @type {Record<string, number>} */ ({}),
    sent: 0,
    skipped: 0,
    /** same message id seen with two different seqs, or one (sender, clientId) with two ids */
    duplicates: /** @type {string[]} */ ([]),
  };
}

/** Cumulative client-side counters, compared with the servers' metrics between quiet points. */
function newCounters() {
  return {
    sendOk: 0,
    /** ok answers per instance lifetime key ("<instance>.<lifetime>") of the connection they came on */
    sendOkByLifetime: /** @type {Record<string, number>} */ ({}),
    sendErr: /** @type {Record<string, number>} */ ({}),
    sendEmitted: 0,
    syncSent: 0,
    syncAnswered: 0,
    sync200: 0,
    connects: 0,
    connectsByLifetime: /** @type {Record<string, number>} */ ({}),
    handshakeRefused: 0,
    connectErrors: 0,
    messageNew: 0,
  };
}

/**
 * @param {{ url: string, rest: ReturnType<typeof import('./rest.mjs').createRest>, balancer: any,
 *   users: { id: string, token: string, refreshToken: string, email: string, password: string }[],
 *   routes: Route[][], peers: number[][], runTag: string, ackTimeoutMs: number, log: (s: string) => void }} o
 */
export function createFleet({ url, rest, balancer, users, routes, peers, runTag, ackTimeoutMs, log }) {
  /** @type {Msg[]} */
  const messages = [];
  /** @type {ReturnType<typeof newPhaseStats>[]} */
  const phases = [newPhaseStats()];
  let phase = 0;
  const counters = newCounters();
  /** message id → seq, from any source (ack, event, sync) */
  const seqOf = new Map();
  /** `${senderId}/${clientId}` → message id */
  const idOfClientId = new Map();
  /** userId → client index */
  const indexOfUser = new Map(users.map((u, i) => [u.id, i]));
  let lastMessageNewAt = 0;
  let paused = true;

  const P = () => phases[phase];
  const bump = (/** @type {Record<string, number>} */ rec, /** @type {string | number} */ key, n = 1) => (rec[key] = (rec[key] ?? 0) + n);

  /** Records a message seen anywhere; flags duplicates. @param {any} m @param {string} where */
  function observe(m, where) {
    if (!m || typeof m.id !== 'string') return;
    const prev = seqOf.get(m.id);
    if (prev === undefined) seqOf.set(m.id, m.seq);
    else if (prev !== m.seq) P().duplicates.push(`${where}: message ${m.id} seen with seq ${prev} and ${m.seq}`);
    if (typeof m.clientId === 'string') {
      const key = `${m.senderId}/${m.clientId}`;
      const id = idOfClientId.get(key);
      if (id === undefined) idOfClientId.set(key, m.id);
      else if (id !== m.id) P().duplicates.push(`${where}: (sender ${m.senderId}, clientId ${m.clientId}) stored as ${id} and ${m.id}`);
    }
  }

  class Client {
    /** @param {number} idx */
    constructor(idx) {
      this.idx = idx;
      this.user = users[idx];
      this.routes = routes[idx];
      this.peers = peers[idx];
      /** @type {import('socket.io-client').Socket | null} */
      this.socket = null;
      /** departed: gone for good (vanished or logged off); leaving: being logged off */
      this.departed = /** @type {null | 'vanished' | 'logged-off'} */ (null);
      this.connSeq = 0;
      /** @type {string | null} */
      this.tag = null;
      /** @type {string | null} lifetime key of the current connection */
      this.lifetime = null;
      this.cursor = /** @type {string | null} */ (null);
      this.syncing = false;
      this.syncAgain = false;
      this.syncPromise = /** @type {Promise<void> | null} */ (null);
      /** ids of messages this client holds (events, sync, its own acks) */
      this.received = new Set();
      /** peer user index → { online, at } */
      this.view = new Map();
      this.presenceTick = 0;
      /** when the last catch-up that ran to the end started; the cursor the next one starts from instead of this.cursor */
      this.syncedAt = null;
      this.syncFrom = null;
      this.presenceReady = false;
      this.lastPacketAt = 0;
      this.disconnectedAt = /** @type {number | null} */ (null);
      this.connectedAt = 0;
      this.lostAtPhase = 0;
      /** @type {Msg[]} */
      this.queue = [];
      /** @type {Set<Msg>} */
      this.inflight = new Set();
      this.policy = { delayMs: 500, maxDelayMs: 5000, randomizationFactor: 0.5 };
      this.retryTimer = /** @type {NodeJS.Timeout | null} */ (null);
      this.stateChangedAt = Date.now();
    }

    get connected() {
      return !!this.socket?.connected;
    }

    /** Online in the truth sense: a live socket. */
    get online() {
      return !this.departed && this.connected;
    }

    /** The initial cursor ("now"), then the socket. */
    async start() {
      const r = await this.syncRequest(null);
      if (r.status !== 200) throw new Error(`initial /sync of client ${this.idx} answered ${r.status}`);
      this.cursor = r.body.cursor;
      const socket = io(`${url}/chat`, {
        auth: { token: this.user.token },
        transports: ['websocket'],
        forceNew: true,
        reconnection: true,
        reconnectionDelay: 500,
        reconnectionDelayMax: 5000,
        randomizationFactor: 0.5,
        // socket.io's default handshake timeout (20 s), as the web client.
        timeout: 20000,
        autoConnect: false,
        query: { cc: '' },
      });
      this.socket = socket;
      const manager = socket.io;
      manager.on('packet', () => (this.lastPacketAt = Date.now()));
      manager.on('ping', () => (this.lastPacketAt = Date.now()));
      manager.on('reconnect_attempt', () => this.newTag());
      socket.on('connect', () => this.onConnect());
      socket.on('disconnect', (reason) => this.onDisconnect(reason));
      socket.on('connect_error', (err) => this.onConnectError(err));
      socket.on('message:new', (m) => {
        counters.messageNew += 1;
        lastMessageNewAt = Date.now();
        observe(m, `message:new to client ${this.idx}`);
        this.received.add(m.id);
      });
      socket.on('presence', (s) => {
        this.presenceTick += 1;
        this.setView(s, 'event');
      });
      socket.on('reconnect:policy', (p) => {
        if (!p || typeof p.delayMs !== 'number') return;
        this.policy = { delayMs: p.delayMs, maxDelayMs: p.maxDelayMs ?? p.delayMs * 10, randomizationFactor: p.randomizationFactor ?? 0.5 };
        manager.reconnectionDelay(this.policy.delayMs);
        manager.reconnectionDelayMax(this.policy.maxDelayMs);
        manager.randomizationFactor(this.policy.randomizationFactor);
        bump(P().policies, `${this.policy.delayMs}/${this.policy.maxDelayMs}/${this.policy.randomizationFactor}`);
      });
      socket.on('sync:required', (event) => {
        P().syncRequired += 1;
        // As the web client: connected since a sync older than the outage, the server's cursor from
        // just before it is enough (every earlier event arrived live).
        if (!this.syncPromise && this.syncedAt !== null && this.syncedAt < Date.parse(event?.since) && typeof event?.cursor === 'string') this.syncFrom = event.cursor;
        // As the web client: at a random moment within the server's spread, catch up and, since
        // presence events may have been missed too, subscribe again.
        const spreadMs = Math.min(Math.max(Number(event?.spreadMs) || 0, 0), 30_000);
        setTimeout(() => {
          if (this.socket !== socket || !socket.connected) return;
          void this.subscribePresence();
          void this.catchUp();
        }, Math.random() * spreadMs);
      });
      await this.connectNow();
    }

    newTag() {
      this.connSeq += 1;
      this.tag = `${runTag}.${this.idx}.${this.connSeq}`;
      if (this.socket) /** @type {any} */ (this.socket.io.opts).query = { cc: this.tag };
    }

    connectNow() {
      if (this.departed || !this.socket || this.socket.connected) return;
      this.newTag();
      this.socket.connect();
    }

    /** A random delay in [0, delayMs·(1+randomizationFactor)], then connect (after a server-initiated close). */
    connectLater(/** @type {number} */ ms) {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.connectNow();
      }, ms);
    }

    jitterDelay() {
      return Math.random() * this.policy.delayMs * (1 + this.policy.randomizationFactor);
    }

    onConnect() {
      const now = Date.now();
      counters.connects += 1;
      const conn = this.tag ? balancer.lookup(this.tag) : null;
      this.lifetime = conn ? `${conn.backend}.${conn.lifetime}` : null;
      if (this.lifetime) bump(counters.connectsByLifetime, this.lifetime);
      this.connectedAt = now;
      this.stateChangedAt = now;
      const lostAt = this.disconnectedAt;
      if (lostAt !== null) phases[this.lostAtPhase].reconnectMs.push(now - lostAt);
      this.presenceReady = false;
      void this.subscribePresence();
      // Sends waiting for a connection go out now; the catch-up runs beside them.
      for (const m of this.queue.splice(0)) this.emitSend(m);
      void this.catchUp().then(() => {
        if (lostAt !== null && this.disconnectedAt === lostAt) {
          phases[this.lostAtPhase].caughtUpMs.push(Date.now() - lostAt);
          this.disconnectedAt = null;
        }
      });
    }

    /** @param {string} reason */
    onDisconnect(reason) {
      const now = Date.now();
      this.stateChangedAt = now;
      this.presenceReady = false;
      if (this.disconnectedAt === null) {
        this.disconnectedAt = now;
        this.lostAtPhase = phase;
      }
      for (const m of this.inflight) {
        if (m.timer) clearTimeout(m.timer);
        m.timer = null;
        if (this.departed) {
          m.status = 'abandoned';
          m.route.pending = null;
          continue;
        }
        P().inFlightAtDisconnect += 1;
        m.status = 'queued';
        this.queue.push(m);
      }
      this.inflight.clear();
      if (this.departed) {
        for (const m of this.queue.splice(0)) {
          m.status = 'abandoned';
          m.route.pending = null;
        }
        return;
      }
      if (reason === 'io server disconnect') {
        P().serverDisconnects += 1;
        this.connectLater(this.jitterDelay());
      }
      // Any other reason: socket.io reconnects by itself, with the (server's) back-off.
    }

    /** @param {any} err */
    onConnectError(err) {
      if (this.departed || !this.socket) return;
      if (this.socket.active) {
        // Below socket.io (no backend, reset, timeout): socket.io retries by itself.
        P().connectErrors += 1;
        counters.connectErrors += 1;
        return;
      }
      const status = Number(err?.data?.status) || 0;
      counters.handshakeRefused += 1;
      bump(P().handshakeRefused, status || err?.message || 'unknown');
      if (status === 401) {
        void this.refreshAndConnect();
        return;
      }
      const after = Number(err?.data?.retryAfterMs);
      this.connectLater(Number.isFinite(after) && after >= 0 ? after : this.jitterDelay() + 250);
    }

    async refreshAndConnect() {
      const r = await rest.request('POST', '/api/v1/auth/refresh', { refreshToken: this.user.refreshToken });
      if (r.status === 200 && r.body?.accessToken) {
        this.user.token = r.body.accessToken;
        this.user.refreshToken = r.body.refreshToken;
        if (this.socket) this.socket.auth = { token: this.user.token };
        this.connectNow();
      } else this.connectLater(1000 + this.jitterDelay());
    }

    async subscribePresence() {
      const socket = this.socket;
      const seq = this.connSeq;
      while (socket?.connected && seq === this.connSeq && !this.departed) {
        let answer;
        const asked = this.presenceTick;
        try {
          answer = await socket.timeout(10000).emitWithAck('presence:subscribe', { userIds: this.peers.map((p) => users[p].id) });
        } catch {
          answer = { ok: false, error: { status: 0 } };
        }
        if (seq !== this.connSeq) return;
        if (answer?.ok) {
          // As the web client: an event that came in while the answer was on its way is newer than it.
          for (const s of answer.data) if ((this.view.get(indexOfUser.get(s.userId))?.tick ?? 0) <= asked) this.setView(s, 'subscribe');
          this.presenceReady = true;
          return;
        }
        bump(P().presenceRefused, Number(answer?.error?.status) || 0);
        await sleep(500 + Math.random() * 1000);
      }
    }

    /** @param {any} s */
    setView(s, source = 'event') {
      const p = indexOfUser.get(s?.userId);
      if (p === undefined) return;
      this.view.set(p, { online: !!s.online, at: Date.now(), source, tick: source === 'event' ? this.presenceTick : 0 });
    }

    /** @param {string | null} since */
    async syncRequest(since) {
      counters.syncSent += 1;
      const r = await rest.request('GET', since ? `/api/v1/sync?since=${encodeURIComponent(since)}` : '/api/v1/sync', undefined, this.user.token);
      if (r.status !== 0) counters.syncAnswered += 1;
      if (r.status === 200) counters.sync200 += 1;
      return r;
    }

    /** `GET /sync?since=<cursor>` until hasMore is false; concurrent calls coalesce into one more run. */
    catchUp() {
      if (this.syncPromise) {
        this.syncAgain = true;
        return this.syncPromise;
      }
      this.syncing = true;
      this.syncPromise = (async () => {
        do {
          this.syncAgain = false;
          await this.catchUpOnce();
        } while (this.syncAgain);
      })().finally(() => {
        this.syncing = false;
        this.syncPromise = null;
      });
      return this.syncPromise;
    }

    async catchUpOnce() {
      let attempt = 0;
      const started = Date.now();
      let cursor = this.syncFrom ?? this.cursor;
      this.syncFrom = null;
      for (;;) {
        const r = await this.syncRequest(cursor);
        if (r.status === 200) {
          for (const m of r.body.messages ?? []) {
            observe(m, `sync of client ${this.idx}`);
            this.received.add(m.id);
          }
          cursor = this.cursor = r.body.cursor;
          attempt = 0;
          if (!r.body.hasMore) {
            this.syncedAt = started;
            return;
          }
          continue;
        }
        if (RETRYABLE.has(r.status) || r.status >= 500) {
          bump(P().syncRefused, r.status);
          if (r.status >= 500 && r.status !== 503) P().syncFailures.push({ status: r.status, message: JSON.stringify(r.body).slice(0, 200) });
          const retryAfter = Number(r.headers['retry-after']);
          attempt += 1;
          await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Math.min(5000, 200 * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        // 400 / 410 / 401...: not something a retry fixes (a test failure; the web client would start over).
        P().syncFailures.push({ status: r.status, message: JSON.stringify(r.body).slice(0, 200) });
        return;
      }
    }

    /** @param {Msg} m */
    emitSend(m) {
      const socket = this.socket;
      if (!socket?.connected || this.departed) {
        m.status = 'queued';
        this.queue.push(m);
        return;
      }
      m.status = 'inflight';
      m.attempts += 1;
      const attempt = ++m.attempt;
      if (!m.firstSentAt) m.firstSentAt = Date.now();
      this.inflight.add(m);
      counters.sendEmitted += 1;
      const lifetime = this.lifetime;
      const seq = this.connSeq;
      m.timer = setTimeout(() => this.onAckTimeout(m, attempt, seq), ackTimeoutMs);
      socket.emit('message:send', { conversationId: m.conv, text: TEXT, clientId: m.clientId }, (/** @type {any} */ answer) => this.onAnswer(m, attempt, answer, lifetime));
    }

    /** @param {Msg} m @param {number} attempt @param {any} answer @param {string | null} lifetime */
    onAnswer(m, attempt, answer, lifetime) {
      if (answer?.ok === true) {
        counters.sendOk += 1;
        if (lifetime) bump(counters.sendOkByLifetime, lifetime);
        const d = answer.data;
        observe(d, `ack to client ${this.idx}`);
        if (m.status === 'acked') {
          if (d.id !== m.id || d.seq !== m.seq) P().duplicates.push(`acks of ${m.clientId}: ${m.id}#${m.seq} and ${d.id}#${d.seq}`);
          return;
        }
        if (m.status === 'abandoned') return;
        if (m.timer) clearTimeout(m.timer);
        m.timer = null;
        this.inflight.delete(m);
        m.status = 'acked';
        m.ackAt = Date.now();
        m.id = d.id;
        m.seq = d.seq;
        m.storedAt = d.createdAt;
        m.ackLifetime = lifetime;
        this.received.add(d.id);
        phases[m.phase].ackMs.push(m.ackAt - m.firstSentAt);
        m.route.pending = null;
        return;
      }
      const status = Number(answer?.error?.status) || 0;
      bump(counters.sendErr, status);
      if (attempt !== m.attempt || m.status !== 'inflight') return;
      if (m.timer) clearTimeout(m.timer);
      m.timer = null;
      this.inflight.delete(m);
      bump(P().sendRefused, status);
      if (RETRYABLE.has(status) || status >= 500) {
        if (status >= 500 && status !== 503) P().sendFailures.push({ status, message: String(answer?.error?.message).slice(0, 200) });
        const after = Number(answer?.error?.retryAfterMs);
        const backoff = Number.isFinite(after) && after >= 0 ? after : Math.min(5000, 250 * 2 ** Math.min(5, m.attempts)) * (0.5 + Math.random());
        m.status = 'queued';
        setTimeout(() => {
          if (m.status !== 'queued' || this.queue.includes(m)) return;
          this.emitSend(m);
        }, backoff);
        return;
      }
      P().sendFailures.push({ status, message: String(answer?.error?.message).slice(0, 200) });
      m.status = 'failed';
      m.route.pending = null;
    }

    /** No answer in time: resend on this connection when it shows signs of life, else reconnect (elsewhere). */
    onAckTimeout(/** @type {Msg} */ m, /** @type {number} */ attempt, /** @type {number} */ seq) {
      if (attempt !== m.attempt || m.status !== 'inflight') return;
      m.timer = null;
      this.inflight.delete(m);
      bump(P().sendRefused, 0);
      if (this.departed) {
        m.status = 'abandoned';
        m.route.pending = null;
        return;
      }
      const socket = this.socket;
      if (socket?.connected && seq === this.connSeq && Date.now() - this.lastPacketAt < 2000) {
        this.emitSend(m);
        return;
      }
      m.status = 'queued';
      this.queue.push(m);
      if (socket?.connected && seq === this.connSeq) {
        // The server is silent (e.g. SIGSTOPped): drop the transport; socket.io reconnects through the balancer.
        /** @type {any} */ (socket.io).engine?.close();
      }
    }

    /** Goes away for good without a goodbye (its connection dies with the instance, or is closed). */
    vanish(closeNow = false) {
      this.departed = 'vanished';
      this.stateChangedAt = Date.now();
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.socket?.io.reconnection(false);
      if (closeNow) this.socket?.disconnect();
    }

    /** Logs off normally: waits for its sends, POST /auth/logout, closes the socket. */
    async logOff() {
      this.departed = 'logged-off';
      const deadline = Date.now() + 10000;
      while ((this.inflight.size > 0 || this.queue.length > 0) && Date.now() < deadline) await sleep(50);
      if (this.retryTimer) clearTimeout(this.retryTimer);
      await rest.request('POST', '/api/v1/auth/logout', { refreshToken: this.user.refreshToken }, this.user.token);
      this.stateChangedAt = Date.now();
      this.socket?.io.reconnection(false);
      this.socket?.disconnect();
    }

    /** Final catch-up (also for departed clients: as if the app opened again), by REST only. */
    async finalSync() {
      if (this.departed === 'logged-off') {
        const r = await rest.request('POST', '/api/v1/auth/login', { email: this.user.email, password: this.user.password });
        if (r.status === 200) this.user.token = r.body.accessToken;
      }
      await this.catchUp();
    }
  }

  const clients = users.map((_, i) => new Client(i));

  // ------------------------------------------------------------------ the send scheduler
  let rate = 0;
  let maxPending = 100;
  let pendingCount = () => messages.reduce((n, m) => n + (m.status === 'queued' || m.status === 'inflight' ? 1 : 0), 0);
  let pending = 0; // kept exact by the scheduler's own bookkeeping below (recount each tick is too slow)
  let nextMsg = 0;
  let tokens = 0;
  let lastTick = Date.now();
  /** @type {NodeJS.Timeout | null} */
  let ticker = null;

  function pickRoute() {
    for (let tries = 0; tries < 8; tries++) {
      const c = clients[Math.floor(Math.random() * clients.length)];
      if (c.departed) continue;
      const wantGroup = Math.random() < 0.5;
      const candidates = c.routes.filter((r) => !r.pending && (r.kind === 'group') === wantGroup);
      const pool = candidates.length ? candidates : c.routes.filter((r) => !r.pending);
      if (!pool.length) continue;
      return { c, r: pool[Math.floor(Math.random() * pool.length)] };
    }
    return null;
  }

  function tick() {
    const now = Date.now();
    const dt = (now - lastTick) / 1000;
    lastTick = now;
    if (paused) {
      tokens = 0;
      return;
    }
    tokens = Math.min(tokens + rate * dt, Math.max(2, rate / 10));
    while (tokens >= 1) {
      tokens -= 1;
      if (pending >= maxPending) {
        P().skipped += 1;
        continue;
      }
      const pickd = pickRoute();
      if (!pickd) {
        P().skipped += 1;
        continue;
      }
      const { c, r } = pickd;
      /** @type {Msg} */
      const m = {
        i: nextMsg,
        sender: c.idx,
        conv: r.conv,
        route: r,
        clientId: `${runTag}-${c.idx}-${nextMsg}`,
        phase,
        createdAt: now,
        firstSentAt: 0,
        ackAt: 0,
        status: 'queued',
        attempts: 0,
        attempt: 0,
        timer: null,
        id: null,
        seq: null,
        storedAt: null,
        ackLifetime: null,
      };
      nextMsg += 1;
      messages.push(m);
      r.pending = m;
      P().sent += 1;
      c.emitSend(m);
    }
  }

  // `pending` is recomputed from the routes every 100 ms (cheap: one flag per route).
  setInterval(() => {
    let n = 0;
    for (const c of clients) for (const r of c.routes) if (r.pending) n += 1;
    pending = n;
  }, 100).unref();

  return {
    clients,
    messages,
    phases,
    counters,
    seqOf,
    get phase() {
      return phase;
    },
    /** Starts a new phase (counters per window); returns its index. */
    newPhase() {
      phases.push(newPhaseStats());
      phase = phases.length - 1;
      return phase;
    },
    get lastMessageNewAt() {
      return lastMessageNewAt;
    },
    /** @param {number} r */
    setRate(r) {
      rate = r;
      maxPending = Math.max(25, Math.round(r * 0.5));
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      lastTick = Date.now();
    },
    startScheduler() {
      ticker = setInterval(tick, 10);
    },
    stopScheduler() {
      if (ticker) clearInterval(ticker);
      ticker = null;
    },
    /** Sends not settled yet (queued or in flight), over clients that have not departed. */
    unsettled() {
      let n = 0;
      for (const m of messages) if ((m.status === 'queued' || m.status === 'inflight') && !clients[m.sender].departed) n += 1;
      return n;
    },
    pendingCount,
    active: () => clients.filter((c) => !c.departed),
    /** Every active client connected, caught up and presence-subscribed. */
    allReady() {
      for (const c of clients) if (!c.departed && (!c.connected || c.syncing || !c.presenceReady)) return false;
      return true;
    },
    describeNotReady() {
      let off = 0;
      let syncing = 0;
      let presence = 0;
      for (const c of clients) {
        if (c.departed) continue;
        if (!c.connected) off += 1;
        else if (c.syncing) syncing += 1;
        else if (!c.presenceReady) presence += 1;
      }
      return `${off} clients disconnected, ${syncing} catching up, ${presence} waiting for presence:subscribe`;
    },
    notReady() {
      return clients.filter((c) => !c.departed && (!c.connected || c.syncing || !c.presenceReady)).length;
    },
    async closeAll() {
      this.stopScheduler();
      for (const c of clients) {
        c.departed = c.departed ?? 'vanished';
        if (c.retryTimer) clearTimeout(c.retryTimer);
        for (const m of c.inflight) if (m.timer) clearTimeout(m.timer);
        c.socket?.io.reconnection(false);
        c.socket?.disconnect();
      }
    },
    log,
  };
}
