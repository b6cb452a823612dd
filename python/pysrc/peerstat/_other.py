"""``cea``, ``network``, ``evaluate`` and ``map``."""

from __future__ import annotations

import json
import os
from typing import Dict, Literal, Optional, Sequence, Union


from . import _native
from ._native import SettingError
from ._types import Data, Measure, Method, Tau2Method, _Theme  # noqa: F401
from ._results import CeaResult, Evaluation, EvidenceMap, NetworkResult
from ._opts import _effect_opts
from ._tables import _names, _prepare

def _csv(values) -> Optional[str]:
    if values is None:
        return None
    if isinstance(values, str):
        return values
    return ",".join(repr(float(v)) if not isinstance(v, str) else v for v in values)


def _plot_out(path, theme, dpi):
    if path is None:
        return None
    return dict(path=os.fspath(path), theme=str(theme), dpi=float(dpi))


def cea(
    data: Data,
    *,
    shape: Optional[Literal["strategies", "draws", "psa", "patients", "ipd", "arms"]] = None,
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
    timing: Literal["start", "end", "continuous"] = "start",
    level: float = 95,
    plane: Optional[Union[str, os.PathLike[str]]] = None,
    ceac: Optional[Union[str, os.PathLike[str]]] = None,
    title: Optional[str] = None,
    theme: Literal["light", "dark", "print"] = "light",
    dpi: float = 300,
    columns: Optional[Dict[str, str]] = None,
    name: Optional[str] = None,
    params: Optional[Data] = None,
    evppi: Union[None, str, Sequence[Union[str, Sequence[str]]]] = None,
    evppi_method: Literal["gam", "so", "sal"] = "gam",
    evppi_se: int = 0,
    blocks: Optional[int] = None,
    evsi: Union[None, str, Sequence[str]] = None,
    evsi_n: Union[int, Sequence[int]] = 100,
    evsi_method: Literal["regression", "moment-matching"] = "regression",
    evsi_sd: float = 1.0,
    evsi_points: int = 50,
    population: Optional[float] = None,
    horizon: int = 1,
    discount: float = 0.0,
    study_cost: Optional[str] = None,
) -> CeaResult:
    """Cost-effectiveness analysis as ``peerstat cea``: strategies (frontier, ICERs, NMB),
    probabilistic draws (CEACs), patient-level trial data (Fieller, bootstrap, SUR with
    covariates, discounting) or arms. ``wtp``: values (default 20000, 30000) or ``wtp_grid``
    ``"from:to:step"``.

    ``plane`` and ``ceac`` write the plots of ``peerstat cea --plane/--ceac`` (SVG, PNG or PDF
    by the extension; ``title``, ``theme``, ``dpi`` as the CLI's flags): the
    cost-effectiveness plane with the WTP lines, and the acceptability curves (without ``wtp``
    or ``wtp_grid`` they run from 0 to 3 x the largest ICER).

    Value of information on PSA draws, as ``peerstat cea --params --evppi …``: ``params`` (a
    path or table: ``draw`` plus one column per parameter), ``evppi`` (a parameter name, a
    comma-separated group, or a list of them: one EVPPI each) by ``evppi_method`` (gam, so with
    ``blocks``, sal; ``evppi_se`` draws for the GAM's standard error), ``evsi``
    (``"DESIGN:PARAM[,PARAM]"``, designs binary, trial-binary, normal-known) at ``evsi_n`` by
    ``evsi_method``, and population values (``population`` per year over ``horizon`` years at
    ``discount``; ENBS with ``study_cost`` ``"FIXED,PER_PERSON"``). The numbers equal the
    CLI's."""
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
        plane=_plot_out(plane, theme, dpi),
        ceac=_plot_out(ceac, theme, dpi),
        title=title,
    )
    groups = [evppi] if isinstance(evppi, str) else list(evppi or [])
    voi = dict(
        evppi=[[p.strip() for p in (g.split(",") if isinstance(g, str) else g)] for g in groups],
        evppi_method=str(evppi_method),
        evppi_se=int(evppi_se),
        blocks=None if blocks is None else int(blocks),
        evsi=_names(evsi),
        evsi_n=[int(evsi_n)] if isinstance(evsi_n, int) else [int(n) for n in evsi_n],
        evsi_method=str(evsi_method),
        evsi_sd=float(evsi_sd),
        evsi_points=int(evsi_points),
        population=None if population is None else float(population),
        horizon=int(horizon),
        discount=float(discount),
        study_cost=study_cost,
        seed=int(seed),
    )
    options["voi"] = voi
    param_arg = None
    if params is not None:
        p_obj, p_source, _p_kind = _prepare(params, None)
        param_arg = (p_obj, p_source)
    elif groups or evsi:
        raise SettingError("evppi and evsi need params (the parameters of each draw)")
    json_text, text = _native.cea(obj, source, options, columns, param_arg)
    return CeaResult(json_text, text, _kind, [], [])


