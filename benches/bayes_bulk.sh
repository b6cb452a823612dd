#!/usr/bin/env bash
# Bulk Bayesian benchmark (issue 26 §1): simulate N meta-analyses (~8 rows each; 100,000 by
# default), then time in ONE run, on the same file and threads: the decode-only floor (read the
# needed columns, find the groups), `peerstat reanalyse --bayes` (fixed quadrature rule, with
# the default uniform tau prior and with a half-normal one) and, for scale, the frequentist
# `reanalyse --knha`. Prints `uptime` first: the rates depend on the machine's load.
#
# bayesmeta (R) is not timed: it cannot be installed here (it Depends on the CRAN package
# forestplot, which Debian does not package).
#
#   benches/bayes_bulk.sh [N_ANALYSES] [THREADS] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
threads=${2:-2}
dir=${3:-$(mktemp -d)}
mkdir -p "$dir"
cargo build --release --quiet
p=target/release/peerstat
echo "== load: $(uptime)"
[ -f "$dir/bulk.parquet" ] || $p simulate --analyses "$n" --seed 1 -o "$dir/bulk.parquet"
echo "== decode floor (best of 3)"
for _ in 1 2 3; do $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --threads "$threads" -o "$dir/x.parquet" --decode-only; done
echo "== reanalyse --bayes, uniform tau prior, flat mu prior (best of 3)"
for _ in 1 2 3; do $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --threads "$threads" --bayes -q -o "$dir/bayes.parquet"; done
echo "== reanalyse --bayes --tau-prior half-normal:0.5 --prob-above 0.2"
$p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --threads "$threads" --bayes --tau-prior half-normal:0.5 --prob-above 0.2 -q -o "$dir/bayes_hn.parquet"
echo "== reanalyse --knha (REML + KH), for scale"
$p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --threads "$threads" --knha -q -o "$dir/knha.parquet"
echo "== load: $(uptime)"
