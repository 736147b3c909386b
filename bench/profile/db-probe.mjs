// Database cost probe: what one batch's writes cost the database, by shape, on a quiet cluster.
//
//   node bench/profile/db-probe.mjs <mongodb uri> [--pids=<gateway pid>,<postmaster pid>] [--rounds=N]
//
// Each probe runs the same batch shape as the send path (docs/BENCHMARKS.md, findings) several times,
// one command at a time, and prints the wall time per document and, with --pids, the database's CPU
// per document (the gateway and the postmaster with every backend, read from /proc).
import { MongoClient, ObjectId } from 'mongodb';
import { readTreeCpuMs } from '../lib/proc.mjs';

/** @param {number[]} list */
const cpuSecondsOf = async (list) => list.reduce((sum, pid) => sum + (readTreeCpuMs(pid) ?? 0), 0) / 1000;

const args = process.argv.slice(2);
const uri = args.find((a) => !a.startsWith('--'));
if (!uri) {
  console.error('usage: node bench/profile/db-probe.mjs <mongodb uri> [--pids=a,b] [--rounds=N]');
  process.exit(2);
}
const pidArg = args.find((a) => a.startsWith('--pids='));
const pids = pidArg ? pidArg.slice('--pids='.length).split(',').map(Number) : [];
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? 20);
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');

const client = new MongoClient(uri);
await client.connect();
const db = client.db(`probe_${Date.now().toString(36)}`);

/**
 * Runs `round` `rounds` times after 3 warm-ups; prints µs of wall and database CPU per document.
 * @param {string} name @param {number} docsPerRound @param {(i: number) => Promise<unknown>} round
 */
async function measure(name, docsPerRound, round) {
  if (only && !only.some((o) => name.includes(o))) return;
  for (let i = 0; i < 3; i++) await round(-1 - i);
  const cpu0 = pids.length ? await cpuSecondsOf(pids) : 0;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await round(i);
  const wall = performance.now() - t0;
  const cpu = pids.length ? (await cpuSecondsOf(pids)) - cpu0 : NaN;
  const docs = rounds * docsPerRound;
  console.log(`${name.padEnd(64)} wall ${((wall * 1000) / docs).toFixed(0).padStart(6)} µs/doc   db cpu ${((cpu * 1e6) / docs).toFixed(0).padStart(6)} µs/doc`);
}

const N = 100;
/** @type {import('mongodb').IndexDescription[]} */
const conversationIndexes = [
  { key: { uniqueKey: 1 }, name: 'uniqueKey_1', unique: true },
  { key: { memberIds: 1, lastActivityAt: -1, _id: -1 }, name: 'list' },
  { key: { _id: 1, changedAt: 1 }, name: 'sync' },
];
/** @type {import('mongodb').IndexDescription[]} */
const membershipIndexes = [
  { key: { conversationId: 1, userId: 1 }, name: 'pair', unique: true },
  { key: { userId: 1, removedAt: 1 }, name: 'sync_scope' },
  { key: { conversationId: 1, changedAt: 1 }, name: 'sync_marks' },
];

