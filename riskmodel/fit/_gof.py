r"""Goodness of fit for severity fits: EDF statistics and parametric-bootstrap p-values.

Every statistic is computed on the probability integral transform (PIT) of the losses under
the fitted *observed* model (truncated at each loss's reporting threshold, right-truncated at
its upper bound), so losses with different thresholds are tested together. With censoring at a
cap, the statistics integrate only up to the smallest PIT of a cap, where the empirical
distribution is still fully observed.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from .._errors import RiskModelWarning
from .._progress import Progress
from .._rng import RNGLike, as_seed_sequence, seed_of
from ..severity import Severity
from ._loglik import Design

if TYPE_CHECKING:
    from ._severity import SeverityFit

__all__ = ["TESTS", "GofResult", "edf_statistics", "gof_severity", "gof_statistics", "pit"]

#: the available tests, by short name
TESTS: dict[str, str] = {
    "ks": "Kolmogorov-Smirnov D",
    "cvm": "Cramer-von Mises W^2",
    "ad": "Anderson-Darling A^2",
    "adup": "upper-tail Anderson-Darling AD^2_up",
}


#: PIT values are kept at least this far from 0 and 1 (see edf_statistics)
_PIT_FLOOR = 1e-10


def _check_tests(tests) -> tuple[str, ...]:
    tests = tuple(tests)
    bad = [t for t in tests if t not in TESTS]
    if bad or not tests:
        raise ValueError(f"tests: unknown test(s) {bad}; choose from {list(TESTS)}")
    return tests


# ----------------------------------------------------------------------------- PIT
def pit(dist: Severity, design: Design) -> tuple[np.ndarray, np.ndarray, float, float]:
    r"""Probability integral transform of the losses under the observed model.

    Returns
    -------
    z, s : ndarray
        :math:`z_i = F_i(x_i)` and :math:`s_i = 1 - z_i`, both computed without cancellation,
        where :math:`F_i(x) = (S(t_i) - S(x)) / (S(t_i) - S(u_i))` is the distribution of
        loss ``i`` given its truncation interval :math:`(t_i, u_i]`. A censored loss gets the
        PIT of its cap.
    a, sa : float
        The smallest PIT of a cap (1 without caps) and one minus it: the EDF is observed on
        :math:`[0, a)`.
    """
    x = design.x
    n = x.size
    with np.errstate(all="ignore"):
        ls_x = np.asarray(dist.logsf(x), dtype=float).reshape(n)
        ls_t = (
            np.zeros(n)
            if design.lower is None
            else np.asarray(dist.logsf(design.lower), dtype=float).reshape(n)
        )
        if design.upper is None:
            b = np.zeros(n)
        else:
            up = design.upper
            ls_u = np.full(n, -np.inf)
            fin = np.isfinite(up)
            ls_u[fin] = np.asarray(dist.logsf(up[fin]), dtype=float).reshape(-1)
            b = np.exp(ls_u - ls_t)
        d = ls_x - ls_t
        z = -np.expm1(d) / (1.0 - b)
        s = (np.exp(d) - b) / (1.0 - b)
        a, sa = 1.0, 0.0
        if design.cap is not None:
            ls_c = np.asarray(dist.logsf(design.cap), dtype=float).reshape(n)
            dc = ls_c - ls_t
            zc = -np.expm1(dc) / (1.0 - b)
            sc = (np.exp(dc) - b) / (1.0 - b)
            j = int(np.argmin(zc))
            a, sa = float(zc[j]), float(sc[j])
    return np.clip(z, 0.0, 1.0), np.clip(s, 0.0, 1.0), a, sa


# ----------------------------------------------------------------------------- statistics
def edf_statistics(
    z: np.ndarray, s: np.ndarray | None = None, a: float = 1.0, sa: float = 0.0, tests=tuple(TESTS)
) -> dict[str, float]:
    r"""EDF goodness-of-fit statistics of PIT values against the uniform distribution.

    Parameters
    ----------
    z : array_like
        PIT values in [0, 1] (any order).
    s : array_like, optional
        ``1 - z`` computed accurately (default ``1 - z``).
    a, sa : float
        Upper limit of integration and ``1 - a`` (1 and 0 without censoring). Values at or
        above ``a`` (censored losses) count in ``n`` but not in the integrals.
    tests : sequence of str
        Among ``"ks" "cvm" "ad" "adup"``.

    Returns
    -------
    dict
        Statistic by test name.

    Notes
    -----
    With :math:`F_n` the EDF of the :math:`n` PIT values :math:`z_{(1)} \le \dots \le z_{(n)}`:

    - Kolmogorov-Smirnov: :math:`D = \sup_{u < a} |F_n(u) - u|`.
    - Cramer-von Mises: :math:`W^2 = n \int_0^a (F_n(u) - u)^2\,du`.
    - Anderson-Darling: :math:`A^2 = n \int_0^a \frac{(F_n(u) - u)^2}{u(1-u)}\,du`.
    - Upper-tail Anderson-Darling (Chernobai, Rachev & Fabozzi 2005), which weights the
      right tail, where reserve-relevant losses live:

      .. math:: AD^2_{up} = n \int_0^a \frac{(F_n(u) - u)^2}{(1-u)^2}\,du,

      which for :math:`a = 1` equals
      :math:`2\sum_{j=1}^n \log(1 - z_{(j)}) + \frac1n \sum_{j=1}^n \frac{1 + 2(n-j)}
      {1 - z_{(j)}}`.

    PIT values below :math:`10^{-10}` (or above :math:`1 - 10^{-10}`) are moved to that
    bound: a loss recorded exactly at its truncation point (a rounded amount) would otherwise
    make :math:`A^2` infinite; it still adds about :math:`23(2i-1)/n`, so heaping at the
    threshold shows up in the Anderson-Darling p-value.

    The integrals are evaluated exactly on the piecewise-constant EDF: on
    :math:`[z_{(i)}, z_{(i+1)})`, with :math:`c = i/n`, the antiderivatives are
    :math:`((u-c)^3)/3`, :math:`-u + c^2\log u - (1-c)^2\log(1-u)` and
    :math:`u + 2(1-c)\log(1-u) + (1-c)^2/(1-u)`. For :math:`a = 1` they reproduce the usual
    computing formulas (e.g. :math:`A^2 = -n - \frac1n\sum (2i-1)[\log z_{(i)} +
    \log(1 - z_{(n+1-i)})]`).

    References
    ----------
    .. [1] M. A. Stephens, "EDF statistics for goodness of fit and some comparisons",
       JASA 69 (1974) 730-737.
    .. [2] A. Chernobai, S. Rachev and F. Fabozzi, "Composite goodness-of-fit tests for
       left-truncated loss samples", Technical report, UC Santa Barbara (2005); also
       Chernobai, Rachev & Fabozzi, *Operational Risk* (Wiley, 2007), ch. 10.
    """
    z = np.asarray(z, dtype=float)
    s = 1.0 - z if s is None else np.asarray(s, dtype=float)
    # a loss exactly at its truncation point (a rounded amount) has z = 0 and would make A^2
    # infinite; PIT values closer than _PIT_FLOOR to 0 or 1 are moved to it
    z = np.maximum(z, _PIT_FLOOR)
    s = np.maximum(s, _PIT_FLOOR)
    n = z.size
    order = np.argsort(z, kind="stable")
    z, s = z[order], s[order]
    m = n if a >= 1.0 else int(np.searchsorted(z, a, side="left"))
    zi, si = z[:m], s[:m]
    left = np.concatenate([[0.0], zi])
    right = np.concatenate([zi, [a]])
    sl = np.concatenate([[1.0], si])
    sr = np.concatenate([si, [sa]])
    c = np.arange(m + 1) / n
    out: dict[str, float] = {}
    with np.errstate(all="ignore"):
        for t in tests:
            if t == "ks":
                i = np.arange(1, m + 1)
                cand = [0.0]
                if m:
                    cand += [float(np.max(i / n - zi)), float(np.max(zi - (i - 1) / n))]
                if a < 1.0:
                    cand.append(abs(m / n - a))
                out[t] = max(cand)
            elif t == "cvm":
                out[t] = float(n * np.sum(((right - c) ** 3 - (left - c) ** 3) / 3.0))
            elif t == "ad":

                def g(u, su, c=c):
                    return -u + special.xlogy(c * c, u) - special.xlogy((1 - c) ** 2, su)

                out[t] = float(n * np.sum(g(right, sr) - g(left, sl)))
            elif t == "adup":

                def h(u, su, c=c):
                    q = 1.0 - c
                    inv = np.where(q == 0, 0.0, q * q / np.where(su > 0, su, 1e-300))
                    return u + special.xlogy(2 * q, np.where(q == 0, 1.0, su)) + inv

                out[t] = float(n * np.sum(h(right, sr) - h(left, sl)))
            else:  # pragma: no cover - checked by callers
                raise ValueError(t)
    return out


def gof_statistics(
    dist: Severity, losses, *, truncation=None, upper=None, cap=None, tests=tuple(TESTS)
) -> dict[str, float]:
    """EDF statistics of losses against a given (fitted or hand-written) distribution.

    Parameters
    ----------
    dist : Severity
        The untruncated, uncapped distribution.
    losses : array_like
        Observed losses.
    truncation, upper, cap : float or array_like, optional
        The observation scheme, as in :func:`riskmodel.fit.fit_severity`.
    tests : sequence of str
        Among ``"ks" "cvm" "ad" "adup"``.

    Returns
    -------
    dict
        Statistic by test. No p-values: with parameters estimated from the same losses the
        classical tables do not apply; use :meth:`SeverityFit.gof` for bootstrap p-values.
    """
    from ._severity import check_losses

    tests = _check_tests(tests)
    x, lo, up, cp = check_losses(losses, truncation, upper, cap)
    z, s, a, sa = pit(dist, Design.make(x, lo, up, cp))
    return edf_statistics(z, s, a, sa, tests)


# ----------------------------------------------------------------------------- bootstrap
def sample_design(dist: Severity, design: Design, rng: np.random.Generator) -> np.ndarray:
    """Draw one loss per observation from ``dist`` under the design's truncation and caps."""
    n = design.n
    s_lo = np.ones(n) if design.lower is None else np.asarray(dist.sf(design.lower)).reshape(n)
    if design.upper is None:
        s_hi = np.zeros(n)
    else:
        s_hi = np.zeros(n)
        fin = np.isfinite(design.upper)
        s_hi[fin] = np.asarray(dist.sf(design.upper[fin])).reshape(-1)
    u = 1.0 - rng.random(n)  # (0, 1]
    q = np.clip(s_hi + u * (s_lo - s_hi), 0.0, 1.0)
    x = np.asarray(dist.isf(q), dtype=float).reshape(n)
    if design.lower is not None:
        x = np.maximum(x, design.lower)
    if design.upper is not None:
        x = np.minimum(x, design.upper)
    if design.cap is not None:
        x = np.minimum(x, design.cap)
    return x


