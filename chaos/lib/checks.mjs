// What the chaos run checks: deliveries, order, duplicates, presence, stored history, and the
// servers' metrics against what the clients counted.
import { pick, labelValues } from './metrics.mjs';
import { mapLimit } from './rest.mjs';

/**
 * Deliveries of the messages acknowledged in `phase`: every member other than the sender must hold
 * each one (events or its own catch-up). Departed members are skipped here (the final check catches
 * them up). Also order (seq unique per conversation, increasing in each sender's send order) and
 * duplicates among the acks.
 * @param {ReturnType<typeof import('./fleet.mjs').createFleet>} fleet @param {number} phase
 */
export function deliveryCheck(fleet, phase, { includeDeparted = false } = {}) {
  const acked = fleet.messages.filter((m) => m.phase === phase && m.status === 'acked');
  /** @type {Map<number, number>} recipient → messages missing */
  const missingBy = new Map();
  let missing = 0;
  /** @type {string[]} */
  const examples = [];
  for (const m of acked) {
    for (const r of m.route.members) {
      if (r === m.sender) continue;
      const c = fleet.clients[r];
      if (c.departed && !includeDeparted) continue;
      if (!c.received.has(/** @type {string} */ (m.id))) {
        missing += 1;
        missingBy.set(r, (missingBy.get(r) ?? 0) + 1);
        if (examples.length < 5)
          examples.push(
            `client ${r} (${c.departed ?? (c.connected ? 'online' : 'offline')}, on ${c.lifetime}) lacks ${m.id} (seq ${m.seq} in ${m.conv}, from client ${m.sender}, acked on ${m.ackLifetime})`,
          );
      }
    }
  }
  return { acked: acked.length, missing, missingRecipients: missingBy.size, examples, order: orderCheck(acked) };
}

/**
 * seq unique per conversation among acks; each sender's acked messages in a conversation in send order.
 * @param {import('./fleet.mjs').Msg[]} acked in ledger (send) order
 */
export function orderCheck(acked) {
  /** @type {Map<string, Map<number, string>>} */
  const bySeq = new Map();
  /** @type {Map<string, number>} `${sender}/${conv}` → last seq */
  const lastSeq = new Map();
  let outOfOrder = 0;
  let seqClashes = 0;
  /** @type {string[]} */
  const examples = [];
  for (const m of acked) {
    let seqs = bySeq.get(m.conv);
    if (!seqs) bySeq.set(m.conv, (seqs = new Map()));
    const other = seqs.get(/** @type {number} */ (m.seq));
    if (other !== undefined && other !== m.id) {
      seqClashes += 1;
      if (examples.length < 5) examples.push(`seq ${m.seq} of ${m.conv} acked as ${other} and ${m.id}`);
    } else seqs.set(/** @type {number} */ (m.seq), /** @type {string} */ (m.id));
    const key = `${m.sender}/${m.conv}`;
    const prev = lastSeq.get(key);
    if (prev !== undefined && /** @type {number} */ (m.seq) <= prev) {
      outOfOrder += 1;
      if (examples.length < 5) examples.push(`client ${m.sender} in ${m.conv}: seq ${m.seq} acked after seq ${prev}`);
    }
    lastSeq.set(key, Math.max(prev ?? -Infinity, /** @type {number} */ (m.seq)));
  }
  return { outOfOrder, seqClashes, examples };
}

/**
 * Every remaining client's view of each peer against the truth (online iff the peer has a live socket).
 * Peers whose connection changed in the last `settleMs` are not judged (the truth is moving).
 * @param {ReturnType<typeof import('./fleet.mjs').createFleet>} fleet
 */
