"""Result objects: the CLI's JSON as attributes, per-study lists as tables, the CLI's table
as ``repr``."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple


from ._tables import _from_records

# --------------------------------------------------------------------------------------------
# Results


class Result:
    """A result: every key of the CLI's ``--format json`` as an attribute, ``to_dict()``,
    ``to_json()``, tables of its per-study lists, and the CLI's table as ``repr``/``str``."""

    __slots__ = ("_native", "_json", "_dict", "_text", "_kind", "omitted_rows", "messages")

    omitted_rows: List[Tuple[int, str, str]]
    messages: List[str]

    def __init__(self, json_text, text, kind: str, omitted, messages):
        # ``json_text`` is the JSON text, or a native result held typed in the extension whose
        # keys, JSON and table text are made when first asked for.
        if isinstance(json_text, str):
            self._native = None
            self._json = json_text
            self._dict = json.loads(json_text)
        else:
            self._native = json_text
            self._json = None
            self._dict = None
        self._text = text
        self._kind = kind
        #: Rows omitted from the effect sizes: ``(row, study, reason)`` (also warned about).
        self.omitted_rows = list(omitted)
        #: Studies left out of a subgroup analysis, regression or RVE (also warned about).
        self.messages = list(messages)

    def _keys(self) -> Dict[str, Any]:
        d = self._dict
        if d is None:
            d = self._dict = self._native.to_py()
        return d

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in Result.__slots__:
            raise AttributeError(name)
        try:
            return self._keys()[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no key '{name}'") from None

    def __dir__(self):
        extra = {"to_dict", "to_json", "studies", "coefficients", "keys", "omitted_rows", "messages"}
        return sorted(set(self._keys()) | extra)

    def keys(self) -> List[str]:
        """The JSON keys, in the CLI's order."""
        return list(self._keys())

    def __getitem__(self, key: str) -> Any:
        return self._keys()[key]

    def __contains__(self, key: str) -> bool:
        return key in self._keys()

    def to_dict(self) -> Dict[str, Any]:
        """The result as ``peerstat meta --format json`` gives it (a fresh copy)."""
        if self._native is not None:
            return self._native.to_py()
        return json.loads(self._json)

    def to_json(self) -> str:
        """The JSON text of ``peerstat meta --format json``."""
        if self._json is None:
            self._json = self._native.json()
        return self._json

    def __reduce__(self):
        # Pickled and copied as text (the native result stays in this process).
        return (type(self), (self.to_json(), repr(self), self._kind, self.omitted_rows, self.messages))

    @property
    def studies(self) -> Any:
        """One row per study as a table of the input's library (``None`` when absent)."""
        return _from_records(self._keys().get("studies"), self._kind)

    def __repr__(self) -> str:
        if self._text is None:
            self._text = self._native.text()
        return self._text

    __str__ = __repr__


class MetaResult(Result):
    """The result of :func:`meta`: every key of ``peerstat meta --format json`` as an attribute
    (``estimate``, ``se``, ``ci_lower``, ``tau2``, ``i2``, ``q``, ``subgroups``, ``options`` ...),
    ``studies`` and ``coefficients`` as tables, ``to_dict()``, ``to_json()``, and the CLI's table
    as ``repr``/``str``."""

    __slots__ = ()

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
    def coefficients(self) -> Any:
        """Meta-regression coefficients as a table (``None`` without moderators)."""
        return _from_records(self._keys().get("coefficients"), self._kind)


class BiasResult(Result):
    """The result of :func:`bias`: ``egger``, ``begg``, ``trimfill``, ``fail_safe_n`` ... as
    ``peerstat bias --format json`` gives them."""

    __slots__ = ()

    egger: Dict[str, Any]
    begg: Dict[str, Any]
    trimfill: Dict[str, Any]
    fail_safe_n: Dict[str, Any]


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
    def cumulative(self) -> Any:
        """The cumulative meta-analysis, one row per step (``None`` unless ``cumulative=True``)."""
        return _from_records(self._keys().get("cumulative"), self._kind)


class Evaluation(Result):
    """The result of :func:`evaluate`: the report's ``results.json`` (``domains``,
    ``summary_of_findings``, ``rows_not_used`` ...); the report itself is in ``out_dir``."""

    __slots__ = ()


class EvidenceMap(Result):
    """The result of :func:`map`: the evidence-and-gap map's data (``studies``, ``cells`` ...)
    as ``peerstat map --format json`` gives them."""

    __slots__ = ()
