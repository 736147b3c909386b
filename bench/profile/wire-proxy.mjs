// A MongoDB wire-protocol counting proxy, for `node bench/run.mjs --profile` only.
// It sits between the app and the database on loopback, forwards bytes untouched, and counts every
// command by name, collection and query *shape* (field names and operators, never values), with
// the time until the database answered. The orchestrator asks for snapshots over IPC around each
// measurement window, so a scenario can report "database round trips per message".
//
// Env: PROXY_LISTEN (port), PROXY_TARGET (port of the database), PROXY_OUT (JSON file written at exit).
// The proxy parses requests (BSON) in its own process: profiled runs are for counting, not for figures.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** @type {{ deserialize: (b: Uint8Array, o?: any) => any } | null} */
let BSON = null;
try {
  BSON = require('bson');
} catch {
  BSON = null; // counts by opcode only
}

const LISTEN = Number(process.env.PROXY_LISTEN);
const TARGET = Number(process.env.PROXY_TARGET);
const OUT = process.env.PROXY_OUT;
const OP_MSG = 2013;
const OP_QUERY = 2004;
// Connection housekeeping, not work done for a request.
const HOUSEKEEPING = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'buildinfo', 'buildInfo', 'saslStart', 'saslContinue', 'endSessions', 'getParameter']);

/** @type {Map<string, { count: number, totalMs: number, maxMs: number }>} */
const stats = new Map();
let total = 0;
let housekeeping = 0;
/** @type {any[]} index specs the app asked for */
const indexes = [];

/**
 * A query's shape: its field names and operators, values replaced by their type.
 * @param {any} v @param {number} depth
 * @returns {string}
 */
function shape(v, depth = 0) {
  if (depth > 4) return '…';
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return v.length ? `[${shape(v[0], depth + 1)}${v.length > 1 ? ',…' : ''}]` : '[]';
  if (typeof v === 'object') {
    const bsontype = v._bsontype;
    if (bsontype) return bsontype === 'ObjectId' || bsontype === 'ObjectID' ? 'id' : bsontype.toLowerCase();
    if (v instanceof Date) return 'date';
    return `{${Object.keys(v)
      .map((k) => `${k}:${shape(v[k], depth + 1)}`)
      .join(',')}}`;
  }
  return typeof v === 'number' ? 'n' : typeof v === 'string' ? 's' : typeof v === 'boolean' ? 'b' : typeof v;
}

/**
 * Describes one command: "find messages {conversationId:id} sort {seq:n} limit".
 * @param {any} cmd section-0 document @param {Record<string, any[]>} seqs kind-1 document sequences
 */
function describe(cmd, seqs) {
  const name = Object.keys(cmd)[0];
  const coll = typeof cmd[name] === 'string' ? cmd[name] : '';
  let detail = '';
  switch (name) {
    case 'find':
      detail = `filter ${shape(cmd.filter ?? {})}${cmd.sort ? ` sort ${shape(cmd.sort)}` : ''}${cmd.limit ? ` limit` : ''}${cmd.projection ? ' projection' : ''}`;
      break;
    case 'findAndModify':
      detail = `query ${shape(cmd.query ?? {})}${cmd.sort ? ` sort ${shape(cmd.sort)}` : ''} update ${cmd.update ? shapeUpdate(cmd.update) : cmd.remove ? 'remove' : '?'}${cmd.upsert ? ' upsert' : ''}`;
      break;
    case 'update': {
      const u = (cmd.updates ?? seqs.updates ?? [])[0];
      detail = u ? `q ${shape(u.q)} u ${shapeUpdate(u.u)}${u.upsert ? ' upsert' : ''}${u.multi ? ' multi' : ''} ×${(cmd.updates ?? seqs.updates).length}` : '';
      break;
    }
    case 'delete': {
      const d = (cmd.deletes ?? seqs.deletes ?? [])[0];
      detail = d ? `q ${shape(d.q)}` : '';
      break;
    }
    case 'insert':
      detail = `×${(cmd.documents ?? seqs.documents ?? []).length}`;
      break;
    case 'aggregate':
      detail = (cmd.pipeline ?? [])
        .map((/** @type {any} */ st) => {
          const op = Object.keys(st)[0];
          return op === '$match' || op === '$sort' ? `${op} ${shape(st[op])}` : op;
        })
        .join(' | ');
      break;
    case 'count':
    case 'countDocuments':
      detail = `query ${shape(cmd.query ?? {})}`;
      break;
    case 'distinct':
      detail = `key ${cmd.key} query ${shape(cmd.query ?? {})}`;
      break;
    case 'createIndexes':
      for (const ix of cmd.indexes ?? [])
        indexes.push({
          collection: coll,
          key: ix.key,
          name: ix.name,
          unique: Boolean(ix.unique),
          partial: ix.partialFilterExpression ?? null,
          sparse: Boolean(ix.sparse),
          ttl: ix.expireAfterSeconds ?? null,
        });
      detail = (cmd.indexes ?? []).map((/** @type {any} */ ix) => JSON.stringify(ix.key)).join(' ');
      break;
    default:
      break;
  }
  return { name, key: `${name} ${coll} ${detail}`.trim() };
}

/** @param {any} u */
function shapeUpdate(u) {
  if (Array.isArray(u)) return `pipeline[${u.length}]`;
  return (
    Object.keys(u ?? {})
      .filter((k) => k.startsWith('$'))
      .map((k) => `${k}${shape(u[k])}`)
      .join(' ') || 'replacement'
  );
}

