"""The option dictionaries the native layer reads beyond those of ``_tables``: the effect-size
options with the conversion and cluster options, and held values."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ._tables import _effect


def _effect_opts(
    vtype, add, to, drop00, strict, ci_scale, icc, cluster_adjust, omit_skewed
) -> Dict[str, Any]:
    """The effect-size options: those of ``_effect`` plus the conversions from reported
    statistics (``ci_scale``, ``omit_skewed``) and the cluster adjustment (``cluster_adjust``,
    ``icc``), as the CLI's ``--ci-scale``, ``--omit-skewed``, ``--cluster-adjust``, ``--icc``."""
    d = _effect(vtype, add, to, drop00, strict)
    d.update(
        ci_scale=str(ci_scale),
        omit_skewed=bool(omit_skewed),
        cluster_adjust=str(cluster_adjust),
        icc=None if icc is None else float(icc),
    )
    return d


def _held(values: Optional[Sequence[Optional[float]]]) -> Optional[List[Optional[float]]]:
    """Values held fixed (``sigma2``, ``tau2``, ``struct_rho``): floats, ``None`` estimated."""
    if values is None:
        return None
    if isinstance(values, (int, float)):
        values = [values]
    return [None if x is None else float(x) for x in values]


def _data_arg(obj, source: str, measure: Optional[str], effect: Dict[str, Any],
              columns: Optional[Dict[str, str]]) -> Dict[str, Any]:
    """The data argument of the native functions: the data object, its name in messages, the
    effect measure, the effect-size options and the column renames."""
    return dict(data=obj, source=source, measure=measure, effect=effect, columns=columns)
