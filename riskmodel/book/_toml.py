"""Reading a book from TOML, with errors that name the file and the key path.

Layout (``*`` required; see the bundled ``riskmodel/books/example_book.toml``)::

    name* = "..."
    description = "..."
    [calibration]                 # the industry fit every profile is scaled from
    threshold_usd = 1e6           # reporting threshold, USD (default 1e6)
    since = 2014                  # first year of the window (default 2014)
    [[policies]]
    name* = "Exchange 01"
    profile* = "example"          # "example" (the bundled profile) or a TOML path
                                  # (relative to the book's folder)
    share = 0.25                  # the insurer's share of the programme (default 1)
    premium = 7.5e7               # the insurer's premium, in the profile's currency
    trading_volume = 2e12         # optional overrides of the profile, its currency
    assets = 1.5e11
    [[policies.layers]]           # optional: replace the profile's layers (same keys)
    [[events]]
    name* = "vendor compromise"
    rate* = 0.03                  # occurrences per year
    category = "hack"             # what layers treat it as
    policies* = ["Exchange 01"]   # or "all"
    probability = 0.5             # that an occurrence hits each exposed policy (default 1)
    fraction_of_assets = [0.02, 0.2]   # uniform fraction of assets; or one number; or
    severity = {family = "lognormal", mu = 17.0, sigma = 1.5}   # USD (also "pareto")
    [[events.exposures]]          # per-policy overrides of probability / severity
    policy* = "Exchange 03"
    probability = 0.9
"""

from __future__ import annotations

import dataclasses
import math
import os
from importlib import resources
from pathlib import Path
from typing import Any

from .._errors import DataError
from ..profile import example_profile, load_profile
from ..profile._exchange import _FieldError
from ..profile._toml import _Reader, tomllib
from ._book import Book, Exposure, Policy, SharedEvent
from ._example import example_book_text

__all__ = ["example_book", "load_book", "write_example_book"]

_SPEC = {
    "": "name:string! description:string calibration:table policies:tables! events:tables",
    "calibration": "threshold_usd:number since:int",
    "policy": "name:string! profile:string! share:number premium:number "
    "trading_volume:number assets:number layers:tables",
    "event": "name:string! rate:number! category:string policies:any! probability:number "
    "fraction_of_assets:any severity:table exposures:tables",
    "exposure": "policy:string! probability:number fraction_of_assets:any severity:table",
    "severity": "family:string! mu:number sigma:number alpha:number xm:number",
}
_SCHEMA = {
    t: {w.split(":")[0]: (w.split(":")[1].rstrip("!"), w.endswith("!")) for w in s.split()}
    for t, s in _SPEC.items()
}
_FAMILIES = {"lognormal": ("mu", "sigma"), "pareto": ("alpha", "xm")}


class _BookReader(_Reader):
    """The profile reader's checks with the book's schema and key paths."""

    def __init__(self, path: str, prefix: str = "") -> None:
        super().__init__(path)
        self.prefix = prefix

    def fail(self, key: str, message: str) -> DataError:
        if self.prefix:  # a layer read by the profile reader: put it under its policy
            key = key.replace("insurance.layers", self.prefix, 1)
        return super().fail(key, message)

    def check(self, doc: Any, path: str, kind: str) -> dict[str, Any]:
        schema = _SCHEMA[kind]
        if not isinstance(doc, dict):
            raise self.fail(path, "must be a table")
        pre = f"{path}." if path else ""
        for key in doc:
            if key not in schema:
                raise self.fail(pre + key, f"unknown key {key!r}; allowed: {', '.join(schema)}")
        out = {}
        for key, (t, required) in schema.items():
            if key not in doc:
                if required:
                    raise self.fail(pre + key, f"required key {key!r} is missing")
                continue
            out[key] = doc[key] if t == "any" else self._typed(doc[key], pre + key, t)
        return out


