"""The options beyond the basic ones, each against the CLI's JSON on the same fixture
(identical floats): conversions and cluster adjustment, held structured components,
likelihood-ratio tests, rho grids, sampling covariances from columns, component network
meta-analysis, and evaluate's overrides."""

import json
import warnings

import pyarrow.parquet as pq
import pytest

import peerstat

CONVERT = ["--measure", "SMD", "--icc", "0.05", "--cluster-adjust", "n", "--omit-skewed"]
CONVERT_KW = dict(measure="SMD", icc=0.05, cluster_adjust="n", omit_skewed=True)

# (fixture, CLI flags, Python keyword arguments)
CASES = [
    ("conversions.csv", CONVERT, CONVERT_KW),
    ("conversions.csv", ["--measure", "SMD", "--icc", "0.1"], dict(measure="SMD", icc=0.1)),
    ("bcg.csv", ["--measure", "RR", "--ci-scale", "log"], dict(measure="RR", ci_scale="log")),
    (
        "berkey1998.csv",
        ["--random", "~ outcome | trial", "--struct", "UN", "--vcov-cols", "v1i,v2i", "--no-profile-ci"],
        dict(random="~ outcome | trial", structure="UN", vcov_cols=["v1i", "v2i"], profile_ci=False),
    ),
    (
        "berkey1998.csv",
        ["--random", "~ outcome | trial", "--struct", "HCS", "--vcov-cols", "v1i,v2i", "--tau2", "NA,0.02", "--no-profile-ci"],
        dict(random="~ outcome | trial", structure="HCS", vcov_cols="v1i,v2i".split(","), tau2=[None, 0.02], profile_ci=False),
    ),
    (
        "berkey1998.csv",
        ["--random", "~ outcome | trial", "--struct", "CS", "--vcov-cols", "v1i,v2i", "--struct-rho", "0.5", "--no-profile-ci"],
        dict(random="~ outcome | trial", vcov_cols=["v1i", "v2i"], struct_rho=[0.5], profile_ci=False),
    ),
    (
        "hierdat.csv",
        ["--random", "~ 1 | study/esid", "--lrt-drop", "esid", "--no-profile-ci"],
        dict(random="~ 1 | study/esid", lrt_drop="esid", profile_ci=False),
    ),
    (
        "assink2016.csv",
        ["--random", "~ 1 | study/esid", "--vcalc", "cluster=study,obs=esid,rho=0.6", "--robust", "study",
         "--rho-grid", "0.2,0.8", "--no-profile-ci"],
        dict(random="~ 1 | study/esid", vcalc={"cluster": "study", "obs": "esid", "rho": 0.6}, robust="study",
             rho_grid=[0.2, 0.8], profile_ci=False),
    ),
]


@pytest.mark.parametrize("fixture,flags,kwargs", CASES, ids=[f"{c[0]}:{' '.join(c[1])}" for c in CASES])
def test_meta_options_equal_cli_json(cli, cli_json, fixtures, fixture, flags, kwargs, monkeypatch):
    expected = cli_json("meta", f"fixtures/{fixture}", *flags)
    monkeypatch.chdir(fixtures.parent)
    fit = peerstat.meta(f"fixtures/{fixture}", **kwargs)
    assert fit.to_dict() == expected
    assert repr(fit).strip() == cli("meta", f"fixtures/{fixture}", *flags).stdout.strip()


def test_option_cases_reach_their_keys(fixtures):
    assert len(CASES) == 8
    lrt = peerstat.meta(fixtures / "hierdat.csv", random="~ 1 | study/esid", lrt_drop="esid", profile_ci=False)
    assert lrt.lrt["dropped"] == "esid" and lrt.lrt["df"] == 1
    grid = peerstat.meta(
        fixtures / "assink2016.csv", random="~ 1 | study/esid",
        vcalc={"cluster": "study", "obs": "esid", "rho": 0.6}, rho_grid=[0.2, 0.4], profile_ci=False,
    )
    assert [r["rho"] for r in grid.rho_grid] == [0.2, 0.4]
    held = peerstat.meta(
        fixtures / "berkey1998.csv", random="~ outcome | trial", structure="HCS", vcov_cols=["v1i", "v2i"],
        tau2=[None, 0.02], profile_ci=False,
    )
    assert held.struct_tau2[1] == 0.02