export function presenceCheck(fleet, settleMs = 3000) {
  const now = Date.now();
  let pairs = 0;
  let stale = 0;
  let unjudged = 0;
  const staleUsers = new Set();
  /** @type {string[]} */
  const examples = [];
  for (const c of fleet.clients) {
    if (!c.online) continue;
    for (const p of c.peers) {
      const peer = fleet.clients[p];
      if (now - peer.stateChangedAt < settleMs || now - c.connectedAt < settleMs) {
        unjudged += 1;
        continue;
      }
      pairs += 1;
      const truth = peer.online;
      const shown = c.presenceReady ? c.view.get(p)?.online : undefined;
      if (shown !== truth) {
        stale += 1;
        staleUsers.add(p);
        if (examples.length < 5)
          examples.push(
            `client ${c.idx} sees client ${p} as ${shown === undefined ? 'unknown' : shown ? 'online' : 'offline'}; it is ${peer.departed ? peer.departed : truth ? 'online' : 'offline'} (since ${((now - peer.stateChangedAt) / 1000).toFixed(1)} s); the view came from ${c.view.get(p)?.source ?? 'nothing'} ${c.view.get(p) ? ((now - c.view.get(p).at) / 1000).toFixed(1) + ' s ago' : ''}`,
          );
      }
    }
  }
  return { pairs, stale, staleUsers: staleUsers.size, unjudged, examples };
}

/**
 * Every stored message of every conversation, through the history route (paging `before`).
 * @param {ReturnType<typeof import('./rest.mjs').createRest>} rest
 * @param {{ id: string, members: number[] }[]} conversations
 * @param {(i: number) => string} tokenOf
 */
