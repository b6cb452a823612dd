"""peerstat: metafor-exact meta-analysis from pandas, polars and pyarrow.

The statistics run in the peerstat Rust library (the same code as the ``peerstat`` command);
this package only moves tables in and results out.

``data`` is a file path (CSV, TSV or Parquet, read by the library) or any table that speaks the
Arrow PyCapsule interface: a pyarrow Table, a polars DataFrame, a pandas DataFrame (through
pyarrow), a DuckDB result. Tables come back in the library the input came from (pandas in,
pandas out; pyarrow for paths and other producers).

Columns use peerstat's canonical names (``study``, ``n_t``, ``mean_t``, ``sd_t``, ``events_t``,
``yi``, ``vi``...); ``columns={"n_t": "n1i"}`` reads ``n_t`` from the column ``n1i``, as the
CLI's ``--col n_t=n1i``.

Example::

    import pandas as pd, peerstat
    bcg = pd.read_csv("fixtures/bcg.csv")
    fit = peerstat.meta(bcg, measure="RR", method="REML")
    print(fit)                 # the CLI's table
    fit.estimate, fit.tau2     # every key of `peerstat meta --format json`
    fit.studies                # a pandas DataFrame
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import pyarrow as pa

from . import _native
from ._native import FileError, InputError, ModelError, PeerstatError, SettingError

__all__ = [
    "effects",
    "meta",
    "reanalyse",
    "bias",
    "influence",
    "cea",
    "network",
    "evaluate",
    "map",
    "Result",
    "MetaResult",
    "BiasResult",
    "InfluenceResult",
    "CeaResult",
    "NetworkResult",
    "Evaluation",
    "EvidenceMap",
    "PeerstatError",
    "InputError",
    "SettingError",
    "ModelError",
    "FileError",
    "PeerstatWarning",
    "__version__",
]

__version__ = _native.version()


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
        return _pandas_to_arrow(data), name or "pandas DataFrame", "pandas"
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


# --------------------------------------------------------------------------------------------
# Results


class Result:
    """A result: every key of the CLI's ``--format json`` as an attribute, ``to_dict()``,
    ``to_json()``, tables of its per-study lists, and the CLI's table as ``repr``/``str``."""

    __slots__ = ("_json", "_dict", "_text", "_kind", "omitted_rows", "messages")

    def __init__(self, json_text: str, text: str, kind: str, omitted, messages):
        self._json = json_text
        self._dict = json.loads(json_text)
        self._text = text
        self._kind = kind
        #: Rows omitted from the effect sizes: ``(row, study, reason)`` (also warned about).
        self.omitted_rows = list(omitted)
        #: Studies left out of a subgroup analysis, regression or RVE (also warned about).
        self.messages = list(messages)

    def __getattr__(self, name: str):
        try:
            return self._dict[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no key '{name}'") from None

    def __dir__(self):
        extra = {"to_dict", "to_json", "studies", "coefficients", "keys", "omitted_rows", "messages"}
        return sorted(set(self._dict) | extra)

    def keys(self) -> List[str]:
        """The JSON keys, in the CLI's order."""
        return list(self._dict)

    def __getitem__(self, key: str):
        return self._dict[key]

    def __contains__(self, key: str) -> bool:
        return key in self._dict

    def to_dict(self) -> Dict[str, Any]:
        """The result as ``peerstat meta --format json`` gives it (a fresh copy)."""
        return json.loads(self._json)

    def to_json(self) -> str:
        """The JSON text of ``peerstat meta --format json``."""
        return self._json

    @property
    def studies(self):
        """One row per study as a table of the input's library (``None`` when absent)."""
        return _from_records(self._dict.get("studies"), self._kind)

    def __repr__(self) -> str:
        return self._text

    __str__ = __repr__


class MetaResult(Result):
    """The result of :func:`meta`: every key of ``peerstat meta --format json`` as an attribute
    (``estimate``, ``se``, ``ci_lower``, ``tau2``, ``i2``, ``q``, ``subgroups``, ``options`` ...),
    ``studies`` and ``coefficients`` as tables, ``to_dict()``, ``to_json()``, and the CLI's table
    as ``repr``/``str``."""

    __slots__ = ()

    @property
    def coefficients(self):
        """Meta-regression coefficients as a table (``None`` without moderators)."""
        return _from_records(self._dict.get("coefficients"), self._kind)


class BiasResult(Result):
    """The result of :func:`bias`: ``egger``, ``begg``, ``trimfill``, ``fail_safe_n`` ... as
    ``peerstat bias --format json`` gives them."""

    __slots__ = ()


class CeaResult(Result):
    """The result of :func:`cea`, as ``peerstat cea --format json`` gives it."""

    __slots__ = ()


class NetworkResult(Result):
    """The result of :func:`network`, as ``peerstat network --format json`` gives it
    (``common``, ``random``, ``treatments``, ``heterogeneity`` ...)."""

    __slots__ = ()


class InfluenceResult(Result):
    """The result of :func:`influence`: ``studies`` (leave-one-out diagnostics) or
    ``cumulative`` (steps) as tables, as ``peerstat influence --format json`` gives them."""

    __slots__ = ()

    @property
    def cumulative(self):
        """The cumulative meta-analysis, one row per step (``None`` unless ``cumulative=True``)."""
        return _from_records(self._dict.get("cumulative"), self._kind)


# --------------------------------------------------------------------------------------------
# Functions


def effects(
    data,
    measure: Optional[str] = None,
    *,
    columns: Optional[Dict[str, str]] = None,
    vtype: str = "LS",
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = False,
    strict: bool = False,
    name: Optional[str] = None,
):
    """Effect sizes (metafor ``escalc``): the input table plus ``yi`` and ``vi``.

    ``measure``: SMD, MD, ROM, SMDH, OR, RR, RD, AS, IRR, IRD, IRSD, SMCC, SMCR, SMCRH, COR,
    ZCOR, PR, PLO, PFT or GEN (the default when there is a ``yi`` column). Rows that cannot give
    an effect keep null ``yi``/``vi`` and raise a :class:`PeerstatWarning`.
    """
    obj, source, kind = _prepare(data, name)
    native, omitted, _ = _native.effects(
        obj, source, measure, _effect(vtype, add, to, drop00, strict), columns
    )
    _warn(source, omitted)
    return _convert(_arrow(native), kind)


def meta(
    data,
    measure: Optional[str] = None,
    method: str = "REML",
    knha: bool = False,
    level: float = 95,
    by: Optional[str] = None,
    mods: Union[None, str, Sequence[str]] = None,
    *,
    common_tau2: bool = False,
    permutations: Optional[int] = None,
    seed: int = 1,
    cluster: Optional[str] = None,
    rho: float = 0.8,
    robust: Optional[str] = None,
    robust_type: str = "CR2",
    newmods: Optional[Iterable[float]] = None,
    random: Optional[str] = None,
    vcalc: Optional[Dict[str, Any]] = None,
    test: Optional[str] = None,
    structure: str = "CS",
    dfs: Optional[str] = None,
    sigma2: Optional[Sequence[Optional[float]]] = None,
    profile_ci: bool = True,
    pi: str = "metafor",
    i2: str = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: str = "LS",
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = False,
    strict: bool = False,
    name: Optional[str] = None,
) -> MetaResult:
    """Meta-analysis as ``peerstat meta`` (metafor ``rma``): a random-effects fit (``method``:
    REML, ML, DL, HE, HS, SJ, EB, PM, EE; or MH / PETO for 2x2 tables), with subgroups
    (``by``), a meta-regression (``mods``, with ``permutations`` and a prediction at
    ``newmods``), robust variance estimation (``cluster``, ``rho``) or cluster-robust
    inference on the fitted model (``robust``, ``robust_type`` CR2/CR1).

    With ``random`` (e.g. ``"~ 1 | study/esid"``, or a structured ``"~ outcome | study"`` with
    ``structure`` CS, HCS, UN, AR, HAR, DIAG, ID) a multilevel model as metafor ``rma.mv``
    (``method`` REML or ML; ``test`` z or t, ``knha=True`` meaning t; ``dfs`` residual or
    contain; ``sigma2`` holds components fixed, None for one estimated), with the sampling
    covariance from ``vcalc`` (a dict of metafor's arguments: ``cluster``, ``obs``, ``rho``,
    ``time``, ``phi``, ``type``, ``rho_type``, ``subgroup``, ``grp1``, ``grp2``, ``w1``,
    ``w2``, ``time2``) and CR2 inference by ``robust`` (the CHE model:
    ``random="~ 1 | study/esid", vcalc={"cluster": "study", "obs": "esid", "rho": 0.6},
    robust="study"``).

    Returns a :class:`MetaResult`. Raises :class:`InputError`, :class:`SettingError`,
    :class:`ModelError` or :class:`FileError` with the CLI's messages.
    """
    obj, source, kind = _prepare(data, name)
    if random is not None:
        return _multilevel(
            obj, source, kind, measure, columns,
            _model(method, knha, level, pi, i2, max_iter, stepadj),
            _effect(vtype, add, to, drop00, strict),
            dict(
                random=str(random),
                mods=_names(mods),
                test=test,
                structure=str(structure),
                dfs=dfs,
                sigma2=None if sigma2 is None else [None if x is None else float(x) for x in sigma2],
                profile_ci=bool(profile_ci),
                newmods=[float(x) for x in (newmods or [])],
                robust=robust,
                robust_type=str(robust_type),
            ),
            vcalc,
        )
    extra = dict(
        by=by,
        common_tau2=bool(common_tau2),
        mods=_names(mods),
        permutations=None if permutations is None else int(permutations),
        seed=int(seed),
        cluster=cluster,
        rho=float(rho),
        robust=robust,
        robust_type=str(robust_type),
        newmods=[float(x) for x in (newmods or [])],
    )
    json_text, text, messages, omitted = _native.meta(
        obj,
        source,
        measure,
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        _effect(vtype, add, to, drop00, strict),
        extra,
        columns,
    )
    _warn(source, omitted, messages)
    return MetaResult(json_text, text, kind, omitted, messages)


_VCALC_KEYS = ("cluster", "obs", "rho", "time", "phi", "type", "rho_type", "subgroup", "grp1",
               "grp2", "w1", "w2", "time2")


def _vcalc_spec(vcalc: Optional[Dict[str, Any]]):
    """``vcalc`` for the native layer, its keys checked."""
    if vcalc is None:
        return None
    unknown = sorted(set(vcalc) - set(_VCALC_KEYS))
    if unknown:
        raise SettingError(
            f"vcalc: unknown key(s) {', '.join(unknown)}; expected {', '.join(_VCALC_KEYS)}"
        )
    if "cluster" not in vcalc:
        raise SettingError("vcalc needs cluster (the column of the clusters, e.g. study)")
    spec = {("type_col" if k == "type" else k): vcalc.get(k) for k in _VCALC_KEYS}
    for k in ("rho", "phi", "rho_type"):
        if spec[k] is not None:
            spec[k] = float(spec[k])
    return spec


def _multilevel(obj, source, kind, measure, columns, model, effect, extra, vcalc) -> MetaResult:
    spec = _vcalc_spec(vcalc)
    json_text, text, messages, omitted = _native.multilevel(
        obj, source, measure, model, effect, extra, spec, columns
    )
    _warn(source, omitted, messages)
    return MetaResult(json_text, text, kind, omitted, messages)


def reanalyse(
    data,
    by: Union[str, Sequence[str]],
    measure: str,
    method: str = "REML",
    knha: bool = False,
    level: float = 95,
    *,
    pi: str = "metafor",
    i2: str = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: str = "LS",
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = False,
    strict: bool = False,
    threads: Optional[int] = None,
    random: Optional[str] = None,
    vcalc: Optional[Dict[str, Any]] = None,
    sigma2: Optional[Sequence[Optional[float]]] = None,
    robust: Optional[str] = None,
    robust_type: str = "CR2",
    name: Optional[str] = None,
):
    """Bulk reanalysis as ``peerstat reanalyse``: one meta-analysis per group of ``by``, run in
    parallel with the GIL released. Returns one row per group (in order of first appearance):
    the key columns, then ``k``, ``estimate``, ``se``, ``ci_lower`` ... and ``error`` (why a
    group could not be analysed; the run never stops for one group).

    With ``random`` (``"~ 1 | study/esid"``), one multilevel fit per group as
    ``peerstat reanalyse --random`` (``vcalc`` as in :func:`meta`, ``sigma2`` holding components
    fixed, ``robust`` the cluster column of CR2/CR1 inference)."""
    obj, source, kind = _prepare(data, name)
    multilevel = None
    if random is not None:
        multilevel = dict(
            random=str(random),
            sigma2=None if sigma2 is None else [None if x is None else float(x) for x in sigma2],
            robust=robust,
            robust_type=str(robust_type),
        )
    elif vcalc is not None or sigma2 is not None or robust is not None:
        raise SettingError("vcalc, sigma2 and robust belong to a multilevel model: give random=")
    native, report = _native.reanalyse(
        obj,
        source,
        _names(by),
        str(measure),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        _effect(vtype, add, to, drop00, strict),
        columns,
        threads,
        multilevel,
        _vcalc_spec(vcalc),
    )
    global _last_reanalyse
    _last_reanalyse = dict(zip(("groups", "failed", "rows", "omitted_rows", "seconds"), report))
    return _convert(_arrow(native), kind)


#: What the last :func:`reanalyse` did: groups, failed groups, rows, omitted rows, and the
#: seconds the library's run took (without reading the input and converting the output).
_last_reanalyse: Dict[str, Any] = {}


def bias(
    data,
    measure: Optional[str] = None,
    method: str = "REML",
    knha: bool = False,
    level: float = 95,
    *,
    egger: str = "rma",
    estimator: str = "L0",
    side: Optional[str] = None,
    orwin_target: Optional[float] = None,
    pi: str = "metafor",
    i2: str = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: str = "LS",
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = False,
    strict: bool = False,
    name: Optional[str] = None,
) -> BiasResult:
    """Small-study effects and publication bias as ``peerstat bias``: Egger's regression
    (``egger``: rma as metafor ``regtest``, or classic), Begg's rank correlation, trim-and-fill
    (``estimator`` L0/R0, ``side`` left/right or chosen from the data) and the fail-safe N
    (Rosenthal, and Orwin's with ``orwin_target``)."""
    obj, source, kind = _prepare(data, name)
    extra = dict(egger=str(egger), estimator=str(estimator), side=side, orwin_target=orwin_target)
    json_text, text, omitted = _native.bias(
        obj,
        source,
        measure,
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        _effect(vtype, add, to, drop00, strict),
        extra,
        columns,
    )
    _warn(source, omitted)
    return BiasResult(json_text, text, kind, omitted, [])


def influence(
    data,
    measure: Optional[str] = None,
    method: str = "REML",
    knha: bool = False,
    level: float = 95,
    *,
    cumulative: bool = False,
    order: Optional[str] = None,
    pi: str = "metafor",
    i2: str = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: str = "LS",
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = False,
    strict: bool = False,
    name: Optional[str] = None,
) -> InfluenceResult:
    """Leave-one-out and influence diagnostics (metafor ``influence``/``leave1out``) as
    ``peerstat influence``, or with ``cumulative=True`` the cumulative meta-analysis in data
    order or ordered by the numeric column ``order``."""
    obj, source, kind = _prepare(data, name)
    json_text, text, omitted = _native.influence(
        obj,
        source,
        measure,
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        _effect(vtype, add, to, drop00, strict),
        bool(cumulative),
        order,
        columns,
    )
    _warn(source, omitted)
    return InfluenceResult(json_text, text, kind, omitted, [])


def _csv(values) -> Optional[str]:
    if values is None:
        return None
    if isinstance(values, str):
        return values
    return ",".join(repr(float(v)) if not isinstance(v, str) else v for v in values)


def cea(
    data,
    *,
    shape: Optional[str] = None,
    wtp: Union[None, str, Sequence[float]] = None,
    wtp_grid: Optional[str] = None,
    reference: Optional[str] = None,
    treatment: Optional[str] = None,
    control: Optional[str] = None,
    boot: int = 0,
    seed: int = 1,
    cost_covariates: Union[None, str, Sequence[str]] = None,
    effect_covariates: Union[None, str, Sequence[str]] = None,
    discount_cost: float = 0.0,
    discount_effect: float = 0.0,
    timing: str = "start",
    level: float = 95,
    columns: Optional[Dict[str, str]] = None,
    name: Optional[str] = None,
) -> CeaResult:
    """Cost-effectiveness analysis as ``peerstat cea``: strategies (frontier, ICERs, NMB),
    probabilistic draws (CEACs), patient-level trial data (Fieller, bootstrap, SUR with
    covariates, discounting) or arms. ``wtp``: values (default 20000, 30000) or ``wtp_grid``
    ``"from:to:step"``."""
    obj, source, _kind = _prepare(data, name)
    options = dict(
        shape=shape,
        wtp=_csv(wtp),
        wtp_grid=wtp_grid,
        reference=reference,
        treatment=treatment,
        control=control,
        boot=int(boot),
        seed=int(seed),
        cost_covariates=_names(cost_covariates),
        effect_covariates=_names(effect_covariates),
        discount_cost=float(discount_cost),
        discount_effect=float(discount_effect),
        timing=str(timing),
        level=float(level),
    )
    json_text, text = _native.cea(obj, source, options, columns)
    return CeaResult(json_text, text, _kind, [], [])


def network(
    data,
    measure: Optional[str] = None,
    method: str = "DL",
    *,
    study: str = "study",
    treatment: str = "treatment",
    reference: Optional[str] = None,
    small_values_good: bool = False,
    random_ci: str = "classic",
    level: float = 95,
    columns: Optional[Dict[str, str]] = None,
    vtype: str = "LS",
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = False,
    strict: bool = False,
    name: Optional[str] = None,
) -> NetworkResult:
    """Network meta-analysis as ``peerstat network`` (netmeta conventions; ``method`` DL or
    REML): from one row per arm (``study``, ``treatment`` and the measure's arm columns) or one
    row per contrast (``treat1``, ``treat2``, ``yi``, ``vi``/``sei``). Component models are
    available from the CLI."""
    obj, source, kind = _prepare(data, name)
    options = dict(
        study=str(study),
        treatment=str(treatment),
        reference=reference,
        small_values_good=bool(small_values_good),
        method=str(method),
        random_ci=str(random_ci),
        level=float(level),
    )
    json_text, text = _native.network(
        obj, source, measure, options, _effect(vtype, add, to, drop00, strict), columns
    )
    return NetworkResult(json_text, text, kind, [], [])


class Evaluation(Result):
    """The result of :func:`evaluate`: the report's ``results.json`` (``domains``,
    ``summary_of_findings``, ``rows_not_used`` ...); the report itself is in ``out_dir``."""

    __slots__ = ()


class EvidenceMap(Result):
    """The result of :func:`map`: the evidence-and-gap map's data (``studies``, ``cells`` ...)
    as ``peerstat map --format json`` gives them."""

    __slots__ = ()


def _companion_costs(data, costs):
    """The economic companion: ``costs`` when given, else NAME_costs.EXT beside a file input."""
    if costs is not None:
        return costs if not isinstance(costs, (str, os.PathLike)) else os.fspath(costs)
    if isinstance(data, (str, os.PathLike)):
        root, ext = os.path.splitext(os.fspath(data))
        companion = f"{root}_costs{ext}"
        if os.path.exists(companion):
            return companion
    return None


def _costs_obj(costs):
    if costs is None or isinstance(costs, str):
        return costs
    return _prepare(costs, "costs")[0]


def evaluate(
    data,
    out_dir: Union[str, os.PathLike] = "report",
    *,
    costs=None,
    codebook: Optional[Union[str, os.PathLike]] = None,
    options: Optional[Union[str, os.PathLike]] = None,
    level: float = 95,
    assume_higher_is_better: bool = False,
    rho: float = 0.6,
    columns: Optional[Dict[str, str]] = None,
    name: Optional[str] = None,
) -> Evaluation:
    """The evaluation report of a coded evidence base, as ``peerstat evaluate``: pooled effects
    per outcome domain (CHE + CR2 where studies contribute several effects), subgroups,
    sensitivity, bias checks, certainty, economics (``costs``, or NAME_costs.EXT beside a file
    input) and the evidence-and-gap map, written to ``out_dir`` (index.html, results.json,
    egm.html, plots). ``out_dir`` is replaced as a whole: a folder holding other files is
    refused. Returns ``results.json`` as an :class:`Evaluation`."""
    costs = _companion_costs(data, costs)
    obj, source, kind = _prepare(data, name)
    opts = dict(
        codebook=None if codebook is None else os.fspath(codebook),
        options=None if options is None else os.fspath(options),
        level=float(level),
        assume_higher_is_better=bool(assume_higher_is_better),
        rho=float(rho),
    )
    json_text, n = _native.evaluate(obj, source, os.fspath(out_dir), opts, _costs_obj(costs), columns)
    text = f"peerstat evaluation of {source}: wrote {os.fspath(out_dir)} ({n} files: index.html, results.json, egm.html, plots)"
    return Evaluation(json_text, text, kind, [], [])


def map(
    data,
    rows: str = "activity",
    cols: str = "outcome_domain",
    segment: Optional[str] = None,
    *,
    html: Optional[Union[str, os.PathLike]] = None,
    costs=None,
    codebook: Optional[Union[str, os.PathLike]] = None,
    rho: float = 0.6,
    columns: Optional[Dict[str, str]] = None,
    name: Optional[str] = None,
) -> EvidenceMap:
    """The evidence-and-gap map as ``peerstat map``: its data (the JSON of ``--format json``),
    and with ``html`` the interactive map page written there."""
    costs = _companion_costs(data, costs)
    obj, source, kind = _prepare(data, name)
    opts = dict(
        rows=str(rows),
        cols=str(cols),
        segment=segment,
        codebook=None if codebook is None else os.fspath(codebook),
        rho=float(rho),
        html=None if html is None else os.fspath(html),
    )
    json_text = _native.map(obj, source, opts, _costs_obj(costs), columns)
    d = json.loads(json_text)
    text = f"evidence-and-gap map of {source}: {rows} x {cols}, {len(d.get('studies', []))} studies, {len(d.get('cells', []))} cells"
    return EvidenceMap(json_text, text, kind, [], [])
