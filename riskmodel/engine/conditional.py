r"""Conditional Monte Carlo for the far tail of the gross annual loss (Asmussen-Kroese).

At the 99.9% level the plain simulator (:func:`riskmodel.simulate`) learns about the quantile
only from the one year in a thousand that exceeds it. The conditional estimator lets every
year with a loss speak about the tail: it replaces the indicator of :math:`S > x` by a
probability computed in closed form from the severity's survival function, given all of the
year's losses but one. For heavy tails this divides the variance of a 99.9% tail probability
by a factor of 100 to several thousand (reported as ``variance_ratio``), at a few severity
evaluations per simulated year.

It serves the gross VaR of models whose categories are independent compound Poisson with
continuous severities; :func:`riskmodel.simulate` handles everything else (dependence,
negative binomial counts, caps, insurance, parameter uncertainty).

Notes
-----
Independent compound Poisson categories with rates :math:`\lambda_c` and severities
:math:`F_c` add up to one compound Poisson total: rate :math:`\Lambda = \sum_c \lambda_c` and
mixture severity :math:`F = \sum_c (\lambda_c/\Lambda) F_c`. Given :math:`N = n \ge 1` the
losses :math:`X_1, \dots, X_n` are exchangeable and almost surely distinct (``F``
continuous), so :math:`P(S > x) = n\,P(S > x, X_n > \max_{i<n} X_i)`. Conditioning on
:math:`X_1, \dots, X_{n-1}`, with :math:`S_{n-1}` their sum and :math:`M_{n-1}` their maximum
(0 when :math:`n = 1`),

.. math:: Z(x) = N\,\bar F\big(\max(M_{N-1},\ x - S_{N-1})\big), \qquad Z(x) = 0 \text{ if } N = 0,

is unbiased for :math:`P(S > x)`, :math:`x \ge 0`, and bounded by :math:`N`. Its derivative
in :math:`x` gives an unbiased estimator of the density of :math:`S`,

.. math:: D(x) = N\,f(x - S_{N-1})\,\mathbf 1\{x - S_{N-1} > M_{N-1}\}.

The quantile estimate :math:`\hat v` solves :math:`\bar Z(\hat v) = 1 - p` for the mean over
all years, on one common set of simulated years (common random numbers). Its standard error
is the delta method's :math:`\sqrt{\widehat{\mathrm{Var}}\,Z(\hat v) / n}\,/\,\bar D(\hat v)`,
and the interval is :math:`\hat v \pm z_{(1+\text{level})/2}` se.

A severity with a point mass (a cap, :meth:`~riskmodel.severity.Severity.capped`) breaks the
argument (ties between the largest losses have positive probability) and is refused.

References
----------
Asmussen, S. & Kroese, D. P. (2006). Improved algorithms for rare event simulation with heavy
tails. *Advances in Applied Probability* 38(2), 545-558.
Asmussen, S. (2018). Conditional Monte Carlo for sums, with applications to insurance and
finance. *Annals of Actuarial Science* 12(2), 455-478.
Chu, F. & Nakayama, M. K. (2012). Confidence intervals for quantiles when applying variance-
reduction techniques. *ACM Transactions on Modeling and Computer Simulation* 22(2), 10.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import __version__
from .._errors import ConvergenceWarning, RiskModelWarning
from .._rng import RNGLike, as_seed_sequence, block_generator, seed_of
from ..frequency import Poisson
from ..model import LossModel
from ..severity import Capped, Severity
from ._blocks import Moments, block_sizes, check_count, resolve_threads
from ._conditional_kernels import segment_sum_max
from .tail_result import METHOD, TailProbability, TailQuantile, z_value

__all__ = [
    "BLOCK_SIZE",
    "TailProbability",
    "TailQuantile",
    "exceedance_probability",
    "tail_quantile",
]

#: simulated years per block (each block has its own random stream)
BLOCK_SIZE = 1 << 16
#: fewer years with a loss than this make the estimates unreliable: a warning says so
MIN_YEARS_WITH_LOSS = 100
#: the root is first found on this share of the years with a loss (at least PILOT_MIN_YEARS of
#: them, all from the first block), then refined on all of them
PILOT_SHARE = 64
PILOT_MIN_YEARS = 4096
#: the root is accepted when the next Newton step is below this many standard errors
STEP_TOL = 0.01
PILOT_STEP_TOL = 0.1
MAX_ITER = 100


# ---------------------------------------------------------------------- the total as a mixture
@dataclass(frozen=True, eq=False)
class _Mixture:
    """The total of independent compound Poisson categories: rate and mixture severity."""

    severities: tuple[Severity, ...]
    rates: np.ndarray  # positive rates only

    @property
    def rate(self) -> float:
        return float(self.rates.sum())

    def _mix(self, method: str, y: np.ndarray) -> np.ndarray:
        parts = [np.asarray(getattr(sev, method)(y)) for sev in self.severities]
        if len(parts) == 1:
            return parts[0]
        return sum(lam * part for lam, part in zip(self.rates, parts, strict=True)) / self.rate

    def sf(self, y: np.ndarray) -> np.ndarray:
        """Survival function of the mixture severity."""
        return self._mix("sf", y)

    def pdf(self, y: np.ndarray) -> np.ndarray:
        """Density of the mixture severity."""
        return self._mix("pdf", y)

    def start(self, tail: float) -> float:
        """A first guess of the quantile with exceedance ``tail``.

        The largest single-category single-loss approximation ``isf_c(tail / rate_c)`` (a
        lower bound of the mixture's).
        """
        guesses = [
            float(sev.isf(min(tail / lam, 0.5)))
            for sev, lam in zip(self.severities, self.rates, strict=True)
        ]
        x0 = max(guesses)
        return x0 if 0.0 < x0 < math.inf else 1.0


def _point_mass(sev: Severity) -> Capped | None:
    """The first cap with positive mass found in ``sev`` or in the severities it wraps."""
    if isinstance(sev, Capped) and float(sev.base.sf(sev.limit)) > 0.0:
        return sev
    if dataclasses.is_dataclass(sev):
        for f in dataclasses.fields(sev):
            inner = getattr(sev, f.name)
            if isinstance(inner, Severity):
                found = _point_mass(inner)
                if found is not None:
                    return found
    return None


def _mixture_of(model: LossModel) -> _Mixture:
    """Check that ``model`` is one the estimator serves and return its total as a mixture."""
    if not isinstance(model, LossModel):
        raise TypeError(f"model: expected a LossModel, got {type(model).__name__}")
    if model.dependence is not None:
        raise ValueError(
            f"model: conditional Monte Carlo needs independent categories, but the model has "
            f"dependence={model.dependence!r}; use riskmodel.simulate"
        )
    sevs, rates = [], []
    for name, (freq, sev) in model.categories.items():
        if not isinstance(freq, Poisson):
            raise ValueError(
                f"model: category {name!r} has frequency {freq!r}; conditional Monte Carlo "
                "needs Poisson counts in every category; use riskmodel.simulate"
            )
        cap = _point_mass(sev)
        if cap is not None:
            raise ValueError(
                f"model: the severity of category {name!r} has a point mass at the cap "
                f"{cap.limit:g} ({cap!r}); conditional Monte Carlo needs continuous severities: "
                "use riskmodel.simulate, or truncate at the limit instead of capping"
            )
        if freq.rate > 0:
            sevs.append(sev)
            rates.append(float(freq.rate))
    if not rates:
        raise ValueError("model: every category has Poisson rate 0, so the total is 0")
    return _Mixture(tuple(sevs), np.array(rates))


# ---------------------------------------------------------------------- simulated years
@dataclass(frozen=True, eq=False)
class _Block:
    """One block of years.

    A year without losses has Z = D = 0 and one with a single loss has Z = sf(x), D = pdf(x)
    whatever was drawn, so only their numbers are kept; the years with N >= 2 are kept as
    (N, S_{N-1}, M_{N-1}).
    """

    years: int
    singles: int  # years with N = 1
    count: np.ndarray  # N >= 2, int32
    head_sum: np.ndarray  # S_{N-1}
    head_max: np.ndarray  # M_{N-1}

    @property
    def with_loss(self) -> int:
        """Years with N >= 1."""
        return self.singles + self.count.size


def _split(gen: np.random.Generator, total: np.ndarray, rates: np.ndarray) -> list[np.ndarray]:
    """Multinomial split of each ``total`` over the categories, by successive binomials.

    The probabilities are ``rates / sum``.
    """
    if len(rates) == 1:
        return [total]
    remaining = np.cumsum(rates[::-1])[::-1]  # sum of the rates from c on
    out, left = [], total
    for lam, rest in zip(rates[:-1], remaining[:-1], strict=True):
        k = gen.binomial(left, min(lam / rest, 1.0))
        out.append(k)
        left = left - k
    out.append(left)
    return out


def _draw_block(mix: _Mixture, gen: np.random.Generator, years: int) -> _Block:
    """Simulate ``years`` years: the count, then the sum and maximum of all losses but one."""
    count = gen.poisson(mix.rate, years)
    singles = int(np.count_nonzero(count == 1))
    count = count[count > 1]
    head_sum, head_max = np.zeros(count.size), np.zeros(count.size)
    for sev, k in zip(mix.severities, _split(gen, count - 1, mix.rates), strict=True):
        losses = np.asarray(sev.sample(int(k.sum()), gen), dtype=float)
        segment_sum_max(losses, k, head_sum, head_max)
    return _Block(years, singles, count.astype(np.int32), head_sum, head_max)


def _pilot(blocks: list[_Block]) -> _Block | None:
    """A small share of the first block, which only gives the root finder its start.

    Its first rows, with proportional numbers of years and of single-loss years; ``None``
    where it would be all the years.
    """
    first = blocks[0]
    share = max(PILOT_MIN_YEARS, sum(b.with_loss for b in blocks) // PILOT_SHARE) / max(
        first.with_loss, 1
    )
    if share >= 1.0:
        return None if len(blocks) == 1 else first
    rows = math.ceil(share * first.count.size)
    return _Block(
        max(1, round(share * first.years)),
        round(share * first.singles),
        first.count[:rows],
        first.head_sum[:rows],
        first.head_max[:rows],
    )


# ---------------------------------------------------------------------- the estimator at x
class _Moments(Moments):
    """The moments of ``[Z(x), D(x)]`` over a set of years."""

    @property
    def exceedance(self) -> float:
        """Estimated P(S > x)."""
        return float(self.mean[0])

    @property
    def density(self) -> float:
        """Estimated density of S at x."""
        return float(self.mean[1])

    @property
    def se(self) -> float:
        """Standard error of :attr:`exceedance`."""
        return math.sqrt(float(self.var[0]) / self.n)

    @property
    def density_se(self) -> float:
        """Standard error of :attr:`density`."""
        return math.sqrt(float(self.var[1]) / self.n)


def _moments(mix: _Mixture, block: _Block, x: float) -> _Moments:
    """Z(x) and D(x) over the years of ``block`` (those without a loss contribute 0)."""
    rest = x - block.head_sum
    z = block.count * mix.sf(np.maximum(block.head_max, rest))
    live = rest > block.head_max
    d = block.count[live] * mix.pdf(rest[live]) if live.any() else np.zeros(0)
    at = np.array([x])
    single = np.concatenate([mix.sf(at), mix.pdf(at) if x > 0 else [0.0]])  # Z, D when N = 1
    mean = (np.array([z.sum(), d.sum()]) + block.singles * single) / block.years
    zeros = block.years - block.singles - np.array([z.size, d.size])
    m2 = (
        np.array([np.sum((z - mean[0]) ** 2), np.sum((d - mean[1]) ** 2)])
        + block.singles * (single - mean) ** 2
        + zeros * mean**2
    )
    return _Moments(block.years, mean, m2)


def _pooled(pool: ThreadPoolExecutor, mix: _Mixture, blocks: list[_Block], x: float) -> _Moments:
    """Z(x) and D(x) over ``blocks``, merged in block order (independent of the threads)."""
    return _Moments.pooled(list(pool.map(lambda blk: _moments(mix, blk, x), blocks)))


# ---------------------------------------------------------------------- root finding
def _newton(x: float, est: _Moments, target: float) -> float:
    """Newton step for log mean Z = log target in log x (``nan`` without a positive slope)."""
    g, d = est.exceedance, est.density
    if not (g > 0.0 and d > 0.0):
        return math.nan
    shift = (math.log(g) - math.log(target)) * g / (x * d)
    return x * math.exp(min(max(shift, -20.0), 20.0))


def _solve(
    evaluate: Callable[[float], _Moments], target: float, x0: float, tol: float
) -> tuple[float, _Moments, int, bool]:
    """Safeguarded Newton for ``evaluate(x).exceedance == target`` with ``x > 0``.

    The mean of Z is continuous and non-increasing in x. Each evaluation narrows a bracket
    [lo, hi]; a Newton step (in log-log coordinates, nearly linear for heavy tails) that
    leaves it is replaced by a geometric bisection, or by a factor of 4 while a side is open.
    Accepted when the next step is below ``tol`` standard errors of the root.

    Returns
    -------
    (x, moments at x, evaluations, converged)
    """
    lo, hi, x = 0.0, math.inf, x0
    est = evaluate(x)
    for it in range(1, MAX_ITER + 1):
        if est.exceedance > target:
            lo = x
        else:
            hi = x
        step = _newton(x, est, target)
        se_x = est.se / est.density if est.density > 0 else math.inf
        if abs(step - x) <= max(tol * se_x, 1e-13 * x) or hi - lo <= 1e-13 * lo:
            return x, est, it, True
        if not lo < step < hi:
            step = math.sqrt(lo * hi) if 0.0 < lo and hi < math.inf else (x * 4 if lo else x / 4)
        x = step
        est = evaluate(x)
    return x, est, MAX_ITER, False


# ---------------------------------------------------------------------- checks
def _settings(
    n_sims: int, level: float, block_size: int, n_threads: int | None
) -> tuple[int, list[int], int]:
    """Checked run settings: ``(n_sims, block sizes, threads)``."""
    n_sims = check_count(n_sims, "n_sims")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: must lie in (0, 1), got {level}")
    sizes = block_sizes(0, n_sims, check_count(block_size, "block_size"))
    return n_sims, sizes, resolve_threads(n_threads)


def _provenance(
    root: np.random.SeedSequence,
    n_sims: int,
    block_size: int,
    threads: int,
    with_loss: int,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "seed": seed_of(root),
        "spawn_key": list(root.spawn_key),
        "n_sims": n_sims,
        "block_size": int(block_size),
        "n_threads": threads,
        "method": METHOD,
        "years_with_loss": int(with_loss),
        **extra,
        "version": __version__,
    }


def _warn_if_few(with_loss: int, n_sims: int) -> None:
    if with_loss < MIN_YEARS_WITH_LOSS:
        warnings.warn(
            f"only {with_loss} of the {n_sims:,} simulated years have a loss (fewer than "
            f"{MIN_YEARS_WITH_LOSS}): the estimates and their standard errors are unreliable; "
            "simulate more years",
            RiskModelWarning,
            stacklevel=3,
        )


# ---------------------------------------------------------------------- public functions
def exceedance_probability(
    model: LossModel,
    x: ArrayLike,
    n_sims: int,
    *,
    rng: RNGLike = None,
    level: float = 0.95,
    block_size: int = BLOCK_SIZE,
    n_threads: int | None = None,
) -> TailProbability:
    """P(S > x) of the gross annual total by conditional Monte Carlo (Asmussen-Kroese).

    Serves the models :func:`tail_quantile` serves (see there and the module notes).

    Parameters
    ----------
    model : LossModel
        Independent Poisson categories with severities without point masses.
    x : float or array_like
        Thresholds, finite and >= 0.
    n_sims : int
        Simulated years. Memory stays bounded: each block of years is reduced before the next.
    rng, block_size, n_threads
        As for :func:`tail_quantile`: the result depends only on (seed, n_sims, block_size).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    TailProbability

    Raises
    ------
    ValueError
        For a model the estimator does not serve (dependence, a non-Poisson count, a capped
        severity, total rate 0), a negative or non-finite ``x``, ``n_sims < 1``, or ``level``
        outside (0, 1).

    Examples
    --------
    >>> from riskmodel import LossModel
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(5.0), LogNormal(0.0, 1.0))})
    >>> t = exceedance_probability(m, [30.0, 45.0], 100_000, rng=1)
    >>> bool(t.estimate[0] > t.estimate[1] > 0)
    True
    >>> bool((t.variance_ratio > 10).all())
    True
    """
    t0 = time.perf_counter()
    mix = _mixture_of(model)
    xs = np.atleast_1d(np.array(x, dtype=float)).ravel()
    bad = np.flatnonzero(~(np.isfinite(xs) & (xs >= 0)))
    if bad.size:
        raise ValueError(f"x: must be finite and >= 0, got x[{bad[0]}] = {xs[bad[0]]}")
    n_sims, sizes, threads = _settings(n_sims, level, block_size, n_threads)
    root = as_seed_sequence(rng)

    def block(b: int, years: int) -> tuple[int, list[_Moments]]:
        blk = _draw_block(mix, block_generator(root, b), years)
        return blk.with_loss, [_moments(mix, blk, xi) for xi in xs]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        counts, per_block = zip(*pool.map(block, range(len(sizes)), sizes), strict=True)
    _warn_if_few(sum(counts), n_sims)
    moments = [_Moments.pooled(list(col)) for col in zip(*per_block, strict=True)]
    prov = _provenance(root, n_sims, block_size, threads, sum(counts))
    return _probability_result(xs, moments, level, t0, prov)


def _probability_result(
    xs: np.ndarray, moments: list[_Moments], level: float, t0: float, prov: dict[str, Any]
) -> TailProbability:
    """Assemble the :class:`TailProbability` (read-only arrays)."""
    est = np.array([m.exceedance for m in moments])
    var = np.array([float(m.var[0]) for m in moments])
    se = np.sqrt(var / moments[0].n)
    half = z_value(level) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(var > 0, est * (1.0 - est) / var, np.inf)
    arrays = {
        "x": xs,
        "estimate": est,
        "se": se,
        "density": np.array([m.density for m in moments]),
        "density_se": np.array([m.density_se for m in moments]),
        "variance_ratio": ratio,
    }
    ci = (np.clip(est - half, 0.0, 1.0), np.clip(est + half, 0.0, 1.0))
    for arr in (*arrays.values(), *ci):
        arr.setflags(write=False)
    return TailProbability(
        **arrays,
        ci=ci,
        level=float(level),
        n_sims=moments[0].n,
        elapsed_s=time.perf_counter() - t0,
        provenance=prov,
    )


def tail_quantile(
    model: LossModel,
    p: float,
    n_sims: int,
    *,
    rng: RNGLike = None,
    level: float = 0.95,
    block_size: int = BLOCK_SIZE,
    n_threads: int | None = None,
) -> TailQuantile:
    """VaR of the gross annual total at a high level ``p`` by conditional Monte Carlo.

    For models whose categories are independent, with Poisson counts and continuous
    severities: the gross total, with the point parameters (``model.uncertainty`` is not
    used). :func:`riskmodel.simulate` handles everything else (dependence, other counts, caps,
    insurance, parameter uncertainty). See the module notes for the estimator.

    Parameters
    ----------
    model : LossModel
        Independent categories (``dependence=None``), each a
        :class:`~riskmodel.frequency.Poisson` count and a severity without point masses.
    p : float
        Probability level in (0, 1), e.g. 0.999; ``1 - p`` must lie below
        ``P(S > 0) = 1 - exp(-rate)``.
    n_sims : int
        Simulated years. Those with two or more losses are kept in memory as
        (N, S_{N-1}, M_{N-1}), 20 bytes each, which is fine because each simulated year is
        worth ``variance_ratio`` (typically hundreds of) plain years; those with no loss or a
        single loss are only counted.
    rng : int, Generator, SeedSequence or None
        Seed (SPEC 7). The result depends only on (seed, n_sims, block_size).
    level : float
        Confidence level of the interval.
    block_size : int
        Years per block (each block has its own random stream).
    n_threads : int, optional
        Worker threads (default: as :func:`riskmodel.simulate`). Does not change results.

    Returns
    -------
    TailQuantile

    Raises
    ------
    ValueError
        For a model the estimator does not serve (dependence, a non-Poisson count, a capped
        severity, total rate 0), ``p`` outside (0, 1) or with ``1 - p >= P(S > 0)`` (the
        quantile is then 0), ``n_sims < 1``, or ``level`` outside (0, 1).

    Warns
    -----
    RiskModelWarning
        When fewer than 100 years have a loss, or the density estimate at the root is not
        positive (the standard error is then infinite).
    ConvergenceWarning
        When the root finder does not meet its tolerance.

    Notes
    -----
    The root of the estimated exceedance curve is found on the same simulated years throughout
    (common random numbers): first on a small share of them (1/64, at least 4096 years with a
    loss), started from the largest single-category single-loss approximation, then refined by
    Newton steps on all of them.
    The standard error is the delta method's; see the module notes.

    Examples
    --------
    >>> from riskmodel import LossModel
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(5.0), LogNormal(0.0, 1.0))})
    >>> q = tail_quantile(m, 0.999, 200_000, rng=1)
    >>> round(q.value, 1), round(q.se, 2)
    (45.9, 0.06)
    >>> bool(q.variance_ratio > 50)
    True
    """
    t0 = time.perf_counter()
    mix = _mixture_of(model)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p: must lie in (0, 1), got {p}")
    target = 1.0 - float(p)
    if target >= -math.expm1(-mix.rate):
        raise ValueError(
            f"p: 1 - p = {target:g} is not below P(S > 0) = 1 - exp(-{mix.rate:g}) = "
            f"{-math.expm1(-mix.rate):.6g}: the {p:g}-quantile is 0 (a year without losses)"
        )
    n_sims, sizes, threads = _settings(n_sims, level, block_size, n_threads)
    root = as_seed_sequence(rng)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        blocks = list(
            pool.map(
                lambda b, n: _draw_block(mix, block_generator(root, b), n),
                range(len(sizes)),
                sizes,
            )
        )
        with_loss = sum(b.with_loss for b in blocks)
        _warn_if_few(with_loss, n_sims)
        x0, pilot = mix.start(target), _pilot(blocks)
        if pilot is not None:
            x0 = _solve(lambda x: _moments(mix, pilot, x), target, x0, PILOT_STEP_TOL)[0]
        value, est, evals, converged = _solve(
            lambda x: _pooled(pool, mix, blocks, x), target, x0, STEP_TOL
        )
    prov = _provenance(root, n_sims, block_size, threads, with_loss, evaluations=evals)
    return _quantile_result(p, level, value, est, converged, t0, prov)


def _quantile_result(
    p: float,
    level: float,
    value: float,
    est: _Moments,
    converged: bool,
    t0: float,
    prov: dict[str, Any],
) -> TailQuantile:
    """Assemble the :class:`TailQuantile`, warning where the result is not trustworthy."""
    if not converged:
        warnings.warn(
            f"tail_quantile: the root finder stopped after {MAX_ITER} evaluations without "
            "meeting its tolerance; the result is flagged converged=False",
            ConvergenceWarning,
            stacklevel=3,
        )
    if est.density > 0:
        se = est.se / est.density
    else:
        se = math.inf
        warnings.warn(
            f"tail_quantile: the density estimate at the {p:g}-quantile {value:.6g} is "
            f"{est.density:g}, not positive: the standard error is infinite; simulate more years",
            RiskModelWarning,
            stacklevel=3,
        )
    half = z_value(level) * se
    return TailQuantile(
        p=float(p),
        value=float(value),
        se=float(se),
        ci=(float(value - half), float(value + half)),
        level=float(level),
        exceedance=est.exceedance,
        exceedance_se=est.se,
        density=est.density,
        density_se=est.density_se,
        variance_ratio=p * (1.0 - p) / float(est.var[0]) if est.var[0] > 0 else math.inf,
        n_sims=est.n,
        converged=bool(converged),
        elapsed_s=time.perf_counter() - t0,
        provenance=prov,
    )
