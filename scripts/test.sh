#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds, then runs every test
# (unit, e2e against a real DocumentDB, browser, a short fuzz run) and prints one closing summary line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SCARF_ANALYTICS=false

scripts/ensure-deps.sh
scripts/documentdb.sh ensure
if [[ -x scripts/ensure-chromium.sh ]]; then scripts/ensure-chromium.sh; fi
if [[ -x scripts/redis.sh ]]; then scripts/redis.sh ensure || echo "[test] redis-server is unavailable: the multi-instance (Redis) test will be skipped" >&2; fi
npm run --silent build

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
echo "== unit tests"
npx jest --config jest.config.json --passWithNoTests --json --outputFile="$results/unit.json" "$@" || status=1
echo "== end-to-end tests (real DocumentDB, Socket.IO, Chromium)"
npx jest --config test/jest-e2e.json --maxWorkers=2 --passWithNoTests --json --outputFile="$results/e2e.json" "$@" || status=1
# The short fuzz run (scripts/fuzz.sh): on a full run, or when the pattern names it (`npm test -- fuzz`).
fuzz_files=()
if [[ $# -eq 0 || " $* " == *fuzz* ]]; then
  echo "== fuzzing (Schemathesis over /docs-json, every Socket.IO client event; 20 s each)"
  FUZZ_SKIP_BUILD=1 scripts/fuzz.sh --seconds 20 --results "$results/fuzz.json" || status=1
  fuzz_files=("$results/fuzz.json")
fi
# The short chaos run (chaos/run.mjs --short: 3 instances, Redis, one kill -9 and one Redis restart, about
# a minute): on a full run, or when the pattern names it (`npm test -- chaos`).
chaos_files=()
if [[ $# -eq 0 || " $* " == *chaos* ]]; then
  echo "== chaos (short: 3 instances behind a balancer, kill -9 one, restart Redis)"
  node chaos/run.mjs --short --json "$results/chaos.json" || status=1
  chaos_files=("$results/chaos.json")
fi

node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(1)) {
  if (!fs.existsSync(file)) { failed += 1; continue; }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // The fuzz run counts one entry per target (http, socket, server); the chaos run is one target.
  if ("targets" in r) { passed += r.passed; failed += r.failed; continue; }
  passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; skipped += r.numPendingTests;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results/unit.json" "$results/e2e.json" "${fuzz_files[@]}" "${chaos_files[@]}"
exit $status