def network(
    data: Data,
    measure: Optional[Measure] = None,
    method: Literal["DL", "REML"] = "DL",
    *,
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
    random_ci: Optional[Literal["classic", "t-dist", "HK", "HK-se"]] = None,
    name: Optional[str] = None,
) -> NetworkResult:
    """Network meta-analysis as ``peerstat network`` (netmeta conventions; ``method`` DL or
    REML): from one row per arm (``study``, ``treatment`` and the measure's arm columns) or one
    row per contrast (``treat1``, ``treat2``, ``yi``, ``vi``/``sei``). ``method_random_ci``:
    classic, t-dist, HK or HK-se (netmeta's method.random.ci; ``random_ci`` is an older name).

    Component network meta-analysis (netmeta's netcomb, additive model) with
    ``components_sep`` (treatments named by their components, e.g. ``"+"`` for
    ``"CBT + SSRI"``) or ``components_from`` (arm-level columns, one per component, true/1/yes
    when present): ``inactive`` treatments have no components (placebo, usual care),
    ``interaction`` terms (``"A*B"``) add a column to the component matrix, ``combination``
    (``"A+C"``) estimates the sum of components. The result then has the keys of
    ``peerstat network --components-sep ... --format json`` (``components_common``,
    ``components_random``, ``q_additive``, ``q_diff`` ...)."""
    obj, source, kind = _prepare(data, name)
    options = _network_options(
        study, treatment, reference, small_values_good, method,
        method_random_ci if random_ci is None else random_ci, level,
    )
    options.update(
        components_sep=None if components_sep is None else str(components_sep),
        components_from=None if components_from is None else _names(components_from),
        inactive=_names(inactive),
        interaction=_names(interaction),
        combination=_names(combination),
    )
    effect = _effect_opts(vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed)
    json_text, text = _native.network(obj, source, measure, options, effect, columns)
    return NetworkResult(json_text, text, kind, [], [])


def _network_options(study, treatment, reference, small_values_good, method, random_ci, level):
    return dict(
        study=str(study),
        treatment=str(treatment),
        reference=reference,
        small_values_good=bool(small_values_good),
        method=str(method),
        random_ci=str(random_ci),
        level=float(level),
    )


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


def _companion_scenario(data, scenario):
    """The business-case scenario: ``scenario`` when given, else NAME_scenario.toml beside a
    file input (as ``peerstat evaluate``; the options file's ``[business_case]`` is read by the
    native layer when neither is there)."""
    if scenario is not None:
        return os.fspath(scenario)
    if isinstance(data, (str, os.PathLike)):
        root, _ext = os.path.splitext(os.fspath(data))
        companion = f"{root}_scenario.toml"
        if os.path.exists(companion):
            return companion
    return None


def _costs_obj(costs):
    if costs is None or isinstance(costs, str):
        return costs
    return _prepare(costs, "costs")[0]


def evaluate(
    data: Data,
    out_dir: Union[str, os.PathLike[str]] = "report",
    *,
    costs: Optional[Data]=None,
    scenario: Optional[Union[str, os.PathLike[str]]] = None,
    codebook: Optional[Union[str, os.PathLike[str]]] = None,
    options: Optional[Union[str, os.PathLike[str]]] = None,
    level: float = 95,
    assume_higher_is_better: bool = False,
    rho: float = 0.6,
    icc: Optional[float] = None,
    cluster_adjust: Optional[Literal["variance", "n"]] = None,
    binary_to_smd: Optional[Literal["logit", "cox-snell"]] = None,
    columns: Optional[Dict[str, str]] = None,
    name: Optional[str] = None,
) -> Evaluation:
    """The evaluation report of a coded evidence base, as ``peerstat evaluate``: pooled effects
    per outcome domain (CHE + CR2 where studies contribute several effects), subgroups,
    sensitivity, bias checks, certainty, economics (``costs``, or NAME_costs.EXT beside a file
    input) and the evidence-and-gap map, written to ``out_dir`` (index.html, results.json,
    egm.html, plots). ``out_dir`` is replaced as a whole: a folder holding other files is
    refused. Returns ``results.json`` as an :class:`Evaluation`.

    ``icc`` (the ICC of cluster-randomised rows without an ``icc`` value), ``cluster_adjust``
    (``"variance"`` or ``"n"``) and ``binary_to_smd`` (how log odds ratios join SMDs in a
    domain mixing binary and continuous outcomes: ``"logit"``, × √3/π, or ``"cox-snell"``,
    ÷ 1.65) override the options file, as the CLI's ``--icc``, ``--cluster-adjust`` and
    ``--binary-to-smd``.

    ``scenario`` (a business-case TOML, as ``evaluate --scenario``; else the options file's
    ``[business_case]``, else NAME_scenario.toml beside a file input) adds the commissioner's
    business case (key ``business_case``)."""
    costs = _companion_costs(data, costs)
    scenario = _companion_scenario(data, scenario)
    obj, source, kind = _prepare(data, name)
    opts = dict(
        codebook=None if codebook is None else os.fspath(codebook),
        options=None if options is None else os.fspath(options),
        level=float(level),
        assume_higher_is_better=bool(assume_higher_is_better),
        rho=float(rho),
        icc=None if icc is None else float(icc),
        cluster_adjust=None if cluster_adjust is None else str(cluster_adjust),
        binary_to_smd=None if binary_to_smd is None else str(binary_to_smd),
    )
    opts["scenario"] = scenario
    json_text, n = _native.evaluate(obj, source, os.fspath(out_dir), opts, _costs_obj(costs), columns)
    text = f"peerstat evaluation of {source}: wrote {os.fspath(out_dir)} ({n} files: index.html, results.json, egm.html, plots)"
    return Evaluation(json_text, text, kind, [], [])


def map(
    data: Data,
    rows: str = "activity",
    cols: str = "outcome_domain",
    segment: Optional[str] = None,
    *,
    html: Optional[Union[str, os.PathLike[str]]] = None,
    costs: Optional[Data]=None,
    codebook: Optional[Union[str, os.PathLike[str]]] = None,
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
