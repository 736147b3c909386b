# Shared by the service scripts (sourced, not run).

# Stops the process whose id is in PIDFILE: TERM, up to 5 s to exit, then KILL; removes the file.
stop_pidfile() {
  local pidfile=$1 pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# True while process PID runs. A killed daemon stays a zombie until init reaps it (which a container's
# PID 1 may never do): that is not running.
pid_alive() {
  local pid=$1 state
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" && "$state" != "X" ]]
}

# True while the process whose id is in PIDFILE runs.
pidfile_alive() {
  [[ -f "$1" ]] && pid_alive "$(cat "$1")"
}
