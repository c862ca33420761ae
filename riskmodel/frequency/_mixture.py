"""Equal-weight mixtures of Poisson or negative binomial counts (predictive distributions)."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy import stats

from ._base import Frequency, _as_array, _check_prob, _out, check_nonnegative

__all__ = ["Mixture"]


class Mixture(Frequency):
    r"""Equal-weight mixture of Poisson or NB2 counts: a distribution mixed over parameters.

    Parameters
    ----------
    means : array_like
        Component means (>= 0), e.g. draws of the mean from the estimation uncertainty.
    shapes : array_like, optional
        Component NB2 shapes (> 0), same length; omitted for Poisson components.

    Notes
    -----
    :math:`P(N = k) = \frac1m \sum_{j=1}^m P(N_j = k)`. Mean :math:`\bar\mu`; variance
    :math:`\frac1m\sum_j \operatorname{Var} N_j + \frac1m\sum_j(\mu_j - \bar\mu)^2`.
    :meth:`ppf` searches the whole numbers by bisection on the mixture's distribution
    function (the smallest k with :math:`P(N \le k) \ge q`). The simulation engine draws a
    mixture's counts by inversion of a table of its exact cdf (the component is not drawn:
    the table already mixes them), or through :meth:`sample` where that table would be too
    large (means of tens of thousands).

    Examples
    --------
    >>> m = Mixture([1.0, 3.0])
    >>> m.mean(), m.var()
    (2.0, 3.0)
    """

    param_names: ClassVar[tuple[str, ...]] = ("means", "shapes")

    def __init__(self, means, shapes=None) -> None:
        mu = np.array(means, dtype=float).ravel()
        if mu.size == 0 or not np.isfinite(mu).all() or (mu < 0).any():
            raise ValueError("Mixture: means must be a non-empty array of finite numbers >= 0")
        if shapes is not None:
            r = np.array(shapes, dtype=float).ravel()
            if r.shape != mu.shape:
                raise ValueError(f"Mixture: shapes must have {mu.size} values like means")
            if not np.isfinite(r).all() or (r <= 0).any():
                raise ValueError("Mixture: shapes must be finite numbers > 0")
            r.setflags(write=False)
        else:
            r = None
        mu.setflags(write=False)
        object.__setattr__(self, "_means", mu)
        object.__setattr__(self, "_shapes", r)

    def __setattr__(self, name, value):
        raise AttributeError(f"Mixture is immutable: cannot set {name!r}")

    @property
    def means(self) -> np.ndarray:
        """Component means (read-only)."""
        return self._means

    @property
    def shapes(self) -> np.ndarray | None:
        """Component NB2 shapes (read-only), None for Poisson components."""
        return self._shapes

    @property
    def params(self) -> dict[str, np.ndarray | None]:
        """``{"means": ..., "shapes": ...}``."""
        return {"means": self._means, "shapes": self._shapes}

    def __repr__(self) -> str:
        comp = "Poisson" if self._shapes is None else "NegativeBinomial"
        return f"Mixture({self._means.size} {comp} components, mean {self.mean():.6g})"

    def _component_cdf(self, k, part: slice = slice(None)) -> np.ndarray:
        mu = self._means[part]
        if self._shapes is None:
            return stats.poisson.cdf(k, mu)
        r = self._shapes[part]
        return stats.nbinom.cdf(k, r, r / (r + mu))

    def _cdf1(self, k: float) -> float:
        return float(np.mean(self._component_cdf(k))) if k >= 0 else 0.0

    def pmf(self, k):
        """P(N = k), the average of the components' probabilities."""
        k = _as_array(k, "k")
        if self._shapes is None:
            p = stats.poisson.pmf(k[..., None], self._means)
        else:
            p = stats.nbinom.pmf(
                k[..., None], self._shapes, self._shapes / (self._shapes + self._means)
            )
        return _out(p.mean(axis=-1))

    def logpmf(self, k):
        """Log of :meth:`pmf`."""
        with np.errstate(divide="ignore"):
            return _out(np.log(np.asarray(self.pmf(k))))

    def cdf(self, k):
        """P(N <= k), the average of the components' distribution functions."""
        k = np.floor(_as_array(k, "k"))
        flat = k.ravel()
        total = np.zeros(flat.shape)
        m = self._means.size
        step = max(1, (1 << 22) // max(flat.size, 1))  # at most ~4M values at once
        for j0 in range(0, m, step):
            total += self._component_cdf(flat[:, None], slice(j0, j0 + step)).sum(axis=1)
        return _out((total / m).reshape(k.shape))

    def sf(self, k):
        """P(N > k), the average of the components' survival functions."""
        k = _as_array(k, "k")
        if self._shapes is None:
            s = stats.poisson.sf(k[..., None], self._means)
        else:
            s = stats.nbinom.sf(
                k[..., None], self._shapes, self._shapes / (self._shapes + self._means)
            )
        return _out(s.mean(axis=-1))

    def ppf(self, q):
        """Smallest whole k with P(N <= k) >= q (``inf`` at q = 1, -1 at q = 0)."""
        q = _check_prob(q)
        return _out(np.vectorize(self._ppf1, otypes=[float])(q))

    def isf(self, q):
        """Smallest whole k with P(N > k) <= q."""
        return self.ppf(1.0 - _check_prob(q))

    def _ppf1(self, q: float) -> float:
        if q <= 0.0:
            return -1.0
        if q >= 1.0:
            return math.inf
        if self._cdf1(0) >= q:
            return 0.0
        lo, hi = 0, 1
        while self._cdf1(hi) < q:
            lo, hi = hi, 2 * hi
        while hi - lo > 1:  # cdf(lo) < q <= cdf(hi)
            mid = (lo + hi) // 2
            if self._cdf1(mid) >= q:
                hi = mid
            else:
                lo = mid
        return float(hi)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        j = rng.integers(0, self._means.size, size=n)
        mu = self._means[j]
        if self._shapes is None:
            return rng.poisson(mu)
        r = self._shapes[j]
        return rng.poisson(rng.gamma(r, mu / r))

    def mean(self) -> float:
        """Average of the component means."""
        return float(self._means.mean())

    def var(self) -> float:
        """Mean of the component variances plus the variance of the component means."""
        v = self._means if self._shapes is None else self._means + self._means**2 / self._shapes
        return float(v.mean() + self._means.var())

    def pgf(self, z):
        """Average of the components' probability generating functions."""
        z = np.asarray(z, dtype=float)[..., None]
        if self._shapes is None:
            g = np.exp(self._means * (z - 1.0))
        else:
            g = (1.0 - (self._means / self._shapes) * (z - 1.0)) ** (-self._shapes)
        return _out(g.mean(axis=-1))

    def scaled(self, factor: float) -> Mixture:
        """Every component's mean multiplied by ``factor`` (NB shapes unchanged)."""
        factor = check_nonnegative("Mixture.scaled", "factor", factor)
        return Mixture(self._means * factor, self._shapes)
