"""pandas, polars, pyarrow and file paths give identical results, returned in the input's library."""

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import peerstat


@pytest.fixture(scope="module")
def inputs(fixtures):
    path = fixtures / "bcg.csv"
    return {
        "path": str(path),
        "pathlib": path,
        "parquet": fixtures / "bcg.parquet",
        "pandas": pd.read_csv(path),
        "polars": pl.read_csv(path),
        "pyarrow": pacsv.read_csv(path),
        "batch": pacsv.read_csv(path).to_batches()[0],
        "lazy": pl.scan_csv(path),
    }


def test_meta_is_identical_for_every_input(inputs):
    results = {k: peerstat.meta(v, measure="RR", by="alloc").to_dict() for k, v in inputs.items()}
    assert len(results) == 8
    first = results["path"]
    assert first["estimate"] == pytest.approx(-0.7145323421581392, rel=1e-12)
    for name, r in results.items():
        assert r == first, name


def test_effects_come_back_in_the_input_library(inputs):
    assert isinstance(peerstat.effects(inputs["pandas"], "RR"), pd.DataFrame)
    assert isinstance(peerstat.effects(inputs["polars"], "RR"), pl.DataFrame)
    assert isinstance(peerstat.effects(inputs["pyarrow"], "RR"), pa.Table)
    assert isinstance(peerstat.effects(inputs["path"], "RR"), pa.Table)
    yi = [list(peerstat.effects(inputs[k], "RR")["yi"]) for k in ("pandas", "polars")]
    yi.append(peerstat.effects(inputs["path"], "RR").column("yi").to_pylist())
    assert yi[0] == yi[1] == yi[2]
    assert len(yi[0]) == 13


def test_studies_table_follows_the_input(inputs):
    fit = peerstat.meta(inputs["pandas"], measure="RR")
    assert isinstance(fit.studies, pd.DataFrame)
    assert list(fit.studies["study"])[:2] == ["Aronson 1948", "Ferguson & Simes 1949"]
    assert isinstance(peerstat.meta(inputs["polars"], measure="RR").studies, pl.DataFrame)


def test_column_renames(inputs):
    renamed = inputs["pandas"].rename(columns={"n_t": "n1i", "events_t": "ai"})
    got = peerstat.meta(renamed, measure="RR", columns={"n_t": "n1i", "events_t": "ai"})
    assert got.to_dict() == peerstat.meta(inputs["pandas"], measure="RR").to_dict()


def test_pandas_nullable_and_categorical_columns(inputs):
    df = inputs["pandas"].copy()
    df["alloc"] = df["alloc"].astype("string")
    df["n_t"] = df["n_t"].astype("Int64")
    got = peerstat.meta(df, measure="RR", by="alloc").to_dict()
    assert got == peerstat.meta(inputs["path"], measure="RR", by="alloc").to_dict()


def test_missing_values_are_omitted_with_a_warning(inputs):
    df = inputs["polars"].with_columns(
        pl.when(pl.col("trial") == 2).then(None).otherwise(pl.col("n_t")).alias("n_t")
    )
    with pytest.warns(peerstat.PeerstatWarning, match=r"row 2 \(study 'Ferguson & Simes 1949'\) omitted"):
        fit = peerstat.meta(df, measure="RR")
    assert fit.k == 12
    assert fit.omitted_rows[0][0] == 2


def test_pandas_fast_path_matches_from_pandas(inputs):
    import pyarrow as pa
    from peerstat import _pandas_to_arrow

    df = inputs["pandas"].copy()
    df.loc[3, "n_t"] = float("nan")  # n_t becomes float with a NaN: a missing value
    df.loc[5, "alloc"] = None
    fast = _pandas_to_arrow(df)
    slow = pa.Table.from_pandas(df, preserve_index=False)
    assert fast.equals(slow)
    assert fast.column("n_t").null_count == 1 and fast.column("alloc").null_count == 1
    # Mixed objects fall back to from_pandas (which refuses them as pyarrow does).
    mixed = df.assign(alloc=[1, "a"] + [None] * (len(df) - 2))
    with pytest.raises(pa.ArrowException):
        _pandas_to_arrow(mixed)
    with pytest.warns(peerstat.PeerstatWarning, match=r"row 4 \(study 'Hart & Sutherland 1977'\) omitted"):
        assert peerstat.meta(df, measure="RR").k == 12
