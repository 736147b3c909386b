// Does a query on an indexed field other than _id cost O(1) or O(collection size) on the dev
// database? Starts a throw-away FerretDB on loopback, fills a collection with a unique compound
// index in steps, and times three look-ups at each size:
//   by _id, by the indexed pair (like the send path's dedupe look-up), and a sorted page by a
//   second indexed pair (like a conversation's history page).
//
//   node bench/profile/ferretdb-scan.mjs [--sizes=1000,5000,20000,50000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/proc.mjs';
import { summarize } from '../lib/stats.mjs';

const require = createRequire(import.meta.url);
const { MongoClient, ObjectId } = require('mongodb');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sizes = (process.argv.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '1000,5000,20000,50000').split(',').map(Number);
const SAMPLES = 30;

const dir = mkdtempSync(path.join(os.tmpdir(), 'chatify-scan-db-'));
const port = await freePort();
const script = path.join(ROOT, 'scripts', 'ferretdb.sh');
if (spawnSync('bash', [script, 'start', dir, String(port)], { stdio: 'inherit' }).status !== 0) process.exit(1);
const dbPid = Number(readFileSync(path.join(dir, 'ferretdb.pid'), 'utf8'));
const client = new MongoClient(`mongodb://127.0.0.1:${port}/scan`, { monitorCommands: false });
try {
  await client.connect();
  const coll = client.db('scan').collection('messages');
  await coll.createIndex({ senderId: 1, dedupeKey: 1 }, { unique: true });
  await coll.createIndex({ conversationId: 1, seq: 1 }, { unique: true });
  const senders = Array.from({ length: 100 }, () => new ObjectId());
  const conversations = Array.from({ length: 50 }, () => new ObjectId());
  let n = 0;
  /** @type {any[]} */
  const rows = [];
  for (const size of sizes) {
    while (n < size) {
      const batch = [];
      for (let k = 0; k < 1000 && n < size; k++, n++) {
        batch.push({
          _id: new ObjectId(),
          conversationId: conversations[n % 50],
          seq: Math.floor(n / 50) + 1,
          senderId: senders[n % 100],
          dedupeKey: `k${n}`,
          text: 'Benchmark message: the quick brown fox jumps over the lazy dog, 0123456789 abcdefghijklmnopqrstuvwxyz.',
          createdAt: new Date(),
        });
      }
      await coll.insertMany(batch, { ordered: false });
    }
    const ids = await coll.find({}, { projection: { _id: 1 } }).limit(SAMPLES).toArray();
    const time = async (/** @type {(i: number) => Promise<unknown>} */ fn) => {
      const t = [];
      for (let i = 0; i < SAMPLES; i++) {
        const s = performance.now();
        await fn(i);
        t.push(performance.now() - s);
      }
      return summarize(t).p50;
    };
    const byId = await time((i) => coll.findOne({ _id: ids[i % ids.length]._id }));
    const byIndexedPair = await time((i) => coll.findOne({ senderId: senders[(i * 7) % 100], dedupeKey: `k${(i * 7919) % size}` }));
    const page = await time((i) => coll.find({ conversationId: conversations[i % 50] }).sort({ seq: -1 }).limit(51).toArray());
    rows.push({ documents: size, 'findOne {_id} p50 ms': byId, 'findOne {senderId, dedupeKey} p50 ms': byIndexedPair, 'page {conversationId} sort seq limit 51 p50 ms': page });
    process.stderr.write(`${size} documents done\n`);
  }
  console.log(`FerretDB (SQLite) look-up cost against collection size, ${SAMPLES} samples each, database pid ${dbPid}:`);
  console.table(rows);
} finally {
  await client.close();
  spawnSync('bash', [script, 'stop', dir], { stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
}
