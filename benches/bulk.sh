#!/usr/bin/env bash
# End-to-end bulk benchmark (issue 3): simulate 100k meta-analyses (~800k rows), time
# `peerstat reanalyse` (REML + Knapp-Hartung + Q-profile CI + prediction interval) from Parquet,
# the decode-only floor, and, when Rscript with metafor is installed, metafor's rma() loop on
# the first 1,000 analyses of the same file, with the speed ratio and agreement of estimates.
#
#   benches/bulk.sh [N_ANALYSES] [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
dir=${2:-$(mktemp -d)}
mkdir -p "$dir"
cargo build --release --quiet
p=target/release/peerstat
$p simulate --analyses "$n" --seed 1 -o "$dir/bulk.parquet"
echo "== decode floor (read the needed columns, find the groups; best of 3)"
for _ in 1 2 3; do $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN -o "$dir/x.parquet" --decode-only; done
echo "== peerstat reanalyse, GEN (yi, vi), REML + KH (best of 3)"
for _ in 1 2 3; do $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --knha -q -o "$dir/peerstat.parquet"; done
echo "== peerstat reanalyse, SMD from arm-level columns, REML + KH"
$p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure SMD --knha -q -o "$dir/peerstat_smd.parquet"
if command -v Rscript >/dev/null && Rscript -e 'suppressMessages(library(metafor))' 2>/dev/null; then
  echo "== metafor rma() loop, first 1000 analyses, REML + KH"
  $p simulate --analyses 1000 --seed 1 -o "$dir/first1000.csv"
  $p reanalyse "$dir/first1000.csv" --group-by analysis_id --measure GEN --knha -q -o "$dir/peerstat_1000.csv"
  Rscript - "$dir/first1000.csv" "$dir/metafor_1000.csv" "$dir/peerstat_1000.csv" "$dir/bulk.parquet" <<'R'
suppressMessages(library(metafor))
a <- commandArgs(TRUE)
d <- read.csv(a[1])
t0 <- proc.time()[["elapsed"]]
s <- split(d, d$analysis_id)
res <- lapply(s, function(x) {
  r <- try(rma(yi, vi, data = x, method = "REML", test = "knha",
               control = list(stepadj = 0.5, maxiter = 1000, threshold = 1e-10)), silent = TRUE)
  if (inherits(r, "try-error")) return(c(x$analysis_id[1], NA, NA))
  ci <- confint(r); p <- predict(r)
  c(x$analysis_id[1], r$b[1], r$tau2)
})
el <- proc.time()[["elapsed"]] - t0
m <- as.data.frame(do.call(rbind, res)); names(m) <- c("analysis_id", "estimate", "tau2")
ps <- read.csv(a[3])
j <- merge(m, ps, by = "analysis_id", suffixes = c(".metafor", ".peerstat"))
rate <- length(s) / el
cat(sprintf("metafor: %d analyses in %.2f s = %.1f analyses/s (with confint + predict)\n", length(s), el, rate))
cat(sprintf("agreement: max |estimate diff| = %.2e, max |tau2 diff| = %.2e over %d analyses\n",
            max(abs(j$estimate.metafor - j$estimate.peerstat), na.rm = TRUE),
            max(abs(j$tau2.metafor - j$tau2.peerstat), na.rm = TRUE), nrow(j)))
writeLines(format(rate), a[2])
R
  rate_m=$(cat "$dir/metafor_1000.csv")
  t0=$(date +%s.%N)
  $p reanalyse "$dir/bulk.parquet" --group-by analysis_id --measure GEN --knha -q -o "$dir/peerstat.parquet"
  t1=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" -v m="$rate_m" 'BEGIN { r = n / (b - a); printf "peerstat end to end (process wall time): %.0f analyses/s = %.0fx metafor\n", r, r / m }'
else
  echo "(Rscript with metafor not found: skipping the metafor comparison)"
fi
