"""Plots from Python (SVG text and files), ``simulate``, ``reanalyse`` streaming a Parquet
path, and categorical label and grouping columns from polars and pandas."""

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import peerstat
from conftest import FIXTURES


@pytest.fixture(scope="module")
def bcg_labels():
    return pacsv.read_csv(FIXTURES / "bcg.csv").column("study").to_pylist()


def _label(s):
    return s.replace("&", "&amp;")


def test_forest_svg_names_every_study(bcg_labels, tmp_path):
    svg = peerstat.forest(FIXTURES / "bcg.csv", "RR", by="alloc", title="BCG")
    assert svg.startswith("<svg") or svg.lstrip().startswith("<?xml") or "<svg" in svg[:200]
    assert len(bcg_labels) == 13
    for s in bcg_labels:
        assert _label(s) in svg, s
    path = tmp_path / "forest.svg"
    assert peerstat.forest(FIXTURES / "bcg.csv", "RR", by="alloc", title="BCG", path=path) == svg
    assert path.read_text() == svg


def test_forest_equals_the_cli_plot(cli, tmp_path):
    out = tmp_path / "cli.svg"
    cli("meta", "fixtures/bcg.csv", "--measure", "RR", "--forest", out, "--sort", "estimate", "--favours", "BCG,control")
    svg = peerstat.forest(
        FIXTURES / "bcg.csv", "RR", sort="estimate", favours=("BCG", "control"), name="fixtures/bcg.csv"
    )
    assert svg == out.read_text()


PLOT_CASES = [
    ("meta", "normand1999.csv", ["--measure", "SMD", "--xlim", "-3,2", "--ilab", "n_t", "--better", "lower", "--digits", "3"],
     dict(measure="SMD", xlim=(-3, 2), ilab="n_t", better="lower", digits=3)),
    ("meta", "bcg_yi.csv", ["--transf", "exp", "--no-arm-data", "--title", "BCG"], dict(transf="exp", arm_data=False, title="BCG")),
    ("bias", "normand1999.csv", ["--measure", "SMD", "--funnel-y", "n", "--estimator", "R0"],
     dict(measure="SMD", funnel_y="n", estimator="R0")),
    ("bias", "bcg.csv", ["--measure", "OR", "--funnel-y", "inv-se", "--side", "left", "--theme", "dark"],
     dict(measure="OR", funnel_y="inv-se", side="left", theme="dark")),
]


@pytest.mark.parametrize("cmd,fixture,flags,kwargs", PLOT_CASES, ids=[f"{c[0]}:{c[1]}:{' '.join(c[2])}" for c in PLOT_CASES])
def test_plot_options_equal_the_cli(cli, tmp_path, cmd, fixture, flags, kwargs):
    out = tmp_path / "cli.svg"
    flag = "--forest" if cmd == "meta" else "--funnel"
    cli(cmd, f"fixtures/{fixture}", flag, out, *flags)
    fn = peerstat.forest if cmd == "meta" else peerstat.funnel
    svg = fn(FIXTURES / fixture, name=f"fixtures/{fixture}", **kwargs)
    assert svg == out.read_text()
    assert len(PLOT_CASES) == 4


@pytest.mark.parametrize("mod", ["ablat", "alloc"])
def test_bubble_equals_the_cli_plot(cli, tmp_path, mod):
    out = tmp_path / "cli.svg"
    cli("meta", "fixtures/bcg.csv", "--measure", "RR", "--mods", mod, "--bubble", out)
    svg = peerstat.bubble(FIXTURES / "bcg.csv", mod, "RR", name="fixtures/bcg.csv")
    assert svg == out.read_text()
    assert f"Meta-regression on {mod}" in svg
    with pytest.raises(peerstat.SettingError, match="one moderator"):
        peerstat.bubble(FIXTURES / "bcg.csv", ["ablat", "year"], "RR")


CEA_PLOTS = [
    ("econ/psa.csv", ["--wtp-grid", "0:50000:5000", "--reference", "usual care"], dict(wtp_grid="0:50000:5000", reference="usual care")),
    ("econ/psa.csv", ["--reference", "usual care"], dict(reference="usual care")),
    ("econ/patients.csv", ["--treatment", "peer", "--control", "control", "--boot", "100", "--seed", "2"],
     dict(treatment="peer", control="control", boot=100, seed=2)),
    ("econ/arms.csv", ["--treatment", "peer", "--control", "control", "--wtp", "20000,30000", "--title", "Arms"],
     dict(treatment="peer", control="control", wtp=[20000, 30000], title="Arms")),
]