def _fractions(r: _BookReader, value: Any, key: str) -> tuple[float, float]:
    ok_num = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok_num:
        lo = hi = float(value)
    elif (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        lo, hi = float(value[0]), float(value[1])
    else:
        raise r.fail(key, f"must be a fraction or a [low, high] pair of fractions, got {value!r}")
    if not 0 <= lo <= hi <= 1:
        raise r.fail(key, f"fractions must satisfy 0 <= low <= high <= 1, got {value!r}")
    return lo, hi


def _severity(r: _BookReader, doc: dict[str, Any], key: str):
    from ..severity import LogNormal, Pareto

    d = r.check(doc, key, "severity")
    fam = d["family"]
    if fam not in _FAMILIES:
        raise r.fail(f"{key}.family", f"must be one of {', '.join(_FAMILIES)}, got {fam!r}")
    args = []
    for p in _FAMILIES[fam]:
        if p not in d:
            raise r.fail(f"{key}.{p}", f"required for family {fam!r}")
        args.append(d[p])
    extra = set(d) - {"family", *_FAMILIES[fam]}
    if extra:
        raise r.fail(f"{key}.{sorted(extra)[0]}", f"not a parameter of family {fam!r}")
    try:
        return (LogNormal if fam == "lognormal" else Pareto)(*args)
    except ValueError as exc:
        raise r.fail(key, str(exc)) from None


def _event_severity(r, d, key, default=None):
    if "fraction_of_assets" in d and "severity" in d:
        raise r.fail(key, "give fraction_of_assets or severity, not both")
    if "fraction_of_assets" in d:
        return _fractions(r, d["fraction_of_assets"], f"{key}.fraction_of_assets")
    if "severity" in d:
        return _severity(r, d["severity"], f"{key}.severity")
    if default is None:
        raise r.fail(key, "needs fraction_of_assets or severity")
    return default


def _policy(r: _BookReader, doc, i: int, base: Path, cal) -> tuple[Policy, list[str]]:
    key = f"policies[{i}]"
    d = r.check(doc, key, "policy")
    ref = d["profile"]
    try:
        if ref == "example":
            prof = example_profile()
        else:
            path = Path(ref) if Path(ref).is_absolute() else base / ref
            prof = load_profile(path)
    except FileNotFoundError:
        raise r.fail(f"{key}.profile", f"no such profile file: {ref}") from None
    changes: dict[str, Any] = {"name": d["name"]}
    if "trading_volume" in d:
        changes["trading_volume"] = d["trading_volume"]
    if "assets" in d:
        changes["assets_under_custody"] = d["assets"]
    if "layers" in d:
        lr = _BookReader(r.path, prefix=f"{key}.layers")
        changes["layers"] = tuple(lr.layer(x, j) for j, x in enumerate(d["layers"]))
    try:
        prof = dataclasses.replace(prof, **changes)
    except _FieldError as exc:
        field = {"assets_under_custody": "assets"}.get(exc.field_name, exc.field_name)
        raise r.fail(f"{key}.{field}", str(exc).split(": ", 1)[1]) from None
    try:
        model, program, assumptions = prof.build_model(cal)
    except DataError as exc:
        raise r.fail(key, f"profile {ref!r}: {exc}") from None
    fx = prof.usd_per_unit
    try:
        pol = Policy(
            d["name"],
            model,
            program,
            share=d.get("share", 1.0),
            premium=d.get("premium", 0.0) * fx,
            assets=prof.assets_usd,
            source=ref,
        )
    except ValueError as exc:
        raise r.fail(key, str(exc)) from None
    return pol, assumptions


def _event(r: _BookReader, doc, i: int, names: list[str]) -> SharedEvent:
    key = f"events[{i}]"
    d = r.check(doc, key, "event")
    if not (d["rate"] >= 0 and math.isfinite(d["rate"])):
        raise r.fail(f"{key}.rate", f"must be a finite number >= 0, got {d['rate']!r}")
    pols = d["policies"]
    if pols == "all":
        pols = list(names)
    elif not (isinstance(pols, list) and all(isinstance(p, str) for p in pols)):
        raise r.fail(f"{key}.policies", f'must be "all" or an array of policy names, got {pols!r}')
    for j, p in enumerate(pols):
        if p not in names:
            raise r.fail(f"{key}.policies[{j}]", f"unknown policy {p!r}")
    prob = d.get("probability", 1.0)
    if not 0 <= prob <= 1:
        raise r.fail(f"{key}.probability", f"must lie in [0, 1], got {prob!r}")
    sev = _event_severity(r, d, key)
    over = {}
    for j, x in enumerate(d.get("exposures", ())):
        xk = f"{key}.exposures[{j}]"
        xd = r.check(x, xk, "exposure")
        if xd["policy"] not in pols:
            raise r.fail(f"{xk}.policy", f"{xd['policy']!r} is not in {key}.policies")
        p = xd.get("probability", prob)
        if not 0 <= p <= 1:
            raise r.fail(f"{xk}.probability", f"must lie in [0, 1], got {p!r}")
        over[xd["policy"]] = (p, _event_severity(r, xd, xk, default=sev))
    exposures = [Exposure(p, *over.get(p, (prob, sev))) for p in pols]
    return SharedEvent(d["name"], d["rate"], exposures, category=d.get("category", "hack"))


def _parse(raw: bytes, name: str, calibration=None) -> Book:
    from ..calibrate import calibrate_industry

    r = _BookReader(name)
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"invalid TOML: {exc}", path=name) from None
    top = r.check(doc, "", "")
    c = r.check(top.get("calibration", {}), "calibration", "calibration")
    if calibration is None:
        calibration = calibrate_industry(
            threshold=c.get("threshold_usd", 1e6), since=c.get("since", 2014)
        )
    base = Path(name).parent
    policies, names, assumptions = [], [], []
    for i, doc_p in enumerate(top["policies"]):
        pol, assum = _policy(r, doc_p, i, base, calibration)
        if pol.name in names:
            raise r.fail(f"policies[{i}].name", f"repeats policy {names.index(pol.name)}")
        policies.append(pol)
        names.append(pol.name)
        if i == 0:
            assumptions += [a for a in assum if "Loss sizes" in a or "global volume" in a]
    events = [_event(r, x, i, names) for i, x in enumerate(top.get("events", ()))]
    assumptions.append(
        "Policies' own losses are independent of each other; the only dependence between "
        "policies is through the shared events, whose rates, exposures and severities are "
        "assumptions of the book."
    )
    for ev in events:
        assumptions.append(
            f"Shared event {ev.name!r}: {ev.rate:g} occurrences a year, {len(ev.exposures)} "
            f"policies exposed, {ev.expected_hits:.3g} expected hits a year (assumptions)."
        )
    return Book(
        policies,
        events,
        name=top["name"],
        assumptions=assumptions,
        source=name,
    )


