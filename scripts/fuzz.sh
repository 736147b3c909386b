#!/usr/bin/env bash
# npm run fuzz: property-based fuzzing of the whole API against a server of its own.
#   HTTP: Schemathesis (PyPI, installed into $CHATIFY_CACHE_DIR/schemathesis-venv on first use) drives every
#         operation of /docs-json, checking for 5xx answers and answers outside the documented schemas.
#   Socket.IO: scripts/fuzz/socket-fuzz.mjs (fast-check) sends generated payloads for every client → server
#         event of src/contract/socket-events.ts, checking that each is acked in the contract's shape below 500.
# Also counts every unhandled error the server logged. Prints one line per target and exits non-zero on
# any 5xx, crash or schema violation. Everything listens on 127.0.0.1.
#   scripts/fuzz.sh [--seconds N] [--results FILE]   (default 60 s per target; FILE: JSON for scripts/test.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
CACHE="${CHATIFY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chatify}"
VENV="$CACHE/schemathesis-venv"
SCHEMATHESIS_VERSION=4.32.5
SECONDS_PER_TARGET=60
RESULTS=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--results FILE]" >&2; exit 2 ;;
  esac
done
log() { echo "[fuzz] $*" >&2; }

ensure_schemathesis() {
  if [[ -x "$VENV/bin/schemathesis" ]] && "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return 0; fi
  log "installing Schemathesis $SCHEMATHESIS_VERSION into $VENV (first run only)"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV" || { log "python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

scripts/ensure-deps.sh
ensure_schemathesis
if [[ -z "${FUZZ_SKIP_BUILD:-}" || ! -f dist/main.js ]]; then npm run --silent build; fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  scripts/documentdb.sh stop "$work/db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

uri="$(scripts/documentdb.sh start "$work/db" "$(free_port)")"
port="$(free_port)"
# Limits high enough for a fuzzer (they are tested elsewhere); Swagger on, as in development.
env NODE_ENV=test HOST=127.0.0.1 PORT="$port" MONGODB_URI="$uri" JWT_SECRET="fuzz-secret-$(date +%s%N)-0123456789abcdef" \
  BCRYPT_ROUNDS=4 LOG_LEVEL=error ADDRESS_RATE_LIMIT=10000000 AUTH_RATE_LIMIT=1000000 SEND_RATE_LIMIT=1000000 REFRESH_RATE_LIMIT=1000000 \
  SEARCH_RATE_LIMIT=1000000 SYNC_RATE_LIMIT=1000000 RECEIPTS_RATE_LIMIT=1000000 EDIT_RATE_LIMIT=1000000 CONVERSATION_RATE_LIMIT=1000000 \
  PRESENCE_RATE_LIMIT=1000000 TYPING_RATE_LIMIT=1000000 REACTION_RATE_LIMIT=1000000 MARK_RATE_LIMIT=1000000 BLOCK_RATE_LIMIT=1000000 \
  MEMBERS_RATE_LIMIT=1000000 PROFILE_RATE_LIMIT=1000000 LOGIN_BACKOFF_FREE_ATTEMPTS=1000 WS_MAX_CONNECTIONS_PER_USER=1000 WS_HANDSHAKE_RATE=0 \
  SWAGGER_ENABLED=true REDIS_URL= node dist/main.js >"$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { log "the server did not start:"; tail -20 "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
signup="$(curl -fsS "$base/api/v1/auth/signup" -H 'content-type: application/json' \
  -d "{\"name\":\"Fuzz\",\"email\":\"fuzz-$RANDOM@example.test\",\"password\":\"correct horse battery\"}")"
token="$(node -e 'console.log(JSON.parse(process.argv[1]).accessToken)' "$signup")"
operations="$(curl -fsS "$base/docs-json" | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>{const p=JSON.parse(t).paths;console.log(Object.values(p).reduce((n,o)=>n+Object.keys(o).length,0))})')"

log "HTTP: Schemathesis over the $operations operations of /docs-json for up to ${SECONDS_PER_TARGET}s"
http_status=0
"$VENV/bin/schemathesis" run "$base/docs-json" --url "$base" -H "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance --max-time "$SECONDS_PER_TARGET" --max-examples 25 \
  --workers 2 --request-timeout 10 --seed 11 --suppress-health-check all --continue-on-failure \
  --report ndjson --report-ndjson-path "$work/http.ndjson" --warnings off >"$work/http.out" 2>&1 || http_status=$?
node scripts/fuzz/http-summary.mjs "$work/http.ndjson" "$operations" "$http_status" >"$work/http.json" || true
tail -25 "$work/http.out" | sed 's/^/[fuzz:http]   /' >&2
node -e 'const r=require(process.argv[1]);console.log(`[fuzz:http] ${r.operations} operations, ${r.requests} requests, ${r.serverErrors} 5xx, ${r.failures} failing check(s)`)' "$work/http.json"

log "Socket.IO: every client event for ${SECONDS_PER_TARGET}s"
socket_status=0
node scripts/fuzz/socket-fuzz.mjs --url "$base" --token "$token" --seconds "$SECONDS_PER_TARGET" --out "$work/socket.json" || socket_status=$?

crashed=0
kill -0 "$server_pid" 2>/dev/null || { crashed=1; log "the server died during the run:"; tail -20 "$work/server.log" >&2; }
unhandled="$(grep -c '"level":50' "$work/server.log" || true)"
[[ "$unhandled" == 0 ]] || { log "the server logged $unhandled unhandled error(s):"; grep '"level":50' "$work/server.log" | head -5 >&2; }

node -e '
const [http, socket, crashed, unhandled, out] = process.argv.slice(1);
const h = require(http), s = require(socket);
const targets = [
  { name: "http", ok: h.ok && h.serverErrors === 0 && h.failures === 0, ...h },
  { name: "socket", ok: s.problems.length === 0 && s.requests > 0, ...s },
  { name: "server", ok: crashed === "0" && unhandled === "0", crashed: crashed !== "0", unhandledErrors: Number(unhandled) },
];
if (out) require("fs").writeFileSync(out, JSON.stringify({ passed: targets.filter((t) => t.ok).length, failed: targets.filter((t) => !t.ok).length, targets }, null, 2));
for (const t of targets) console.log(`[fuzz] ${t.name}: ${t.ok ? "passed" : "FAILED"}`);
process.exit(targets.every((t) => t.ok) ? 0 : 1);
' "$work/http.json" "$work/socket.json" "$crashed" "$unhandled" "$RESULTS"