def test_conversion_options_change_the_effects(cli, fixtures, tmp_path):
    out = tmp_path / "conv.parquet"
    cli("effects", "fixtures/conversions.csv", *CONVERT, "-o", out)
    expected = pq.read_table(out)
    got = peerstat.effects(fixtures / "conversions.csv", **CONVERT_KW)
    assert got.column_names == expected.column_names
    for name in ("yi", "vi", "design_effect"):
        assert got.column(name).to_pylist() == expected.column(name).to_pylist(), name
    plain = peerstat.effects(fixtures / "conversions.csv", "SMD")
    assert plain.column("vi").to_pylist() != got.column("vi").to_pylist()


def test_ci_scale_on_reported_ratio_intervals(cli_json, tmp_path):
    path = tmp_path / "ors.csv"
    path.write_text(
        "study,yi,ci_lower,ci_upper\na,0.59,0.40,0.87\nb,0.80,0.55,1.16\nc,0.45,0.25,0.81\nd,1.10,0.70,1.73\n"
    )
    logs = tmp_path / "logors.csv"
    logs.write_text(
        "study,yi,ci_lower,ci_upper\na,-0.53,-0.92,-0.14\nb,-0.22,-0.6,0.15\nc,-0.8,-1.39,-0.21\nd,0.1,-0.36,0.55\n"
    )
    fits = {}
    for data, scale in [(path, "ratio"), (logs, "log")]:
        expected = cli_json("meta", data, "--measure", "OR", "--ci-scale", scale)
        fits[scale] = peerstat.meta(data, measure="OR", ci_scale=scale).to_dict()
        assert fits[scale] == expected
    assert fits["ratio"]["k"] == fits["log"]["k"] == 4
    assert fits["ratio"]["estimate"] != fits["log"]["estimate"]
    with pytest.raises(peerstat.InputError):
        peerstat.meta(logs, measure="OR", ci_scale="ratio")


def test_omit_skewed_omits_the_skewed_arm(cli, cli_json, tmp_path):
    path = tmp_path / "skew.csv"
    path.write_text(
        "study,n_t,median_t,q1_t,q3_t,min_t,max_t,n_c,mean_c,sd_c\n"
        "sk,50,10,9,30,8,100,50,12,3\nok,40,20,17,23,10,30,42,18,4\nok2,30,15,12,18,5,25,30,14,5\n"
    )
    for flags, kw, k in [([], {}, 3), (["--omit-skewed"], dict(omit_skewed=True), 2)]:
        out = tmp_path / "cli.parquet"
        cli("effects", path, "--measure", "SMD", *flags, "-o", out)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = peerstat.effects(path, "SMD", **kw)
            fit = peerstat.meta(path, measure="SMD", method="DL", **kw)
        assert sum("Shi's test" in str(w.message) for w in caught) == (2 if k == 2 else 0)
        assert got.column("yi").to_pylist() == pq.read_table(out).column("yi").to_pylist()
        assert sum(y is not None for y in got.column("yi").to_pylist()) == k
        assert fit.to_dict() == cli_json("meta", path, "--measure", "SMD", "--method", "DL", *flags)
        assert fit.k == k


def test_reanalyse_takes_the_conversion_options(cli, fixtures, tmp_path):
    out = tmp_path / "r.parquet"
    cli("reanalyse", "fixtures/bulk_sample.csv", "--group-by", "analysis_id", "--measure", "SMD",
        "--icc", "0.05", "--cluster-adjust", "n", "-o", out, "-q")
    got = peerstat.reanalyse(fixtures / "bulk_sample.csv", by="analysis_id", measure="SMD", icc=0.05, cluster_adjust="n")
    assert got.equals(pq.read_table(out))


