"""Every Python function against the CLI on the fixtures: identical floats."""

import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import peerstat
from conftest import FIXTURES

# (fixture, CLI flags, Python keyword arguments)
META_CASES = [
    ("bcg.csv", ["--measure", "RR"], dict(measure="RR")),
    ("bcg.csv", ["--measure", "OR", "--method", "DL", "--knha"], dict(measure="OR", method="DL", knha=True)),
    ("bcg.csv", ["--measure", "RR", "--level", "90", "--pi", "riley"], dict(measure="RR", level=90, pi="riley")),
    ("bcg.csv", ["--measure", "RR", "--by", "alloc"], dict(measure="RR", by="alloc")),
    ("bcg.csv", ["--measure", "RR", "--by", "alloc", "--common-tau2"], dict(measure="RR", by="alloc", common_tau2=True)),
    ("bcg.csv", ["--measure", "RR", "--mods", "ablat,year"], dict(measure="RR", mods=["ablat", "year"])),
    (
        "bcg.csv",
        ["--measure", "RR", "--mods", "ablat", "--permutations", "200", "--seed", "7", "--newmods", "40"],
        dict(measure="RR", mods="ablat", permutations=200, seed=7, newmods=[40]),
    ),
    ("bcg.csv", ["--measure", "RR", "--robust", "alloc"], dict(measure="RR", robust="alloc")),
    ("bcg.csv", ["--measure", "RR", "--mods", "ablat", "--blup"], dict(measure="RR", mods="ablat", blup=True)),
    ("bcg.csv", ["--measure", "RR", "--mods", "alloc,ablat", "--contrast", "allocrandom-allocsystematic"],
     dict(measure="RR", mods=["alloc", "ablat"], contrast="allocrandom-allocsystematic")),
    ("konstantopoulos2011.csv", ["--random", "~ 1 | district/school", "--blup", "--no-profile-ci"],
     dict(random="~ 1 | district/school", blup=True, profile_ci=False)),
    ("bcg.csv", ["--measure", "RR", "--method", "MH"], dict(measure="RR", method="MH")),
    ("bcg.csv", ["--measure", "OR", "--method", "PETO"], dict(measure="OR", method="PETO")),
    ("bcg.parquet", ["--measure", "RD", "--method", "PM"], dict(measure="RD", method="PM")),
    ("bcg_yi.csv", [], dict()),
    ("normand1999.csv", ["--measure", "SMD", "--vtype", "UB"], dict(measure="SMD", vtype="UB")),
    ("normand1999.csv", ["--measure", "MD", "--method", "ML"], dict(measure="MD", method="ML")),
    ("hierdat.csv", ["--measure", "GEN", "--cluster", "study", "--rho", "0.6"], dict(measure="GEN", cluster="study", rho=0.6)),
    ("hierdat.csv", ["--random", "~ 1 | study/esid"], dict(random="~ 1 | study/esid")),
    (
        "assink2016.csv",
        ["--random", "~ 1 | study/esid", "--vcalc", "cluster=study,obs=esid,rho=0.6", "--robust", "study"],
        dict(random="~ 1 | study/esid", vcalc={"cluster": "study", "obs": "esid", "rho": 0.6}, robust="study"),
    ),
    (
        "hierdat.csv",
        ["--random", "~ 1 | study/esid", "--mods", "binge", "--method", "ML", "--knha", "--sigma2", "NA,0", "--no-profile-ci"],
        dict(random="~ 1 | study/esid", mods="binge", method="ML", knha=True, sigma2=[None, 0], profile_ci=False),
    ),
]


@pytest.mark.parametrize("fixture,flags,kwargs", META_CASES, ids=[f"{c[0]}:{' '.join(c[1])}" for c in META_CASES])
def test_meta_equals_cli_json(cli_json, fixtures, fixture, flags, kwargs):
    expected = cli_json("meta", f"fixtures/{fixture}", *flags)
    fit = peerstat.meta(fixtures / fixture, **kwargs)
    assert fit.to_dict() == expected
    # Attributes are the JSON keys.
    for key in ("estimate", "se", "k"):
        if key in expected:
            assert getattr(fit, key) == expected[key]


