// Reads Schemathesis' NDJSON event report and prints a summary for scripts/fuzz.sh:
// { target, operations, requests, serverErrors, failures, ok }. Usage: http-summary.mjs REPORT OPERATIONS EXIT_STATUS
import { existsSync, readFileSync } from 'node:fs';

const [report, operations, exitStatus] = process.argv.slice(2);
let requests = 0;
let serverErrors = 0;
const failing = new Set();
const walk = (value, visit) => {
  if (!value || typeof value !== 'object') return;
  visit(value);
  for (const child of Object.values(value)) walk(child, visit);
};
if (existsSync(report)) {
  for (const line of readFileSync(report, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    walk(JSON.parse(line), (node) => {
      // Each recorded response is one request that was answered.
      if (typeof node.status_code === 'number' && ('elapsed' in node || 'headers' in node)) {
        requests += 1;
        if (node.status_code >= 500) serverErrors += 1;
      }
      if (node.status === 'FAILURE' || node.status === 'failure') failing.add(`${node.name ?? ''}:${node.label ?? node.message ?? JSON.stringify(node).slice(0, 80)}`);
    });
  }
}
const status = Number(exitStatus);
const summary = { target: 'http', operations: Number(operations), requests, serverErrors, failures: failing.size || (status === 0 ? 0 : 1), ok: status === 0 && requests > 0 };
console.log(JSON.stringify(summary));
