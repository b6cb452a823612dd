#!/usr/bin/env bash
# The bulk SQL on a local Apache Ballista cluster against `peerstat sql` on one process
# (issue 18): a release build with the `distributed` feature, N simulated meta-analyses split
# into a directory of P Parquet files, then, best of 3 wall times each,
#   peerstat sql --table bulk=DIR "SELECT analysis_id, rma(yi, vi, 'REML', true) ... GROUP BY analysis_id"
# locally and through `--ballista` on a scheduler with 1 and with 2 executors on this machine
# (scripts/ballista-local.sh; the cores are shared out: each of E executors runs cores/E tasks
# at once). Prints rows/s and analyses/s of each, Ballista's overhead against local `sql`, and
# a paper estimate of throughput on M machines from the measured per-executor rate.
#
#   benches/ballista.sh [N_ANALYSES] [WORKDIR] [FILES]
#
# PEERSTAT_BIN=path/to/peerstat uses that (release, `distributed` feature) binary instead of
# building.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n=${1:-100000}
dir=${2:-$(mktemp -d)}
files=${3:-8}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -n "${PEERSTAT_BIN:-}" ]; then
  p=$PEERSTAT_BIN
else
  cargo build --release --features distributed --quiet
  p=${CARGO_TARGET_DIR:-target}/release/peerstat
fi
p=$(cd "$(dirname "$p")" && pwd)/$(basename "$p")
cores=$(nproc)

$p simulate --analyses "$n" --seed 1 -o "$dir/all.parquet"
rm -rf "$dir/bulk" && mkdir -p "$dir/bulk"
for i in $(seq 0 $((files - 1))); do
  $p sql --table "a=$dir/all.parquet" --format parquet -o "$dir/bulk/part-$i.parquet" \
    "SELECT * FROM a WHERE analysis_id % $files = $i" >/dev/null
done
rows=$($p sql --table "b=$dir/bulk" --format csv "SELECT count(*) AS n FROM b" | tail -1)
query="SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id"

# Best wall time of 3 runs of the command (seconds).
best() {
  local w=""
  for _ in 1 2 3; do
    /usr/bin/time -o "$dir/time.txt" -f "%e" "$@" >/dev/null 2>"$dir/err.txt" ||
      { cat "$dir/err.txt" >&2; exit 1; }
    w=$(tail -1 "$dir/time.txt" | awk -v b="$w" '{ if (b == "" || $1 < b) print $1; else print b }')
  done
  echo "$w"
}

local_s=$(best $p sql --table "bulk=$dir/bulk" -o "$dir/local.parquet" "$query")
declare -A cl
for e in 1 2; do
  tasks=$((cores / e))
  [ "$tasks" -ge 1 ] || tasks=1
  export BALLISTA_DIR="$dir/cluster-$e"
  rm -rf "$BALLISTA_DIR"
  PEERSTAT=$p CONCURRENT_TASKS=$tasks "$root/scripts/ballista-local.sh" start "$e" >/dev/null
  # shellcheck disable=SC1091
  . "$BALLISTA_DIR/cluster.env"
  cl[$e]=$(best $p sql --ballista "$BALLISTA_URL" --timeout 600 --table "bulk=$dir/bulk" \
    -o "$dir/ballista-$e.parquet" "$query") || true
  "$root/scripts/ballista-local.sh" stop >/dev/null
  unset BALLISTA_DIR
done

awk -v n="$n" -v rows="$rows" -v c="$cores" -v l="$local_s" -v b1="${cl[1]}" -v b2="${cl[2]}" 'BEGIN {
  printf "analyses: %d, rows: %d, %d cores\n", n, rows, c
  printf "peerstat sql (local, one process):  %.3f s  %9.0f rows/s  %7.0f analyses/s\n", l, rows / l, n / l
  printf "Ballista, 1 executor (%d tasks):     %.3f s  %9.0f rows/s  %7.0f analyses/s  (%.2fx local sql)\n", c, b1, rows / b1, n / b1, b1 / l
  printf "Ballista, 2 executors (%d task(s) each): %.3f s  %9.0f rows/s  %7.0f analyses/s  (%.2fx local sql)\n", (c >= 2 ? c / 2 : 1), b2, rows / b2, n / b2, b2 / l
  r = n / b1
  printf "paper estimate: one executor on %d cores fits %.0f analyses/s here; M such machines,\n", c, r
  printf "if the work splits evenly and the shuffle keeps up, fit about M x %.0f analyses/s:\n", r
  printf "  M = 10: %.2g/s, M = 100: %.2g/s; 10^9 analyses take %.0f s on 100 machines\n", 10 * r, 100 * r, 1e9 / (100 * r)
}'
# The cluster's answers equal the local run's (same k, estimates to 1e-12).
for e in 1 2; do
  $p sql --table "l=$dir/local.parquet" --table "b=$dir/ballista-$e.parquet" --format csv \
    "SELECT '$e executor(s)' AS cluster, count(*) AS analyses,
            sum(CASE WHEN l.fit['k'] = b.fit['k'] THEN 0 ELSE 1 END) AS k_differs,
            max(abs(l.fit['estimate'] - b.fit['estimate'])) AS max_abs_estimate_diff
     FROM l JOIN b ON l.analysis_id = b.analysis_id"
done
