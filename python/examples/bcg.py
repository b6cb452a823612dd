"""The BCG vaccine meta-analysis (Colditz et al. 1994; metafor's dat.bcg) from pandas, then a
bulk reanalysis of many simulated meta-analyses from a polars DataFrame.

Run from anywhere:  python python/examples/bcg.py
"""

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

import peerstat

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# 1. Effect sizes (log risk ratios) and a random-effects model (REML), as metafor's
#    rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg).
bcg = pd.read_csv(FIXTURES / "bcg.csv")
es = peerstat.effects(bcg, measure="RR")
print(es[["study", "yi", "vi"]].head())

fit = peerstat.meta(bcg, measure="RR", method="REML")
print(fit)  # the same table as `peerstat meta fixtures/bcg.csv --measure RR`
print(f"pooled log RR {fit.estimate:.4f} (SE {fit.se:.4f}), tau^2 {fit.tau2:.4f}, I^2 {fit.i2:.1f}%")
assert abs(fit.estimate - (-0.7145323)) < 1e-6  # metafor: -0.7145

# 2. Does absolute latitude explain the heterogeneity? (metafor: mods = ~ ablat)
reg = peerstat.meta(bcg, measure="RR", mods="ablat")
print(reg.coefficients)
print(f"R^2 = {reg.r2:.1f}%, QM = {reg.qm:.2f} (p = {reg.qm_p:.2g})")

# 3. Subgroups by allocation method, Knapp-Hartung tests.
sub = peerstat.meta(bcg, measure="RR", by="alloc", knha=True)
for g in sub.subgroups:
    print(f"  {g['level']:<11} k={g['k']:>2}  RR {np.exp(g['estimate']):.2f}")

# 4. A bulk reanalysis: 2,000 simulated meta-analyses of 10 studies each in a polars DataFrame,
#    one REML fit per analysis, in parallel with the GIL released.
rng = np.random.default_rng(2024)
groups, k = 2_000, 10
vi = rng.uniform(0.01, 0.2, groups * k)
sims = pl.DataFrame(
    {
        "analysis_id": np.repeat(np.arange(groups), k),
        "yi": rng.normal(0.3, 0.15, groups * k) + rng.normal(0, np.sqrt(vi)),
        "vi": vi,
    }
)
bulk = peerstat.reanalyse(sims, by="analysis_id", measure="GEN", method="REML")
print(bulk.head())
print(bulk.select(pl.col("estimate").mean(), pl.col("tau2").mean(), pl.col("error").is_not_null().sum()))
assert bulk.height == groups
