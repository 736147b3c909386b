#!/usr/bin/env bash
# Owns the Redis used by the multi-instance tests (Socket.IO fan-out through @socket.io/redis-adapter).
#   scripts/redis.sh ensure             install Debian's redis-server with apt-get if `redis-server` is missing
#   scripts/redis.sh start DIR PORT     start it daemonized on 127.0.0.1:PORT, no persistence, files under DIR;
#                                       waits until it answers
#   scripts/redis.sh stop DIR           stop the instance started with DIR
# Idempotent: `ensure` does nothing when the binary is there, `start` reuses a live instance of DIR.
set -euo pipefail
# shellcheck source=lib/pidfile.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pidfile.sh"

log() { echo "[redis] $*" >&2; }

ensure() {
  command -v redis-server >/dev/null && return 0
  command -v apt-get >/dev/null || { log "redis-server is missing and apt-get is not available to install it"; exit 1; }
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || { log "redis-server is missing; installing it needs root (or sudo)"; exit 1; }
    sudo="sudo -n"
  fi
  log "installing redis-server from the Debian archive (first run only)..."
  # The package's service is not wanted (tests start their own instances); policy-rc.d keeps it from starting
  # where a service manager exists, and the install still succeeds in containers without one.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  command -v redis-server >/dev/null || { log "redis-server still not found after apt-get install"; exit 1; }
  log "installed $(redis-server --version | head -1)"
}

answers() {
  local port=$1
  if command -v redis-cli >/dev/null; then
    [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

start() {
  local dir=$1 port=$2 tries=0
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if pidfile_alive "$dir/redis.pid"; then
    log "already running (pid $(cat "$dir/redis.pid"))"
    return 0
  fi
  ensure
  redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" \
    --save "" --appendonly no
  until answers "$port"; do
    tries=$((tries + 1))
    if (( tries > 100 )); then
      log "did not start on 127.0.0.1:$port; its log:"; tail -20 "$dir/redis.log" >&2 || true; exit 1
    fi
    sleep 0.1
  done
}

stop() {
  stop_pidfile "$1/redis.pid"
}

case "${1:-}" in
  ensure) ensure ;;
  start) start "${2:?data dir}" "${3:?port}" ;;
  stop) stop "${2:?data dir}" ;;
  *) echo "usage: $0 ensure | start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
