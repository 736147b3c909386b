// Compares two V8 heap snapshots (from `node bench/run.mjs --only=idle --heap-snapshot`): live
// objects grouped by constructor / kind, what grew, and that growth per connection.
//
//   node bench/profile/heap-diff.mjs <before.heapsnapshot> <after.heapsnapshot> [--per=5000] [--top=30]
import { readFileSync } from 'node:fs';

const [beforeFile, afterFile] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!beforeFile || !afterFile) {
  console.error('usage: node bench/profile/heap-diff.mjs <before.heapsnapshot> <after.heapsnapshot> [--per=N] [--top=N]');
  process.exit(2);
}
const per = Number(process.argv.find((a) => a.startsWith('--per='))?.slice(6) ?? 1);
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);

/** @param {string} file @returns {{ groups: Map<string, { count: number, size: number }>, total: number }} */
function load(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const nodes = snap.nodes;
  const strings = snap.strings;
  /** @type {Map<string, { count: number, size: number }>} */
  const groups = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    const name = strings[nodes[i + iName]];
    const size = nodes[i + iSize];
    total += size;
    const key =
      type === 'object' || type === 'closure'
        ? `${type} ${name}`
        : type === 'string' || type === 'concatenated string' || type === 'sliced string'
          ? '(strings)'
          : `(${type}) ${type === 'hidden' || type === 'array' || type === 'code' ? name.slice(0, 40) : ''}`.trim();
    const g = groups.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += size;
    groups.set(key, g);
  }
  return { groups, total };
}

const a = load(beforeFile);
const b = load(afterFile);
const rows = [];
for (const [key, g] of b.groups) {
  const before = a.groups.get(key) ?? { count: 0, size: 0 };
  const dSize = g.size - before.size;
  const dCount = g.count - before.count;
  if (dSize !== 0 || dCount !== 0) rows.push({ key, dSize, dCount });
}
rows.sort((x, y) => y.dSize - x.dSize);
const kib = (/** @type {number} */ v) => (v / 1024).toFixed(1);
console.log(
  `live heap: ${kib(a.total)} KiB → ${kib(b.total)} KiB, +${kib(b.total - a.total)} KiB${per > 1 ? ` = ${((b.total - a.total) / per / 1024).toFixed(2)} KiB per connection (${per})` : ''}\n`,
);
console.log(`${'growth KiB'.padStart(11)} ${'per conn B'.padStart(11)} ${'objects'.padStart(9)} ${'per conn'.padStart(9)}  group`);
for (const r of rows.slice(0, top)) {
  console.log(`${kib(r.dSize).padStart(11)} ${(r.dSize / per).toFixed(0).padStart(11)} ${String(r.dCount).padStart(9)} ${(r.dCount / per).toFixed(2).padStart(9)}  ${r.key}`);
}
