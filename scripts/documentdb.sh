#!/usr/bin/env bash
# Owns the development/test database: DocumentDB (MongoDB wire protocol on PostgreSQL 15), loopback only.
#   scripts/documentdb.sh ensure              install what is missing and build it (once per machine)
#   scripts/documentdb.sh start DIR PORT      run a cluster with data under DIR, its gateway on 127.0.0.1:PORT;
#                                             waits until it answers; prints the connection string on stdout
#   scripts/documentdb.sh stop DIR            stop the cluster started with DIR (gateway, then PostgreSQL)
#   scripts/documentdb.sh uri DIR             print the connection string of the cluster in DIR
#   scripts/documentdb.sh stop-gateway DIR / start-gateway DIR   (fault tests: the gateway alone)
#   scripts/documentdb.sh pids DIR            print the pids of the gateway and every PostgreSQL process
#
# A stopped cluster folder may be copied with `cp -a` and started elsewhere (it is relocated).
#
# Idempotent. Builds live outside the clone, in $CHATIFY_CACHE_DIR (default ~/.cache/chatify), so a fresh
# clone on a warm machine builds nothing: the PostgreSQL extensions are installed into Debian's
# PostgreSQL 15 and a stamp names the revision; the gateway binary is kept in the cache.
# Sources: ../shared/vendor/ when present (pinned archives), else the same revisions downloaded.
set -euo pipefail
# shellcheck source=lib/pidfile.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/pidfile.sh"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="${CHATIFY_VENDOR_DIR:-$ROOT/../shared/vendor}"
CACHE="${CHATIFY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chatify}"
PG_BIN=/usr/lib/postgresql/15/bin
PG_CONFIG="$PG_BIN/pg_config"

DOCUMENTDB_REV=b2e220c47d85ec6fed1651f03968da2317f71c10
DOCUMENTDB_ARCHIVE=documentdb-b2e220c.tar.gz
DOCUMENTDB_SHA=4ed33630f705c2231e2a6228d6fc344b4ef7fa35fc095ca51a9d018befa2a64b
PGVECTOR_ARCHIVE=pgvector-0.8.0.tar.gz
PGVECTOR_SHA=93df40ccdaaaa267d1275c1e6e773004a0e5ff8e14227934a4ec7e8205d0f608
PGCRON_ARCHIVE=pg_cron-1.6.3.tar.gz
PGCRON_SHA=3580f4034021e62e459f9f7ab1f625774bfc534a9256844545da85d6f99c2f5b

APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 postgresql-contrib libbson-dev libintelrdfpmath-dev libpcre2-dev
  libkrb5-dev postgresql-15-postgis-3 postgresql-15-rum build-essential pkg-config openssl ca-certificates curl)

# The first user, made in SQL; the password only guards a loopback development database.
DB_USER=chatify
DB_PASSWORD=chatify-dev-password

