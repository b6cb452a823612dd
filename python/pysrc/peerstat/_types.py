"""The types of the public signatures: what counts as data, and the named choices. The package is
typed inline (``py.typed``): these aliases and the annotations of the functions are the one
source of the signatures."""

from __future__ import annotations

import os
from typing import Any, Literal, Protocol, Union


class _ArrowStream(Protocol):
    def __arrow_c_stream__(self, requested_schema: Any = ...) -> Any: ...


#: A file path (CSV, TSV, Parquet) or a table with the Arrow PyCapsule interface (pyarrow, polars,
#: pandas, DuckDB). Results come back as pandas for pandas input, polars for polars input and
#: pyarrow otherwise.
Data = Union[str, "os.PathLike[str]", _ArrowStream, Any]
#: An effect measure (``peerstat meta --measure``).
Measure = Literal[
    "SMD", "MD", "ROM", "SMDH", "OR", "RR", "RD", "AS", "IRR", "IRD", "IRSD",
    "SMCC", "SMCR", "SMCRH", "COR", "ZCOR", "PR", "PLO", "PFT", "GEN",
    "PETO", "PHI", "YUQ", "YUY", "PBIT", "OR2DN", "OR2DL", "SMD1", "SMD1H", "CVR", "VR",
    "RPB", "RBIS", "D2ORN", "D2ORL", "UCOR", "PLN", "PAS", "IR", "IRLN", "IRS", "IRFT",
    "MN", "MNLN", "CVLN", "SDLN", "SMN", "MC", "ROMC", "CVRC", "VRC",
]
#: A tau^2 estimator, or a common-effect method for 2x2 tables (``--method``).
Method = Literal["REML", "ML", "DL", "HE", "HS", "SJ", "EB", "PM", "EE", "FE", "CE", "MH", "PETO"]
#: A tau^2 estimator.
Tau2Method = Literal["REML", "ML", "DL", "HE", "HS", "SJ", "EB", "PM", "EE", "FE", "CE"]
#: The colour theme of a plot.
_Theme = Literal["light", "dark", "print"]