@pytest.mark.parametrize("fixture,flags,kwargs", CEA_PLOTS, ids=[f"{c[0]}:{' '.join(c[1])}" for c in CEA_PLOTS])
def test_cea_plots_equal_the_cli(cli, cli_json, tmp_path, fixture, flags, kwargs, monkeypatch):
    cli("cea", f"fixtures/{fixture}", *flags, "--plane", tmp_path / "p.svg", "--ceac", tmp_path / "c.svg")
    monkeypatch.chdir(FIXTURES.parent)
    fit = peerstat.cea(f"fixtures/{fixture}", plane=tmp_path / "py_p.svg", ceac=tmp_path / "py_c.svg", **kwargs)
    assert fit.to_dict() == cli_json("cea", f"fixtures/{fixture}", *flags)
    for kind in ("p", "c"):
        assert (tmp_path / f"py_{kind}.svg").read_text() == (tmp_path / f"{kind}.svg").read_text(), kind
    assert len(CEA_PLOTS) == 4


def test_funnel_equals_the_cli_plot(cli, tmp_path, bcg_labels):
    out = tmp_path / "cli.svg"
    cli("bias", "fixtures/bcg.csv", "--measure", "RR", "--funnel", out, "--funnel-ci", "--theme", "print")
    svg = peerstat.funnel(FIXTURES / "bcg.csv", "RR", funnel_ci=True, theme="print", name="fixtures/bcg.csv")
    assert svg == out.read_text()
    assert svg.count("<circle") >= len(bcg_labels)


