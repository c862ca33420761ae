"""Reading exchange profiles from TOML, with validation that names the file and the key path."""

from __future__ import annotations

import difflib
import math
import os
import re
import sys
from importlib import resources
from typing import Any

from .._errors import DataError
from ..data import CATEGORIES
from ..data._input import check_input_file
from ..insurance import Layer
from ._exchange import EXAMPLE_PROFILES, ExchangeProfile, HistoryYear, _FieldError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["example_profile", "load_profile", "resolve_profile"]

_NUM, _INT, _STR, _STRS, _TABLE, _TABLES = "number", "int", "string", "strings", "table", "tables"


# table key path -> "key:kind" words, "!" marks a required key
_SPEC = {
    "": "name:string! description:string model:string currency:string usd_per_unit:number "
    "usd_per_eur:number fx_source:string exposure:table! custody:table credibility:table "
    "history:table insurance:table standard_formulas:table",
    "exposure": "trading_volume:number! volume_year:int volume_basis:string "
    "industry_volume_usd:number! industry_volume_source:string! beta:number",
    "custody": "assets:number! treatment:string",
    "credibility": "prior_cv:number",
    "history": "threshold_usd:number! years:tables!",
    "history.years": "year:int! volume:number losses:number "
    + " ".join(f"{c}:int!" for c in CATEGORIES),
    "insurance": "layers:tables! notes:string",
    "insurance.layers": "name:string attachment:number! limit:number! share:number per:string "
    "reinstatements:number reinstatement_premium:number premium:number agg_deductible:number "
    "agg_limit:number categories:strings",
    "standard_formulas": "mica_class:int fixed_overheads:number business_indicator:number "
    "volume_rate:number volume_floor:number volume_cap:number",
}
#: table key path -> {key: (kind, required)}
_SCHEMA = {
    table: {w.split(":")[0]: (w.split(":")[1].rstrip("!"), w.endswith("!")) for w in spec.split()}
    for table, spec in _SPEC.items()
}
#: ExchangeProfile field -> TOML key path
_FIELD_KEYS = {k: f"exposure.{k}" for k in _SCHEMA["exposure"]} | {
    "assets_under_custody": "custody.assets",
    "custody_treatment": "custody.treatment",
    "prior_cv": "credibility.prior_cv",
    "history_threshold_usd": "history.threshold_usd",
    "history": "history.years",
    "layers": "insurance.layers",
}
_FIELD_KEYS |= {k: f"standard_formulas.{k}" for k in _SCHEMA["standard_formulas"]}

_TYPE_NAMES = {bool: "a boolean", str: "a string", list: "an array", dict: "a table"}


def _describe(value: Any) -> str:
    for t, name in _TYPE_NAMES.items():
        if isinstance(value, t):
            return f"{name} ({value!r})" if t is not dict else name
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    return f"{type(value).__name__} ({value!r})"


