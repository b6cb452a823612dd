#!/usr/bin/env bash
# A local Apache Ballista cluster for `peerstat sql --ballista` (feature `distributed`): one
# scheduler and N executors on this machine, on free ports, no containers.
#
#   scripts/ballista-local.sh start [N]   start a scheduler and N executors (default 2); prints
#                                         the scheduler's df:// address, each process's ports and
#                                         PID, and writes them to $BALLISTA_DIR/cluster.env
#   scripts/ballista-local.sh status      the processes and whether each is alive
#   scripts/ballista-local.sh stop        stops them (TERM, then KILL after 10 s) and removes
#                                         their shuffle files ($BALLISTA_DIR/work-*)
#
# Environment:
#   PEERSTAT          the peerstat binary built with `--features distributed` (default: `peerstat`
#                     on PATH, else target/release/peerstat, else target/debug/peerstat)
#   BALLISTA_DIR      state directory: PIDs, logs, cluster.env (default: .ballista-local)
#   CONCURRENT_TASKS  tasks each executor runs at once (default: all cores)
#
# Example:
#   cargo build --release --features distributed
#   scripts/ballista-local.sh start 2
#   . .ballista-local/cluster.env
#   target/release/peerstat sql --ballista "$BALLISTA_URL" --table bulk="$PWD/bulk" \
#       "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id"
#   scripts/ballista-local.sh stop
set -euo pipefail

dir=${BALLISTA_DIR:-.ballista-local}
host=127.0.0.1

binary() {
  if [ -n "${PEERSTAT:-}" ]; then echo "$PEERSTAT"; return; fi
  if command -v peerstat >/dev/null 2>&1; then command -v peerstat; return; fi
  local root
  root=$(cd "$(dirname "$0")/.." && pwd)
  for b in "${CARGO_TARGET_DIR:-$root/target}"/{release,debug}/peerstat; do
    if [ -x "$b" ]; then echo "$b"; return; fi
  done
  echo "ballista-local: no peerstat binary; build it with 'cargo build --features distributed' or set PEERSTAT" >&2
  exit 2
}

# Whether something accepts connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

# A port nothing listens on and that this script has not handed out yet.
taken=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if [[ $taken != *" $p "* ]] && ! listening "$p"; then
      taken="$taken$p "
      echo "$p"
      return
    fi
  done
  echo "ballista-local: found no free port" >&2
  exit 1
}

# Waits until port $1 accepts connections, or process $2 has died, or 60 s have passed.
await_port() {
  local port=$1 pid=$2 name=$3
  for _ in $(seq 1 600); do
    if listening "$port"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ballista-local: $name exited; its log:" >&2
      tail -n 20 "$dir/$name.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "ballista-local: $name does not listen on port $port after 60 s (log: $dir/$name.log)" >&2
  return 1
}

start() {
  local n=${1:-2}
  if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
    echo "ballista-local: N must be a positive number, got '$n'" >&2
    exit 2
  fi
  if ls "$dir"/*.pid >/dev/null 2>&1; then
    echo "ballista-local: $dir already holds a cluster; run '$0 stop' first" >&2
    exit 1
  fi
  local bin
  bin=$(binary)
  mkdir -p "$dir"
  local sp
  sp=$(free_port)
  "$bin" scheduler --bind "$host" --port "$sp" >"$dir/scheduler.log" 2>&1 </dev/null &
  local spid=$!
  echo "$spid" >"$dir/scheduler.pid"
  await_port "$sp" "$spid" scheduler || { stop; exit 1; }
  echo "scheduler  df://$host:$sp  pid $spid"
  {
    echo "BALLISTA_URL=df://$host:$sp"
    echo "BALLISTA_SCHEDULER_PID=$spid"
  } >"$dir/cluster.env"
  local tasks=()
  if [ -n "${CONCURRENT_TASKS:-}" ]; then tasks=(--concurrent-tasks "$CONCURRENT_TASKS"); fi
  local i fp gp epid
  for i in $(seq 1 "$n"); do
    fp=$(free_port)
    gp=$(free_port)
    mkdir -p "$dir/work-$i"
    "$bin" executor --scheduler "$host:$sp" --bind "$host" --port "$fp" --grpc-port "$gp" \
      --work-dir "$dir/work-$i" "${tasks[@]}" >"$dir/executor-$i.log" 2>&1 </dev/null &
    epid=$!
    echo "$epid" >"$dir/executor-$i.pid"
    await_port "$fp" "$epid" "executor-$i" || { stop; exit 1; }
    await_port "$gp" "$epid" "executor-$i" || { stop; exit 1; }
    echo "executor $i  flight $host:$fp  grpc $host:$gp  pid $epid"
    echo "BALLISTA_EXECUTOR_${i}_PID=$epid" >>"$dir/cluster.env"
  done
  echo "cluster.env: $dir/cluster.env; stop with: $0 stop"
}

status() {
  local f pid
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || { echo "no cluster in $dir"; return; }
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      echo "$(basename "$f" .pid)  pid $pid  running"
    else
      echo "$(basename "$f" .pid)  pid $pid  gone"
    fi
  done
}

stop() {
  local f pid pids=()
  for f in "$dir"/executor-*.pid "$dir"/scheduler.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$f"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -f "$dir/cluster.env"
  rm -rf "$dir"/work-*
  echo "stopped ${#pids[@]} process(es)"
}

case "${1:-}" in
  start) start "${2:-2}" ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start [N] | status | stop" >&2
    exit 2
    ;;
esac
