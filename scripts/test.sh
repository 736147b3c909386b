#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, runs the static checks (lint, formatting,
# module boundaries, types: any failure stops here), builds, then runs every test (unit, e2e against a real
# DocumentDB, browser, a short fuzz run) and prints one closing summary line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SCARF_ANALYTICS=false

scripts/ensure-deps.sh

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# The closing line, `tests: N passed, N failed, N skipped`, over the result files given.
summary() {
  node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(1)) {
  if (!fs.existsSync(file)) { failed += 1; continue; }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  // The static checks and the fuzz run count one entry per target (eslint, prettier, ...; http, socket, server);
  // the chaos run is one target.
  if ("targets" in r) { passed += r.passed; failed += r.failed; continue; }
  passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; skipped += r.numPendingTests;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$@"
}

# Static checks first: a minute or two, against the suites' many minutes. Each one is a target of the closing
# line; if any fails, the suites are not run and the test command fails.
echo "== static checks (ESLint, Prettier, dependency-cruiser, tsc)"
static_passed=0
static_failed=0
for check in lint:eslint format:check lint:deps typecheck; do
  echo "-- npm run $check"
  started=$SECONDS
  if npm run --silent "$check"; then
    static_passed=$((static_passed + 1))
    echo "-- $check passed ($((SECONDS - started)) s)"
  else
    static_failed=$((static_failed + 1))
    echo "-- $check FAILED ($((SECONDS - started)) s)" >&2
  fi
done
echo "{\"targets\": 4, \"passed\": $static_passed, \"failed\": $static_failed}" >"$results/static.json"
if [[ $static_failed -gt 0 ]]; then
  echo "[test] $static_failed static check(s) failed: the test suites were not run" >&2
  summary "$results/static.json"
  exit 1
fi

scripts/documentdb.sh ensure
if [[ -x scripts/ensure-chromium.sh ]]; then scripts/ensure-chromium.sh; fi
if [[ -x scripts/redis.sh ]]; then scripts/redis.sh ensure || echo "[test] redis-server is unavailable: the multi-instance (Redis) test will be skipped" >&2; fi
npm run --silent build

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

summary "$results/static.json" "$results/unit.json" "$results/e2e.json" "${fuzz_files[@]}" "${chaos_files[@]}"
exit $status