@dataclass(frozen=True)
class GofResult:
    """Goodness-of-fit statistics with parametric-bootstrap p-values.

    Attributes
    ----------
    family : str
        Family of the fit that was tested.
    statistics, pvalues : dict
        By test name (``"ks" "cvm" "ad" "adup"``).
    n_boot : int
        Bootstrap replicates requested.
    n_failed : int
        Replicates whose refit failed (left out of the p-values, and warned about).
    boot : ndarray
        The bootstrap statistics, shape ``(n_boot, n_tests)``; NaN rows for failed refits.
    seed : int or list of int
        Entropy of the root SeedSequence (rerun with it to reproduce).
    elapsed : float
        Wall-clock seconds of the bootstrap.
    """

    family: str
    tests: tuple[str, ...]
    statistics: dict[str, float]
    pvalues: dict[str, float]
    n_boot: int
    n_failed: int
    seed: Any
    elapsed: float
    boot: np.ndarray = field(repr=False, compare=False)

    def summary(self) -> str:
        """A short table of statistics and p-values."""
        lines = [
            f"Goodness of fit: {self.family}  (parametric bootstrap, {self.n_boot} refits"
            + (f", {self.n_failed} failed" if self.n_failed else "")
            + ")",
            f"{'test':<40}{'statistic':>12}{'p-value':>10}",
        ]
        for t in self.tests:
            lines.append(f"{TESTS[t]:<40}{self.statistics[t]:>12.5g}{self.pvalues[t]:>10.4f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record."""
        return {
            "family": self.family,
            "tests": list(self.tests),
            "statistics": dict(self.statistics),
            "pvalues": dict(self.pvalues),
            "n_boot": self.n_boot,
            "n_failed": self.n_failed,
            "seed": self.seed,
            "elapsed": self.elapsed,
        }


def _replicate(fit: SeverityFit, tests: tuple[str, ...], child) -> np.ndarray:
    """One bootstrap replicate from its SeedSequence ``child``: the statistics of a refit to
    a sample from the fitted model (NaN when the refit fails)."""
    g = np.random.Generator(np.random.PCG64(child))
    try:
        with np.errstate(all="ignore"):
            xb = sample_design(fit.dist, fit.design, g)
            free, ok = fit.refit(xb)
            if not ok:
                return np.full(len(tests), np.nan)
            db = fit._space.dist(free)
            st = edf_statistics(*pit(db, fit.design.with_losses(xb)), tests=tests)
    except (ValueError, FloatingPointError, OverflowError, np.linalg.LinAlgError):
        return np.full(len(tests), np.nan)
    return np.array([st[t] for t in tests])


def _replicate_shared(shared, child) -> np.ndarray:
    return _replicate(*shared, child)


def gof_severity(
    fit: SeverityFit,
    n_boot: int = 999,
    rng: RNGLike = None,
    tests=tuple(TESTS),
    *,
    n_jobs: int = 1,
    progress: bool = False,
    backend: str = "numba",
    client=None,
) -> GofResult:
    r"""Goodness-of-fit tests of a severity fit, with parametric-bootstrap p-values.

    Parameters
    ----------
    fit : SeverityFit
        Result of :func:`riskmodel.fit.fit_severity`.
    n_boot : int, default 999
        Bootstrap replicates; ``0`` gives statistics only (p-values NaN).
    rng : int, Generator, SeedSequence or None
        Randomness (SPEC 7). Replicate ``b`` draws from child ``b`` of the root
        SeedSequence, so results do not depend on ``n_jobs``.
    tests : sequence of str
        Among ``"ks" "cvm" "ad" "adup"``.
    n_jobs : int, default 1
        Threads for the replicates.
    progress : bool, default False
        A progress bar of the refits on stderr (percentage, rate, time left).
    backend : {"numba", "dask"}
        ``"dask"``: the refits run as tasks on a Dask cluster (the fit scattered once); the
        result is the same as locally.
    client : dask.distributed.Client, optional
        The cluster of ``backend="dask"``; default: the current client.

    Returns
    -------
    GofResult

    Notes
    -----
    Each replicate draws one loss per observation from the fitted model under the same
    observation scheme (loss ``i`` from the fitted distribution truncated to
    :math:`(t_i, u_i]` and capped at :math:`c_i`), **refits** the family by maximum likelihood
    (warm-started at the original estimate, fixed parameters held) and recomputes the
    statistics on the PIT under the refitted model. The p-value is
    :math:`(1 + \#\{T_b \ge T\}) / (1 + B)` over the :math:`B` successful replicates; the
    refit makes it valid with estimated parameters (Stute, Gonzalez Manteiga & Presedo
    Quindimil 1993), and the design makes it respect truncation.

    References
    ----------
    .. [1] W. Stute, W. Gonzalez Manteiga and M. Presedo Quindimil, "Bootstrap based
       goodness-of-fit tests", Metrika 40 (1993) 243-256.
    """
    tests = _check_tests(tests)
    n_boot = int(n_boot)
    if n_boot < 0:
        raise ValueError(f"n_boot: must be >= 0, got {n_boot}")
    if int(n_jobs) < 1:
        raise ValueError(f"n_jobs: must be >= 1, got {n_jobs}")
    if backend not in ("numba", "dask"):
        raise ValueError(f"backend: must be 'numba' or 'dask', got {backend!r}")
    if client is not None and backend != "dask":
        raise ValueError("client: a Dask client is used only with backend='dask'")
    design = fit.design
    stat = edf_statistics(*pit(fit.dist, design), tests=tests)
    root = as_seed_sequence(rng)
    children = root.spawn(n_boot) if n_boot else []
    one = functools.partial(_replicate, fit, tests)

    t0 = time.perf_counter()
    with Progress(n_boot, "refits", f"bootstrap {fit.family}", enabled=progress) as bar:
        if backend == "dask" and children:  # refits as cluster tasks, the fit scattered once
            from ..engine._dask import map_chunks

            rows = map_chunks(_replicate_shared, (fit, tests), children, client)
            bar.update(n_boot)
        elif n_jobs == 1 or n_boot < 2:
            rows = []
            for c in children:
                rows.append(one(c))
                bar.update()
        else:
            rows = []
            with ThreadPoolExecutor(max_workers=int(n_jobs)) as ex:
                for row in ex.map(one, children):
                    rows.append(row)
                    bar.update()
    elapsed = time.perf_counter() - t0
    boot = np.array(rows).reshape(n_boot, len(tests))
    ok = np.all(np.isfinite(boot), axis=1)
    n_failed = int(n_boot - ok.sum())
    if n_failed:
        warnings.warn(
            f"gof({fit.family}): {n_failed} of {n_boot} bootstrap refits failed and were left "
            "out of the p-values",
            RiskModelWarning,
            stacklevel=2,
        )
    good = boot[ok]
    pvalues = {
        t: (
            float((1 + np.sum(good[:, j] >= stat[t])) / (1 + good.shape[0]))
            if good.shape[0]
            else math.nan
        )
        for j, t in enumerate(tests)
    }
    return GofResult(
        family=fit.family,
        tests=tests,
        statistics=stat,
        pvalues=pvalues,
        n_boot=n_boot,
        n_failed=n_failed,
        seed=seed_of(root),
        elapsed=elapsed,
        boot=boot,
    )
