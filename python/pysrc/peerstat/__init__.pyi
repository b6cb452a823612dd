"""Type stubs of the peerstat Python package (see ``__init__.py`` for the documentation)."""

import os
from typing import Any, Dict, Iterable, List, Literal, Optional, Protocol, Sequence, Tuple, TypeVar, Union

import pyarrow as pa

__version__: str

class _ArrowStream(Protocol):
    def __arrow_c_stream__(self, requested_schema: Any = ...) -> Any: ...

#: A file path (CSV, TSV, Parquet) or a table with the Arrow PyCapsule interface (pyarrow, polars,
#: pandas, DuckDB). Results come back as pandas for pandas input, polars for polars input and
#: pyarrow otherwise.
Data = Union[str, os.PathLike[str], _ArrowStream, Any]
Measure = Literal[
    "SMD", "MD", "ROM", "SMDH", "OR", "RR", "RD", "AS", "IRR", "IRD", "IRSD",
    "SMCC", "SMCR", "SMCRH", "COR", "ZCOR", "PR", "PLO", "PFT", "GEN",
]
Method = Literal["REML", "ML", "DL", "HE", "HS", "SJ", "EB", "PM", "EE", "FE", "CE", "MH", "PETO"]
Tau2Method = Literal["REML", "ML", "DL", "HE", "HS", "SJ", "EB", "PM", "EE", "FE", "CE"]

class PeerstatError(Exception):
    """Base class of every error peerstat raises."""

class InputError(PeerstatError):
    """The input cannot support the analysis (missing column, bad cell, too few studies...)."""

class SettingError(PeerstatError):
    """An option is out of range, unknown, or contradicts another."""

class ModelError(PeerstatError):
    """The model cannot be fitted to valid input (no convergence, undefined estimate)."""

class FileError(PeerstatError):
    """A file cannot be opened, read or written."""

class PeerstatWarning(UserWarning):
    """A row omitted from the effect sizes, or studies left out of an analysis."""