def test_bad_option_values_are_setting_errors(fixtures):
    with pytest.raises(peerstat.SettingError, match="cluster adjustment 'both'"):
        peerstat.meta(fixtures / "bcg.csv", measure="RR", cluster_adjust="both")
    with pytest.raises(peerstat.SettingError, match="scale of confidence bounds"):
        peerstat.effects(fixtures / "bcg.csv", "RR", ci_scale="exp")
    with pytest.raises(peerstat.SettingError, match="not a nested random factor"):
        peerstat.meta(fixtures / "hierdat.csv", random="~ 1 | study/esid", lrt_drop="school")
    with pytest.raises(peerstat.SettingError, match="give random="):
        peerstat.meta(fixtures / "hierdat.csv", measure="GEN", lrt_drop="esid")
    with pytest.raises(peerstat.SettingError, match="need a structured term"):
        peerstat.meta(fixtures / "hierdat.csv", random="~ 1 | study/esid", tau2=[0.1])
    with pytest.raises(peerstat.SettingError, match="unknown robust_type 'CR3'"):
        peerstat.meta(fixtures / "bcg.csv", measure="RR", robust="alloc", robust_type="CR3")
    with pytest.raises(peerstat.SettingError, match="unknown binary_to_smd"):
        peerstat.evaluate(fixtures / "bcg_elements.csv", "never", binary_to_smd="probit")


NETWORK_CASES = [
    ("cnma_toy.csv", ["--components-sep", "+", "--inactive", "P"], dict(components_sep="+", inactive="P")),
    (
        "cnma_toy.csv",
        ["--components-sep", "+", "--inactive", "P", "--interaction", "A*B", "--combination", "A+C",
         "--method-random-ci", "HK"],
        dict(components_sep="+", inactive=["P"], interaction="A*B", combination=["A+C"], method_random_ci="HK"),
    ),
    ("senn2013.csv", ["--measure", "MD", "--method-random-ci", "t-dist"], dict(measure="MD", method_random_ci="t-dist")),
]


@pytest.mark.parametrize("fixture,flags,kwargs", NETWORK_CASES, ids=[" ".join(c[1]) for c in NETWORK_CASES])
def test_component_network_equals_cli_json(cli, cli_json, fixtures, fixture, flags, kwargs, monkeypatch):
    expected = cli_json("network", f"fixtures/{fixture}", *flags)
    monkeypatch.chdir(fixtures.parent)
    got = peerstat.network(f"fixtures/{fixture}", **kwargs)
    assert got.to_dict() == expected
    assert repr(got).strip() == cli("network", f"fixtures/{fixture}", *flags).stdout.strip()


def test_components_from_columns_equal_cli(cli_json, tmp_path):
    rows = [
        ("1", "A", "yes", "no", 30, 1.8, 1.0), ("1", "P", "no", "no", 30, 1.0, 1.1),
        ("2", "B", "no", "yes", 25, 1.4, 1.2), ("2", "P", "no", "no", 25, 1.1, 1.0),
        ("3", "A+B", "yes", "yes", 30, 2.0, 1.2), ("3", "A", "yes", "no", 30, 1.7, 1.1),
        ("3", "P", "no", "no", 30, 1.1, 1.0), ("4", "A+B", "yes", "yes", 15, 1.9, 1.0),
        ("4", "B", "no", "yes", 15, 1.2, 1.1),
    ]
    path = tmp_path / "arms.csv"
    path.write_text("study,treatment,has_a,has_b,n,mean,sd\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    flags = ["--measure", "MD", "--components-from", "has_a,has_b"]
    expected = cli_json("network", path, *flags)
    got = peerstat.network(path, measure="MD", components_from=["has_a", "has_b"])
    assert got.to_dict() == expected
    assert len(NETWORK_CASES) == 3
    with pytest.raises(peerstat.SettingError, match="component network"):
        peerstat.network(path, measure="MD", inactive="P")


def test_evaluate_overrides_equal_cli(cli, fixtures, tmp_path, monkeypatch):
    flags = ["--icc", "0.05", "--cluster-adjust", "n", "--binary-to-smd", "cox-snell", "--assume-higher-is-better"]
    cli("evaluate", "fixtures/bcg_elements.csv", "-o", tmp_path / "cli", *flags)
    expected = json.loads((tmp_path / "cli" / "results.json").read_text())
    monkeypatch.chdir(fixtures.parent)
    ev = peerstat.evaluate(
        "fixtures/bcg_elements.csv", tmp_path / "py", icc=0.05, cluster_adjust="n", binary_to_smd="cox-snell",
        assume_higher_is_better=True,
    )
    assert ev.to_dict() == expected
    assert "cox" in json.dumps(expected).lower()
