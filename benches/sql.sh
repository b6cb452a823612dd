#!/usr/bin/env bash
# `peerstat sql` against `peerstat reanalyse` on the bulk workload (issue 18): a release build
# with the `sql` feature, N simulated meta-analyses (`peerstat simulate`, as benches/bulk.sh),
# then, best of 5 wall times each (RUNS=n to change), REML + Knapp-Hartung per analysis through
#   peerstat reanalyse bulk.parquet --group-by analysis_id --measure GEN --knha
#   peerstat sql "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id"
# both writing Parquet, and the ratio sql / reanalyse. Finally checks that the two agree (same
# k per analysis; estimates equal to 1e-9, as reanalyse fits rows in file order and sql in
# (yi, vi) order).
#
#   benches/sql.sh [N_ANALYSES] [WORKDIR] [THREADS]
#
# PEERSTAT_BIN=path/to/peerstat uses that (release, `sql` feature) binary instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
dir=${2:-$(mktemp -d)}
threads=${3:-}
mkdir -p "$dir"
if [ -n "${PEERSTAT_BIN:-}" ]; then
  p=$PEERSTAT_BIN
else
  cargo build --release --features sql --quiet
  p=${CARGO_TARGET_DIR:-target}/release/peerstat
fi
$p simulate --analyses "$n" --seed 1 -o "$dir/bulk.parquet"
re_args=()
sql_args=()
if [ -n "$threads" ]; then
  re_args=(--threads "$threads")
  sql_args=(--threads "$threads")
fi
query="SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id"

# Best wall time and best CPU time (user + system, seconds) of RUNS (default 5) runs of the
# command, as "WALL CPU". Wall time from the shell's clock in microseconds (`/usr/bin/time`
# rounds to 10 ms, too coarse for runs of 0.1-0.2 s); CPU time from GNU time (the machine may
# be shared, so CPU time is the steadier measure).
runs=${RUNS:-5}
best() {
  local w="" c="" out t0 t1
  for _ in $(seq "$runs"); do
    t0=$EPOCHREALTIME
    /usr/bin/time -o "$dir/time.txt" -f "%U %S" "$@" >/dev/null 2>&1
    t1=$EPOCHREALTIME
    out=$(tail -1 "$dir/time.txt")
    w=$(awk -v a="$t0" -v b="$t1" -v m="$w" 'BEGIN { t = b - a; if (m == "" || t < m) print t; else print m }')
    c=$(echo "$out" | awk -v b="$c" '{ t = $1 + $2; if (b == "" || t < b) print t; else print b }')
  done
  echo "$w $c"
}

read -r w_re c_re < <(best $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN \
  --knha -q "${re_args[@]}" -o "$dir/reanalyse.parquet")
read -r w_sql c_sql < <(best $p sql --table "bulk=$dir/bulk.parquet" "${sql_args[@]}" \
  -o "$dir/sql.parquet" "$query")
awk -v n="$n" -v r="$w_re" -v s="$w_sql" -v cr="$c_re" -v cs="$c_sql" 'BEGIN {
  printf "analyses: %d\n", n
  printf "peerstat reanalyse: %.3f s wall (%.0f analyses/s), %.3f s CPU\n", r, n / r, cr
  printf "peerstat sql:       %.3f s wall (%.0f analyses/s), %.3f s CPU\n", s, n / s, cs
  printf "ratio sql / reanalyse: %.2f wall, %.2f CPU\n", s / r, cs / cr
}'
$p sql --table "re=$dir/reanalyse.parquet" --table "s=$dir/sql.parquet" --format csv \
  "SELECT count(*) AS analyses,
          sum(CASE WHEN re.k = s.fit['k'] THEN 0 ELSE 1 END) AS k_differs,
          max(abs(re.estimate - s.fit['estimate']) / greatest(abs(re.estimate), 1e-3)) AS max_rel_estimate_diff
   FROM re JOIN s ON re.analysis_id = s.analysis_id"
