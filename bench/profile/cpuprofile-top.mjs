// Summarises a V8 .cpuprofile (from `node bench/run.mjs --cpu-prof`): self time by function and by
// package or source folder, and total (inclusive) time of the app's own functions.
//
//   node bench/profile/cpuprofile-top.mjs bench/results/<stamp>-logs/app-rest.cpuprofile [--top=25] [--from=S] [--to=S]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/profile/cpuprofile-top.mjs <file.cpuprofile> [--top=N]');
  process.exit(2);
}
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
// --from=S / --to=S: only samples between S seconds after the profile started (skip start-up).
const fromS = Number(process.argv.find((a) => a.startsWith('--from='))?.slice(7) ?? 0);
const toS = Number(process.argv.find((a) => a.startsWith('--to='))?.slice(5) ?? Infinity);
/** @type {{ nodes: any[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} */
const profile = JSON.parse(readFileSync(file, 'utf8'));

/** @type {Map<number, any>} */
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
/** @type {Map<number, number>} */
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from the samples.
/** @type {Map<number, number>} */
const selfUs = new Map();
let elapsedUs = 0;
let totalUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  elapsedUs += delta;
  if (elapsedUs < fromS * 1e6 || elapsedUs > toS * 1e6) continue;
  totalUs += delta;
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
}

/** @param {string} url */
function bucket(url) {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node: core';
  const dist = url.indexOf('/dist/');
  if (dist >= 0)
    return `app ${
      url
        .slice(dist + 6)
        .split('/')
        .slice(0, -1)
        .join('/') || '.'
    }`;
  return url;
}

/** @type {Map<string, number>} */
const fnSelf = new Map();
/** @type {Map<string, number>} */
const pkgSelf = new Map();
let idle = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  const cf = n.callFrame;
  if (cf.functionName === '(idle)' || cf.functionName === '(program)') {
    if (cf.functionName === '(idle)') idle += us;
  }
  const name = `${cf.functionName || '(anonymous)'}  ${cf.url ? `${cf.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${cf.lineNumber + 1}` : ''}`;
  fnSelf.set(name, (fnSelf.get(name) ?? 0) + us);
  const b = cf.functionName === '(garbage collector)' ? '(garbage collector)' : cf.functionName === '(idle)' ? '(idle)' : bucket(cf.url);
  pkgSelf.set(b, (pkgSelf.get(b) ?? 0) + us);
}

const pct = (/** @type {number} */ us) => `${((us / totalUs) * 100).toFixed(1)}%`;
const busy = totalUs - idle;
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${pct(busy)})\n`);
console.log('Self time by package / folder:');
for (const [k, v] of [...pkgSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v).padStart(6)}  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
console.log('\nSelf time by function:');
for (const [k, v] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v).padStart(6)}  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);

// Inclusive time of app functions (dist/...): which of our calls the time is spent under.
/** @type {Map<string, number>} */
const appTotal = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  let cur = id;
  while (cur !== undefined) {
    const cf = byId.get(cur).callFrame;
    if (cf.url.includes('/dist/') && !cf.url.includes('node_modules')) {
      const name = `${cf.functionName || '(anonymous)'}  dist/${cf.url.split('/dist/')[1]}:${cf.lineNumber + 1}`;
      if (!seen.has(name)) {
        seen.add(name);
        appTotal.set(name, (appTotal.get(name) ?? 0) + us);
      }
    }
    cur = /** @type {number} */ (parent.get(cur));
  }
}
console.log("\nInclusive time under the app's own functions:");
for (const [k, v] of [...appTotal].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v).padStart(6)}  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
