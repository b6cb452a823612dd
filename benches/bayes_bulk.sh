#!/usr/bin/env bash
# Bulk Bayesian benchmark (issue 26 §1): simulate N meta-analyses (~8 rows each; 100,000 by
# default), then time in ONE run, on the same file and threads: the decode-only floor (read the
# needed columns, find the groups), `peerstat reanalyse --bayes` (fixed quadrature rule, with
# the default uniform tau prior and with a half-normal one) and, for scale, the frequentist
# `reanalyse --knha`. Prints `uptime` first: the rates depend on the machine's load.
#
# bayesmeta (R) cannot be installed here (`R CMD INSTALL` needs the CRAN package forestplot,
# which Debian does not package), but its fitting code runs when its R/ sources are sourced
# (it needs only metafor, mvtnorm and numDeriv): with BAYESMETA_SRC pointing at a checkout's
# R/ directory, bayesmeta() is timed on the first M analyses (default 20; about 5 CPU-seconds
# each) and its tau and mu medians compared with peerstat's.
#
#   BAYESMETA_SRC=/path/to/bayesmeta/R benches/bayes_bulk.sh [N_ANALYSES] [THREADS] [WORKDIR] [M]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
threads=${2:-2}
dir=${3:-$(mktemp -d)}
m=${4:-20}
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
if [ -n "${BAYESMETA_SRC:-}" ] && command -v Rscript >/dev/null; then
  echo "== bayesmeta() (sourced from $BAYESMETA_SRC), first $m analyses, uniform priors, central intervals"
  $p simulate --analyses "$m" --seed 1 -o "$dir/first.csv"
  $p reanalyse "$dir/first.csv" --group-by analysis_id --measure GEN --bayes -q -o "$dir/peerstat_first.csv"
  Rscript - "$BAYESMETA_SRC" "$dir/first.csv" "$dir/peerstat_first.csv" <<'R'
suppressMessages({library(metafor); library(mvtnorm); library(numDeriv)})
a <- commandArgs(TRUE)
for (f in list.files(a[1], pattern = "[.]R$", full.names = TRUE)) source(f)
d <- read.csv(a[2]); ps <- read.csv(a[3])
t0 <- proc.time()
r <- do.call(rbind, lapply(split(d, d$analysis_id), function(x) {
  bm <- bayesmeta(y = x$yi, sigma = sqrt(x$vi), interval.type = "central")
  data.frame(analysis_id = x$analysis_id[1], tau = bm$summary["median", "tau"],
             mu = bm$summary["median", "mu"])
}))
el <- proc.time() - t0
j <- merge(r, ps, by = "analysis_id")
cat(sprintf("bayesmeta: %d analyses in %.1f s CPU (%.1f s elapsed) = %.2f analyses/CPU-s\n",
            nrow(r), el[["user.self"]] + el[["sys.self"]], el[["elapsed"]],
            nrow(r) / (el[["user.self"]] + el[["sys.self"]])))
cat(sprintf("agreement: max rel |tau median diff| = %.1e, max |mu median diff| / mu interval = %.1e over %d analyses\n",
            max(abs(j$tau - j$tau_median) / j$tau_median),
            max(abs(j$mu - j$mu_median) / (j$mu_ci_upper - j$mu_ci_lower)), nrow(j)))
R
fi