export async function readHistory(rest, conversations, tokenOf) {
  /** @type {Map<string, any[]>} */
  const out = new Map();
  /** @type {string[]} */
  const errors = [];
  await mapLimit(conversations.length, 6, async (k) => {
    const conv = conversations[k];
    const token = tokenOf(conv.members[0]);
    /** @type {any[]} */
    const items = [];
    let before = null;
    for (let guard = 0; guard < 100000; guard++) {
      const q = `/api/v1/conversations/${conv.id}/messages?limit=100${before ? `&before=${before}` : ''}`;
      let r = await rest.request('GET', q, undefined, token, 30000);
      for (let retry = 0; retry < 5 && (r.status === 0 || r.status === 503 || r.status === 429); retry++) {
        await new Promise((res) => setTimeout(res, 500));
        r = await rest.request('GET', q, undefined, token, 30000);
      }
      if (r.status !== 200) {
        errors.push(`${q} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
        break;
      }
      items.unshift(...r.body.items);
      if (!r.body.hasMore || r.body.items.length === 0) break;
      before = r.body.items[0].id;
    }
    out.set(conv.id, items);
  });
  return { byConv: out, errors };
}

/**
 * The stored history against the ledger: lost (acked, not stored, or stored with another seq),
 * duplicated (one (sender, clientId) stored twice), out of order (seq not unique / not increasing).
 * Results are attributed to the phase of each message.
 * @param {ReturnType<typeof import('./fleet.mjs').createFleet>} fleet
 * @param {Map<string, any[]>} byConv
 */
export function historyCheck(fleet, byConv) {
  /** @type {Map<string, any>} id → stored message */
  const stored = new Map();
  /** @type {Record<number, { lost: number, duplicated: number, outOfOrder: number, examples: string[] }>} */
  const perPhase = {};
  const at = (/** @type {number} */ p) => (perPhase[p] ??= { lost: 0, duplicated: 0, outOfOrder: 0, examples: [] });
  const phaseOfClientId = new Map(fleet.messages.map((m) => [m.clientId, m.phase]));
  let seqProblems = 0;
  /** @type {string[]} */
  const general = [];
  for (const [conv, items] of byConv) {
    const seqs = new Set();
    let prev = -Infinity;
    /** @type {Map<string, any>} */
    const byClientId = new Map();
    for (const m of items) {
      stored.set(m.id, m);
      const phase = phaseOfClientId.get(m.clientId) ?? -1;
      if (seqs.has(m.seq) || m.seq <= prev) {
        seqProblems += 1;
        at(phase).outOfOrder += 1;
        if (at(phase).examples.length < 5) at(phase).examples.push(`history of ${conv}: seq ${m.seq} after ${prev}`);
      }
      seqs.add(m.seq);
      prev = Math.max(prev, m.seq);
      if (m.clientId) {
        const key = `${m.senderId}/${m.clientId}`;
        if (byClientId.has(key)) {
          at(phase).duplicated += 1;
          if (at(phase).examples.length < 5) at(phase).examples.push(`${key} stored twice: ${byClientId.get(key).id} (seq ${byClientId.get(key).seq}) and ${m.id} (seq ${m.seq})`);
        } else byClientId.set(key, m);
      }
    }
  }
  for (const m of fleet.messages) {
    if (m.status !== 'acked') continue;
    const s = stored.get(/** @type {string} */ (m.id));
    if (!s) {
      at(m.phase).lost += 1;
      if (at(m.phase).examples.length < 5) at(m.phase).examples.push(`acked ${m.id} (${m.clientId}, seq ${m.seq}) is not in the history of ${m.conv}`);
    } else if (s.seq !== m.seq || s.clientId !== m.clientId) {
      at(m.phase).lost += 1;
      if (at(m.phase).examples.length < 5) at(m.phase).examples.push(`acked ${m.id} as seq ${m.seq}, stored as seq ${s.seq} (clientId ${s.clientId})`);
    }
  }
  return { stored, perPhase, seqProblems, general };
}

// ------------------------------------------------------------------------------------ metrics

const OK_STATUS = (/** @type {string} */ v) => ['ok', 'success', 'acked', '200', '201'].includes(v.toLowerCase());

/**
 * Server-side increase of a counter between two quiet points, over every instance lifetime.
 * A lifetime that started inside the window counts from 0; one that died inside it counts up to its
 * last scrape, and the result is then a lower bound (`complete: false`).
 * @param {{ t: number, scrapes: Record<string, { t: number, v: Record<string, number> }> }} qa
 * @param {{ t: number, scrapes: Record<string, { t: number, v: Record<string, number> }> }} qb
 * @param {ReturnType<typeof import('./metrics.mjs').startScraper>} scraper
 * @param {string} name @param {Record<string, any>} [want]
 */
export function serverDelta(qa, qb, scraper, name, want = {}) {
  let sum = 0;
  let found = false;
  let complete = true;
  /** @type {string[]} */
  const notes = [];
  for (const [key, list] of scraper.series) {
    const first = list[0];
    if (!first || first.t > qb.t) continue;
    const a = qa.scrapes[key];
    const b = qb.scrapes[key];
    const lastBefore = scraper.last(key, qb.t);
    if (!a && !b && (!lastBefore || lastBefore.t < qa.t)) continue; // dead before the window
    let va = 0;
    // A labelled counter has no series until its first count: absent from a good scrape means 0.
    if (a) va = pick(a.v, name, want) ?? 0;
    else if (first.t < qa.t) {
      complete = false;
      notes.push(`no scrape of ${key} at the window's start`);
    }
    let vb;
    if (b) vb = pick(b.v, name, want);
    else {
      vb = lastBefore ? pick(lastBefore.v, name, want) : null;
      complete = false;
      notes.push(`lifetime ${key} ended inside the window (counted up to its last scrape)`);
    }
    if (vb === null || vb === undefined || Number.isNaN(va)) continue;
    found = true;
    sum += vb - va;
  }
  return { value: found ? sum : null, complete, notes };
}

/**
 * Compares each metric with the clients' own counts over one window between quiet points.
 * @param {{ name: string, steady: boolean, qa: any, qb: any, storedInWindow: number, killedBound: number | null, answersLostBound: number }} w
 * @param {ReturnType<typeof import('./metrics.mjs').startScraper>} scraper
 * @param {ReturnType<typeof import('./fleet.mjs').createFleet>} fleet
 */
export function compareMetrics(w, scraper, fleet) {
  const { qa, qb } = w;
  const dc = (/** @type {string} */ k) => qb.counters[k] - qa.counters[k];
  /** @type {{ window: string, metric: string, server: number | null, clients: number, verdict: string, ok: boolean, note: string }[]} */
  const rows = [];
  const add = (
    /** @type {string} */ metric,
    /** @type {{ value: number | null, complete: boolean, notes: string[] }} */ s,
    /** @type {number} */ clients,
    /** @type {'exact' | 'server>=clients' | 'bound'} */ rule,
    bound = 0,
  ) => {
    let ok;
    let verdict;
    if (s.value === null) {
      ok = false;
      verdict = 'MISSING on the server';
    } else if (rule === 'exact' && s.complete) {
      ok = s.value === clients;
      verdict = ok ? 'agree' : `MISMATCH (${s.value - clients > 0 ? '+' : ''}${s.value - clients})`;
    } else if (rule === 'bound' || !s.complete) {
      // The server's figure is a lower bound (a lifetime died in the window): the clients' count must lie in [server, server + bound].
      const diff = clients - s.value;
      ok = diff >= 0 && diff <= bound;
      verdict = ok ? `agree within bound (clients − server = ${diff}, ≤ ${bound})` : `MISMATCH (clients − server = ${diff}, allowed 0..${bound})`;
    } else {
      const diff = s.value - clients;
      ok = diff >= 0 && diff <= bound;
      verdict = ok ? (diff === 0 ? 'agree' : `agree (${diff} answers lost with their connections, ≤ ${bound})`) : `MISMATCH (server − clients = ${diff}, allowed 0..${bound})`;
    }
    rows.push({ window: w.name, metric, server: s.value, clients, verdict, ok, note: s.notes.join('; ') });
  };

  // 1. Messages stored: the history (truth) against chatify_messages_stored_total.
  const stored = serverDelta(qa, qb, scraper, 'chatify_messages_stored_total');
  add('chatify_messages_stored_total vs stored history (createdAt in window)', stored, w.storedInWindow, stored.complete ? 'exact' : 'bound', w.killedBound ?? 0);

  // 2. Send answers: ok answers counted by the servers against ok answers the clients received.
  const sample = qb.scrapes[Object.keys(qb.scrapes)[0]]?.v ?? null;
  const okLabels = labelValues(sample, 'chatify_socket_events_total', 'status').filter(OK_STATUS);
  const okWant = { event: 'message:send', status: (/** @type {string} */ v) => OK_STATUS(v) };
  const sends = serverDelta(qa, qb, scraper, 'chatify_socket_events_total', okWant);
  if (sends.value !== null && okLabels.length === 0 && labelValues(sample, 'chatify_socket_events_total', 'status').length > 0)
    sends.notes.push(`no status label value reads as success: ${labelValues(sample, 'chatify_socket_events_total', 'status').join(', ')}`);
  add('chatify_socket_events_total{event="message:send",status=ok} vs acks received', sends, dc('sendOk'), w.steady ? 'exact' : 'server>=clients', w.answersLostBound);

  // 3. Catch-up requests.
  const syncs = serverDelta(qa, qb, scraper, 'chatify_sync_requests_total');
  add('chatify_sync_requests_total vs /sync answered', syncs, dc('syncAnswered'), w.steady ? 'exact' : 'server>=clients', w.answersLostBound + dc('syncSent') - dc('syncAnswered'));

  // 4. Handshakes accepted.
  const hsOk = serverDelta(qa, qb, scraper, 'chatify_handshakes_total', { outcome: (/** @type {string} */ v) => ['ok', 'accepted', 'success', 'connected'].includes(v) });
  add('chatify_handshakes_total{outcome=ok} vs connects', hsOk, dc('connects'), w.steady ? 'exact' : 'server>=clients', w.answersLostBound + dc('connectErrors'));

  // 5. message:new deliveries to sockets.
  const dl = serverDelta(qa, qb, scraper, 'chatify_deliveries_total', { event: 'message:new' });
  add(
    'chatify_deliveries_total{event="message:new"} vs message:new received',
    dl,
    dc('messageNew'),
    w.steady ? 'exact' : 'server>=clients',
    w.steady ? 0 : Number.MAX_SAFE_INTEGER,
  );

  // 6. Open connections at the window's end (a gauge): per lifetime and in all.
  let gauge = 0;
  let gaugeFound = false;
  /** @type {string[]} */
  const per = [];
  for (const [key, s] of Object.entries(qb.scrapes)) {
    const v = pick(/** @type {any} */ (s).v, 'chatify_socket_connections');
    if (v === null) continue;
    gaugeFound = true;
    gauge += v;
    const mine = qb.connectedBy[key] ?? 0;
    if (v !== mine) per.push(`${key}: server ${v}, clients ${mine}`);
  }
  rows.push({
    window: w.name,
    metric: 'chatify_socket_connections (at the window end) vs clients connected',
    server: gaugeFound ? gauge : null,
    clients: qb.connected,
    verdict: !gaugeFound ? 'MISSING on the server' : per.length === 0 && gauge === qb.connected ? 'agree' : `MISMATCH ${per.join('; ')}`,
    ok: gaugeFound && per.length === 0 && gauge === qb.connected,
    note: '',
  });
  return rows;
}
