"""Translate frequency and severity objects into the kernels' arrays.

A severity whose family declares a compiled sampler (``spec.sampler``: its code in ``_kernels``
and its parameter row), possibly truncated and then capped, is simulated in compiled code, by
inversion; so is a gamma or log-gamma, drawn untruncated until a draw lies in its truncation
(``_gamma_fill``). Any other distribution falls back to its own ``sample`` method, so every
distribution, fitted or written by hand, can be simulated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special, stats

from ..frequency import Frequency, NegativeBinomial, Poisson
from ..severity import Capped, Gamma, LogGamma, Severity, Spliced, Truncated
from ..severity._families import family_spec
from . import _kernels as K
from ._gamma_fill import GAMMA, LOGGAMMA, MIN_ACCEPT
from ._severity_fill import NPAR, SPLICED

__all__ = [
    "MAX_EXPECTED_COUNT",
    "MAX_TABLE",
    "TABLE_ONLY",
    "check_rate",
    "count_tables",
    "frequency_spec",
    "severity_spec",
]

MAX_TABLE = 1 << 16  # most entries of a count's inversion table

#: Largest expected annual number of losses of one category (or of common shocks) that the
#: engine simulates. Counts are 64-bit integers: a rate near ``2**63`` would overflow them (a
#: reserve of 0 without a word), and long before that a year would hold more losses than fit in
#: memory. No loss category of an exchange comes within orders of magnitude of this bound.
MAX_EXPECTED_COUNT = 1e7


def check_rate(value, what: str) -> float:
    """``value`` as a float: an expected annual count in ``[0, MAX_EXPECTED_COUNT]``.

    Raises
    ------
    ValueError
        Naming ``what`` (the category and parameter), for NaN, infinite, negative or too large
        values.

    Examples
    --------
    >>> check_rate(3, "category 'hack': Poisson rate")
    3.0
    >>> check_rate(9.3e18, "category 'hack': Poisson rate")
    Traceback (most recent call last):
    ...
    ValueError: category 'hack': Poisson rate: 9.3e+18 losses a year exceeds the most the \
engine simulates (1e+07 a year per category); check the units of the rate and of any volume \
it was scaled by
    """
    x = float(value)
    if not (math.isfinite(x) and x >= 0):
        raise ValueError(f"{what}: must be a finite number >= 0, got {value!r}")
    if x > MAX_EXPECTED_COUNT:
        raise ValueError(
            f"{what}: {x:.6g} losses a year exceeds the most the engine simulates "
            f"({MAX_EXPECTED_COUNT:g} a year per category); check the units of the rate and of "
            "any volume it was scaled by"
        )
    return x


#: frequency kind of a count without a compiled sampler (a :class:`~riskmodel.frequency.Mixture`
#: or any other :class:`~riskmodel.frequency.Frequency`): the kernels draw it by inversion of
#: its cdf table, and where the table would be too large the engine draws it by ``sample()``
TABLE_ONLY = -1


def severity_spec(dist: Severity, *, rejection: bool = True) -> tuple[int, np.ndarray]:
    """(sampler code, parameter row) of ``dist`` for the kernels; code -1 means "use sample()".

    Recognises a registered family with a compiled sampler (exactly its class, not a
    subclass), truncated (once or more: the truncations intersect) and capped, and a
    ``Spliced`` (optionally capped) whose body and tail are such families. With
    ``rejection``, also a ``Gamma`` or ``LogGamma`` (truncated, capped) whose truncation keeps
    at least ``_gamma_fill.MIN_ACCEPT`` of it; the book's kernel, which inverts every
    severity, asks without.
    """
    par = np.zeros(NPAR)
    cap = math.inf
    inner = dist
    if isinstance(inner, Capped):
        cap = inner.limit
        inner = inner.base
    if isinstance(inner, Spliced):
        body, tail = _family_row(inner._body_c), _family_row(inner._tail_c)
        if body is None or tail is None:
            return -1, par
        lower, upper = inner._support()
        w = inner.body_weight
        par[:9] = [1.0 - w, w, body[0], tail[0], 1.0, 0.0, lower, upper, cap]
        par[9:18], par[18:27] = body[1], tail[1]
        return SPLICED, par
    row = _family_row(inner)
    if row is None and rejection:
        row = _rejection_row(inner)
    if row is None:
        return -1, par
    par[:9] = row[1]
    par[8] = cap
    return row[0], par


def _untruncated(dist: Severity) -> tuple[Severity, float, float]:
    """The distribution under ``dist``'s truncations, and their intersection ``(lower, upper]``."""
    lower, upper = -math.inf, math.inf
    while isinstance(dist, Truncated):
        lo, hi = dist._support()
        lower, upper = max(lower, lo), min(upper, hi)
        dist = dist.base
    return dist, lower, upper


