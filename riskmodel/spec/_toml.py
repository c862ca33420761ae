"""Model files: a :class:`~riskmodel.spec.ModelSpec` as TOML, written and read back exactly.

Layout (every number a TOML float or integer; ``inf`` where a value is infinite)::

    format = 1
    description = "..."

    [data]                      # where the numbers came from
    source = "bundled exchange incidents"
    sha256 = "..."
    threshold = 1000000.0
    window = [2014, 2025]
    n_losses = 90
    largest_annual_total = 9.2e9
    largest_annual_total_year = 2022

    [dependence]                # optional; none = independent categories
    corr = [[1.0, 0.2], [0.2, 1.0]]

    [categories.hack]
    frequency = "poisson"       # or "negative_binomial" with shape = ...
    rate = 9.8                  # expected count in projection_year
    log_rate_se = 0.22
    trend = 0.074               # per year, in the log rate; 0 = none
    projection_year = 2026
    threshold = 1000000.0       # reporting threshold: left truncation
    cap = 1e11                  # per-loss cap; leave out for none
    cap_source = "..."

    [categories.hack.severity]
    family = "weibull"          # any riskmodel.severity family, or "spliced"
    params = { shape = 0.406, scale = 1.73e7 }
    free = ["shape", "scale"]
    cov = [[...], [...]]        # of the free parameters; leave out for none

A spliced severity has ``threshold``, ``weight`` and sub-tables ``body`` and ``tail`` (each a
family with ``params``).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import DataError
from ..dependence import GaussianCopula
from ._model import CategorySpec, ModelSpec, SeveritySpec, SpecFit

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["load_model", "save_model", "spec_from_dict", "spec_to_dict"]

FORMAT = 1

_CATEGORY_KEYS = {
    "frequency",
    "rate",
    "shape",
    "log_rate_se",
    "trend",
    "trend_se",
    "projection_year",
    "threshold",
    "cap",
    "cap_source",
    "n_losses",
    "pooled",
    "selection",
    "severity",
}
_SEVERITY_KEYS = {
    "family",
    "params",
    "free",
    "cov",
    "body",
    "tail",
    "threshold",
    "weight",
    "n_obs",
}


# ----------------------------------------------------------------------------- to data
def _severity_dict(s: SeveritySpec) -> dict[str, Any]:
    d: dict[str, Any] = {"family": s.family}
    if s.family == "spliced":
        assert s.body is not None and s.tail is not None
        d |= {"threshold": s.threshold, "weight": s.weight}
        d["body"] = _severity_dict(s.body)
        d["tail"] = _severity_dict(s.tail)
    else:
        d["params"] = dict(s.params)
        d["free"] = list(s.free)
        if s.cov is not None:
            d["cov"] = [list(r) for r in s.cov]
    if s.n_obs:
        d["n_obs"] = s.n_obs
    return d


def spec_to_dict(spec: ModelSpec) -> dict[str, Any]:
    """The spec as nested dicts and lists (the TOML document)."""
    doc: dict[str, Any] = {"format": FORMAT, "description": spec.description}
    doc["data"] = dict(spec.data)
    if spec.corr is not None:
        doc["dependence"] = {"corr": [list(r) for r in spec.corr]}
    cats = {}
    for name, c in spec.categories.items():
        d: dict[str, Any] = {"frequency": c.frequency, "rate": c.rate}
        if c.shape is not None:
            d["shape"] = c.shape
        d |= {"log_rate_se": c.log_rate_se, "trend": c.trend, "trend_se": c.trend_se}
        if c.projection_year is not None:
            d["projection_year"] = c.projection_year
        d["threshold"] = c.threshold
        if c.cap is not None:
            d["cap"] = c.cap
            d["cap_source"] = c.cap_source
        d |= {"n_losses": c.n_losses, "pooled": c.pooled, "selection": c.selection}
        d["severity"] = _severity_dict(c.severity)
        cats[name] = d
    doc["categories"] = cats
    return doc


# ----------------------------------------------------------------------------- writer
def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)  # shortest text that reads back to the same double
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {v!r} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else json.dumps(k)


def _table(lines: list[str], path: str, d: dict[str, Any]) -> None:
    subs = {k: v for k, v in d.items() if isinstance(v, dict) and k not in ("params",)}
    lines.append(f"\n[{path}]")
    for k, v in d.items():
        if k not in subs and v is not None:
            lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in subs.items():
        _table(lines, f"{path}.{_key(k)}", v)


def dumps(spec: ModelSpec) -> str:
    """The TOML text of a spec."""
    doc = spec_to_dict(spec)
    lines = [
        "# riskmodel model specification: the model that riskmodel simulates with --model",
        "# (edit a family, a parameter, a cap or a rate, and every command uses the change)",
        f"format = {FORMAT}",
        f"description = {_value(doc['description'])}",
    ]
    _table(lines, "data", doc["data"])
    if "dependence" in doc:
        _table(lines, "dependence", doc["dependence"])
    for name, c in doc["categories"].items():
        _table(lines, f"categories.{_key(name)}", c)
    return "\n".join(lines) + "\n"


def save_model(spec: ModelSpec, path: str | os.PathLike[str]) -> None:
    """Write ``spec`` to ``path`` as TOML (read it back with :func:`load_model`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from riskmodel.calibrate import calibrate_industry
    >>> spec = calibrate_industry().spec()
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "model.toml"
    >>> save_model(spec, p)
    >>> load_model(p) == spec
    True
    """
    Path(path).write_text(dumps(spec), encoding="utf-8")


# ----------------------------------------------------------------------------- reader
class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> DataError:
        return DataError(message, path=self.path, column=key or None)

    def get(self, d: dict, key: str, where: str, kind: type | tuple, required: bool = True):
        if key not in d:
            if required:
                raise self.fail(f"{where}.{key}", f"required key {key!r} is missing")
            return None
        v = d[key]
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, kind) or (kind in (int, float) and isinstance(v, bool)):
            want = {float: "a number", int: "a whole number", str: "a string", bool: "true/false"}
            raise self.fail(f"{where}.{key}", f"must be {want.get(kind, kind)}, got {v!r}")  # type: ignore[arg-type]
        return v

    def keys(self, d: Any, where: str, allowed: set[str]) -> dict:
        if not isinstance(d, dict):
            raise self.fail(where, "must be a table")
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise self.fail(
                f"{where}.{unknown[0]}" if where else unknown[0],
                f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}",
            )
        return d

    def numbers(self, v: Any, where: str) -> list[float]:
        if not isinstance(v, list) or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v
        ):
            raise self.fail(where, f"must be an array of numbers, got {v!r}")
        return [float(x) for x in v]

    def severity(self, d: Any, where: str) -> SeveritySpec:
        d = self.keys(d, where, _SEVERITY_KEYS)
        fam = self.get(d, "family", where, str)
        n_obs = self.get(d, "n_obs", where, int, False) or 0
        try:
            if fam == "spliced":
                return SeveritySpec(
                    "spliced",
                    body=self.severity(d.get("body"), f"{where}.body"),
                    tail=self.severity(d.get("tail"), f"{where}.tail"),
                    threshold=self.get(d, "threshold", where, float),
                    weight=self.get(d, "weight", where, float, False),
                    n_obs=n_obs,
                )
            params = self.get(d, "params", where, dict)
            for k, v in params.items():
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    raise self.fail(f"{where}.params.{k}", f"must be a number, got {v!r}")
            free = d.get("free", list(params))
            if not isinstance(free, list) or not all(isinstance(x, str) for x in free):
                raise self.fail(f"{where}.free", "must be an array of parameter names")
            cov = d.get("cov")
            if cov is not None:
                if not isinstance(cov, list):
                    raise self.fail(f"{where}.cov", "must be an array of arrays of numbers")
                cov = tuple(tuple(self.numbers(r, f"{where}.cov[{i}]")) for i, r in enumerate(cov))
            spec = SeveritySpec(
                fam, {k: float(v) for k, v in params.items()}, tuple(free), cov, n_obs=n_obs
            )
            spec.dist()  # parameter values in their domains
            if cov is not None:
                SpecFit.of(spec)  # the covariance fits the parameters
            return spec
        except ValueError as exc:
            if isinstance(exc, DataError):
                raise
            raise self.fail(where, str(exc)) from None

    def category(self, name: str, d: Any) -> CategorySpec:
        where = f"categories.{name}"
        d = self.keys(d, where, _CATEGORY_KEYS)
        g = self.get
        kw: dict[str, Any] = {
            "frequency": g(d, "frequency", where, str, False) or "poisson",
            "rate": g(d, "rate", where, float),
            "shape": g(d, "shape", where, float, False),
            "log_rate_se": g(d, "log_rate_se", where, float, False) or 0.0,
            "trend": g(d, "trend", where, float, False) or 0.0,
            "trend_se": g(d, "trend_se", where, float, False) or 0.0,
            "projection_year": g(d, "projection_year", where, int, False),
            "threshold": g(d, "threshold", where, float),
            "cap": g(d, "cap", where, float, False),
            "cap_source": g(d, "cap_source", where, str, False) or "",
            "n_losses": g(d, "n_losses", where, int, False) or 0,
            "pooled": bool(g(d, "pooled", where, bool, False)),
            "selection": g(d, "selection", where, str, False) or "",
        }
        sev = self.severity(d.get("severity"), f"{where}.severity")
        try:
            return CategorySpec(name=name, severity=sev, **kw)
        except ValueError as exc:
            raise self.fail(where, str(exc).split(": ", 1)[-1]) from None


def spec_from_dict(doc: dict[str, Any], path: str = "<model>") -> ModelSpec:
    """A :class:`ModelSpec` from the structure :func:`spec_to_dict` gives (checked; errors
    name the file and the key)."""
    r = _Reader(path)
    r.keys(doc, "", {"format", "description", "data", "dependence", "categories"})
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        raise r.fail("format", f"unsupported format {fmt!r}; this riskmodel reads {FORMAT}")
    cats_doc = doc.get("categories")
    if not isinstance(cats_doc, dict) or not cats_doc:
        raise r.fail("categories", "at least one [categories.NAME] table is needed")
    cats = {name: r.category(name, d) for name, d in cats_doc.items()}
    data = doc.get("data", {})
    if not isinstance(data, dict):
        raise r.fail("data", "must be a table")
    corr = None
    dep = doc.get("dependence")
    if dep is not None:
        r.keys(dep, "dependence", {"corr"})
        rows = dep.get("corr")
        if not isinstance(rows, list):
            raise r.fail("dependence.corr", "must be an array of arrays of numbers")
        corr = tuple(tuple(r.numbers(row, f"dependence.corr[{i}]")) for i, row in enumerate(rows))
        k = len(cats)
        if len(corr) != k or any(len(row) != k for row in corr):
            raise r.fail("dependence.corr", f"must be {k}x{k}, one row per category")
        try:
            GaussianCopula(np.asarray(corr, dtype=float))  # checks a correlation matrix
        except ValueError as exc:
            raise r.fail("dependence.corr", str(exc)) from None
    try:
        return ModelSpec(cats, dict(data), corr, str(doc.get("description", "")))
    except ValueError as exc:
        raise r.fail("", str(exc)) from None


def load_model(path: str | os.PathLike[str]) -> ModelSpec:
    """Read a model file written by :meth:`ModelSpec.save` (or by hand).

    Raises
    ------
    DataError
        Naming the file and the key: a TOML syntax error, an unknown or missing key, a wrong
        type, an unknown family, a parameter outside its domain.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.toml"
    >>> _ = p.write_text('''
    ... [categories.hack]
    ... rate = 2.0
    ... threshold = 1e6
    ... cap = 1e10
    ... [categories.hack.severity]
    ... family = "lognormal"
    ... params = { mu = 16.0, sigma = 2.0 }
    ... ''')
    >>> load_model(p).to_model().names
    ('hack',)
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError("no such model file", path=str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"not a valid TOML file: {exc}", path=str(path)) from None
    return spec_from_dict(doc, str(path))
