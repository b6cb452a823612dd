"""Speed of the Python package (a script, not a timed test). Run with a release build, and a
release CLI for the side-by-side comparison:

    cd python && maturin develop --release      # or: pip install ./python
    cargo build --release                       # the CLI, from the repository root
    python python/bench.py --groups 100000 --repeats 3000 --pymare-groups 2000 \
        --cli target/release/peerstat

Reports:
  1. per-call overhead of `meta` on k = 10 from a pandas DataFrame above the Rust fit (the fit
     alone, and effect sizes + fit, both timed inside the extension), with the first attribute
     read, `repr` and `to_dict()` timed apart (they are made when first asked for);
  2. `reanalyse` on a simulated workload (groups x 10 studies): from polars and from a Parquet
     path against the CLI (`--cli`, a release binary) on the same data as Parquet, timed in
     turn (`--cli-repeats` rounds; the best of each is reported);
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
import pandas as pd
import polars as pl
import pyarrow as pa

import peerstat
from peerstat import _native


def per_call(fn, repeats):
    """Median seconds per call over `repeats` calls (after a warm-up)."""
    for _ in range(10):
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


def us(x):
    return f"{x * 1e6:9.1f} us"


def section_meta(a):
    one = simulate(1).to_pandas()[["yi", "vi"]]
    labelled = one.assign(study=[f"study {i}" for i in range(len(one))])
    table = pa.Table.from_pandas(one, preserve_index=False)
    fit_s, rust_meta_s, rust_old_s = _native._bench_meta(table, "GEN", "REML", a.repeats * 5)
    py_pandas = per_call(lambda: peerstat.meta(one, measure="GEN"), a.repeats)
    py_labelled = per_call(lambda: peerstat.meta(labelled, measure="GEN"), a.repeats)
    py_arrow = per_call(lambda: peerstat.meta(table, measure="GEN"), a.repeats)
    py_attr = per_call(lambda: peerstat.meta(one, measure="GEN").estimate, a.repeats)
    fit = peerstat.meta(one, measure="GEN")
    to_dict = per_call(fit.to_dict, a.repeats)
    text = per_call(lambda: repr(peerstat.meta(one, measure="GEN")), a.repeats) - py_pandas
    read = per_call(lambda: peerstat._tables._prepare(one, None), a.repeats)
    print("1. meta, k = 10 (REML), median per call")
    print(f"   Rust fit alone (RandomEffects::fit)                  {us(fit_s)}")
    print(f"   Rust effect sizes + MetaOptions::fit                 {us(rust_meta_s)}")
    print(f"   Rust effect sizes + fit + JSON + table text          {us(rust_old_s)}")
    print(f"   peerstat.meta(pyarrow Table)                         {us(py_arrow)}")
    print(f"   peerstat.meta(pandas DataFrame)                      {us(py_pandas)}")
    print(f"     of which reading the pandas columns                {us(read)}")
    print(f"   peerstat.meta(pandas, with a text study column)      {us(py_labelled)}")
    print(f"   peerstat.meta(pandas).estimate (first key read)      {us(py_attr)}")
    print(f"   result.to_dict()                                     {us(to_dict)}")
    print(f"   repr(result) (the CLI table, made on first repr)     {us(text)}")
    print(f"   overhead above the Rust fit (pandas; target < 20 us) {us(py_pandas - fit_s)}")
    print(f"   same, with the first key read                        {us(py_attr - fit_s)}")
    return one, py_pandas, fit_s


def best_of(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def section_reanalyse(a):
    sims = simulate(a.groups)
    t = time.perf_counter()
    out = peerstat.reanalyse(sims, by="analysis_id", measure="GEN")
    wall = time.perf_counter() - t
    lib = peerstat._last_reanalyse["seconds"]
    assert out.height == a.groups
    print(f"2. reanalyse, {a.groups} analyses x 10 studies (REML)")
    print(f"   peerstat.reanalyse(polars) wall time                 {wall:9.3f} s  ({a.groups / wall:,.0f} analyses/s)")
    print(f"   library run inside it (Reanalysis)                   {lib:9.3f} s  (Python layer +{(wall / lib - 1) * 100:.1f}%)")
    if not a.cli:
        print("   (no --cli: the side-by-side comparison with the CLI is skipped)")
        return
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "sims.parquet")
        sims.write_parquet(src)
        dst = os.path.join(d, "out.parquet")
        cmd = [a.cli, "reanalyse", src, "--group-by", "analysis_id", "--measure", "GEN", "-o", dst, "-q"]
        cli, py_file, py_polars, py_pandas = [], [], [], []
        frame = sims.to_pandas()
        for _ in range(a.cli_repeats):
            cli.append(best_of(lambda: subprocess.run(cmd, check=True), 1))
            py_file.append(best_of(lambda: peerstat.reanalyse(src, by="analysis_id", measure="GEN"), 1))
            py_polars.append(best_of(lambda: peerstat.reanalyse(sims, by="analysis_id", measure="GEN"), 1))
            py_pandas.append(best_of(lambda: peerstat.reanalyse(frame, by="analysis_id", measure="GEN"), 1))
        cli_s = min(cli)
        print(f"   side by side, best of {a.cli_repeats} rounds:")
        print(f"   CLI reanalyse (Parquet in, Parquet out)              {cli_s:9.3f} s")
        for label, xs in [
            ("peerstat.reanalyse(same Parquet path)", py_file),
            ("peerstat.reanalyse(polars DataFrame)", py_polars),
            ("peerstat.reanalyse(pandas DataFrame)", py_pandas),
        ]:
            print(f"   {label:<52} {min(xs):9.3f} s  ({(min(xs) / cli_s - 1) * 100:+.1f}% vs CLI)")
        print("   all rounds (s): CLI " + ", ".join(f"{x:.3f}" for x in cli)
              + " | path " + ", ".join(f"{x:.3f}" for x in py_file)
              + " | polars " + ", ".join(f"{x:.3f}" for x in py_polars))


def section_pymare(a, one, py_pandas, fit_s):
    try:
        import pymare
    except ImportError:
        print("3. PyMARE not installed: skipped")
        return
    y, v = one["yi"].to_numpy(), one["vi"].to_numpy()
    ds = pymare.Dataset(y=y, v=v)
    reps = max(20, a.repeats // 20)
    pm_one = per_call(lambda: pymare.estimators.VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(ds), reps)
    g = a.pymare_groups
    bulk = simulate(g)
    Y = bulk["yi"].to_numpy().reshape(g, 10).T
    V = bulk["vi"].to_numpy().reshape(g, 10).T
    pm_bulk = best_of(lambda: pymare.estimators.VarianceBasedLikelihoodEstimator(method="REML")
                      .fit_dataset(pymare.Dataset(y=Y, v=V)), 3)
    ps_bulk = best_of(lambda: peerstat.reanalyse(bulk, by="analysis_id", measure="GEN"), 3)
    big = simulate(a.groups)
    ps_big = best_of(lambda: peerstat.reanalyse(big, by="analysis_id", measure="GEN"), 1) / a.groups
    print("3. PyMARE REML (VarianceBasedLikelihoodEstimator), k = 10")
    print(f"   PyMARE per analysis                                  {us(pm_one)}")
    print(f"   ratio PyMARE / peerstat.meta(pandas)                 {pm_one / py_pandas:9.0f} x")
    print(f"   ratio PyMARE / Rust fit                              {pm_one / fit_s:9.0f} x")
    print(f"   ratio PyMARE / reanalyse per analysis ({a.groups} groups) {pm_one / ps_big:6.0f} x  ({ps_big * 1e6:.2f} us each)")
    print(f"   PyMARE vectorised, {g} analyses                     {pm_bulk:9.4f} s  ({pm_bulk / g * 1e6:.1f} us each)")
    print(f"   peerstat.reanalyse, same {g} analyses               {ps_bulk:9.4f} s  (ratio {pm_bulk / ps_bulk:.1f} x)")
    print(f"   PyMARE vectorised per analysis / reanalyse at {a.groups}  {pm_bulk / g / ps_big:6.1f} x")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=2000)
    ap.add_argument("--cli", default=os.environ.get("PEERSTAT_BIN"))
    ap.add_argument("--cli-repeats", type=int, default=5)
    ap.add_argument("--pymare-groups", type=int, default=2000)
    ap.add_argument("--only", choices=["meta", "reanalyse", "pymare"])
    a = ap.parse_args()
    print(f"peerstat {peerstat.__version__}, pandas {pd.__version__}, polars {pl.__version__}, "
          f"pyarrow {pa.__version__}, {os.cpu_count()} cores")
    if a.only in (None, "meta", "pymare"):
        one, py_pandas, fit_s = section_meta(a)
    if a.only in (None, "reanalyse"):
        section_reanalyse(a)
    if a.only in (None, "pymare"):
        section_pymare(a, one, py_pandas, fit_s)


if __name__ == "__main__":
    main()