def test_meta_cases_cover_every_path():
    assert len(META_CASES) == 21
    assert {c[2].get("method", "REML") for c in META_CASES} >= {"REML", "DL", "MH", "PETO", "PM", "ML"}


def test_meta_repr_is_the_cli_table(cli, fixtures):
    text = cli("meta", "fixtures/bcg.csv", "--measure", "RR").stdout
    fit = peerstat.meta(fixtures / "bcg.csv", measure="RR", name="fixtures/bcg.csv")
    assert repr(fit).strip() == text.strip()
    assert "tau^2" in repr(fit)


def test_meta_regression_coefficients_table(cli_json, fixtures):
    expected = cli_json("meta", "fixtures/bcg.csv", "--measure", "RR", "--mods", "ablat")
    fit = peerstat.meta(pa.table(pq.read_table(fixtures / "bcg.parquet")), measure="RR", mods="ablat")
    coefs = fit.coefficients
    assert coefs.column("name").to_pylist() == ["intrcpt", "ablat"]
    assert coefs.column("estimate").to_pylist() == [c["estimate"] for c in expected["coefficients"]]
    assert fit.studies.num_rows == 13


def test_effects_equal_cli(cli, fixtures, tmp_path):
    for fixture, measure in [("bcg.csv", "RR"), ("normand1999.csv", "SMD"), ("morris2008.csv", "SMCR")]:
        out = tmp_path / f"{fixture}.parquet"
        cli("effects", f"fixtures/{fixture}", "--measure", measure, "-o", out)
        expected = pq.read_table(out)
        got = peerstat.effects(fixtures / fixture, measure)
        assert got.column_names == expected.column_names
        assert got.column("yi").to_pylist() == expected.column("yi").to_pylist()
        assert got.column("vi").to_pylist() == expected.column("vi").to_pylist()
        assert got.num_rows == expected.num_rows > 0


def test_reanalyse_equals_cli(cli, fixtures, tmp_path):
    out = tmp_path / "bulk.parquet"
    for flags, kwargs in [
        (["--measure", "SMD"], dict(measure="SMD")),
        (["--measure", "GEN", "--method", "DL", "--knha"], dict(measure="GEN", method="DL", knha=True)),
    ]:
        cli("reanalyse", "fixtures/bulk_sample.csv", "--group-by", "analysis_id", *flags, "-o", out, "-q")
        expected = pq.read_table(out)
        got = peerstat.reanalyse(fixtures / "bulk_sample.csv", by="analysis_id", **kwargs)
        assert got.column_names == expected.column_names
        assert got.num_rows == expected.num_rows > 1
        for name in got.column_names:
            assert got.column(name).to_pylist() == expected.column(name).to_pylist(), name


def test_multilevel_reanalyse_equals_cli(cli, fixtures, tmp_path):
    out = tmp_path / "ml.parquet"
    flags = ["--measure", "GEN", "--random", "~ 1 | study/esid", "--vcalc", "cluster=study,obs=esid,rho=0.6", "--robust", "study"]
    cli("reanalyse", "fixtures/hierdat.csv", "--group-by", "binge", *flags, "-o", out, "-q")
    expected = pq.read_table(out)
    got = peerstat.reanalyse(
        fixtures / "hierdat.csv", by="binge", measure="GEN", random="~ 1 | study/esid",
        vcalc={"cluster": "study", "obs": "esid", "rho": 0.6}, robust="study",
    )
    assert got.column_names == expected.column_names
    assert got.num_rows == expected.num_rows == 2
    for name in got.column_names:
        assert got.column(name).to_pylist() == expected.column(name).to_pylist(), name
    with pytest.raises(peerstat.SettingError, match="give random="):
        peerstat.reanalyse(fixtures / "hierdat.csv", by="binge", measure="GEN", robust="study")


