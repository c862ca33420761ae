"""Spliced (composite) severity: a body below a threshold and a tail above it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._base import Severity
from ._wrappers import Truncated

__all__ = ["Spliced"]


@dataclass(frozen=True)
class Spliced(Severity):
    r"""A body distribution below a threshold spliced to a tail distribution above it.

    Parameters
    ----------
    body : Severity
        Distribution of the losses at or below ``threshold``; it is used conditioned on
        :math:`X \le u` (truncated at the threshold), so any family will do.
    tail : Severity
        Distribution of the losses above ``threshold``: typically a
        ``GeneralizedPareto(xi, sigma, threshold=u)`` or a ``Pareto(alpha, xm=u)``, which start
        at the threshold; any other distribution is used conditioned on :math:`X > u`. Its
        support must not start above the threshold.
    threshold : float
        The splice point :math:`u > 0`.
    weight : float, optional
        :math:`w = P(X \le u)`, in (0, 1). By default the body's own :math:`F_b(u)`, which makes
        the spliced model equal to the untruncated body below the threshold. Estimated from
        data, it is the fraction of losses at or below the threshold
        (:meth:`empirical_weight`).

    Notes
    -----
    With :math:`f_b, F_b, S_b` the body and :math:`f_t, S_t` the tail (each conditioned on its
    side of the threshold):

    .. math:: f(x) = \begin{cases} w f_b(x) & x \le u \\ (1-w) f_t(x) & x > u\end{cases},
              \qquad
              S(x) = \begin{cases} (1-w) + w S_b(x) & x \le u \\ (1-w) S_t(x) & x > u\end{cases}

    so :math:`E[X^k] = w E_b[X^k] + (1-w)E_t[X^k]` (infinite with the tail's), and
    :math:`E[X \wedge d] = w E_b[X \wedge d] + (1-w)d` for :math:`d \le u`,
    :math:`w E_b[X] + (1-w)E_t[X \wedge d]` above. The density jumps at the threshold unless
    the weight is chosen to make it continuous.

    **Fitting.** The likelihood factorises into a body part (the losses at or below :math:`u`,
    density :math:`f_b(x)/F_b(u)`: right truncation at :math:`u`), a tail part (the losses above
    :math:`u`, left-truncated there) and a binomial part for :math:`w`, whose maximum is the
    fraction of losses at or below the threshold. :func:`riskmodel.fit.fit_spliced` maximises
    each part separately, which maximises the whole; the threshold is either chosen
    beforehand (e.g. from a mean-excess or stability plot) or, with ``threshold="auto"``,
    by likelihood over candidate splice points (and then counted as a parameter).

    References
    ----------
    K. Cooray and M. M. A. Ananda (2005), "Modeling actuarial data with a composite
    lognormal-Pareto model", *Scandinavian Actuarial Journal* 2005(5), 321-334.
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models*, 4th ed., section 5.2.6
    (spliced distributions).

    Examples
    --------
    >>> from riskmodel.severity import LogNormal, GeneralizedPareto
    >>> d = Spliced(LogNormal(13.0, 1.5), GeneralizedPareto(0.7, 5e6, threshold=1e7), 1e7,
    ...             weight=0.9)
    >>> round(d.sf(1e7), 12)
    0.1
    """

    body: Severity
    tail: Severity
    threshold: float
    weight: float | None = None

    def __post_init__(self) -> None:
        u = float(self.threshold)
        object.__setattr__(self, "threshold", u)
        if not (u > 0 and math.isfinite(u)):
            raise ValueError(f"Spliced: threshold must be positive and finite, got {u}")
        for role in ("body", "tail"):
            if not isinstance(getattr(self, role), Severity):
                raise TypeError(f"Spliced: {role} must be a Severity, got {getattr(self, role)!r}")
        b_lo, _ = self.body._support()
        if not b_lo < u:
            raise ValueError(f"Spliced: the body's support starts at {b_lo:g}, not below {u:g}")
        t_lo, t_hi = self.tail._support()
        if t_lo > u:
            raise ValueError(
                f"Spliced: the tail's support starts at {t_lo:g}, above the threshold {u:g} "
                "(give a tail with threshold/xm equal to the threshold)"
            )
        if not t_hi > u:
            raise ValueError(f"Spliced: the tail puts no probability above the threshold {u:g}")
        if self.weight is None:
            w = float(self.body.cdf(u))
            if not 0.0 < w < 1.0:
                raise ValueError(
                    f"Spliced: the body's cdf at the threshold is {w}; give weight in (0, 1)"
                )
        else:
            w = float(self.weight)
            object.__setattr__(self, "weight", w)
            if not 0.0 < w < 1.0:
                raise ValueError(f"Spliced: weight must lie in (0, 1), got {w}")
        body_c = self.body if float(self.body.sf(u)) == 0.0 else Truncated(self.body, upper=u)
        tail_c = self.tail if float(self.tail.logsf(u)) == 0.0 else Truncated(self.tail, lower=u)
        # derived, not fields: equality, repr and dataclasses.replace see the arguments only
        object.__setattr__(self, "_w", w)
        object.__setattr__(self, "_body_c", body_c)
        object.__setattr__(self, "_tail_c", tail_c)

    # ------------------------------------------------------------------ properties
    @property
    def body_weight(self) -> float:
        """:math:`P(X \\le u)`: the given weight, or the body's cdf at the threshold."""
        return self._w

    @property
    def params(self) -> dict[str, float]:
        out = {"threshold": self.threshold, "weight": self._w}
        out.update({f"body.{k}": v for k, v in self.body.params.items()})
        out.update({f"tail.{k}": v for k, v in self.tail.params.items()})
        return out

    # ------------------------------------------------------------------ primitives
    def _support(self):
        return self._body_c._support()[0], self._tail_c._support()[1]

    def _split(self, x: np.ndarray) -> np.ndarray:
        return x <= self.threshold

    def _logpdf(self, x):
        b = self._split(x)
        out = np.empty(x.shape)
        out[b] = math.log(self._w) + np.asarray(self._body_c.logpdf(x[b]))
        out[~b] = math.log1p(-self._w) + np.asarray(self._tail_c.logpdf(x[~b]))
        return out

    def _logsf(self, x):
        b = self._split(x)
        out = np.empty(x.shape)
        out[b] = np.logaddexp(
            math.log1p(-self._w), math.log(self._w) + np.asarray(self._body_c.logsf(x[b]))
        )
        out[~b] = math.log1p(-self._w) + np.asarray(self._tail_c.logsf(x[~b]))
        return out

    def _logcdf(self, x):
        b = self._split(x)
        out = np.empty(x.shape)
        out[b] = math.log(self._w) + np.asarray(self._body_c.logcdf(x[b]))
        out[~b] = np.logaddexp(
            math.log(self._w), math.log1p(-self._w) + np.asarray(self._tail_c.logcdf(x[~b]))
        )
        return out

    def _isf(self, q):
        p_tail = 1.0 - self._w
        t = q <= p_tail
        out = np.empty(q.shape)
        out[t] = self._tail_c.isf(q[t] / p_tail)
        out[~t] = self._body_c.isf(np.clip((q[~t] - p_tail) / self._w, 0.0, 1.0))
        return out

    def _ppf(self, p):
        b = p <= self._w
        out = np.empty(p.shape)
        out[b] = self._body_c.ppf(p[b] / self._w)
        out[~b] = self._tail_c.isf(np.clip((1.0 - p[~b]) / (1.0 - self._w), 0.0, 1.0))
        return out

    def _body_mean(self) -> float:
        return float(self._body_c.lev(self.threshold))

    def _raw_moment(self, k: int) -> float:
        tail_k = float(self._tail_c._raw_moment(k))
        if not math.isfinite(tail_k):
            return math.inf
        body_k = self._body_mean() if k == 1 else float(self._body_c._raw_moment(k))
        return self._w * body_k + (1.0 - self._w) * tail_k

    def _var(self) -> float:
        w = self._w
        mb, mt = self._body_mean(), float(self._tail_c._raw_moment(1))
        vb, vt = float(self._body_c._var()), float(self._tail_c._var())
        return w * vb + (1.0 - w) * vt + w * (1.0 - w) * (mb - mt) ** 2

    def _lev(self, d):
        b = self._split(d)
        out = np.empty(d.shape)
        w = self._w
        out[b] = w * np.asarray(self._body_c.lev(d[b])) + (1.0 - w) * d[b]
        out[~b] = w * self._body_mean() + (1.0 - w) * np.asarray(self._tail_c.lev(d[~b]))
        return out

    def __repr__(self) -> str:
        weight = "" if self.weight is None else f", weight={self.weight:g}"
        return f"Spliced({self.body!r}, {self.tail!r}, threshold={self.threshold:g}{weight})"

    # ------------------------------------------------------------------ estimation
    @staticmethod
    def empirical_weight(losses, threshold: float) -> float:
        """Fraction of ``losses`` at or below ``threshold``: the maximum-likelihood weight.

        Examples
        --------
        >>> Spliced.empirical_weight([1.0, 2.0, 3.0, 10.0], 2.5)
        0.5
        """
        x = np.asarray(losses, dtype=float)
        if x.ndim != 1 or x.size == 0:
            raise ValueError(f"losses: expected a non-empty 1-d array, got shape {x.shape}")
        return float(np.mean(x <= float(threshold)))
