#!/usr/bin/env bash
# The run command (README): installs what is missing, builds, starts the embedded DocumentDB unless
# MONGODB_URI is set (environment or .env), then runs Chatify on http://localhost:${PORT:-3000}.
# Stopping the server (Ctrl-C / SIGTERM) stops the embedded database too. Data stays in ./data/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SCARF_ANALYTICS=false

scripts/ensure-deps.sh
echo "[chatify] building..." >&2
npm run --silent build

if [[ -z "${MONGODB_URI:-}" ]] && [[ -f .env ]]; then
  MONGODB_URI="$(sed -n 's/^MONGODB_URI=//p' .env | tail -1)"
fi
embedded=""
if [[ -z "${MONGODB_URI:-}" ]]; then
  port="${EMBEDDED_DB_PORT:-27117}"
  echo "[chatify] MONGODB_URI is not set: starting the embedded DocumentDB on 127.0.0.1:$port (data in ./data/documentdb)" >&2
  embedded="data/documentdb"
  MONGODB_URI="$(scripts/documentdb.sh start "$embedded" "$port")"
  export MONGODB_URI
fi

node dist/main.js &
server=$!
stop() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [[ -n "$embedded" ]]; then scripts/documentdb.sh stop "$embedded"; fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
wait "$server"