class _Reader:
    """Checks a parsed TOML document against :data:`_SCHEMA`, naming file and key path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> DataError:
        return DataError(message, path=self.path, column=key or None)

    def table(self, doc: Any, path: str, schema_key: str) -> dict[str, Any]:
        """Type-checked copy of one table: unknown keys, missing keys and wrong types raise."""
        schema = _SCHEMA[schema_key]
        if not isinstance(doc, dict):
            raise self.fail(path, f"must be a table, got {_describe(doc)}")
        prefix = f"{path}." if path else ""
        for key in doc:
            if key not in schema:
                hint = difflib.get_close_matches(key, list(schema), n=1)
                extra = f" (did you mean {hint[0]!r}?)" if hint else ""
                if schema_key == "history.years":
                    extra += f"; loss categories are {', '.join(CATEGORIES)}"
                raise self.fail(
                    prefix + key,
                    f"unknown key {key!r}{extra}; allowed: {', '.join(schema)}",
                )
        out = {}
        for key, (kind, required) in schema.items():
            if key not in doc:
                if required:
                    hint = " (write 0 if there were none)" if key in CATEGORIES else ""
                    raise self.fail(prefix + key, f"required key {key!r} is missing{hint}")
                continue
            out[key] = self._typed(doc[key], prefix + key, kind)
        return out

    def _typed(self, value: Any, key: str, kind: str) -> Any:
        ok = {
            _NUM: isinstance(value, (int, float)) and not isinstance(value, bool),
            _INT: isinstance(value, int) and not isinstance(value, bool),
            _STR: isinstance(value, str),
            _STRS: isinstance(value, list) and all(isinstance(v, str) for v in value),
            _TABLE: isinstance(value, dict),
            _TABLES: isinstance(value, list) and all(isinstance(v, dict) for v in value),
        }[kind]
        if not ok:
            want = {
                _NUM: "a number",
                _INT: "a whole number",
                _STR: "a string",
                _STRS: "an array of strings",
                _TABLE: "a table",
                _TABLES: "an array of tables ([[...]])",
            }[kind]
            raise self.fail(key, f"must be {want}, got {_describe(value)}")
        if kind == _NUM and not math.isfinite(value) and value != math.inf:
            raise self.fail(key, f"must be a number, got {value!r}")
        return value

    def layer(self, doc: Any, i: int) -> Layer:
        key = f"insurance.layers[{i}]"
        d = self.table(doc, key, "insurance.layers")
        d.pop("name", None)
        checks = {
            "attachment": (lambda x: 0 <= x < math.inf, "a finite number >= 0"),
            "limit": (lambda x: x > 0, "a number > 0 (inf for unlimited)"),
            "share": (lambda x: 0 < x <= 1, "a number in (0, 1]"),
            "reinstatements": (
                lambda x: x == math.inf or (x >= 0 and x == int(x)),
                "a whole number >= 0 (inf for unlimited)",
            ),
            "reinstatement_premium": (lambda x: 0 <= x < math.inf, "a finite number >= 0"),
            "premium": (lambda x: 0 <= x < math.inf, "a finite number >= 0"),
            "agg_deductible": (lambda x: 0 <= x < math.inf, "a finite number >= 0"),
            "agg_limit": (lambda x: x > 0, "a number > 0"),
        }
        for name, (test, what) in checks.items():
            if name in d and not test(d[name]):
                raise self.fail(f"{key}.{name}", f"must be {what}, got {d[name]!r}")
        if d.get("per", "occurrence") not in ("occurrence", "aggregate"):
            raise self.fail(f"{key}.per", f"must be 'occurrence' or 'aggregate', got {d['per']!r}")
        for j, cat in enumerate(d.get("categories", ())):
            if cat not in CATEGORIES:
                raise self.fail(
                    f"{key}.categories[{j}]",
                    f"unknown category {cat!r}; known: {', '.join(CATEGORIES)}",
                )
        if "categories" in d:
            d["categories"] = tuple(d["categories"])
        try:
            return Layer(**d)
        except ValueError as exc:  # combinations of terms (e.g. an aggregate reinstatement)
            raise self.fail(key, str(exc)) from None

    def history(self, doc: dict[str, Any]) -> tuple[float, tuple[HistoryYear, ...]]:
        h = self.table(doc, "history", "history")
        years = []
        for i, row in enumerate(h["years"]):
            key = f"history.years[{i}]"
            d = self.table(row, key, "history.years")
            counts = {c: d[c] for c in CATEGORIES}
            try:
                years.append(HistoryYear(d["year"], counts, d.get("volume"), d.get("losses")))
            except _FieldError as exc:
                raise self.fail(f"{key}.{exc.field_name}", _strip(exc)) from None
        return h["threshold_usd"], tuple(years)


def _strip(exc: _FieldError) -> str:
    return str(exc).split(": ", 1)[1]


#: Largest profile read (a profile is a few kilobytes)
MAX_PROFILE_BYTES = 1 << 20


def load_profile(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_PROFILE_BYTES
) -> ExchangeProfile:
    """Read and validate an exchange profile from a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        UTF-8 TOML file (a byte-order mark is allowed); see the bundled
        ``riskmodel/profiles/example_jp_midsize.toml`` for every key with comments. Only a
        regular file is read (not a device or a pipe).
    max_bytes : int
        Largest file read, in bytes (default 1 MiB).

    Returns
    -------
    ExchangeProfile

    Raises
    ------
    DataError
        For the first mistake: invalid TOML (``row`` is its line), an unknown key, a missing
        required key, a value of the wrong type or out of range, bad layer terms, an unknown
        category, or a malformed history. ``path`` is the file and ``column`` the TOML key
        path, e.g. ``insurance.layers[1].limit`` (array indices start at 0).
    FileNotFoundError
        If the file does not exist.

    Notes
    -----
    Keys (``*`` required; amounts in ``currency`` unless the key ends in ``_usd``):

    - top level: ``name*``, ``description``, ``currency`` (default USD), ``usd_per_unit``
      (required unless USD), ``usd_per_eur``, ``fx_source``;
    - ``[exposure]*``: ``trading_volume*``, ``industry_volume_usd*``,
      ``industry_volume_source*``, ``beta``, ``volume_year``, ``volume_basis``;
    - ``[custody]``: ``assets*``, ``treatment`` (``"cap"`` or ``"truncate"``);
    - ``[credibility]``: ``prior_cv``;
    - ``[history]``: ``threshold_usd*`` and ``[[history.years]]`` rows with ``year*``, one
      count per category (``hack*``, ``fraud*``, ``operational*``), ``volume``, ``losses``;
    - ``[[insurance.layers]]``: ``attachment*``, ``limit*`` and the other
      :class:`~riskmodel.insurance.Layer` terms, ``categories``, ``name``;
    - ``[standard_formulas]``: ``mica_class``, ``fixed_overheads``, ``business_indicator``,
      ``volume_rate``, ``volume_floor``, ``volume_cap``.

    References
    ----------
    .. [1] TOML v1.0.0 specification, https://toml.io/en/v1.0.0

    Examples
    --------
    >>> from riskmodel.profile import load_profile
    >>> from importlib import resources
    >>> p = load_profile(resources.files("riskmodel.profiles") / "example_jp_midsize.toml")
    >>> p.currency
    'JPY'
    """
    name = os.fspath(path)
    check_input_file(name, max_bytes)
    with open(name, "rb") as f:
        raw = f.read(max_bytes + 1)
    return _parse(raw, name)


def _parse(raw: bytes, name: str) -> ExchangeProfile:
    r = _Reader(name)
    try:
        doc = tomllib.loads(raw.decode("utf-8-sig"))  # a byte-order mark is not TOML
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text: {exc.reason} at byte {exc.start}", path=name) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        raise DataError(
            f"invalid TOML: {exc}", path=name, row=int(m.group(1)) if m else None
        ) from None
    top = r.table(doc, "", "")
    ex = r.table(top["exposure"], "exposure", "exposure")
    kw: dict[str, Any] = {
        "name": top["name"],
        "description": top.get("description"),
        "model": top.get("model"),
        "trading_volume": ex["trading_volume"],
        "industry_volume_usd": ex["industry_volume_usd"],
        "industry_volume_source": ex["industry_volume_source"],
        "volume_year": ex.get("volume_year"),
        "volume_basis": ex.get("volume_basis"),
        "source": name,
    }
    for key in ("beta",):
        if key in ex:
            kw[key] = ex[key]
    currency = top.get("currency", "USD")
    kw["currency"] = currency
    if "usd_per_unit" in top:
        kw["usd_per_unit"] = top["usd_per_unit"]
    elif currency != "USD":
        raise r.fail("usd_per_unit", f"required for currency {currency!r}: USD per 1 {currency}")
    for key in ("usd_per_eur", "fx_source"):
        if key in top:
            kw[key] = top[key]
    if "custody" in top:
        c = r.table(top["custody"], "custody", "custody")
        kw["assets_under_custody"] = c["assets"]
        if "treatment" in c:
            kw["custody_treatment"] = c["treatment"]
    if "credibility" in top:
        c = r.table(top["credibility"], "credibility", "credibility")
        if "prior_cv" in c:
            kw["prior_cv"] = c["prior_cv"]
    if "history" in top:
        kw["history_threshold_usd"], kw["history"] = r.history(top["history"])
    if "insurance" in top:
        ins = r.table(top["insurance"], "insurance", "insurance")
        kw["layers"] = tuple(r.layer(d, i) for i, d in enumerate(ins["layers"]))
    if "standard_formulas" in top:
        kw |= r.table(top["standard_formulas"], "standard_formulas", "standard_formulas")
    try:
        return ExchangeProfile(**kw)
    except _FieldError as exc:
        key = _FIELD_KEYS.get(exc.field_name, exc.field_name)
        if exc.index is not None:
            key += f"[{exc.index}]"
            if exc.field_name == "history":
                key += ".year"
        raise r.fail(key, _strip(exc)) from None


def example_profile(name: str = "example_jp_midsize.toml") -> ExchangeProfile:
    """Load a bundled example profile (default: a mid-sized Japanese exchange).

    Parameters
    ----------
    name : str
        One of :data:`EXAMPLE_PROFILES`.

    Returns
    -------
    ExchangeProfile

    Notes
    -----
    The example's figures are illustrative and their sources and assumptions are written
    as comments in the file (``riskmodel/profiles/example_jp_midsize.toml``); read them
    before quoting any number derived from it.

    Examples
    --------
    >>> p = example_profile()
    >>> p.currency, p.custody_treatment
    ('JPY', 'cap')
    """
    if name not in EXAMPLE_PROFILES:
        raise ValueError(f"unknown example profile {name!r}; bundled: {EXAMPLE_PROFILES}")
    res = resources.files("riskmodel.profiles").joinpath(name)
    return _parse(res.read_bytes(), str(res))


def resolve_profile(profile) -> ExchangeProfile | None:
    """An :class:`ExchangeProfile` from a profile, a TOML path, ``"example"`` or ``None``.

    Examples
    --------
    >>> resolve_profile("example").currency
    'JPY'
    """
    if profile is None or isinstance(profile, ExchangeProfile):
        return profile
    if isinstance(profile, str) and profile == "example":
        return example_profile()
    if isinstance(profile, (str, os.PathLike)):
        return load_profile(profile)
    raise TypeError(
        f"profile: expected an ExchangeProfile, a TOML path or 'example', got "
        f"{type(profile).__name__}"
    )