def load_book(path: str | os.PathLike[str], calibration=None) -> Book:
    """Read and validate a book from a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        UTF-8 TOML; see the module docstring of :mod:`riskmodel.book._toml` and the bundled
        ``riskmodel/books/example_book.toml``.
    calibration : IndustryCalibration, optional
        The industry fit the profiles scale; default
        :func:`riskmodel.calibrate.calibrate_industry` with the book's ``[calibration]``.

    Returns
    -------
    Book

    Raises
    ------
    DataError
        For the first mistake, with the file (``path``) and the key path (``column``, e.g.
        ``events[0].policies[2]``; array indices start at 0).

    Examples
    --------
    >>> from importlib import resources
    >>> book = load_book(resources.files("riskmodel.books") / "example_book.toml")
    >>> len(book.policies), book.events[0].name
    (20, 'vendor compromise')
    """
    name = os.fspath(path)
    with open(name, "rb") as f:
        raw = f.read()
    return _parse(raw, name, calibration)


def example_book(n_policies: int | None = None, seed: int = 2024, calibration=None) -> Book:
    """The bundled illustrative book (20 policies), or one generated with ``n_policies``.

    Every figure is an assumption: see ``riskmodel/books/README.md``.

    Examples
    --------
    >>> len(example_book(5).policies)
    5
    """
    if n_policies is None:
        res = resources.files("riskmodel.books").joinpath("example_book.toml")
        return _parse(res.read_bytes(), str(res), calibration)
    text = example_book_text(n_policies, seed)
    return _parse(text.encode(), f"<example book, {n_policies} policies>", calibration)


def write_example_book(path, n_policies: int = 20, seed: int = 2024) -> Path:
    """Write an illustrative book of ``n_policies`` exchanges to ``path`` (TOML).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_example_book(pathlib.Path(tempfile.mkdtemp()) / "b.toml", 3)
    >>> len(load_book(p).policies)
    3
    """
    path = Path(path)
    path.write_text(example_book_text(n_policies, seed), encoding="utf-8")
    return path
