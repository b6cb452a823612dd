#!/usr/bin/env bash
# `peerstat sql` against `peerstat reanalyse` on the bulk workload (issue 18): a release build
# with the `sql` feature, N simulated meta-analyses (`peerstat simulate`, as benches/bulk.sh),
# then, best of 3 wall times each, REML + Knapp-Hartung per analysis through
#   peerstat reanalyse bulk.parquet --group-by analysis_id --measure GEN --knha
#   peerstat sql "SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id"
# both writing Parquet, and the ratio sql / reanalyse. Finally checks that the two agree (same
# k per analysis; estimates equal to 1e-9, as reanalyse fits rows in file order and sql in
# (yi, vi) order).
#
#   benches/sql.sh [N_ANALYSES] [WORKDIR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
dir=${2:-$(mktemp -d)}
threads=${3:-}
mkdir -p "$dir"
cargo build --release --features sql --quiet
p=${CARGO_TARGET_DIR:-target}/release/peerstat
$p simulate --analyses "$n" --seed 1 -o "$dir/bulk.parquet"
re_args=()
sql_args=()
if [ -n "$threads" ]; then
  re_args=(--threads "$threads")
  sql_args=(--threads "$threads")
fi
query="SELECT analysis_id, rma(yi, vi, 'REML', true) AS fit FROM bulk GROUP BY analysis_id"

# Best wall time (seconds) of 3 runs of the command.
best() {
  local b=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    b=$(awk -v a="$t0" -v c="$t1" -v b="$b" 'BEGIN { t = c - a; if (b == "" || t < b) print t; else print b }')
  done
  echo "$b"
}

t_re=$(best $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --knha -q \
  "${re_args[@]}" -o "$dir/reanalyse.parquet")
t_sql=$(best $p sql --table "bulk=$dir/bulk.parquet" "${sql_args[@]}" -o "$dir/sql.parquet" "$query")
awk -v n="$n" -v r="$t_re" -v s="$t_sql" 'BEGIN {
  printf "analyses: %d\n", n
  printf "peerstat reanalyse: %.3f s (%.0f analyses/s)\n", r, n / r
  printf "peerstat sql:       %.3f s (%.0f analyses/s)\n", s, n / s
  printf "ratio sql / reanalyse: %.2f\n", s / r
}'
$p sql --table "re=$dir/reanalyse.parquet" --table "s=$dir/sql.parquet" --format csv \
  "SELECT count(*) AS analyses,
          sum(CASE WHEN re.k = s.fit['k'] THEN 0 ELSE 1 END) AS k_differs,
          max(abs(re.estimate - s.fit['estimate']) / greatest(abs(re.estimate), 1e-3)) AS max_rel_estimate_diff
   FROM re JOIN s ON re.analysis_id = s.analysis_id"