/** @param {import('mongodb').Collection} collection @param {number} count */
async function waitForIndexes(collection, count) {
  for (let i = 0; i < 200; i++) {
    if ((await collection.listIndexes().toArray()).length >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`indexes of ${collection.collectionName} were not built`);
}

/** @param {string} name @param {import('mongodb').IndexDescription[]} indexes */
async function conversations(name, indexes) {
  const collection = db.collection(name);
  const ids = Array.from({ length: N }, () => new ObjectId());
  const now = new Date();
  await collection.insertMany(
    ids.map((_id, i) => ({
      _id,
      type: 'direct',
      title: null,
      uniqueKey: `${name}:${i}`,
      memberIds: [new ObjectId(), new ObjectId()],
      adminIds: [],
      createdBy: null,
      seq: 0,
      lastMessage: null,
      lastMessageSeq: 0,
      lastActivityAt: now,
      changedAt: now,
      createdAt: now,
      blockedBy: [],
    })),
  );
  if (indexes.length) await collection.createIndexes(indexes);
  await waitForIndexes(collection, indexes.length + 1);
  return { collection, ids: ids.sort((a, b) => a.toHexString().localeCompare(b.toHexString())) };
}

const snapshot = (/** @type {number} */ seq) => ({
  _id: new ObjectId(),
  seq,
  senderId: new ObjectId(),
  text: 'x'.repeat(102),
  clientId: 'c'.repeat(20),
  createdAt: new Date(),
  editedAt: null,
  deletedAt: null,
  replyTo: null,
  mentions: [],
  reactions: [],
});

for (const [label, indexes] of /** @type {[string, import('mongodb').IndexDescription[]][]} */ ([
  ['4 indexes', conversationIndexes],
  ['_id only', []],
])) {
  const { collection, ids } = await conversations(`conv_${label.replace(/\W/g, '')}`, indexes);
  let seq = 0;
  await measure(`conversations (${label}): bulk $inc seq ×${N}`, N, () =>
    collection.bulkWrite(
      ids.map((_id) => ({ updateOne: { filter: { _id }, update: { $inc: { seq: 4 } } } })),
      { ordered: false },
    ),
  );
  await measure(`conversations (${label}): bulk guarded $set summary ×${N}`, N, () => {
    seq += 4;
    return collection.bulkWrite(
      ids.map((_id) => ({
        updateOne: { filter: { _id, lastMessageSeq: { $lt: seq } }, update: { $set: { lastMessage: snapshot(seq), lastMessageSeq: seq, lastActivityAt: new Date() } } },
      })),
      { ordered: false },
    );
  });
  await measure(`conversations (${label}): bulk pipeline grant ×${N}`, N, () =>
    collection.bulkWrite(
      ids.map((_id) => ({
        updateOne: {
          filter: { _id, 'blockedBy.0': { $exists: false } },
          update: [
            {
              $set: {
                seq: { $add: ['$seq', 4] },
                seqGrants: { $slice: [{ $concatArrays: [{ $ifNull: ['$seqGrants', []] }, [{ batch: 'abc', last: { $add: ['$seq', 4] } }]] }, -16] },
              },
            },
          ],
        },
      })),
      { ordered: false },
    ),
  );
  await measure(`conversations (${label}): updateMany $inc (one command, ${N} docs)`, N, () => collection.updateMany({ _id: { $in: ids } }, { $inc: { seq: 1 } }));
  await measure(`conversations (${label}): find ${N} by _id $in`, N, () => collection.find({ _id: { $in: ids } }, { projection: { _id: 1, seq: 1, memberIds: 1 } }).toArray());
}

for (const [label, indexes] of /** @type {[string, import('mongodb').IndexDescription[]][]} */ ([
  ['4 indexes', membershipIndexes],
  ['_id only', []],
])) {
  const collection = db.collection(`mem_${label.replace(/\W/g, '')}`);
  const ids = Array.from({ length: 2 * N }, () => new ObjectId()).sort((a, b) => a.toHexString().localeCompare(b.toHexString()));
  const now = new Date();
  await collection.insertMany(
    ids.map((_id) => ({
      _id,
      conversationId: new ObjectId(),
      userId: new ObjectId(),
      joinedAt: now,
      removedAt: null,
      readUpToSeq: 0,
      readUpToId: null,
      readAt: null,
      deliveredUpToSeq: 0,
      deliveredUpToId: null,
      deliveredAt: null,
      mentionSeqs: [],
      changedAt: now,
    })),
  );
  if (indexes.length) await collection.createIndexes(indexes);
  await waitForIndexes(collection, indexes.length + 1);
  let seq = 0;
  await measure(`memberships (${label}): bulk guarded $set marks ×${2 * N}`, 2 * N, () => {
    seq += 4;
    const at = new Date();
    const id = new ObjectId();
    return collection.bulkWrite(
      ids.map((_id) => ({
        updateOne: {
          filter: { _id, removedAt: null, readUpToSeq: { $lt: seq } },
          update: { $set: { readUpToSeq: seq, readUpToId: id, readAt: at, deliveredUpToSeq: seq, deliveredUpToId: id, deliveredAt: at, changedAt: at } },
        },
      })),
      { ordered: false },
    );
  });
}

/** @type {import('mongodb').IndexDescription[][]} */
const messageIndexes = [
  [{ key: { conversationId: 1, seq: 1 }, name: 'history_by_seq' }],
  [{ key: { conversationId: 1, changedAt: 1, _id: 1 }, name: 'sync' }],
  [{ key: { 'replyTo.id': 1 }, name: 'replies', partialFilterExpression: { 'replyTo.id': { $exists: true } } }],
  [{ key: { text: 'text' }, name: 'text_text', default_language: 'english' }],
  [{ key: { searchTerms: 1 }, name: 'terms' }],
];
const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango'.split(' ');
const conversationIds = Array.from({ length: N }, () => new ObjectId());
const message = (/** @type {number} */ i) => {
  const text = Array.from({ length: 17 }, (_, k) => words[(i * 7 + k * 3) % words.length])
    .join(' ')
    .slice(0, 102);
  const now = new Date();
  return {
    _id: new ObjectId(),
    conversationId: conversationIds[i % N],
    seq: i,
    senderId: new ObjectId(),
    text,
    clientId: `client-${i}`,
    createdAt: now,
    editedAt: null,
    deletedAt: null,
    changedAt: now,
    replyTo: null,
    mentions: [],
    reactions: [],
    searchTerms: text.split(' '),
  };
};
for (const [label, picks] of /** @type {[string, number[]][]} */ ([
  ['_id only', []],
  ['history + sync + replies', [0, 1, 2]],
  ['history + sync + replies + text', [0, 1, 2, 3]],
  ['history + sync + replies + searchTerms', [0, 1, 2, 4]],
])) {
  const collection = db.collection(`msg_${label.replace(/\W/g, '')}`);
  await collection.insertOne(message(0));
  const indexes = picks.flatMap((p) => messageIndexes[p]);
  if (indexes.length) await collection.createIndexes(indexes);
  await waitForIndexes(collection, indexes.length + 1);
  let next = 1;
  await measure(`messages (${label}): insertMany ×400`, 400, () =>
    collection.insertMany(
      Array.from({ length: 400 }, () => message(next++)),
      { ordered: false },
    ),
  );
}

await db.dropDatabase();
await client.close();
