"""Plots (``forest``, ``bubble``, ``funnel``, ``network_plot``) and ``simulate``."""

from __future__ import annotations

import os
from typing import Any, Dict, Literal, Optional, Sequence, Tuple, Union

from . import _native
from ._types import Data, Measure, Method, Tau2Method, _Theme  # noqa: F401
from ._opts import _data_arg, _effect_opts
from ._other import _network_options
from ._tables import _arrow, _convert, _model, _names, _prepare

Path = Union[str, "os.PathLike[str]"]


def _out(path, theme, dpi):
    return dict(path=None if path is None else os.fspath(path), theme=str(theme), dpi=float(dpi))


def forest(
    data: Data,
    measure: Optional[Measure] = None,
    method: Tau2Method = "REML",
    knha: bool = False,
    level: float = 95,
    by: Optional[str] = None,
    *,
    path: Optional[Union[str, os.PathLike[str]]] = None,
    title: Optional[str] = None,
    xlab: Optional[str] = None,
    xlim: Optional[Sequence[float]] = None,
    at: Optional[Sequence[float]] = None,
    favours: Union[None, str, Sequence[str]] = None,
    better: Optional[Literal["lower", "higher"]] = None,
    sort: Optional[str] = None,
    ilab: Union[None, str, Sequence[str]] = None,
    arm_data: bool = True,
    transf: Literal["none", "exp"] = "none",
    digits: int = 2,
    subgroup_weights: bool = False,
    theme: _Theme = "light",
    dpi: float = 300,
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
) -> str:
    """The forest plot of ``peerstat meta --forest``: studies, the pooled diamond and the
    prediction interval (subgroup blocks with ``by``), with the layout options of the CLI's
    forest flags (``title``, ``xlab``, ``xlim=(lo, hi)``, ``at``, ``favours="peer
    support,usual care"`` or a pair, ``better`` lower/higher, ``sort`` data/estimate/weight or
    a column, ``ilab`` columns, ``arm_data``, ``transf`` none/exp, ``digits``,
    ``subgroup_weights``).

    Returns the SVG text (recoloured to ``theme``: light, dark or print). With ``path``, also
    writes it there as SVG, PNG (at ``dpi``) or PDF, by the extension."""
    obj, source, _ = _prepare(data, name)
    if favours is not None and not isinstance(favours, str):
        favours = ",".join(str(f) for f in favours)
    opts = dict(
        by=by,
        title=title,
        xlab=xlab,
        xlim=[float(x) for x in (xlim or [])],
        at=[float(x) for x in (at or [])],
        favours=favours,
        better=better,
        sort=sort,
        ilab=_names(ilab),
        arm_data=bool(arm_data),
        transf=str(transf),
        digits=int(digits),
        subgroup_weights=bool(subgroup_weights),
    )
    return _native.forest(
        _data_arg(obj, source, measure, _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        opts,
        _out(path, theme, dpi),
    )


def bubble(
    data: Data,
    mods: str,
    measure: Optional[Measure] = None,
    method: Tau2Method = "REML",
    knha: bool = False,
    level: float = 95,
    *,
    path: Optional[Union[str, os.PathLike[str]]] = None,
    theme: _Theme = "light",
    dpi: float = 300,
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
) -> str:
    """The bubble plot of ``peerstat meta --mods COL --bubble`` (metafor ``regplot``) for the
    meta-regression on the one column ``mods``: a numeric moderator as points sized by weight
    with the fitted line, its confidence band and prediction band; a categorical one as each
    level's estimate with its CI.

    Returns the SVG text (recoloured to ``theme``); with ``path``, also writes SVG, PNG or
    PDF there."""
    obj, source, _ = _prepare(data, name)
    names = _names(mods)
    if len(names) != 1:
        from ._native import SettingError

        raise SettingError("bubble draws one moderator: give exactly one column in mods")
    return _native.bubble(
        _data_arg(obj, source, measure, _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        names[0],
        _out(path, theme, dpi),
    )


def funnel(
    data: Data,
    measure: Optional[Measure] = None,
    method: Tau2Method = "REML",
    *,
    path: Optional[Union[str, os.PathLike[str]]] = None,
    funnel_y: Literal["se", "vi", "inv-se", "n"] = "se",
    funnel_ci: bool = False,
    title: Optional[str] = None,
    estimator: Literal["L0", "R0"] = "L0",
    side: Optional[Literal["left", "right"]] = None,
    theme: _Theme = "light",
    dpi: float = 300,
    knha: bool = False,
    level: float = 95,
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
) -> str:
    """The contour-enhanced funnel plot of ``peerstat bias --funnel``: p < .01, .01-.05,
    .05-.10 shaded, trim-and-fill's studies (``estimator``, ``side``) hollow and its adjusted
    estimate dashed. ``funnel_y``: se, vi, inv-se or n (arm sizes); ``funnel_ci`` draws the
    pseudo 95% confidence funnel.

    Returns the SVG text (recoloured to ``theme``); with ``path``, also writes SVG, PNG or
    PDF there."""
    obj, source, _ = _prepare(data, name)
    opts = dict(
        funnel_y=str(funnel_y),
        funnel_ci=bool(funnel_ci),
        title=title,
        estimator=str(estimator),
        side=side,
    )
    return _native.funnel(
        _data_arg(obj, source, measure, _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed), columns),
        _model(method, knha, level, pi, i2, max_iter, stepadj),
        opts,
        _out(path, theme, dpi),
    )


def network_plot(
    data: Data,
    kind: Literal["graph", "forest", "league", "components"] = "graph",
    measure: Optional[Measure] = None,
    method: Literal["DL", "REML"] = "DL",
    *,
    path: Optional[Union[str, os.PathLike[str]]] = None,
    model: Literal["random", "common"] = "random",
    study: str = "study",
    treatment: str = "treatment",
    reference: Optional[str] = None,
    small_values_good: bool = False,
    method_random_ci: Literal["classic", "t-dist", "HK", "HK-se"] = "classic",
    level: float = 95,
    components_sep: Optional[str] = None,
    components_from: Union[None, str, Sequence[str]] = None,
    inactive: Union[None, str, Sequence[str]] = None,
    interaction: Union[None, str, Sequence[str]] = None,
    combination: Union[None, str, Sequence[str]] = None,
    theme: _Theme = "light",
    dpi: float = 300,
    columns: Optional[Dict[str, str]] = None,
    vtype: Literal["LS", "UB"] = "LS",
    add: float = 0.5,
    to: Literal["only0", "all", "none", "if0all"] = "only0",
    drop00: bool = False,
    strict: bool = False,
    name: Optional[str] = None,
) -> str:
    """A plot of a network meta-analysis, as ``peerstat network`` draws them: ``kind="graph"``
    (treatments on a circle, node area by participants, edge width by studies), ``"forest"``
    (every treatment against the reference, sorted by P-score; ``model`` random or common) or
    ``"league"`` (the league table as a heat map) of the standard network, or
    ``"components"``: the component-effect forest plot of a component network meta-analysis
    (``components_sep`` or ``components_from``, with ``inactive``, ``interaction``,
    ``combination`` as in :func:`network`; ``model`` random or common).

    Returns the SVG text (recoloured to ``theme``); with ``path``, also writes SVG, PNG or
    PDF there."""
    obj, source, _ = _prepare(data, name)
    if model not in ("random", "common"):
        from ._native import SettingError

        raise SettingError(f"unknown network forest model '{model}': choose random or common")
    options = _network_options(
        study, treatment, reference, small_values_good, method, method_random_ci, level
    )
    options.update(
        components_sep=None if components_sep is None else str(components_sep),
        components_from=None if components_from is None else _names(components_from),
        inactive=_names(inactive),
        interaction=_names(interaction),
        combination=_names(combination),
    )
    effect = _effect_opts(vtype, add, to, drop00, strict, "ratio", None, "variance", False)
    return _native.network_plot(
        _data_arg(obj, source, measure, effect, columns), options, str(kind),
        model == "random", _out(path, theme, dpi),
    )


def simulate(
    analyses: int = 0,
    seed: int = 1,
    *,
    framework: bool = False,
    trials: int = 50,
    kind: Literal["pyarrow", "pandas", "polars"] = "pyarrow",
) -> Any:
    """Simulated data, as ``peerstat simulate``: the bulk benchmark workload of ``analyses``
    small SMD meta-analyses (columns analysis_id, study_id, yi, vi, n_t, mean_t, sd_t, n_c,
    mean_c, sd_c), or with ``framework=True`` the demonstration evidence base of ``trials``
    coded trials (SIMULATED, not real studies), returned as ``(effects, costs)``. The same seed
    gives the same data as the CLI. ``kind``: pyarrow, pandas or polars."""
    effects, costs = _native.simulate(int(analyses), int(seed), bool(framework), int(trials))
    out = _convert(_arrow(effects), kind)
    if framework:
        return out, _convert(_arrow(costs), kind)
    return out