class Result:
    omitted_rows: List[Tuple[int, str, str]]
    messages: List[str]
    def __getattr__(self, name: str) -> Any: ...
    def __getitem__(self, key: str) -> Any: ...
    def __contains__(self, key: str) -> bool: ...
    def keys(self) -> List[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...
    @property
    def studies(self) -> Any: ...

class MetaResult(Result):
    measure: str
    method: str
    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    statistic: float
    p_value: float
    tau2: float
    tau: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_lower: float
    pi_upper: float
    options: Dict[str, Any]
    @property
    def coefficients(self) -> Any: ...

class BiasResult(Result):
    egger: Dict[str, Any]
    begg: Dict[str, Any]
    trimfill: Dict[str, Any]
    fail_safe_n: Dict[str, Any]

class CeaResult(Result): ...
class NetworkResult(Result): ...

class Evaluation(Result): ...
class EvidenceMap(Result): ...

class InfluenceResult(Result):
    @property
    def cumulative(self) -> Any: ...

def effects(
    data: Data,
    measure: Optional[Measure] = ...,
    *,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    name: Optional[str] = ...,
) -> Any: ...
def meta(
    data: Data,
    measure: Optional[Measure] = ...,
    method: Method = ...,
    knha: bool = ...,
    level: float = ...,
    by: Optional[str] = ...,
    mods: Union[None, str, Sequence[str]] = ...,
    *,
    common_tau2: bool = ...,
    permutations: Optional[int] = ...,
    seed: int = ...,
    cluster: Optional[str] = ...,
    rho: float = ...,
    robust: Optional[str] = ...,
    robust_type: Literal["CR2", "CR1"] = ...,
    newmods: Optional[Iterable[float]] = ...,
    random: Optional[str] = ...,
    vcalc: Optional[Dict[str, Any]] = ...,
    test: Optional[Literal["z", "t"]] = ...,
    structure: Literal["CS", "HCS", "UN", "AR", "HAR", "DIAG", "ID"] = ...,
    dfs: Optional[Literal["residual", "contain"]] = ...,
    sigma2: Optional[Sequence[Optional[float]]] = ...,
    tau2: Optional[Sequence[Optional[float]]] = ...,
    struct_rho: Optional[Sequence[Optional[float]]] = ...,
    lrt_drop: Optional[str] = ...,
    rho_grid: Optional[Iterable[float]] = ...,
    vcov_cols: Union[None, str, Sequence[str]] = ...,
    profile_ci: bool = ...,
    pi: Literal["metafor", "riley"] = ...,
    i2: Literal["typical", "q"] = ...,
    max_iter: int = ...,
    stepadj: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    name: Optional[str] = ...,
) -> MetaResult: ...
def reanalyse(
    data: Data,
    by: Union[str, Sequence[str]],
    measure: Measure,
    method: Tau2Method = ...,
    knha: bool = ...,
    level: float = ...,
    *,
    pi: Literal["metafor", "riley"] = ...,
    i2: Literal["typical", "q"] = ...,
    max_iter: int = ...,
    stepadj: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    threads: Optional[int] = ...,
    random: Optional[str] = ...,
    vcalc: Optional[Dict[str, Any]] = ...,
    sigma2: Optional[Sequence[Optional[float]]] = ...,
    robust: Optional[str] = ...,
    robust_type: Literal["CR2", "CR1"] = ...,
    name: Optional[str] = ...,
) -> Any: ...
def bias(
    data: Data,
    measure: Optional[Measure] = ...,
    method: Tau2Method = ...,
    knha: bool = ...,
    level: float = ...,
    *,
    egger: Literal["rma", "classic"] = ...,
    estimator: Literal["L0", "R0"] = ...,
    side: Optional[Literal["left", "right"]] = ...,
    orwin_target: Optional[float] = ...,
    pi: Literal["metafor", "riley"] = ...,
    i2: Literal["typical", "q"] = ...,
    max_iter: int = ...,
    stepadj: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    name: Optional[str] = ...,
) -> BiasResult: ...
def influence(
    data: Data,
    measure: Optional[Measure] = ...,
    method: Tau2Method = ...,
    knha: bool = ...,
    level: float = ...,
    *,
    cumulative: bool = ...,
    order: Optional[str] = ...,
    pi: Literal["metafor", "riley"] = ...,
    i2: Literal["typical", "q"] = ...,
    max_iter: int = ...,
    stepadj: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    name: Optional[str] = ...,
) -> InfluenceResult: ...
def cea(
    data: Data,
    *,
    shape: Optional[Literal["strategies", "draws", "psa", "patients", "ipd", "arms"]] = ...,
    wtp: Union[None, str, Sequence[float]] = ...,
    wtp_grid: Optional[str] = ...,
    reference: Optional[str] = ...,
    treatment: Optional[str] = ...,
    control: Optional[str] = ...,
    boot: int = ...,
    seed: int = ...,
    cost_covariates: Union[None, str, Sequence[str]] = ...,
    effect_covariates: Union[None, str, Sequence[str]] = ...,
    discount_cost: float = ...,
    discount_effect: float = ...,
    timing: Literal["start", "end", "continuous"] = ...,
    level: float = ...,
    plane: Optional[Union[str, os.PathLike[str]]] = ...,
    ceac: Optional[Union[str, os.PathLike[str]]] = ...,
    title: Optional[str] = ...,
    theme: Literal["light", "dark", "print"] = ...,
    dpi: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    name: Optional[str] = ...,
) -> CeaResult: ...
def network(
    data: Data,
    measure: Optional[Measure] = ...,
    method: Literal["DL", "REML"] = ...,
    *,
    study: str = ...,
    treatment: str = ...,
    reference: Optional[str] = ...,
    small_values_good: bool = ...,
    method_random_ci: Literal["classic", "t-dist", "HK", "HK-se"] = ...,
    level: float = ...,
    components_sep: Optional[str] = ...,
    components_from: Union[None, str, Sequence[str]] = ...,
    inactive: Union[None, str, Sequence[str]] = ...,
    interaction: Union[None, str, Sequence[str]] = ...,
    combination: Union[None, str, Sequence[str]] = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    random_ci: Optional[Literal["classic", "t-dist", "HK", "HK-se"]] = ...,
    name: Optional[str] = ...,
) -> NetworkResult: ...
def evaluate(
    data: Data,
    out_dir: Union[str, os.PathLike[str]] = ...,
    *,
    costs: Optional[Data] = ...,
    codebook: Optional[Union[str, os.PathLike[str]]] = ...,
    options: Optional[Union[str, os.PathLike[str]]] = ...,
    level: float = ...,
    assume_higher_is_better: bool = ...,
    rho: float = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Optional[Literal["variance", "n"]] = ...,
    binary_to_smd: Optional[Literal["logit", "cox-snell"]] = ...,
    columns: Optional[Dict[str, str]] = ...,
    name: Optional[str] = ...,
) -> Evaluation: ...
def map(
    data: Data,
    rows: str = ...,
    cols: str = ...,
    segment: Optional[str] = ...,
    *,
    html: Optional[Union[str, os.PathLike[str]]] = ...,
    costs: Optional[Data] = ...,
    codebook: Optional[Union[str, os.PathLike[str]]] = ...,
    rho: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    name: Optional[str] = ...,
) -> EvidenceMap: ...

_Theme = Literal["light", "dark", "print"]

def forest(
    data: Data,
    measure: Optional[Measure] = ...,
    method: Tau2Method = ...,
    knha: bool = ...,
    level: float = ...,
    by: Optional[str] = ...,
    *,
    path: Optional[Union[str, os.PathLike[str]]] = ...,
    title: Optional[str] = ...,
    xlab: Optional[str] = ...,
    xlim: Optional[Sequence[float]] = ...,
    at: Optional[Sequence[float]] = ...,
    favours: Union[None, str, Sequence[str]] = ...,
    better: Optional[Literal["lower", "higher"]] = ...,
    sort: Optional[str] = ...,
    ilab: Union[None, str, Sequence[str]] = ...,
    arm_data: bool = ...,
    transf: Literal["none", "exp"] = ...,
    digits: int = ...,
    subgroup_weights: bool = ...,
    theme: _Theme = ...,
    dpi: float = ...,
    pi: Literal["metafor", "riley"] = ...,
    i2: Literal["typical", "q"] = ...,
    max_iter: int = ...,
    stepadj: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    name: Optional[str] = ...,
) -> str: ...
def bubble(
    data: Data,
    mods: str,
    measure: Optional[Measure] = ...,
    method: Tau2Method = ...,
    knha: bool = ...,
    level: float = ...,
    *,
    path: Optional[Union[str, os.PathLike[str]]] = ...,
    theme: _Theme = ...,
    dpi: float = ...,
    pi: Literal["metafor", "riley"] = ...,
    i2: Literal["typical", "q"] = ...,
    max_iter: int = ...,
    stepadj: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    name: Optional[str] = ...,
) -> str: ...
def funnel(
    data: Data,
    measure: Optional[Measure] = ...,
    method: Tau2Method = ...,
    *,
    path: Optional[Union[str, os.PathLike[str]]] = ...,
    funnel_y: Literal["se", "vi", "inv-se", "n"] = ...,
    funnel_ci: bool = ...,
    title: Optional[str] = ...,
    estimator: Literal["L0", "R0"] = ...,
    side: Optional[Literal["left", "right"]] = ...,
    theme: _Theme = ...,
    dpi: float = ...,
    knha: bool = ...,
    level: float = ...,
    pi: Literal["metafor", "riley"] = ...,
    i2: Literal["typical", "q"] = ...,
    max_iter: int = ...,
    stepadj: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    ci_scale: Literal["ratio", "log"] = ...,
    icc: Optional[float] = ...,
    cluster_adjust: Literal["variance", "n"] = ...,
    omit_skewed: bool = ...,
    name: Optional[str] = ...,
) -> str: ...
def network_plot(
    data: Data,
    kind: Literal["graph", "forest", "league", "components"] = ...,
    measure: Optional[Measure] = ...,
    method: Literal["DL", "REML"] = ...,
    *,
    path: Optional[Union[str, os.PathLike[str]]] = ...,
    model: Literal["random", "common"] = ...,
    study: str = ...,
    treatment: str = ...,
    reference: Optional[str] = ...,
    small_values_good: bool = ...,
    method_random_ci: Literal["classic", "t-dist", "HK", "HK-se"] = ...,
    level: float = ...,
    components_sep: Optional[str] = ...,
    components_from: Union[None, str, Sequence[str]] = ...,
    inactive: Union[None, str, Sequence[str]] = ...,
    interaction: Union[None, str, Sequence[str]] = ...,
    combination: Union[None, str, Sequence[str]] = ...,
    theme: _Theme = ...,
    dpi: float = ...,
    columns: Optional[Dict[str, str]] = ...,
    vtype: Literal["LS", "UB"] = ...,
    add: float = ...,
    to: Literal["only0", "all", "none", "if0all"] = ...,
    drop00: bool = ...,
    strict: bool = ...,
    name: Optional[str] = ...,
) -> str: ...
def simulate(
    analyses: int = ...,
    seed: int = ...,
    *,
    framework: bool = ...,
    trials: int = ...,
    kind: Literal["pyarrow", "pandas", "polars"] = ...,
) -> Any: ...