def _rejection_row(dist: Severity) -> tuple[int, np.ndarray] | None:
    """(code, row of nine) of a gamma or log-gamma drawn by rejection (``_gamma_fill``), truncated
    or not (no cap), else None (another distribution, or a truncation that keeps too little)."""
    base, lower, upper = _untruncated(dist)
    if type(base) is Gamma:
        code, second = GAMMA, base.scale
    elif type(base) is LogGamma:
        code, second = LOGGAMMA, base.rate
    else:
        return None
    base_lo, _ = base._support()
    lower = -math.inf if lower <= base_lo else lower  # not truncated below: keep every draw
    s_lo = float(base.sf(lower)) if lower > -math.inf else 1.0
    accept = s_lo - (float(base.sf(upper)) if math.isfinite(upper) else 0.0)
    if not accept >= MIN_ACCEPT:
        return None
    return code, np.array([base.shape, second, 0.0, 0.0, accept, 0.0, lower, upper, math.inf])


def _family_row(dist: Severity) -> tuple[int, np.ndarray] | None:
    """(code, row of nine) of a compiled family, truncated or not (no cap), else None."""
    dist, lower, upper = _untruncated(dist)
    spec = family_spec(type(dist))
    if spec is None or spec.sampler is None:
        return None
    row = np.zeros(9)
    params = spec.sampler.row(dist)
    row[: len(params)] = params
    base_lo, base_hi = dist._support()
    lower, upper = max(lower, base_lo), min(upper, base_hi)
    row[4] = float(dist.sf(lower)) if lower > base_lo else 1.0
    row[5] = float(dist.sf(upper)) if math.isfinite(upper) else 0.0
    row[6], row[7], row[8] = lower, upper, math.inf
    return spec.sampler.code, row


def frequency_spec(freq: Frequency, category: str | None = None) -> tuple[int, np.ndarray]:
    """(kind, parameters) of a frequency object for the kernels.

    ``Poisson(rate)`` gives ``(POISSON, [rate, 0])``, ``NegativeBinomial(mean, shape)`` gives
    ``(NEGBIN, [mean, shape])``; any other :class:`~riskmodel.frequency.Frequency` (a
    :class:`~riskmodel.frequency.Mixture`, say) gives ``(TABLE_ONLY, [mean, 0])``: it is drawn
    from a table of its own cdf (:func:`count_tables`).

    Expected counts are checked by :func:`check_rate` (errors name ``category``); a negative
    binomial's gamma mixing variable is checked too: its scale ``mean / shape`` times the
    largest gamma variate of 1e12 draws must stay within the bound.
    """
    where = f"category {category!r}: " if category is not None else ""
    if isinstance(freq, Poisson):
        return K.POISSON, np.array([check_rate(freq.rate, f"{where}Poisson rate"), 0.0])
    if isinstance(freq, NegativeBinomial):
        mean = check_rate(freq.mean(), f"{where}negative binomial mean")
        shape = float(freq.shape)
        # the count is Poisson(G mean / shape), G ~ Gamma(shape); G rarely exceeds shape + 30
        check_rate(mean * (1.0 + 30.0 / shape), f"{where}negative binomial mean (1 + 30 / shape)")
        return K.NEGBIN, np.array([mean, shape])
    if isinstance(freq, Frequency):
        return TABLE_ONLY, np.array([check_rate(freq.mean(), f"{where}expected count"), 0.0])
    raise TypeError(f"frequency: expected a riskmodel.frequency.Frequency, got {freq!r}")