def test_reanalyse_threads_give_the_same_rows(fixtures):
    one = peerstat.reanalyse(fixtures / "bulk_sample.csv", by="analysis_id", measure="SMD", threads=1)
    many = peerstat.reanalyse(fixtures / "bulk_sample.csv", by="analysis_id", measure="SMD", threads=3)
    assert one.equals(many)
    assert all(math.isfinite(x) for x in one.column("estimate").to_pylist())


DIAG_CASES = [
    ("bias", "bcg.csv", ["--measure", "RR"], dict(measure="RR")),
    ("bias", "bcg.csv", ["--measure", "OR", "--method", "DL", "--egger", "classic", "--estimator", "R0", "--side", "right", "--orwin-target", "0.1"],
     dict(measure="OR", method="DL", egger="classic", estimator="R0", side="right", orwin_target=0.1)),
    ("influence", "bcg.csv", ["--measure", "RR"], dict(measure="RR")),
    ("influence", "bcg.csv", ["--measure", "RR", "--knha", "--cumulative", "--order", "year"], dict(measure="RR", knha=True, cumulative=True, order="year")),
    ("influence", "normand1999.csv", ["--measure", "SMD", "--method", "DL"], dict(measure="SMD", method="DL")),
]


@pytest.mark.parametrize("fn,fixture,flags,kwargs", DIAG_CASES, ids=[f"{c[0]}:{c[1]}:{' '.join(c[2])}" for c in DIAG_CASES])
def test_bias_and_influence_equal_cli_json(cli, cli_json, fixtures, fn, fixture, flags, kwargs, monkeypatch):
    expected = cli_json(fn, f"fixtures/{fixture}", *flags)
    monkeypatch.chdir(fixtures.parent)
    got = getattr(peerstat, fn)(f"fixtures/{fixture}", **kwargs)
    assert got.to_dict() == expected
    assert repr(got).strip() == cli(fn, f"fixtures/{fixture}", *flags).stdout.strip()


def test_influence_tables():
    fit = peerstat.influence(pa.table(pq.read_table(FIXTURES / "bcg.parquet")), measure="RR", cumulative=True)
    assert fit.cumulative.num_rows == 13
    assert fit.studies is None
    loo = peerstat.influence(FIXTURES / "bcg.csv", measure="RR")
    assert loo.studies.num_rows == 13


OTHER_CASES = [
    ("cea", "econ/strategies_chain.csv", [], dict()),
    ("cea", "econ/psa.csv", ["--wtp-grid", "0:50000:5000", "--reference", "usual care"], dict(wtp_grid="0:50000:5000", reference="usual care")),
    ("cea", "econ/patients.csv",
     ["--treatment", "peer", "--control", "control", "--boot", "200", "--seed", "3", "--wtp", "20000,30000", "--cost-covariates", "age"],
     dict(treatment="peer", control="control", boot=200, seed=3, wtp=[20000, 30000], cost_covariates="age")),
    ("cea", "econ/arms.csv", ["--treatment", "peer", "--control", "control"], dict(treatment="peer", control="control")),
    ("network", "nma_toy.csv", [], dict()),
    ("network", "senn2013.csv", ["--measure", "MD", "--method", "REML", "--reference", "placebo"], dict(measure="MD", method="REML", reference="placebo")),
]


@pytest.mark.parametrize("fn,fixture,flags,kwargs", OTHER_CASES, ids=[f"{c[0]}:{c[1]}:{' '.join(c[2])}" for c in OTHER_CASES])
def test_cea_and_network_equal_cli_json(cli, cli_json, fixtures, fn, fixture, flags, kwargs, monkeypatch):
    expected = cli_json(fn, f"fixtures/{fixture}", *flags)
    monkeypatch.chdir(fixtures.parent)
    got = getattr(peerstat, fn)(f"fixtures/{fixture}", **kwargs)
    assert got.to_dict() == expected
    assert repr(got).strip() == cli(fn, f"fixtures/{fixture}", *flags).stdout.strip()
    assert len(got.keys()) >= 3


def test_other_cases_counted():
    assert len(OTHER_CASES) == 6 and len(DIAG_CASES) == 5
