// Property-based fuzzer for the Socket.IO API: every client → server event of src/contract/socket-events.ts
// gets generated payloads (well-formed, near-miss and hostile), and every answer must be an ack of the
// contract's shape with a status below 500, within a time limit, while the server stays up.
// Usage: node scripts/fuzz/socket-fuzz.mjs --url http://127.0.0.1:PORT --token T --seconds 20 --out result.json
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { io } from 'socket.io-client';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const seconds = Number(args.seconds ?? 20);
const ACK_TIMEOUT_MS = 3000;

/** The event names, read from the typed contract so that a new event is fuzzed without editing this file. */
function clientEvents() {
  const file = join(import.meta.dirname, '..', '..', 'src', 'contract', 'socket-events.ts');
  const source = readFileSync(file, 'utf8');
  const body = source.slice(source.indexOf('export interface ClientToServerEvents'));
  const block = body.slice(0, body.indexOf('\n}'));
  const events = [...block.matchAll(/^\s+'?([\w:]+)'?\s*:\s*\(/gm)].map((match) => match[1]);
  // A contract this parser no longer reads must fail the run, not fuzz nothing.
  if (events.length === 0) throw new Error(`no client events found in ${file} (interface ClientToServerEvents)`);
  return events;
}

const hex = fc.stringMatching(/^[0-9a-f]{24}$/);
const id = fc.oneof(
  hex,
  hex.map((value) => value.toUpperCase()),
  fc.constant(`0x${'a'.repeat(22)}`),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.constant(null),
  fc.constant({ $gt: '' }),
);
const text = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constant(' '),
  fc.constant('x'.repeat(5000)),
  fc.integer(),
  fc.constant(null),
);
/** Fields the events take, each with values of the right type and of every wrong one. */
const fields = {
  conversationId: id,
  recipientId: id,
  messageId: id,
  replyToId: id,
  userId: id,
  userIds: fc.oneof(fc.array(id, { maxLength: 8 }), id),
  mentions: fc.oneof(fc.array(id, { maxLength: 5 }), id),
  text,
  clientId: fc.oneof(fc.string({ maxLength: 140 }), fc.integer()),
  typing: fc.oneof(fc.boolean(), fc.anything()),
  emoji: fc.oneof(fc.constantFrom('👍', '❤️', '🏳️‍🌈', 'a', ''), fc.string({ maxLength: 5 })),
  on: fc.oneof(fc.boolean(), fc.anything()),
};
/** Objects and arrays nested 30 to 3,000 levels deep, around the server's nesting limit (32) and far past it. */
const nested = fc.integer({ min: 30, max: 3000 }).map((depth) => {
  let value = {};
  for (let level = 1; level < depth; level += 1) value = level % 2 === 0 ? [value] : { text: value };
  return value;
});
/** Over WS_MAX_PAYLOAD_BYTES (64 KiB): the server closes the connection by design, and stays up. */
const oversized = fc.constant({ text: 'x'.repeat(70_000) });
const payload = fc.oneof(
  { weight: 3, arbitrary: fc.record(fields, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ ...fields, text: nested }, { requiredKeys: ['text'] }) },
  { weight: 1, arbitrary: nested },
  { weight: 1, arbitrary: oversized },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, 'text', [], [1, 2]) },
);

function connect() {
  return new Promise((resolve, reject) => {
    const socket = io(`${args.url}/chat`, { auth: { token: args.token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function validAck(answer) {
  if (!answer || typeof answer !== 'object') return false;
  if (answer.ok === true) return 'data' in answer;
  const error = answer.error;
  return answer.ok === false && error && Number.isInteger(error.status) && (typeof error.message === 'string' || Array.isArray(error.message));
}

const events = clientEvents();
const stats = Object.fromEntries(events.map((event) => [event, { sent: 0, ok: 0, refused: 0 }]));
const problems = [];
let socket = await connect();
const deadline = Date.now() + seconds * 1000;
const samples = fc.sample(fc.tuple(fc.constantFrom(...events), payload), { numRuns: 20_000, seed: Number(args.seed ?? Date.now() % 100_000) });
for (const [event, data] of samples) {
  if (Date.now() > deadline) break;
  if (!socket.connected) socket = await connect();
  stats[event].sent += 1;
  let answer;
  try {
    answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, data);
  } catch (error) {
    // A frame over WS_MAX_PAYLOAD_BYTES closes the connection by design; anything else unanswered is a defect.
    if (socket.connected) problems.push({ event, payload: JSON.stringify(data)?.slice(0, 300), problem: `no ack: ${error.message}` });
    continue;
  }
  if (!validAck(answer)) problems.push({ event, payload: JSON.stringify(data)?.slice(0, 300), problem: `ack outside the contract: ${JSON.stringify(answer)?.slice(0, 200)}` });
  else if (answer.ok) stats[event].ok += 1;
  else {
    stats[event].refused += 1;
    if (answer.error.status >= 500) problems.push({ event, payload: JSON.stringify(data)?.slice(0, 300), problem: `status ${answer.error.status}` });
  }
}
socket.close();
const sent = Object.values(stats).reduce((sum, entry) => sum + entry.sent, 0);
const summary = { target: 'socket', events: events.length, requests: sent, serverErrors: problems.filter((p) => /status 5/.test(p.problem)).length, problems, stats };
if (args.out) writeFileSync(args.out, JSON.stringify(summary, null, 2));
console.log(`[fuzz:socket] ${events.length} events (${events.join(', ')}), ${sent} events sent, ${summary.serverErrors} 5xx, ${problems.length} problem(s)`);
for (const problem of problems.slice(0, 20)) console.log(`[fuzz:socket]   ${problem.event}: ${problem.problem} — payload ${problem.payload}`);
process.exit(problems.length === 0 && sent > 0 ? 0 : 1);
