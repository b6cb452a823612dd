"""Tables in and out: inputs as Arrow, results in the input's library, warnings, and the
option dictionaries the native layer reads."""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, List, Optional, Sequence, Union

import pyarrow as pa

from . import _native


class PeerstatWarning(UserWarning):
    """A row omitted from the effect sizes, or studies left out of an analysis."""


# --------------------------------------------------------------------------------------------
# Tables in and out


def _prepare(data: Any, name: Optional[str]):
    """``(object for the native layer, source name for messages, output kind)``."""
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        return path, name or path, "pyarrow"
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        import pandas as pd

        if isinstance(data, pd.Series):
            data = data.to_frame()
        source = name or "pandas DataFrame"
        return _pandas_input(data, source), source, "pandas"
    if module == "polars":
        import polars as pl

        if isinstance(data, pl.LazyFrame):
            data = data.collect()
        return data, name or "polars DataFrame", "polars"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), name or "pyarrow Table", "pyarrow"
    if isinstance(data, pa.Table):
        return data, name or "pyarrow Table", "pyarrow"
    if hasattr(data, "__arrow_c_stream__"):
        return data, name or type(data).__name__, "pyarrow"
    raise TypeError(
        "data must be a file path or a table with the Arrow PyCapsule interface "
        f"(pyarrow, polars, pandas, DuckDB), got {type(data).__name__}"
    )


def _pandas_input(df, source: str):
    """A pandas DataFrame for the native layer. Plain NumPy columns (numbers, booleans, strings)
    are read by the extension straight from their arrays (``_native.read_columns``, no pyarrow
    conversion: a few microseconds for the small tables of a meta-analysis); NaN and None are
    missing, as through pyarrow. Any other column (nullable, datetime, mixed objects) sends the
    whole frame through :func:`_pandas_to_arrow`, which reads it as before."""
    try:
        arrays = df._mgr.column_arrays
    except AttributeError:  # pandas internals without it: the pyarrow route
        arrays = None
    if arrays is not None:
        names = [c if type(c) is str else str(c) for c in df.columns]
        frame = _native.read_columns(source, names, arrays)
        if frame is not None:
            return frame
    return _pandas_to_arrow(df)


def _pandas_to_arrow(df) -> pa.Table:
    """A pandas DataFrame as an Arrow table (without its index). Plain NumPy columns (numbers,
    booleans, objects holding strings) go column by column, several times faster than
    ``pa.Table.from_pandas`` for the small tables of a meta-analysis; NaN and None are nulls
    either way. Other dtypes (nullable, categorical, datetime) go through ``from_pandas``."""
    import numpy as np

    arrays = []
    try:
        for _, s in df.items():
            dt = s.dtype
            if not (isinstance(dt, np.dtype) and dt.kind in "biufO"):
                raise TypeError("not a plain NumPy column")
            arrays.append(pa.array(s.to_numpy(), from_pandas=True))
        names = [str(c) for c in df.columns]
        if len(set(names)) != len(names):
            raise TypeError("duplicate column names")
        return pa.Table.from_arrays(arrays, names=names)
    except (TypeError, ValueError, pa.ArrowException):
        return pa.Table.from_pandas(df, preserve_index=False)


def _arrow(native) -> pa.Table:
    return pa.RecordBatchReader.from_stream(native).read_all()


def _convert(table: pa.Table, kind: str):
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    return table


def _from_records(records: Optional[List[Dict[str, Any]]], kind: str):
    if records is None:
        return None
    flat = [{k: v for k, v in r.items() if not isinstance(v, (dict, list))} for r in records]
    return _convert(pa.Table.from_pylist(flat), kind)


def _warn(source: str, omitted, messages=()):
    for row, study, reason in omitted:
        warnings.warn(
            f"{source}: row {row} (study '{study}') omitted: {reason}", PeerstatWarning, stacklevel=3
        )
    for m in messages:
        warnings.warn(m, PeerstatWarning, stacklevel=3)


def _model(method, knha, level, pi, i2, max_iter, stepadj) -> Dict[str, Any]:
    return dict(
        method=str(method),
        knha=bool(knha),
        level=float(level),
        pi=str(pi),
        i2=str(i2),
        max_iter=int(max_iter),
        stepadj=float(stepadj),
    )


def _effect(vtype, add, to, drop00, strict) -> Dict[str, Any]:
    return dict(vtype=str(vtype), add=float(add), to=str(to), drop00=bool(drop00), strict=bool(strict))


def _names(x: Union[None, str, Sequence[str]]) -> List[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return [str(v) for v in x]
