"""The fast paths give what the slow ones gave: pandas columns read straight from NumPy equal
the pyarrow conversion, and results held in the extension give the keys `json.loads` of their
JSON text gives (float for float, in the same order)."""

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import peerstat
from peerstat import _native
from peerstat._tables import _arrow, _effect, _pandas_input, _pandas_to_arrow


def _frame():
    n = 6
    return pd.DataFrame(
        {
            "study": pd.Series(["a", "b", None, "d", "e", "f"], dtype=object),
            "yi": [0.1, 0.4, -0.2, np.nan, 0.3, 0.25],
            "vi": np.array([0.02, 0.05, 0.03, 0.04, 0.01, 0.06], dtype=np.float32),
            "n_i64": np.arange(n, dtype=np.int64) * 10,
            "n_i32": np.arange(n, dtype=np.int32),
            "n_u8": np.arange(n, dtype=np.uint8),
            "flag": [True, False, True, True, False, False],
            "label": pd.Categorical(["x", "y", "x", None, "y", "x"]),
            "text": pd.array(["p", None, "q", "r", "s", "t"], dtype="str"),
            "allnone": pd.Series([None] * n, dtype=object),
            7: [1.5] * n,  # a non-text column name
        }
    )


def test_numpy_columns_read_as_through_pyarrow():
    df = _frame()
    fast = _pandas_input(df, "pandas DataFrame")
    assert isinstance(fast, _native.Frame)
    slow = _pandas_to_arrow(df)
    # The effect sizes carry every input column back out: both readings give the same table.
    effect = _effect("LS", 0.5, "only0", False, False)
    a, om_a, _ = _native.effects(fast, "pandas DataFrame", "GEN", effect)
    b, om_b, _ = _native.effects(slow, "pandas DataFrame", "GEN", effect)
    a, b = _arrow(a), _arrow(b)
    with pytest.raises(ValueError, match="already read"):  # a frame is moved out when read
        _native.effects(fast, "pandas DataFrame", "GEN", effect)
    assert a.equals(b) and om_a == om_b and len(om_a) == 1
    assert a.column("yi").null_count == 1 and a.column("study").null_count == 1
    assert a.num_columns == len(df.columns) + 2  # yi_source, vi_source
    # And the analyses agree.
    with pytest.warns(peerstat.PeerstatWarning):
        r1 = peerstat.meta(df, measure="GEN").to_dict()
    with pytest.warns(peerstat.PeerstatWarning):
        r2 = peerstat.meta(slow, measure="GEN").to_dict()
    assert r1 == r2 and r1["k"] == 5


@pytest.mark.parametrize(
    "column",
    [
        pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),  # nullable
        pd.Series([1, "a", None, 2, 3, 4], dtype=object),  # mixed objects
        pd.date_range("2020-01-01", periods=6),  # datetime
        np.array([2**63 + 1] * 6, dtype=np.uint64),  # above i64::MAX
    ],
    ids=["nullable", "mixed", "datetime", "uint64"],
)
def test_other_columns_go_through_pyarrow(column):
    df = _frame().assign(other=column)
    arrays = df._mgr.column_arrays
    names = [str(c) for c in df.columns]
    assert _native.read_columns("x", names, arrays) is None
    assert isinstance(_native.read_columns("x", names[:-1], arrays[:-1]), _native.Frame)


def test_repeated_names_and_empty_frames_go_through_pyarrow():
    df = pd.DataFrame(np.ones((3, 2)), columns=["yi", "yi"])
    assert _native.read_columns("x", ["yi", "yi"], df._mgr.column_arrays) is None
    empty = pd.DataFrame({"yi": np.array([], dtype=float), "vi": np.array([], dtype=float)})
    assert _native.read_columns("x", ["yi", "vi"], empty._mgr.column_arrays) is None
    with pytest.raises(peerstat.PeerstatError):
        peerstat.meta(empty, measure="GEN")


def test_strided_columns():
    # A frame over a C-ordered 2-D array without a copy: each column is a strided view.
    base = np.array([[0.1, 0.02], [0.3, 0.04], [0.2, 0.03], [0.5, 0.05]])
    df = pd.DataFrame(base, columns=["yi", "vi"], copy=False)
    assert [a.__array_interface__["strides"] for a in df._mgr.column_arrays] == [(16,), (16,)]
    got = peerstat.meta(df, measure="GEN").to_dict()
    want = peerstat.meta(pa.table({"yi": base[:, 0], "vi": base[:, 1]}), measure="GEN").to_dict()
    assert got == want and got["k"] == 4


def _same(a, b):
    """Equal, and dict keys in the same order, at every level."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


CASES = [
    ("bcg.csv", dict(measure="RR")),
    ("bcg.csv", dict(measure="RR", by="alloc")),
    ("bcg.csv", dict(measure="RR", mods=["ablat", "year"], newmods=[40, 1950])),
    ("bcg.csv", dict(measure="RR", robust="alloc")),
    ("bcg.csv", dict(measure="RR", method="MH")),
    ("bcg.csv", dict(measure="OR", method="PETO")),
    ("hierdat.csv", dict(measure="GEN", cluster="study", rho=0.6)),
]


@pytest.mark.parametrize("fixture,kwargs", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_held_results_equal_their_json(fixtures, fixture, kwargs):
    fit = peerstat.meta(fixtures / fixture, **kwargs)
    from_json = json.loads(fit.to_json())
    assert _same(fit.to_dict(), from_json)
    assert _same(fit.to_dict(), fit.to_dict()) and fit.to_dict() is not fit.to_dict()
    assert fit.keys() == list(from_json)
    assert "estimate" in repr(fit) or "Mantel" in repr(fit) or "Peto" in repr(fit)


def test_held_results_count():
    assert len(CASES) == 7


def test_non_finite_values_are_none_as_in_json():
    # One study: no confidence interval for tau^2 or I^2 (NaN in Rust, null in the JSON).
    fit = peerstat.meta(pa.table({"yi": [0.2], "vi": [0.01]}), measure="GEN", method="DL")
    d = fit.to_dict()
    assert _same(d, json.loads(fit.to_json()))
    nulls = [k for k, v in d.items() if v is None]
    assert nulls == ["tau2_ci_lower", "tau2_ci_upper", "i2_ci_lower", "i2_ci_upper"]
    assert fit.tau2_ci_lower is None


def test_held_results_pickle_and_copy(fixtures):
    import copy
    import pickle

    fit = peerstat.meta(fixtures / "bcg.csv", measure="RR")
    for other in (pickle.loads(pickle.dumps(fit)), copy.deepcopy(fit), copy.copy(fit)):
        assert type(other) is type(fit)
        assert other.to_dict() == fit.to_dict() and repr(other) == repr(fit)
        assert other.to_json() == fit.to_json() and other.estimate == fit.estimate