def _count_cdf(kind: int, par: np.ndarray, freq: Frequency | None = None) -> np.ndarray | None:
    """cdf of the count at 0, 1, ..., K, where K is the first count whose cdf rounds to 1
    (``None`` if that is beyond :data:`MAX_TABLE`).

    Uniforms carry 53 bits, so none exceeds ``1 - 2**-53``: setting ``cdf[K] = 1`` moves a mass
    below ``2**-53`` (the tail beyond ``K``) onto ``K``, which no 53-bit inversion could draw.
    A ``TABLE_ONLY`` count takes its cdf from the frequency object ``freq`` itself.
    """
    mean = float(par[0])
    if mean <= 0.0:
        return np.ones(1)
    if kind == K.POISSON:
        # what stats.poisson(mean).cdf computes, without building a frozen distribution (whose
        # docstrings cost 0.7 ms, per category and simulation)
        def cdf_at(k: np.ndarray) -> np.ndarray:
            return special.pdtr(k, mean)

        var = mean
    else:
        if kind == K.NEGBIN:
            shape = float(par[1])
            dist = stats.nbinom(shape, shape / (shape + mean))
        elif freq is None:
            raise ValueError("count_tables: a TABLE_ONLY count needs its frequency object")
        else:
            dist = freq
        cdf_at = dist.cdf
        with np.errstate(over="ignore", divide="ignore"):  # scipy's skewness of a tiny mean
            var = dist.var()
    top = int(mean + 12.0 * math.sqrt(var) + 40.0)
    while True:
        if top > MAX_TABLE:
            return None
        cdf = np.maximum.accumulate(cdf_at(np.arange(top + 1)))
        if cdf[-1] == 1.0:
            break
        top *= 2
    cdf = cdf[: int(np.searchsorted(cdf, 1.0)) + 1]
    cdf[-1] = 1.0
    return cdf


def _guide_size(n: int) -> int:
    """Guide entries for a cdf table of ``n`` entries: eight per entry (up to 65,536), so that
    the search from the guide's start rarely takes a step (each step is a branch the CPU
    cannot predict)."""
    return max(n, min(8 * n, 1 << 16))


def count_tables(
    freq_kind: np.ndarray, freq_par: np.ndarray, freqs: Sequence[Frequency] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inversion tables of the categories' counts for the kernels: ``(cdf, guide, size)``.

    ``freqs`` (the frequency objects, in category order) is needed where a kind is
    ``TABLE_ONLY``.

    Row ``c`` of ``cdf`` holds the count's cdf at 0, 1, ... (padded with 1); ``guide[c, j]`` is
    the smallest ``k`` with ``cdf[c, k] >= j / size[c]``, where the search for a uniform starts
    (``size[c]`` guide entries); ``size[c] = 0`` marks a count without a table (mean too
    large), drawn otherwise.
    """
    objs = [None] * len(freq_kind) if freqs is None else list(freqs)
    cdfs = [
        _count_cdf(kind, par, f) for kind, par, f in zip(freq_kind, freq_par, objs, strict=True)
    ]
    rows = [c for c in cdfs if c is not None]
    width = max((len(c) for c in rows), default=1)
    cdf = np.ones((len(cdfs), width))
    guide = np.zeros((len(cdfs), max((_guide_size(len(c)) for c in rows), default=1)), np.int64)
    size = np.zeros(len(cdfs), dtype=np.int64)
    for c, row in enumerate(cdfs):
        if row is None:
            continue
        size[c] = _guide_size(len(row))
        cdf[c, : len(row)] = row
        guide[c, : size[c]] = np.searchsorted(row, np.arange(size[c]) / size[c], side="left")
    return cdf, guide, size
