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

from typing import Any, Dict, Iterable, Literal, Optional, Sequence, Union


from . import _native
from ._types import Data, Measure, Method, Tau2Method, _Theme  # noqa: F401
from ._native import FileError, InputError, ModelError, PeerstatError, SettingError

__all__ = [
    "effects",
    "meta",
    "reanalyse",
    "bias",
    "influence",
    "cea",
    "business_case",
    "network",
    "evaluate",
    "map",
    "forest",
    "bubble",
    "funnel",
    "network_plot",
    "simulate",
    "Result",
    "MetaResult",
    "BiasResult",
    "InfluenceResult",
    "CeaResult",
    "BusinessCaseResult",
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

from ._tables import (  # noqa: E402
    PeerstatWarning,
    _arrow,
    _convert,
    _model,
    _names,
    _pandas_to_arrow,  # noqa: F401 (used by bench.py and the tests)
    _prepare,
    _warn,
)
from ._results import (  # noqa: E402
    BiasResult,
    CeaResult,
    Evaluation,
    EvidenceMap,
    InfluenceResult,
    MetaResult,
    NetworkResult,
    Result,
)
from ._other import cea, evaluate, map, network  # noqa: E402,A004
from ._business import BusinessCaseResult, business_case  # noqa: E402
from ._opts import _data_arg, _effect_opts, _held  # noqa: E402
from ._plots import bubble, forest, funnel, network_plot, simulate  # noqa: E402

# --------------------------------------------------------------------------------------------
# Functions


def effects(
    data: Data,
    measure: Optional[Measure] = None,
    *,
    columns: Optional[Dict[str, str]] = None,
    vtype: Literal["LS", "UB"] = "LS",
    add: float = 0.5,
    to: Literal["only0", "all", "none", "if0all"] = "only0",
    drop00: bool = False,
    strict: bool = False,
    ci_scale: Literal["ratio", "log"] = "ratio",
    icc: Optional[float] = None,
    cluster_adjust: Literal["variance", "n"] = "variance",
    omit_skewed: bool = False,
    name: Optional[str] = None,
) -> Any:
    """Effect sizes (metafor ``escalc``): the input table plus ``yi``, ``vi``, ``yi_source`` and ``vi_source`` (where each came from: ``arms``, ``2x2``, ``ci``, ``t``, ``median_iqr``, ...) and ``design_effect`` for cluster-adjusted rows.

    ``measure``: SMD, MD, ROM, SMDH, OR, RR, RD, AS, IRR, IRD, IRSD, SMCC, SMCR, SMCRH, COR,
    ZCOR, PR, PLO, PFT or GEN (the default when there is a ``yi`` column), or one of metafor's
    further escalc measures (PETO ... VRC, as ``peerstat meta --help``). Rows that cannot give
    an effect keep null ``yi``/``vi`` and raise a :class:`PeerstatWarning`.

    Conversions and clusters, as the CLI's ``--ci-scale``, ``--omit-skewed``,
    ``--cluster-adjust`` and ``--icc``: ``ci_scale`` is the scale of reported CI bounds (and
    their estimate) for OR/RR/ROM, ``"ratio"`` (logged) or ``"log"``; ``omit_skewed=True``
    omits arms whose median summary Shi's test finds skewed (default: flag them);
    ``cluster_adjust`` adjusts rows with a ``cluster_size`` by the design effect 1 + (m - 1) ICC
    on the variance (``"variance"``) or on the group sizes and events (``"n"``); ``icc`` is the
    ICC of such rows without an ``icc`` value.
    """
    obj, source, kind = _prepare(data, name)
    native, omitted, _ = _native.effects(
        obj, source, measure, _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns
    )
    _warn(source, omitted)
    return _convert(_arrow(native), kind)


def meta(
    data: Data,
    measure: Optional[Measure] = None,
    method: Method = "REML",
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
    robust_type: Literal["CR2", "CR1"] = "CR2",
    newmods: Optional[Iterable[float]] = None,
    blup: bool = False,
    contrast: Union[None, str, Sequence[str]] = None,
    random: Optional[str] = None,
    vcalc: Optional[Dict[str, Any]] = None,
    test: Optional[Literal["z", "t"]] = None,
    structure: Literal["CS", "HCS", "UN", "AR", "HAR", "DIAG", "ID"] = "CS",
    dfs: Optional[Literal["residual", "contain"]] = None,
    sigma2: Optional[Sequence[Optional[float]]] = None,
    tau2: Optional[Sequence[Optional[float]]] = None,
    struct_rho: Optional[Sequence[Optional[float]]] = None,
    lrt_drop: Optional[str] = None,
    rho_grid: Optional[Iterable[float]] = None,
    vcov_cols: Union[None, str, Sequence[str]] = None,
    profile_ci: bool = True,
    pi: Literal["metafor", "riley"] = "metafor",
    i2: Literal["typical", "q"] = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: Literal["LS", "UB"] = "LS",
    add: float = 0.5,
    to: Literal["only0", "all", "none", "if0all"] = "only0",
    drop00: bool = False,
    strict: bool = False,
    ci_scale: Literal["ratio", "log"] = "ratio",
    icc: Optional[float] = None,
    cluster_adjust: Literal["variance", "n"] = "variance",
    omit_skewed: bool = False,
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
    ``w2``, ``time2``) or from the columns ``vcov_cols`` (as metafor's dat.berkey1998: within
    each outer cluster, an effect's row holds its covariances with the cluster's 1st, 2nd ...
    effect) and CR2 inference by ``robust`` (the CHE model:
    ``random="~ 1 | study/esid", vcalc={"cluster": "study", "obs": "esid", "rho": 0.6},
    robust="study"``). A structured term's variances and correlations are held at values by
    ``tau2`` and ``struct_rho`` (None for one estimated); ``lrt_drop`` names a nested factor
    to test by a likelihood-ratio test against the model without it (key ``lrt``);
    ``rho_grid`` refits the model at each ρ of ``vcalc`` (key ``rho_grid``).

    ``blup=True`` adds each study's predicted true effect (key ``blup``, metafor ``blup()``) and
    random effect (key ``ranef``, metafor ``ranef()``); with ``random``, the random effect of
    every level of every nested term (``ranef``, one list per term, outermost first).
    ``contrast`` (one or a list, e.g. ``"allocrandom-allocsystematic"``) tests linear contrasts
    of the coefficients (key ``contrasts``, metafor ``anova(fit, X = ...)``).

    Effects converted from reported statistics follow ``ci_scale`` (ratio: CI bounds of
    OR/RR/ROM reported as ratios, logged; or log) and ``omit_skewed`` (omit arms whose
    median summary Shi's test finds skewed); cluster-randomised trials (rows with
    ``cluster_size``) are adjusted by ``cluster_adjust`` (variance: vi times the design effect;
    n: sizes and events divided by it) with ``icc`` for rows without an ``icc`` value.

    Returns a :class:`MetaResult`. Raises :class:`InputError`, :class:`SettingError`,
    :class:`ModelError` or :class:`FileError` with the CLI's messages.
    """
    obj, source, kind = _prepare(data, name)
    if random is not None:
        return _multilevel(
            obj, source, kind, measure, columns,
            _model(method, knha, level, pi, i2, max_iter, stepadj),
            _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed),
            dict(
                random=str(random),
                mods=_names(mods),
                test=test,
                structure=str(structure),
                dfs=dfs,
                sigma2=_held(sigma2),
                tau2=_held(tau2),
                struct_rho=_held(struct_rho),
                lrt_drop=None if lrt_drop is None else str(lrt_drop),
                rho_grid=[float(x) for x in (rho_grid or [])],
                vcov_cols=_names(vcov_cols),
                profile_ci=bool(profile_ci),
                newmods=[float(x) for x in (newmods or [])],
                robust=robust,
                robust_type=str(robust_type),
                blup=bool(blup),
                contrasts=_names(contrast),
            ),
            vcalc,
        )
    multilevel_only = dict(
        vcalc=vcalc, test=test, dfs=dfs, sigma2=sigma2, tau2=tau2, struct_rho=struct_rho,
        lrt_drop=lrt_drop, rho_grid=rho_grid, vcov_cols=vcov_cols,
    )
    given = [k for k, v in multilevel_only.items() if v is not None]
    if given:
        raise SettingError(f"{', '.join(given)}: options of a multilevel model; give random=")
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
        blup=bool(blup),
        contrasts=_names(contrast),
    )
    json_text, text, messages, omitted = _native.meta(
        _data_arg(obj, source, measure, _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        extra,
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
        _data_arg(obj, source, measure, effect, columns), model, extra, spec
    )
    _warn(source, omitted, messages)
    return MetaResult(json_text, text, kind, omitted, messages)


def reanalyse(
    data: Data,
    by: Union[str, Sequence[str]],
    measure: Measure,
    method: Tau2Method = "REML",
    knha: bool = False,
    level: float = 95,
    *,
    pi: Literal["metafor", "riley"] = "metafor",
    i2: Literal["typical", "q"] = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: Literal["LS", "UB"] = "LS",
    add: float = 0.5,
    to: Literal["only0", "all", "none", "if0all"] = "only0",
    drop00: bool = False,
    strict: bool = False,
    ci_scale: Literal["ratio", "log"] = "ratio",
    icc: Optional[float] = None,
    cluster_adjust: Literal["variance", "n"] = "variance",
    omit_skewed: bool = False,
    threads: Optional[int] = None,
    random: Optional[str] = None,
    vcalc: Optional[Dict[str, Any]] = None,
    sigma2: Optional[Sequence[Optional[float]]] = None,
    robust: Optional[str] = None,
    robust_type: Literal["CR2", "CR1"] = "CR2",
    name: Optional[str] = None,
) -> Any:
    """Bulk reanalysis as ``peerstat reanalyse``: one meta-analysis per group of ``by``, run in
    parallel with the GIL released. Returns one row per group (in order of first appearance):
    the key columns, then ``k``, ``estimate``, ``se``, ``ci_lower`` ... and ``error`` (why a
    group could not be analysed; the run never stops for one group).

    With ``random`` (``"~ 1 | study/esid"``), one multilevel fit per group as
    ``peerstat reanalyse --random`` (``vcalc`` as in :func:`meta`, ``sigma2`` holding components
    fixed, ``robust`` the cluster column of CR2/CR1 inference).

    A Parquet path is streamed in record batches, reading only the needed columns (memory
    bounded by a batch and a group when the file is sorted by ``by``; otherwise grouped in
    memory, as ``peerstat reanalyse`` does); other inputs are read whole. The conversion and
    cluster options are those of :func:`effects`."""
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
        _data_arg(obj, source, str(measure), _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns),
        _names(by),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        threads,
        multilevel,
        _vcalc_spec(vcalc),
    )
    global _last_reanalyse
    _last_reanalyse = dict(
        zip(("groups", "failed", "rows", "omitted_rows", "seconds", "clustered"), report)
    )
    return _convert(_arrow(native), kind)


#: What the last :func:`reanalyse` did: groups, failed groups, rows, omitted rows, the seconds
#: the library's run took (without reading an in-memory input and converting the output), and
#: whether the rows of each group were adjacent (a Parquet path is then streamed batch by batch).
_last_reanalyse: Dict[str, Any] = {}


def bias(
    data: Data,
    measure: Optional[Measure] = None,
    method: Tau2Method = "REML",
    knha: bool = False,
    level: float = 95,
    *,
    egger: Literal["rma", "classic"] = "rma",
    estimator: Literal["L0", "R0"] = "L0",
    side: Optional[Literal["left", "right"]] = None,
    orwin_target: Optional[float] = None,
    pet_peese: bool = False,
    pet_peese_alpha: float = 0.10,
    selmodel: Optional[Literal["stepfun", "beta", "halfnorm", "negexp", "logistic", "power"]] = None,
    steps: Optional[Sequence[float]] = None,
    alternative: Literal["greater", "less", "two-sided"] = "greater",
    delta: Optional[Sequence[float]] = None,
    pi: Literal["metafor", "riley"] = "metafor",
    i2: Literal["typical", "q"] = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: Literal["LS", "UB"] = "LS",
    add: float = 0.5,
    to: Literal["only0", "all", "none", "if0all"] = "only0",
    drop00: bool = False,
    strict: bool = False,
    ci_scale: Literal["ratio", "log"] = "ratio",
    icc: Optional[float] = None,
    cluster_adjust: Literal["variance", "n"] = "variance",
    omit_skewed: bool = False,
    name: Optional[str] = None,
) -> BiasResult:
    """Small-study effects and publication bias as ``peerstat bias``: Egger's regression
    (``egger``: rma as metafor ``regtest``, or classic), Begg's rank correlation, trim-and-fill
    (``estimator`` L0/R0, ``side`` left/right or chosen from the data) and the fail-safe N
    (Rosenthal, and Orwin's with ``orwin_target``). ``pet_peese=True`` adds PET, PEESE and
    PET-PEESE (PEESE when PET's intercept has two-sided p < ``pet_peese_alpha``); ``selmodel``
    adds a selection model as metafor ``selmodel()`` (``steps``, ``alternative``, fixed
    ``delta``); JSON keys ``pet``, ``peese``, ``pet_peese``, ``selmodel``."""
    obj, source, kind = _prepare(data, name)
    extra = dict(
        egger=str(egger),
        estimator=str(estimator),
        side=side,
        orwin_target=orwin_target,
        pet_peese_alpha=float(pet_peese_alpha) if pet_peese else None,
        selmodel=selmodel,
        steps=[float(s) for s in (steps or [])],
        alternative=str(alternative),
        delta=None if delta is None else [float(d) for d in delta],
    )
    json_text, text, omitted = _native.bias(
        _data_arg(obj, source, measure, _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        extra,
    )
    _warn(source, omitted)
    return BiasResult(json_text, text, kind, omitted, [])


def influence(
    data: Data,
    measure: Optional[Measure] = None,
    method: Tau2Method = "REML",
    knha: bool = False,
    level: float = 95,
    *,
    cumulative: bool = False,
    order: Optional[str] = None,
    pi: Literal["metafor", "riley"] = "metafor",
    i2: Literal["typical", "q"] = "typical",
    max_iter: int = 1000,
    stepadj: float = 1.0,
    columns: Optional[Dict[str, str]] = None,
    vtype: Literal["LS", "UB"] = "LS",
    add: float = 0.5,
    to: Literal["only0", "all", "none", "if0all"] = "only0",
    drop00: bool = False,
    strict: bool = False,
    ci_scale: Literal["ratio", "log"] = "ratio",
    icc: Optional[float] = None,
    cluster_adjust: Literal["variance", "n"] = "variance",
    omit_skewed: bool = False,
    name: Optional[str] = None,
) -> InfluenceResult:
    """Leave-one-out and influence diagnostics (metafor ``influence``/``leave1out``) as
    ``peerstat influence``, or with ``cumulative=True`` the cumulative meta-analysis in data
    order or ordered by the numeric column ``order``."""
    obj, source, kind = _prepare(data, name)
    json_text, text, omitted = _native.influence(
        _data_arg(obj, source, measure, _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        bool(cumulative),
        order,
    )
    _warn(source, omitted)
    return InfluenceResult(json_text, text, kind, omitted, [])
