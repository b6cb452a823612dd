"""``business_case``: a commissioner's business case from pooled evidence, as
``peerstat business-case``."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Literal, Optional, Union

from . import _native
from ._results import Result


class BusinessCaseResult(Result):
    """The result of :func:`business_case`, as ``peerstat business-case --format json`` gives
    it (``years``, ``npv``, ``roi``, ``payback_year``, ``cost_per_qaly``, ``prob_net_saving``,
    ``by_wtp``, ``tornado``, ``budget_impact_flag``, ``value_of_research`` ...); ``str()`` is
    the text the command prints."""

    __slots__ = ()


def _plot(path, theme, dpi):
    if path is None:
        return None
    return dict(path=os.fspath(path), theme=str(theme), dpi=float(dpi))


def business_case(
    scenario: Union[str, "os.PathLike[str]", Dict[str, Any]],
    *,
    cashflow: Optional[Union[str, "os.PathLike[str]"]] = None,
    tornado: Optional[Union[str, "os.PathLike[str]"]] = None,
    ceac: Optional[Union[str, "os.PathLike[str]"]] = None,
    title: Optional[str] = None,
    theme: Literal["light", "dark", "print"] = "light",
    dpi: float = 300,
) -> BusinessCaseResult:
    """A business case as ``peerstat business-case``: ``scenario`` is the path of a scenario
    file (TOML), or a dict with the same tables and keys (``{"population": {"eligible": 12000,
    "uptake": [0.1, 0.2, 0.3]}, ...}``; a relative ``effect_from`` is then read from the current
    folder). ``cashflow``, ``tornado`` and ``ceac`` write the plots of ``--plot`` (SVG, PNG or
    PDF by the extension; ``title``, ``theme``, ``dpi`` as the CLI's flags). The numbers are the
    CLI's for the same scenario and seed."""
    if isinstance(scenario, dict):
        text, source, folder = json.dumps(scenario), "scenario", os.getcwd()
    else:
        path = os.fspath(scenario)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise _native.FileError(f"{path}: {e.strerror or e}") from None
        source, folder = path, os.path.dirname(os.path.abspath(path))
    json_text, text_out = _native.business_case(
        text,
        source,
        folder,
        _plot(cashflow, theme, dpi),
        _plot(tornado, theme, dpi),
        _plot(ceac, theme, dpi),
        title,
    )
    return BusinessCaseResult(json_text, text_out, "business_case", [], [])