log() { echo "[documentdb] $*" >&2; }
# One line naming what is missing, then a non-zero exit (nothing half-installed is left marked as done).
die() { echo "[documentdb] cannot continue: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------- install

missing_packages() {
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
  done
}

install_packages() {
  local missing
  missing="$(missing_packages | tr '\n' ' ')"
  # Debian's pg_cron 1.4 cannot run DocumentDB's second-based schedules; it is replaced by 1.6.3 below.
  if dpkg-query -W -f='${Status}' postgresql-15-cron 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing postgresql-15-cron-removal"
  fi
  [[ -z "${missing// /}" ]] && return 0
  command -v apt-get >/dev/null || die "these Debian packages are missing and apt-get is not available: $missing"
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "installing Debian packages ($missing) needs root or sudo"
    sudo="sudo -n"
  fi
  log "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  if [[ "$missing" == *postgresql-15-cron-removal* ]]; then
    $sudo apt-get remove -y -qq postgresql-15-cron >/dev/null || die "could not remove postgresql-15-cron (pg_cron 1.4)"
    missing="${missing//postgresql-15-cron-removal/}"
  fi
  [[ -z "${missing// /}" ]] && return 0
  # A fresh image has empty package lists; an update is needed before the first install.
  if ! apt-cache policy postgresql-server-dev-15 2>/dev/null | grep -q 'Candidate: [0-9]' ||
     ! apt-cache policy postgresql-15-rum 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    $sudo apt-get update -qq >/dev/null || die "apt-get update failed (no network to Debian's archive?)"
  fi
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    die "apt-get install failed for:$missing"
  # The package's own cluster on 5432 is not used; Chatify runs its own clusters.
  local left
  left="$(missing_packages | tr '\n' ' ')"
  [[ -z "${left// /}" ]] || die "still missing after apt-get install: $left"
}

ensure_cargo() {
  if ! command -v cargo >/dev/null && [[ -x "$HOME/.cargo/bin/cargo" ]]; then export PATH="$HOME/.cargo/bin:$PATH"; fi
  command -v cargo >/dev/null || die "Rust's cargo is needed once to build the DocumentDB gateway and was not found"
}

# Finds the archive NAME (checked against SHA), downloading it into the cache when there is no vendor
# copy; sets ARCHIVE to its path. (Not called as $(...): `die` must end the script, not a subshell.)
fetch_archive() {
  local name=$1 sha=$2 url=$3 dest="$CACHE/downloads/$1"
  if [[ -f "$VENDOR/$name" ]]; then dest="$VENDOR/$name"
  elif [[ ! -f "$dest" ]]; then
    command -v curl >/dev/null || die "$name is not in $VENDOR and curl is missing to download it"
    mkdir -p "$CACHE/downloads"
    log "downloading $url"
    curl -fsL --retry 2 -o "$dest.part" "$url" || { rm -f "$dest.part"; die "$name is not in $VENDOR and could not be downloaded from $url"; }
    mv "$dest.part" "$dest"
  fi
  echo "$sha  $dest" | sha256sum -c --quiet - >/dev/null 2>&1 || die "$dest does not match its pinned sha256"
  ARCHIVE="$dest"
}

# Unpacks the archive NAME SHA URL (see fetch_archive) into $CACHE/src/DIRNAME, fresh; sets SRC to it.
unpack() {
  local target="$CACHE/src/$4"
  fetch_archive "$1" "$2" "$3"
  rm -rf "$target" "$target.tmp" && mkdir -p "$target.tmp"
  tar -xzf "$ARCHIVE" -C "$target.tmp" || die "could not unpack $ARCHIVE"
  # Vendored archives unpack into DIRNAME; upstream ones into another top folder name. Either way: one folder.
  mv "$target.tmp"/* "$target" && rmdir "$target.tmp"
  SRC="$target"
}

pkglibdir() { "$PG_CONFIG" --pkglibdir; }
sharedir() { "$PG_CONFIG" --sharedir; }

build_pgvector() {
  [[ -f "$(sharedir)/extension/vector--0.8.0.sql" && -f "$(pkglibdir)/vector.so" ]] && return 0
  unpack "$PGVECTOR_ARCHIVE" "$PGVECTOR_SHA" https://github.com/pgvector/pgvector/archive/refs/tags/v0.8.0.tar.gz pgvector-0.8.0
  local src="$SRC"
  log "building pgvector 0.8.0"
  make -s -C "$src" PG_CONFIG="$PG_CONFIG" >/dev/null 2>"$src/build.log" && make -s -C "$src" PG_CONFIG="$PG_CONFIG" install >/dev/null 2>>"$src/build.log" ||
    { tail -5 "$src/build.log" >&2; die "pgvector did not build (log: $src/build.log)"; }
}

build_pg_cron() {
  [[ -f "$(sharedir)/extension/pg_cron--1.5--1.6.sql" && -f "$(pkglibdir)/pg_cron.so" ]] &&
    grep -q "default_version = '1.6'" "$(sharedir)/extension/pg_cron.control" 2>/dev/null && return 0
  unpack "$PGCRON_ARCHIVE" "$PGCRON_SHA" https://github.com/citusdata/pg_cron/archive/refs/tags/v1.6.3.tar.gz pg_cron-1.6.3
  local src="$SRC"
  log "building pg_cron 1.6.3"
  make -s -C "$src" USE_PGXS=1 PG_CONFIG="$PG_CONFIG" >/dev/null 2>"$src/build.log" && make -s -C "$src" USE_PGXS=1 PG_CONFIG="$PG_CONFIG" install >/dev/null 2>>"$src/build.log" ||
    { tail -5 "$src/build.log" >&2; die "pg_cron did not build (log: $src/build.log)"; }
}

# Debian's libintelrdfpmath-dev ships no pkg-config file; the extension's Makefile asks for `intelmathlib`.
# Writes one into the cache; sets PCDIR to its folder.
intelmathlib_pc() {
  local dir="$CACHE/pkgconfig" lib
  lib="$(dpkg -L libintelrdfpmath-dev | grep -E '/libbidgcc000\.a$' | head -1)"
  [[ -n "$lib" ]] || die "libintelrdfpmath-dev has no libbidgcc000.a"
  mkdir -p "$dir"
  cat >"$dir/intelmathlib.pc" <<EOF
Name: intelmathlib
Description: Intel decimal floating-point math library (Debian's libintelrdfpmath-dev)
Version: 2.0
Cflags:
Libs: $lib
EOF
  PCDIR="$dir"
}

extensions_stamp() { echo "$(pkglibdir)/chatify-documentdb.stamp"; }

build_extensions() {
  [[ -f "$(extensions_stamp)" && "$(cat "$(extensions_stamp)")" == "$DOCUMENTDB_REV" && -f "$(pkglibdir)/pg_documentdb.so" ]] && return 0
  unpack "$DOCUMENTDB_ARCHIVE" "$DOCUMENTDB_SHA" "https://github.com/microsoft/documentdb/archive/$DOCUMENTDB_REV.tar.gz" documentdb-ext
  local src="$SRC" pcdir
  intelmathlib_pc
  pcdir="$PCDIR"
  # Debian's libbson is 1.23; BSON_SUBTYPE_SENSITIVE (0x08) arrived in 1.28. Define it there and drop the
  # one case label that then duplicates a value, as the trial build did.
  local file="$src/pg_documentdb/src/operators/bson_expression_type_operators.c"
  if ! pkg-config --atleast-version=1.28 libbson-static-1.0 2>/dev/null; then
    grep -q '#include <utils/uuid.h>' "$file" || die "the libbson 1.23 fix no longer applies to $file"
    sed -i '/#include <utils\/uuid.h>/a #if !BSON_CHECK_VERSION(1, 28, 0)\n#define BSON_SUBTYPE_SENSITIVE ((bson_subtype_t) 0x08)\n#define CHATIFY_NO_SENSITIVE_SUBTYPE 1\n#endif' "$file"
    sed -i 's/^\(\t*\)case BSON_SUBTYPE_SENSITIVE:$/#ifndef CHATIFY_NO_SENSITIVE_SUBTYPE\n\1case BSON_SUBTYPE_SENSITIVE:\n#endif/' "$file"
  fi
  log "building the DocumentDB extensions (a few minutes, once per machine)"
  local jobs; jobs="$(nproc)"
  local dir
  for dir in pg_documentdb_core pg_documentdb; do
    PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" make -s -j"$jobs" -C "$src/$dir" PG_CONFIG="$PG_CONFIG" >"$src/$dir.build.log" 2>&1 &&
      PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" make -s -C "$src/$dir" PG_CONFIG="$PG_CONFIG" install >>"$src/$dir.build.log" 2>&1 ||
      { grep -m5 -E 'error|Error' "$src/$dir.build.log" >&2 || tail -5 "$src/$dir.build.log" >&2; die "$dir did not build (log: $src/$dir.build.log)"; }
  done
  echo "$DOCUMENTDB_REV" >"$(extensions_stamp)"
  rm -rf "$src"
}

gateway_bin() { echo "$CACHE/documentdb-gateway-${DOCUMENTDB_REV:0:7}/documentdb_gateway"; }

build_gateway() {
  [[ -x "$(gateway_bin)" ]] && return 0
  ensure_cargo
  local target="$CACHE/gateway-target"
  unpack "$DOCUMENTDB_ARCHIVE" "$DOCUMENTDB_SHA" "https://github.com/microsoft/documentdb/archive/$DOCUMENTDB_REV.tar.gz" documentdb-gw
  local src="$SRC"
  log "building the DocumentDB gateway with cargo (about 3 minutes, once per machine)"
  (cd "$src/pg_documentdb_gw" && CARGO_TARGET_DIR="$target" cargo build --release --locked --quiet >"$src/gateway.build.log" 2>&1) ||
    { tail -5 "$src/gateway.build.log" >&2; die "the gateway did not build (log: $src/gateway.build.log)"; }
  mkdir -p "$(dirname "$(gateway_bin)")"
  cp "$target/release/documentdb_gateway" "$(gateway_bin).tmp" && mv "$(gateway_bin).tmp" "$(gateway_bin)"
  rm -rf "$src"
}

ensure() {
  mkdir -p "$CACHE"
  # One build at a time per machine: parallel `npm test` runs share the cache.
  exec 9>"$CACHE/.build.lock"
  flock 9
  install_packages
  build_pgvector
  build_pg_cron
  build_extensions
  build_gateway
  flock -u 9
}

# ---------------------------------------------------------------------------------------------- run

as_postgres() { runuser -u postgres -- "$@"; }
pg_port_of() { cat "$1/pg.port"; }

# A free TCP port on loopback (asked of the kernel).
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

uri() {
  local dir=$1
  echo "mongodb://$DB_USER:$DB_PASSWORD@127.0.0.1:$(cat "$dir/gateway.port")/chatify?authMechanism=SCRAM-SHA-256&directConnection=true"
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

init_cluster() {
  local dir=$1 pgport
  pgport="$(free_port)"
  install -d -o postgres -g postgres -m 700 "$dir/pg" "$dir/run" "$dir/log"
  as_postgres "$PG_BIN/initdb" -D "$dir/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { tail -5 "$dir/initdb.log" >&2; die "initdb failed (log: $dir/initdb.log)"; }
  # PostgreSQL listens only on its unix socket: the gateway and the extension's own jobs connect there.
  cat >>"$dir/pg/postgresql.conf" <<EOF

# --- Chatify development database (scripts/documentdb.sh)
listen_addresses = ''
port = $pgport
unix_socket_directories = '$dir/run'
ssl = off
shared_preload_libraries = 'pg_cron, pg_documentdb_core, pg_documentdb'
cron.database_name = 'postgres'
cron.host = '$dir/run'
documentdb.localhost_connection_string = 'host=$dir/run port=$pgport'
documentdb.enableBackgroundWorker = true
documentdb.enableBackgroundWorkerJobs = true
documentdb.indexBuildScheduleInSec = 1
# Compound indexes as one composite term per document instead of one RUM term per path: every write
# maintains each index at a fraction of the cost (docs/BENCHMARKS.md, finding 6). Affects indexes
# built from now on; unique and descending keys are supported.
documentdb.defaultUseCompositeOpClass = on
max_connections = 300
shared_buffers = 256MB
fsync = ${CHATIFY_DB_FSYNC:-on}
synchronous_commit = ${CHATIFY_DB_SYNCHRONOUS_COMMIT:-on}
log_min_messages = warning
EOF
  echo "$pgport" >"$dir/pg.port"
}

start_postgres() {
  local dir=$1
  if as_postgres "$PG_BIN/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then return 0; fi
  rm -f "$dir/pg/postmaster.pid"
  as_postgres "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/log/postgres.log" -w -t 60 start >/dev/null ||
    { tail -20 "$dir/log/postgres.log" >&2; die "PostgreSQL did not start (log: $dir/log/postgres.log)"; }
}

psql_() { local dir=$1; shift; PGOPTIONS="-c client_min_messages=warning" as_postgres "$PG_BIN/psql" -h "$dir/run" -p "$(pg_port_of "$dir")" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

create_extension() {
  local dir=$1
  [[ -f "$dir/extension.done" ]] && return 0
  psql_ "$dir" -c "CREATE EXTENSION IF NOT EXISTS documentdb CASCADE;" >/dev/null ||
    die "CREATE EXTENSION documentdb failed (log: $dir/log/postgres.log)"
  psql_ "$dir" <<SQL >/dev/null || die "creating the database user failed"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER WITH LOGIN INHERIT PASSWORD '$DB_PASSWORD' IN ROLE documentdb_admin_role;
    ALTER ROLE $DB_USER CREATEROLE;
    GRANT $DB_USER TO postgres WITH ADMIN OPTION;
  END IF;
END \$\$;
SQL
  touch "$dir/extension.done"
}

write_gateway_config() {
  local dir=$1 port=$2
  if [[ ! -f "$dir/gateway.key" ]]; then
    # A release gateway refuses to start without a certificate, even with TLS not enforced.
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
      -keyout "$dir/gateway.key" -out "$dir/gateway.crt" >/dev/null 2>&1 || die "openssl could not make the gateway's certificate"
  fi
  cat >"$dir/gateway.json" <<EOF
{
  "NodeHostName": "localhost",
  "BlockedRolePrefixes": [],
  "PostgresHostName": "$dir/run",
  "PostgresPort": $(pg_port_of "$dir"),
  "PostgresSystemUser": "postgres",
  "PostgresDatabase": "postgres",
  "GatewayListenPort": $port,
  "UseLocalHost": true,
  "EnforceSslTcp": false,
  "TransactionTimeoutSecs": 30,
  "CursorTimeoutSecs": 600,
  "PostgresCommandTimeoutSecs": 60,
  "CertificateOptions": { "CertType": "pem_file", "FilePath": "$dir/gateway.crt", "KeyFilePath": "$dir/gateway.key" }
}
EOF
  echo "$port" >"$dir/gateway.port"
}

start_gateway() {
  local dir=$1 port tries=0
  port="$(cat "$dir/gateway.port")"
  pidfile_alive "$dir/gateway.pid" && return 0
  answers "$port" && die "port $port is already taken by another program"
  nohup "$(gateway_bin)" "$dir/gateway.json" >>"$dir/gateway.log" 2>&1 </dev/null &
  echo $! >"$dir/gateway.pid"
  until answers "$port"; do
    tries=$((tries + 1))
    if ! pidfile_alive "$dir/gateway.pid" || (( tries > 300 )); then
      tail -20 "$dir/gateway.log" >&2; die "the gateway did not start on 127.0.0.1:$port (log: $dir/gateway.log)"
    fi
    sleep 0.1
  done
}

# A stopped cluster copied to another folder (`cp -a`, e.g. a benchmark's fixture snapshot) still names
# its old folder in its settings and in pg_cron's jobs (the index builds): point them at the new one.
relocate() {
  local dir=$1 old
  old="$(cat "$dir/location" 2>/dev/null || true)"
  [[ -z "$old" || "$old" == "$dir" ]] && return 0
  log "relocating the cluster from $old to $dir"
  sed -i "s#$old/#$dir/#g" "$dir/pg/postgresql.conf"
  rm -f "$dir/pg/postmaster.pid" "$dir/gateway.pid" "$dir/gateway.json" "$dir/run/".s.PGSQL.* 2>/dev/null || true
  echo relocated >"$dir/relocated"
}

start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  # The postgres user must reach the data folder: open the path to it for traversal.
  local up="$dir"
  while [[ "$up" != "/" ]]; do chmod o+x "$up" 2>/dev/null || true; up="$(dirname "$up")"; done
  ensure
  if [[ -f "$dir/pg/PG_VERSION" ]]; then relocate "$dir"; else init_cluster "$dir"; fi
  # A cluster made by an older version of this script: its indexes built from now on are composite too.
  grep -q '^documentdb.defaultUseCompositeOpClass' "$dir/pg/postgresql.conf" ||
    echo "documentdb.defaultUseCompositeOpClass = on" >>"$dir/pg/postgresql.conf"
  echo "$dir" >"$dir/location"
  start_postgres "$dir"
  create_extension "$dir"
  if [[ -f "$dir/relocated" ]]; then
    psql_ "$dir" -c "UPDATE cron.job SET nodename = '$dir/run'" >/dev/null || die "could not point pg_cron's jobs at $dir/run"
    rm -f "$dir/relocated"
  fi
  [[ -f "$dir/gateway.json" && "$(cat "$dir/gateway.port" 2>/dev/null)" == "$port" ]] || write_gateway_config "$dir" "$port"
  start_gateway "$dir"
  uri "$dir"
}

stop_gateway() { stop_pidfile "$1/gateway.pid"; }

# The gateway and PostgreSQL's postmaster with all its children (for CPU accounting).
pids() {
  local dir=$1 master
  [[ -f "$dir/gateway.pid" ]] && cat "$dir/gateway.pid"
  master="$(head -1 "$dir/pg/postmaster.pid" 2>/dev/null || true)"
  [[ -n "$master" ]] || return 0
  echo "$master"
  pgrep -P "$master" || true
}

stop() {
  local dir=$1
  [[ -d "$dir" ]] || return 0
  stop_gateway "$dir"
  if [[ -f "$dir/pg/PG_VERSION" ]]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/pg" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  ensure) ensure ;;
  start) start "${2:?data dir}" "${3:?port}" ;;
  stop) stop "${2:?data dir}" ;;
  uri) uri "${2:?data dir}" ;;
  stop-gateway) stop_gateway "${2:?data dir}" ;;
  start-gateway) start_gateway "${2:?data dir}" ;;
  pids) pids "${2:?data dir}" ;;
  *) echo "usage: $0 ensure | start DIR PORT | stop DIR | uri DIR | stop-gateway DIR | start-gateway DIR | pids DIR" >&2; exit 2 ;;
esac
