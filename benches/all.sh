#!/usr/bin/env bash
# Every figure of the benchmark page (docs/src/benchmarks.md), re-measured in one run on one
# release build, each beside its anchor measured in the same run:
#   1. bulk reanalyse --knha on the 100,000-analysis workload / its decode-only floor
#      (anchor: metafor's rma()+confint()+predict() loop on the first 1,000 analyses)
#   2. network REML and DL, 50 treatments x 500 studies (60 multi-arm), with netsplit and
#      P-scores (anchor: metafor rma.mv, benches/network_metafor.R)
#   3. influence (leave-one-out) at k = 10,000 and 100,000 (anchor: the same diagnostics by
#      refitting every deletion, in-process, benches/influence.rs; metafor influence() at k = 1,000)
#   4. CHE at 100,000 effects (10,000 studies x 10 effects, vcalc + CR2), with and without
#      profile CIs
#   5. Python overhead (only when the extension is importable: python3 -c 'import peerstat')
# Wall times are the median of RUNS (default 5) process runs, with `uptime` printed first: run
# it on a quiet machine.
#
#   benches/all.sh [WORKDIR]      RUNS=5 SKIP_R=1 (no R anchors) SKIP=3,4 (sections to skip)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d)}
mkdir -p "$dir"
runs=${RUNS:-5}
skip=",${SKIP:-},"
echo "== $(date -u) $(nproc) cores; $(uptime)"
cargo build --release --quiet
p=$PWD/target/release/peerstat
have_r() { [ -z "${SKIP_R:-}" ] && command -v Rscript >/dev/null && Rscript -e 'suppressMessages(library(metafor))' 2>/dev/null; }

# median wall seconds of $runs runs of a command (output discarded)
med() {
  local t=()
  for _ in $(seq "$runs"); do
    local a b
    a=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    b=$(date +%s.%N)
    t+=("$(echo "$b - $a" | bc -l)")
  done
  printf '%s\n' "${t[@]}" | sort -g | awk '{a[NR] = $1} END {printf "%.4f", a[int((NR + 1) / 2)]}'
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }

if [[ $skip != *,1,* ]]; then
  echo "== 1. bulk: reanalyse --knha (REML + KH + Q-profile CI + PI), 100,000 analyses"
  $p simulate --analyses 100000 --seed 1 -o "$dir/bulk.parquet" >/dev/null
  floor=$(med $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN -o "$dir/x.parquet" --decode-only)
  full=$(med $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --knha -q -o "$dir/y.parquet")
  echo "decode-only floor ${floor} s; reanalyse --knha ${full} s; ratio $(ratio "$full" "$floor") x the floor (goal <= 3)"
  if have_r; then
    $p simulate --analyses 1000 --seed 1 -o "$dir/first1000.csv" >/dev/null
    Rscript - "$dir/first1000.csv" <<'R'
suppressMessages(library(metafor))
d <- read.csv(commandArgs(TRUE)[1]); s <- split(d, d$analysis_id)
t0 <- proc.time()[["elapsed"]]
for (x in s) try({ r <- rma(yi, vi, data = x, method = "REML", test = "knha",
  control = list(stepadj = 0.5, maxiter = 1000, threshold = 1e-10)); confint(r); predict(r) }, silent = TRUE)
el <- proc.time()[["elapsed"]] - t0
cat(sprintf("metafor rma+confint+predict loop: %.0f analyses/s (%d analyses, %.2f s)\n", length(s) / el, length(s), el))
R
  fi
fi

if [[ $skip != *,2,* ]]; then
  echo "== 2. network: 50 treatments x 500 studies (60 multi-arm), netsplit + P-scores"
  PEERSTAT_NETWORK_CSV="$dir/network.csv" cargo bench --quiet --bench network >/dev/null
  for m in DL REML; do
    t=$(med $p network "$dir/network.csv" --reference T01 --method "$m" --format json -o "$dir/net_$m.json")
    echo "peerstat network --method $m: ${t} s (goal for REML: < 0.05 s)"
  done
  if have_r; then Rscript benches/network_metafor.R "$dir/network.csv" T01 "$dir/metafor_net.csv"; fi
fi

if [[ $skip != *,3,* ]]; then
  echo "== 3. influence (leave-one-out + influence measures), REML"
  for k in 10000 100000; do
    awk -v k="$k" 'BEGIN { srand(7); print "study,yi,vi"
      for (i = 1; i <= k; i++) { v = 0.005 + 0.2 * rand(); z = (rand() + rand() + rand() + rand() - 2) * 1.7
        printf "s%d,%.6f,%.6f\n", i, 0.3 + z * sqrt(0.04 + v), v } }' > "$dir/infl_$k.csv"
    t=$(med $p influence "$dir/infl_$k.csv" --measure GEN --format csv -o "$dir/infl_$k.out.csv")
    m=$(med $p meta "$dir/infl_$k.csv" --measure GEN --format json -o "$dir/meta_$k.json")
    echo "k = $k: peerstat influence ${t} s (the single fit, peerstat meta: ${m} s; goal at 100,000: < 1 s)"
  done
  echo "-- in-process, down-dated vs refitting every deletion (same build; seconds, median of 3)"
  cargo bench --quiet --bench influence -- 1000 10000 100000
  if have_r; then
    Rscript - "$dir/infl_10000.csv" <<'R'
suppressMessages(library(metafor))
d <- head(read.csv(commandArgs(TRUE)[1]), 1000)
r <- rma(yi, vi, data = d, method = "REML")
t0 <- proc.time()[["elapsed"]]; invisible(influence(r)); el <- proc.time()[["elapsed"]] - t0
cat(sprintf("metafor influence() at k = 1000: %.2f s\n", el))
R
  fi
fi

if [[ $skip != *,4,* ]]; then
  echo "== 4. CHE: 10,000 studies x 10 effects, vcalc rho = 0.6, CR2"
  awk 'BEGIN { srand(3); print "study,esid,yi,vi"
    for (s = 1; s <= 10000; s++) { u = 0.3 * (rand() + rand() + rand() - 1.5)
      for (e = 1; e <= 10; e++) printf "s%d,e%d,%.5f,%.5f\n", s, e, 0.3 + u + 0.2 * (rand() + rand() + rand() - 1.5), 0.01 + 0.09 * rand() } }' > "$dir/che.csv"
  for flags in "--no-profile-ci" ""; do
    t=$(med $p meta "$dir/che.csv" --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --robust study $flags --format json -o "$dir/che.json")
    /usr/bin/time -v $p meta "$dir/che.csv" --random '~ 1 | study/esid' --vcalc 'cluster=study,obs=esid,rho=0.6' --robust study $flags --format json -o "$dir/che.json" 2>"$dir/che.time" >/dev/null
    echo "CHE ${flags:-(with profile CIs)}: ${t} s, max RSS $(grep 'Maximum resident' "$dir/che.time" | awk -F': ' '{print $2}') kB (goal < 5 s)"
  done
fi

if [[ $skip != *,5,* ]] && python3 -c 'import peerstat' 2>/dev/null; then
  echo "== 5. Python overhead: peerstat.meta on NumPy input minus the fit itself"
  python3 - <<'PY'
import timeit, numpy as np, peerstat
rng = np.random.default_rng(1)
for k in (5, 20, 200):
    v = rng.uniform(0.01, 0.2, k); y = rng.normal(0.3, np.sqrt(v + 0.04))
    n = 2000
    t = timeit.timeit(lambda: peerstat.meta(yi=y, vi=v), number=n) / n
    print(f"k = {k}: peerstat.meta {t * 1e6:.1f} us per call")
PY
fi
