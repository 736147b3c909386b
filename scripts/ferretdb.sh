#!/usr/bin/env bash
# Owns the development/test database: FerretDB v1.24.2 (MongoDB wire protocol) on SQLite, loopback only.
#   scripts/ferretdb.sh ensure                 build .tools/bin/ferretdb from the Go module proxy if missing
#   scripts/ferretdb.sh start DIR PORT         start it in the background with data under DIR; waits until it answers
#   scripts/ferretdb.sh stop DIR               stop the instance started with DIR
# Idempotent: `ensure` skips the build when the binary is there, `start` reuses a live instance of DIR.
set -euo pipefail
# shellcheck source=lib/pidfile.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pidfile.sh"

FERRETDB_VERSION="v1.24.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin/ferretdb"

log() { echo "[ferretdb] $*" >&2; }

ensure() {
  # Read the whole output first: with pipefail, `grep -q` closing the pipe early makes the binary die of
  # SIGPIPE now and then, and a perfectly good binary would be rebuilt.
  if [[ -x "$BIN" ]] && [[ "$("$BIN" --version 2>/dev/null || true)" == *"version: $FERRETDB_VERSION"* ]]; then
    return 0
  fi
  command -v go >/dev/null || { log "Go is needed to build FerretDB and was not found on PATH"; exit 1; }
  log "building FerretDB $FERRETDB_VERSION into .tools/bin (first run only; takes a few minutes)..."
  # `go install ...@version` builds a binary that panics at start: the module zip lacks the generated
  # build/version/version.txt. So we fetch the same module source from the proxy, add that file, and build it.
  local src_dir module_dir
  module_dir="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$module_dir" ]] || { log "could not download github.com/FerretDB/FerretDB@$FERRETDB_VERSION"; exit 1; }
  src_dir="$TOOLS/src/ferretdb-$FERRETDB_VERSION"
  rm -rf "$src_dir" && mkdir -p "$TOOLS/src" "$TOOLS/bin"
  cp -r "$module_dir" "$src_dir" && chmod -R u+w "$src_dir"
  echo "$FERRETDB_VERSION" > "$src_dir/build/version/version.txt"
  (cd "$src_dir" && GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN.tmp" ./cmd/ferretdb)
  mv "$BIN.tmp" "$BIN"
  log "built $("$BIN" --version | head -1)"
}

wait_port() {
  local port=$1 tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries + 1))
    if (( tries > 150 )); then return 1; fi
    sleep 0.1
  done
}

start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if pidfile_alive "$dir/ferretdb.pid"; then
    log "already running (pid $(cat "$dir/ferretdb.pid"))"
    return 0
  fi
  ensure
  nohup "$BIN" --handler=sqlite --sqlite-url="file:$dir/" --listen-addr="127.0.0.1:$port" \
    --state-dir="$dir" --debug-addr=- --telemetry=disable --log-level=error \
    >"$dir/ferretdb.log" 2>&1 </dev/null &
  echo $! >"$dir/ferretdb.pid"
  if ! wait_port "$port"; then
    log "did not start on 127.0.0.1:$port; its log:"; tail -20 "$dir/ferretdb.log" >&2; exit 1
  fi
}

stop() {
  stop_pidfile "$1/ferretdb.pid"
}

case "${1:-}" in
  ensure) ensure ;;
  start) start "${2:?data dir}" "${3:?port}" ;;
  stop) stop "${2:?data dir}" ;;
  *) echo "usage: $0 ensure | start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
