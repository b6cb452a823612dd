#!/usr/bin/env Rscript
# metafor's contrast-based network meta-analysis on a contrast CSV (study,treat1,treat2,yi,vi;
# every pair of arms of a multi-arm study), for benches/network.sh:
#
#   Rscript benches/network_metafor.R CONTRASTS.csv REFERENCE OUT.csv
#
# As fixtures/metafor/network.R: each study's contrasts against its baseline arm (treat2 of its
# first row, as peerstat's REML), y_t = y(t vs base), Var = v(t, base), Cov(y_t, y_u) =
# (v(t, base) + v(u, base) - v(t, u)) / 2; X with a column per non-reference treatment.
#   common: rma.mv(yi, V, mods = X, intercept = FALSE, method = "FE")
#   REML:   rma.mv(yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1/2,
#                  struct = "CS", method = "REML")
# Prints the time of each fit (without R start-up / data preparation) and writes the common- and
# random-effects estimates against the reference to OUT.csv (treatment,common,reml,tau2).
suppressPackageStartupMessages(library(metafor))

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 3)
d <- read.csv(args[1], stringsAsFactors = FALSE)
ref <- args[2]
trts <- sort(unique(c(d$treat1, d$treat2)), method = "radix")
nonref <- setdiff(trts, ref)

t_prep <- system.time({
  rows <- list()
  blocks <- list()
  for (st in unique(d$study)) {
    ds <- d[d$study == st, ]
    base <- ds$treat2[1]
    arms <- setdiff(sort(unique(c(ds$treat1, ds$treat2)), method = "radix"), base)
    pair <- function(a, b) {
      i <- which(ds$treat1 == a & ds$treat2 == b)
      if (length(i) == 1) return(c(ds$yi[i], ds$vi[i]))
      i <- which(ds$treat1 == b & ds$treat2 == a)
      c(-ds$yi[i], ds$vi[i])
    }
    yb <- sapply(arms, function(t) pair(t, base))
    V <- matrix(0, length(arms), length(arms))
    for (i in seq_along(arms)) for (j in seq_along(arms)) {
      V[i, j] <- if (i == j) yb[2, i] else (yb[2, i] + yb[2, j] - pair(arms[i], arms[j])[2]) / 2
    }
    rows[[st]] <- data.frame(study = st, treat = arms, base = base, yi = yb[1, ],
                             stringsAsFactors = FALSE)
    blocks[[st]] <- V
  }
  dat <- do.call(rbind, rows)
  V <- bldiag(blocks)
  X <- matrix(0, nrow(dat), length(nonref), dimnames = list(NULL, nonref))
  for (j in seq_along(nonref)) X[, j] <- (dat$treat == nonref[j]) - (dat$base == nonref[j])
  dat$comp <- paste(dat$treat, dat$base, sep = "-")
})[["elapsed"]]

t_fe <- system.time(
  fe <- rma.mv(dat$yi, V, mods = X, intercept = FALSE, method = "FE")
)[["elapsed"]]
t_reml <- system.time(
  re <- rma.mv(yi, V, mods = X, intercept = FALSE, random = ~ comp | study, rho = 1 / 2,
               struct = "CS", method = "REML", data = dat,
               control = list(rel.tol = 1e-12, iter.max = 10000, eval.max = 20000))
)[["elapsed"]]

cat(sprintf("metafor: %d studies, %d rows, %d treatments; prep %.3f s, FE %.3f s, REML %.3f s (tau2 %.6g)\n",
            length(unique(d$study)), nrow(dat), length(trts), t_prep, t_fe, t_reml, re$tau2))
write.csv(data.frame(treatment = nonref, common = unname(coef(fe)), reml = unname(coef(re)),
                     tau2 = re$tau2),
          args[3], row.names = FALSE)
