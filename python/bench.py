"""Speed of the Python package (a script, not a timed test). Run with a release build:

    pip install ./python            # or: cd python && maturin develop --release
    python python/bench.py [--groups 100000] [--cli path/to/release/peerstat]

Reports:
  1. per-call overhead of `meta` on k = 10 from a pandas DataFrame above the Rust fit (the fit
     alone, and effect sizes + fit + JSON + table text, both timed inside the extension);
  2. `reanalyse` on a simulated workload (groups x 10 studies) from polars: wall time vs the
     library's run inside the call, and vs the CLI (`--cli`, a release binary) on the same data
     as Parquet;
  3. ratios against PyMARE's REML (VarianceBasedLikelihoodEstimator) per analysis and
     vectorised over many analyses.
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import polars as pl
import pyarrow as pa

import peerstat
from peerstat import _native


def per_call(fn, repeats):
    """Median seconds per call over `repeats` calls (after a warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def simulate(groups, k=10, seed=1):
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.2, groups * k)
    yi = rng.normal(0.3, 0.15, groups * k) + rng.normal(0, np.sqrt(vi))
    return pl.DataFrame({"analysis_id": np.repeat(np.arange(groups), k), "yi": yi, "vi": vi})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=2000)
    ap.add_argument("--cli", default=os.environ.get("PEERSTAT_BIN"))
    ap.add_argument("--pymare-groups", type=int, default=2000)
    a = ap.parse_args()

    # 1. meta on k = 10 from pandas.
    one = simulate(1).to_pandas()[["yi", "vi"]]
    table = pa.Table.from_pandas(one, preserve_index=False)
    fit_s, rust_meta_s = _native._bench_meta(table, "GEN", "REML", a.repeats * 5)
    py_pandas = per_call(lambda: peerstat.meta(one, measure="GEN"), a.repeats)
    py_arrow = per_call(lambda: peerstat.meta(table, measure="GEN"), a.repeats)
    conv = per_call(lambda: peerstat._pandas_to_arrow(one), a.repeats)
    print("1. meta, k = 10 (REML), median per call")
    print(f"   Rust fit alone (RandomEffects::fit)              {fit_s * 1e6:9.1f} us")
    print(f"   Rust effect sizes + fit + JSON + table text      {rust_meta_s * 1e6:9.1f} us")
    print(f"   peerstat.meta(pyarrow Table)                     {py_arrow * 1e6:9.1f} us")
    print(f"   peerstat.meta(pandas DataFrame)                  {py_pandas * 1e6:9.1f} us")
    print(f"     of which pandas -> Arrow                       {conv * 1e6:9.1f} us")
    print(f"   overhead above the Rust fit (pandas)             {(py_pandas - fit_s) * 1e6:9.1f} us")
    print(f"   overhead above the Rust meta work (pandas)       {(py_pandas - rust_meta_s) * 1e6:9.1f} us")

    # 2. reanalyse on the simulated workload.
    sims = simulate(a.groups)
    t = time.perf_counter()
    out = peerstat.reanalyse(sims, by="analysis_id", measure="GEN")
    wall = time.perf_counter() - t
    lib = peerstat._last_reanalyse["seconds"]
    assert out.height == a.groups
    print(f"2. reanalyse, {a.groups} analyses x 10 studies (REML), from polars")
    print(f"   peerstat.reanalyse wall time                     {wall:9.3f} s  ({a.groups / wall:,.0f} analyses/s)")
    print(f"   library run inside it (Reanalysis)               {lib:9.3f} s  (Python layer +{(wall / lib - 1) * 100:.1f}%)")
    if a.cli:
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "sims.parquet")
            sims.write_parquet(src)
            t = time.perf_counter()
            subprocess.run([a.cli, "reanalyse", src, "--group-by", "analysis_id", "--measure", "GEN",
                            "-o", os.path.join(d, "out.parquet"), "-q"], check=True)
            cli = time.perf_counter() - t
            t = time.perf_counter()
            peerstat.reanalyse(src, by="analysis_id", measure="GEN")
            py_file = time.perf_counter() - t
        print(f"   CLI reanalyse (Parquet in, Parquet out)          {cli:9.3f} s")
        print(f"   peerstat.reanalyse(same Parquet path)            {py_file:9.3f} s  ({(py_file / cli - 1) * 100:+.1f}% vs CLI)")

    # 3. PyMARE.
    try:
        import pymare
    except ImportError:
        print("3. PyMARE not installed: skipped")
        return
    y, v = one["yi"].to_numpy(), one["vi"].to_numpy()
    ds = pymare.Dataset(y=y, v=v)
    reps = max(20, a.repeats // 20)
    pm_one = per_call(lambda: pymare.estimators.VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(ds), reps)
    print("3. PyMARE REML (VarianceBasedLikelihoodEstimator), k = 10")
    print(f"   PyMARE per analysis                              {pm_one * 1e6:9.1f} us")
    print(f"   ratio PyMARE / peerstat.meta(pandas)             {pm_one / py_pandas:9.1f} x")
    print(f"   ratio PyMARE / Rust fit                          {pm_one / fit_s:9.1f} x")
    g = a.pymare_groups
    bulk = simulate(g)
    Y = bulk["yi"].to_numpy().reshape(g, 10).T
    V = bulk["vi"].to_numpy().reshape(g, 10).T
    t = time.perf_counter()
    pymare.estimators.VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(pymare.Dataset(y=Y, v=V))
    pm_bulk = time.perf_counter() - t
    t = time.perf_counter()
    peerstat.reanalyse(bulk, by="analysis_id", measure="GEN")
    ps_bulk = time.perf_counter() - t
    print(f"   PyMARE vectorised, {g} analyses                 {pm_bulk:9.3f} s")
    print(f"   peerstat.reanalyse, same {g} analyses           {ps_bulk:9.3f} s  (ratio {pm_bulk / ps_bulk:.0f} x)")


if __name__ == "__main__":
    main()
