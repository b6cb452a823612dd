"""`reanalyse` releases the GIL (another Python thread runs while it works), and the same
numbers as PyMARE where PyMARE has the method."""

import threading
import time

import numpy as np
import pyarrow as pa
import pytest

import peerstat


def simulated(groups, k=8, seed=1):
    rng = np.random.default_rng(seed)
    gid = np.repeat(np.arange(groups), k)
    vi = rng.uniform(0.01, 0.1, groups * k)
    yi = rng.normal(0.3, 0.2, groups * k) + rng.normal(0, np.sqrt(vi))
    return pa.table({"analysis_id": gid, "yi": yi, "vi": vi})


def test_reanalyse_releases_the_gil():
    table = simulated(80_000)
    done = threading.Event()
    result = {}

    def work():
        start = time.perf_counter()
        result["out"] = peerstat.reanalyse(table, by="analysis_id", measure="GEN")
        result["window"] = (start, time.perf_counter())
        done.set()

    stamps = []
    t = threading.Thread(target=work)
    t.start()
    # Pure-Python work on this thread: it advances only while the other thread does not hold
    # the GIL. Were the GIL held through the Rust run, no stamp would fall inside it.
    while not done.is_set():
        stamps.append(time.perf_counter())
        sum(range(200))
    t.join()
    start, end = result["window"]
    secs = end - start
    assert result["out"].num_rows == 80_000
    assert secs > 0.05
    inside = [s for s in stamps if start <= s <= end]
    gaps = [b - a for a, b in zip([start] + inside, inside + [end])]
    assert len(inside) > 1000, (len(inside), secs)
    # The longest stretch without progress is a small part of the run (GIL switch intervals
    # while Python code runs), never the whole Rust computation.
    assert max(gaps) < secs / 4, (max(gaps), secs)


def test_reanalyse_matches_meta_per_group():
    table = simulated(5, k=6, seed=3)
    bulk = peerstat.reanalyse(table, by="analysis_id", measure="GEN")
    for g in range(5):
        sub = table.filter(pa.compute.equal(table["analysis_id"], g))
        fit = peerstat.meta(sub, measure="GEN")
        assert bulk["estimate"][g].as_py() == pytest.approx(fit.estimate, rel=1e-12)
        assert bulk["tau2"][g].as_py() == pytest.approx(fit.tau2, rel=1e-12, abs=1e-15)


pymare = pytest.importorskip("pymare")


@pytest.mark.parametrize(
    "method,estimator,rel",
    [
        ("DL", "DerSimonianLaird", 1e-9),
        ("REML", "VarianceBasedLikelihoodEstimator", 1e-6),
        ("ML", "VarianceBasedLikelihoodEstimator", 1e-6),
    ],
)
def test_pymare_agrees(fixtures, method, estimator, rel):
    """PyMARE (0.0.13) applies the Knapp-Hartung correction by default: compare with knha=True."""
    import pandas as pd

    es = peerstat.effects(pd.read_csv(fixtures / "bcg.csv"), "RR")
    dataset = pymare.Dataset(y=es["yi"].to_numpy(), v=es["vi"].to_numpy())
    if estimator == "DerSimonianLaird":
        est = pymare.estimators.DerSimonianLaird().fit_dataset(dataset)
    else:
        est = pymare.estimators.VarianceBasedLikelihoodEstimator(method=method).fit_dataset(dataset)
    fit = peerstat.meta(es, measure="GEN", method=method, knha=True)
    first = lambda x: float(np.ravel(x)[0])
    assert first(est.params_["tau2"]) == pytest.approx(fit.tau2, rel=rel)
    assert first(est.params_["fe_params"]) == pytest.approx(fit.estimate, rel=rel)
    fe = est.summary().get_fe_stats()
    assert first(fe["se"]) == pytest.approx(fit.se, rel=rel)
    assert first(fe["ci_l"]) == pytest.approx(fit.ci_lower, rel=rel)
    assert first(fe["ci_u"]) == pytest.approx(fit.ci_upper, rel=rel)
    assert first(fe["p"]) == pytest.approx(fit.p_value, rel=1e-5)
    assert fit.tau2 > 0.1