@pytest.mark.parametrize("ext,magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_plots_write_png_and_pdf(tmp_path, ext, magic):
    path = tmp_path / f"funnel{ext}"
    peerstat.funnel(FIXTURES / "bcg.csv", "RR", path=path, dpi=50)
    assert path.read_bytes()[:4] == magic


def test_plot_errors(tmp_path):
    with pytest.raises(peerstat.SettingError, match=r"\.svg, \.png or \.pdf"):
        peerstat.forest(FIXTURES / "bcg.csv", "RR", path=tmp_path / "x.gif")
    with pytest.raises(peerstat.SettingError, match="unknown theme"):
        peerstat.funnel(FIXTURES / "bcg.csv", "RR", theme="neon")
    with pytest.raises(peerstat.SettingError, match="unknown funnel_y"):
        peerstat.funnel(FIXTURES / "bcg.csv", "RR", funnel_y="weight")
    assert not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("kind", ["graph", "forest", "league"])
def test_network_plots_equal_the_cli(cli, tmp_path, kind):
    out = tmp_path / f"{kind}.svg"
    cli("network", "fixtures/senn2013.csv", "--measure", "MD", "--reference", "placebo", f"--{kind}", out)
    svg = peerstat.network_plot(
        FIXTURES / "senn2013.csv", kind, measure="MD", reference="placebo", name="fixtures/senn2013.csv"
    )
    assert svg == out.read_text()
    assert "placebo" in svg


@pytest.mark.parametrize("model", ["random", "common"])
def test_component_forest_equals_the_cli(cli, tmp_path, model):
    out = tmp_path / "cnma.svg"
    cli("network", "fixtures/cnma_toy.csv", "--components-sep", "+", "--inactive", "P", "--combination", "A+C",
        "--components-forest", out, "--forest-model", model)
    svg = peerstat.network_plot(
        FIXTURES / "cnma_toy.csv", "components", model=model, components_sep="+", inactive="P",
        combination="A+C", name="fixtures/cnma_toy.csv",
    )
    assert svg == out.read_text()
    with pytest.raises(peerstat.SettingError, match="component network"):
        peerstat.network_plot(FIXTURES / "cnma_toy.csv", "components")
    with pytest.raises(peerstat.SettingError, match="component network"):
        peerstat.network_plot(FIXTURES / "cnma_toy.csv", "graph", components_sep="+")


def test_simulate_equals_the_cli(cli, tmp_path):
    out = tmp_path / "sim.parquet"
    cli("simulate", "--analyses", "20", "--seed", "3", "-o", out)
    got = peerstat.simulate(20, seed=3)
    assert got.equals(pq.read_table(out))
    assert got.num_rows > 40
    effects, costs = peerstat.simulate(framework=True, trials=12, seed=2, kind="polars")
    assert isinstance(effects, pl.DataFrame) and effects.height > 12 and costs.height > 0
    with pytest.raises(peerstat.SettingError, match="analyses"):
        peerstat.simulate(0)


# --------------------------------------------------------------------------------------------
# reanalyse streaming a Parquet path


def _bulk_parquet(tmp_path, shuffle=False):
    table = pacsv.read_csv(FIXTURES / "bulk_sample.csv")
    if shuffle:
        idx = list(range(table.num_rows))
        idx = idx[::2] + idx[1::2]  # rows of a group no longer adjacent
        table = table.take(idx)
    path = tmp_path / ("shuffled.parquet" if shuffle else "bulk.parquet")
    pq.write_table(table, path, row_group_size=100)
    return path, table


@pytest.mark.parametrize("shuffle", [False, True])
def test_reanalyse_parquet_path_equals_in_memory(tmp_path, shuffle):
    path, table = _bulk_parquet(tmp_path, shuffle)
    streamed = peerstat.reanalyse(path, by="analysis_id", measure="SMD")
    assert peerstat._last_reanalyse["clustered"] is (not shuffle)
    assert peerstat._last_reanalyse["rows"] == table.num_rows == 1608
    in_memory = peerstat.reanalyse(table, by="analysis_id", measure="SMD")
    assert streamed.num_rows == in_memory.num_rows > 100
    assert streamed.equals(in_memory)


def test_reanalyse_parquet_path_equals_cli(cli, tmp_path):
    path, _ = _bulk_parquet(tmp_path)
    out = tmp_path / "cli.parquet"
    cli("reanalyse", path, "--group-by", "analysis_id", "--measure", "GEN", "--method", "DL", "-o", out, "-q")
    got = peerstat.reanalyse(path, by="analysis_id", measure="GEN", method="DL")
    assert got.equals(pq.read_table(out))


def test_reanalyse_parquet_multilevel_streams(tmp_path):
    path = tmp_path / "hier.parquet"
    table = pacsv.read_csv(FIXTURES / "hierdat.csv").sort_by("binge")
    pq.write_table(table, path)
    kw = dict(by="binge", measure="GEN", random="~ 1 | study/esid", vcalc={"cluster": "study", "obs": "esid", "rho": 0.6})
    streamed = peerstat.reanalyse(path, **kw)
    assert peerstat._last_reanalyse["clustered"] is True
    assert streamed.equals(peerstat.reanalyse(table, **kw))


# --------------------------------------------------------------------------------------------
# Categorical columns


def test_polars_categorical_labels_and_groups(fixtures):
    df = pl.read_csv(fixtures / "bcg.csv")
    cat = df.with_columns(pl.col("study").cast(pl.Categorical), pl.col("alloc").cast(pl.Categorical))
    assert cat.schema["study"] == pl.Categorical
    plain = peerstat.meta(df, measure="RR", by="alloc")
    got = peerstat.meta(cat, measure="RR", by="alloc")
    assert got.to_dict() == plain.to_dict()
    assert list(got.studies["study"]) == list(df["study"])
    enum = df.with_columns(pl.col("alloc").cast(pl.Enum(["random", "alternate", "systematic"])))
    assert peerstat.meta(enum, measure="RR", by="alloc").to_dict() == plain.to_dict()


def test_pandas_category_labels_and_groups(fixtures):
    df = pd.read_csv(fixtures / "bcg.csv")
    cat = df.astype({"study": "category", "alloc": "category"})
    assert peerstat.meta(cat, measure="RR", by="alloc").to_dict() == peerstat.meta(df, measure="RR", by="alloc").to_dict()
    eff = peerstat.effects(cat, "RR")
    assert list(eff["study"].astype(str)) == list(df["study"])


def test_categorical_group_keys_in_reanalyse(fixtures):
    df = pl.read_csv(fixtures / "bulk_sample.csv").with_columns(pl.col("analysis_id").cast(pl.String))
    cat = df.with_columns(pl.col("analysis_id").cast(pl.Categorical), pl.col("study_id").cast(pl.Categorical))
    a = peerstat.reanalyse(df, by="analysis_id", measure="SMD")
    b = peerstat.reanalyse(cat, by="analysis_id", measure="SMD")
    assert a.height == b.height > 100
    assert a.equals(b)
    pdf = cat.to_pandas()
    assert isinstance(pdf["analysis_id"].dtype, pd.CategoricalDtype)
    c = peerstat.reanalyse(pdf, by="analysis_id", measure="SMD")
    assert list(c["estimate"]) == list(a["estimate"])


def test_pandas_integer_categories_as_group_keys(fixtures, tmp_path):
    df = pd.read_csv(fixtures / "bulk_sample.csv")
    cat = df.astype({"analysis_id": "category", "study_id": "category"})
    assert pa.Table.from_pandas(cat).schema.field("analysis_id").type.value_type == pa.int64()
    plain = peerstat.reanalyse(df, by="analysis_id", measure="SMD")
    got = peerstat.reanalyse(cat, by="analysis_id", measure="SMD")
    assert list(got["analysis_id"]) == list(plain["analysis_id"])
    assert list(got["estimate"]) == list(plain["estimate"])
    # The same categories in a Parquet file (dictionary-encoded in its Arrow schema), streamed.
    path = tmp_path / "cat.parquet"
    cat.to_parquet(path)
    streamed = peerstat.reanalyse(path, by="analysis_id", measure="SMD")
    assert peerstat._last_reanalyse["clustered"] is True
    assert streamed.column("estimate").to_pylist() == list(plain["estimate"])
    assert streamed.column("analysis_id").to_pylist() == list(plain["analysis_id"])


def test_categorical_network_treatments(fixtures):
    df = pl.read_csv(fixtures / "senn2013.csv")
    cat = df.with_columns(pl.col(c).cast(pl.Categorical) for c in df.columns if df.schema[c] == pl.String)
    assert peerstat.network(cat, measure="MD").to_dict() == peerstat.network(df, measure="MD").to_dict()