/**
 * Parses one request message: returns { name, key } or null.
 * @param {Buffer} msg whole message including the 16-byte header
 */
function parseRequest(msg) {
  const opCode = msg.readInt32LE(12);
  if (!BSON) return { name: `op${opCode}`, key: `op${opCode}` };
  try {
    if (opCode === OP_MSG) {
      let off = 20; // header + flagBits
      const flags = msg.readUInt32LE(16);
      const end = flags & 1 ? msg.length - 4 : msg.length; // checksum present
      let body = null;
      /** @type {Record<string, any[]>} */
      const seqs = {};
      while (off < end) {
        const kind = msg[off];
        off += 1;
        if (kind === 0) {
          const size = msg.readInt32LE(off);
          body = BSON.deserialize(msg.subarray(off, off + size), { promoteBuffers: true });
          off += size;
        } else {
          const size = msg.readInt32LE(off);
          const sectionEnd = off + size;
          let p = off + 4;
          const zero = msg.indexOf(0, p);
          const id = msg.toString('utf8', p, zero);
          p = zero + 1;
          const docs = [];
          while (p < sectionEnd) {
            const dsize = msg.readInt32LE(p);
            // Only the first document's shape is needed; count the rest.
            docs.push(docs.length === 0 ? BSON.deserialize(msg.subarray(p, p + dsize)) : null);
            p += dsize;
          }
          seqs[id] = docs;
          off = sectionEnd;
        }
      }
      if (!body) return { name: 'op_msg', key: 'op_msg (no body)' };
      return describe(body, seqs);
    }
    if (opCode === OP_QUERY) return { name: 'legacy-query', key: 'legacy OP_QUERY (handshake)' };
    return { name: `op${opCode}`, key: `opcode ${opCode}` };
  } catch (err) {
    return { name: 'unparsed', key: `unparsed (${/** @type {Error} */ (err).message})` };
  }
}

/**
 * Splits a byte stream into whole wire messages.
 * @param {(msg: Buffer) => void} onMessage
 */
function framer(onMessage) {
  /** @type {Buffer} */
  let buf = Buffer.alloc(0);
  return (/** @type {Buffer} */ chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 4) {
      const len = buf.readInt32LE(0);
      if (buf.length < len) break;
      onMessage(buf.subarray(0, len));
      buf = buf.subarray(len);
    }
  };
}

/** Requests sent and not yet answered, over all connections. @type {Set<Map<number, { key: string, name: string, t: number }>>} */
const allPending = new Set();

const server = net.createServer((client) => {
  const upstream = net.connect(TARGET, '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  /** @type {Map<number, { key: string, name: string, t: number }>} */
  const pending = new Map();
  allPending.add(pending);
  const onRequest = framer((msg) => {
    const req = parseRequest(msg);
    pending.set(msg.readInt32LE(4), { ...(req ?? { key: '?', name: '?' }), t: performance.now() });
  });
  const onResponse = framer((msg) => {
    const responseTo = msg.readInt32LE(8);
    const req = pending.get(responseTo);
    if (!req) return;
    pending.delete(responseTo);
    const ms = performance.now() - req.t;
    if (HOUSEKEEPING.has(req.name) || req.name === 'legacy-query') {
      housekeeping++;
      return;
    }
    total++;
    const s = stats.get(req.key) ?? { count: 0, totalMs: 0, maxMs: 0 };
    s.count++;
    s.totalMs += ms;
    if (ms > s.maxMs) s.maxMs = ms;
    stats.set(req.key, s);
  });
  client.on('data', (chunk) => {
    upstream.write(chunk);
    onRequest(chunk);
  });
  upstream.on('data', (chunk) => {
    client.write(chunk);
    onResponse(chunk);
  });
  const close = () => {
    allPending.delete(pending);
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});

function snapshot() {
  /** @type {Record<string, { count: number, totalMs: number, maxMs: number }>} */
  const byKey = {};
  for (const [k, v] of stats) byKey[k] = { count: v.count, totalMs: Math.round(v.totalMs * 10) / 10, maxMs: Math.round(v.maxMs * 10) / 10 };
  /** @type {Record<string, { count: number, oldestMs: number }>} */
  const waiting = {};
  const t = performance.now();
  for (const pending of allPending) {
    for (const req of pending.values()) {
      if (HOUSEKEEPING.has(req.name)) continue;
      const w = (waiting[req.key] ??= { count: 0, oldestMs: 0 });
      w.count++;
      w.oldestMs = Math.max(w.oldestMs, Math.round(t - req.t));
    }
  }
  return { total, housekeeping, byKey, waiting };
}

function writeOut() {
  if (!OUT) return;
  const snap = snapshot();
  const commands = Object.entries(snap.byKey)
    .map(([key, v]) => ({ key, ...v, meanMs: Math.round((v.totalMs / v.count) * 100) / 100 }))
    .sort((a, b) => b.totalMs - a.totalMs);
  writeFileSync(OUT, `${JSON.stringify({ total: snap.total, housekeeping: snap.housekeeping, commands, unanswered: snap.waiting, indexes }, null, 2)}\n`);
}

process.on('message', (/** @type {any} */ msg) => {
  if (msg?.type === 'snapshot') process.send?.({ type: 'snapshot', id: msg.id, data: snapshot() });
});
process.on('disconnect', () => {
  writeOut();
  process.exit(0);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    writeOut();
    process.exit(0);
  });
}
server.listen(LISTEN, '127.0.0.1', () => process.send?.({ type: 'ready' }));
