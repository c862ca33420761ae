r"""Experience rating: blend an exchange's own incident history with the industry rate.

- :func:`poisson_gamma`: exact Bayesian (Poisson counts, gamma prior) credibility for one
  exchange, from a prior built on the (volume-scaled) industry rate.
- :func:`buhlmann_straub`: Bühlmann-Straub credibility with structural parameters estimated
  from a panel of exchanges x years with exposure weights.

Both report the credibility weight :math:`Z` of the exchange's own experience:
estimate = Z x own experience + (1 - Z) x collective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from .frequency import NegativeBinomial

__all__ = [
    "BuhlmannStraubResult",
    "PoissonGammaResult",
    "buhlmann_straub",
    "poisson_gamma",
]


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return x


# ------------------------------------------------------------------------- Poisson-gamma
@dataclass(frozen=True)
class PoissonGammaResult:
    r"""Posterior of an exchange's loss rate under a gamma prior (see :func:`poisson_gamma`).

    Attributes
    ----------
    estimate : float
        Posterior mean of the rate per unit of exposure (the credibility estimate).
    weight : float
        Credibility weight Z of the exchange's own rate.
    own_rate : float
        Observed rate ``total_count / total_exposure`` (NaN if no exposure).
    prior_mean, prior_shape, prior_rate : float
        The gamma prior: mean m, shape alpha, rate beta = alpha / m.
    total_count, total_exposure : float
        The exchange's experience.
    posterior_shape, posterior_rate : float
        ``prior_shape + total_count`` and ``prior_rate + total_exposure``.
    """

    estimate: float
    weight: float
    own_rate: float
    prior_mean: float
    prior_shape: float
    prior_rate: float
    total_count: float
    total_exposure: float
    posterior_shape: float
    posterior_rate: float

    @property
    def k(self) -> float:
        """Bühlmann's k = EPV / VHM, here the prior rate (exposure worth the prior)."""
        return self.prior_rate

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed posterior credible interval for the rate."""
        post = stats.gamma(self.posterior_shape, scale=1.0 / self.posterior_rate)
        return float(post.ppf((1 - level) / 2)), float(post.ppf((1 + level) / 2))

    def predictive(self, exposure: float = 1.0) -> NegativeBinomial:
        r"""Posterior predictive count for a period of ``exposure`` units (exact).

        :math:`N \mid \text{data} \sim \text{NB}(\text{mean} = e\,\hat\lambda,
        \text{shape} = \alpha + \sum n)`: the gamma posterior mixed with the Poisson.
        """
        e = _positive(exposure, "exposure")
        return NegativeBinomial(self.estimate * e, self.posterior_shape)

    def summary(self) -> str:
        """The blend in one table."""
        lo, hi = self.interval()
        return "\n".join(
            [
                "Poisson-gamma credibility (exact Bayes)",
                f"prior: Gamma(shape {self.prior_shape:.4g}, rate {self.prior_rate:.4g}), "
                f"mean {self.prior_mean:.4g}",
                f"experience: {self.total_count:g} events over exposure "
                f"{self.total_exposure:.4g} (own rate {self.own_rate:.4g})",
                f"credibility weight Z = {self.weight:.4f}",
                f"estimate = Z * own + (1 - Z) * prior = {self.estimate:.4g} "
                f"(95% credible interval {lo:.4g} to {hi:.4g})",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record."""
        return {
            "method": "poisson-gamma",
            "estimate": self.estimate,
            "weight": self.weight,
            "own_rate": self.own_rate,
            "prior_mean": self.prior_mean,
            "prior_shape": self.prior_shape,
            "prior_rate": self.prior_rate,
            "total_count": self.total_count,
            "total_exposure": self.total_exposure,
            "posterior_shape": self.posterior_shape,
            "posterior_rate": self.posterior_rate,
        }


def poisson_gamma(
    counts: ArrayLike,
    exposure: ArrayLike | None = None,
    *,
    prior_mean: float,
    prior_sd: float | None = None,
    prior_shape: float | None = None,
) -> PoissonGammaResult:
    r"""Credibility-weighted loss rate of one exchange: Poisson counts, gamma prior.

    Parameters
    ----------
    counts : int or array_like
        The exchange's event counts (whole numbers >= 0), one per period, or a total.
    exposure : float or array_like, optional
        Exposure of each period (or the total) in the units in which ``prior_mean`` is a
        rate, > 0 (0 allowed for a period with no activity). Default: 1 per entry of
        ``counts``.
    prior_mean : float
        Prior mean m of the exchange's rate per unit of exposure: usually the industry
        rate scaled to the exchange (:func:`riskmodel.exposure.scale_rate`).
    prior_sd : float, optional
        Prior standard deviation s of the rate: how far exchanges' true rates spread around
        m. Then shape :math:`\alpha = (m/s)^2`.
    prior_shape : float, optional
        Prior shape :math:`\alpha` directly (coefficient of variation :math:`1/\sqrt\alpha`).
        Give exactly one of ``prior_sd`` and ``prior_shape``.

    Returns
    -------
    PoissonGammaResult

    Notes
    -----
    Model: the exchange's rate per unit exposure :math:`\lambda \sim \text{Gamma}(\alpha,
    \beta)` (shape, rate) with :math:`\beta = \alpha/m`, and given :math:`\lambda`,
    independent counts :math:`N_t \sim \text{Poisson}(\lambda e_t)`. With
    :math:`N = \sum_t N_t` and :math:`E = \sum_t e_t` the posterior is
    :math:`\text{Gamma}(\alpha + N, \beta + E)`, with mean

    .. math::
        \hat\lambda = \frac{\alpha + N}{\beta + E}
                    = Z \frac{N}{E} + (1 - Z)\, m, \qquad Z = \frac{E}{E + \beta}.

    This is exact (Bayes = Bühlmann) credibility: the process variance per unit exposure is
    :math:`\operatorname{Var}(N_t \mid \lambda)/e_t = \lambda`, so EPV
    :math:`v = E[\lambda] = m`, VHM :math:`a = \operatorname{Var}\lambda = \alpha/\beta^2`
    and Bühlmann's :math:`k = v/a = \beta`. The exposure is measured in the units of
    ``prior_mean``: with ``prior_mean`` the industry rate scaled to the exchange's current
    volume (events per year), a past year with volume :math:`v_t` has
    :math:`e_t = v_t / v_{\text{now}}`, and :math:`E` counts "current-volume years".

    The prior spread describes how much exchanges' true rates differ from the scaled
    industry rate (security practices, custody model), not the sampling error of the
    industry fit. It is a judgement when no panel of exchanges is available; with one, use
    :func:`buhlmann_straub` to estimate it.

    References
    ----------
    .. [1] Klugman, S. A., Panjer, H. H. and Willmot, G. E., *Loss Models: From Data to
       Decisions*, Wiley, chapters on greatest-accuracy credibility (Poisson-gamma
       example and exact credibility).
    .. [2] Bühlmann, H. and Gisler, A. (2005), *A Course in Credibility Theory and its
       Applications*, Springer, section 2.5.

    Examples
    --------
    >>> r = poisson_gamma([0, 1, 0, 0, 2], prior_mean=0.4, prior_shape=2.0)
    >>> round(r.weight, 4), round(r.estimate, 4)
    (0.5, 0.5)
    """
    if (prior_sd is None) == (prior_shape is None):
        raise ValueError("give exactly one of prior_sd and prior_shape")
    m = _positive(prior_mean, "prior_mean")
    if prior_shape is not None:
        alpha = _positive(prior_shape, "prior_shape")
    else:
        alpha = (m / _positive(prior_sd, "prior_sd")) ** 2
    beta = alpha / m
    n = np.atleast_1d(np.asarray(counts, dtype=float))
    if n.ndim != 1 or n.size == 0:
        raise ValueError(f"counts must be a number or a 1-d array, got shape {n.shape}")
    bad = ~np.isfinite(n) | (n < 0) | (n != np.round(n))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"counts must be whole numbers >= 0: position {i} has {float(n[i])!r}")
    if exposure is None:
        e = np.ones_like(n)
    else:
        e = np.atleast_1d(np.asarray(exposure, dtype=float))
        if e.shape != n.shape:
            raise ValueError(f"exposure: expected shape {n.shape} like counts, got {e.shape}")
        badx = ~np.isfinite(e) | (e < 0)
        if badx.any():
            i = int(np.flatnonzero(badx)[0])
            raise ValueError(f"exposure must be finite and >= 0: position {i} has {float(e[i])!r}")
        if (n[e == 0] > 0).any():
            raise ValueError("a period with zero exposure has events")
    total_n, total_e = float(n.sum()), float(e.sum())
    z = total_e / (total_e + beta)
    own = total_n / total_e if total_e > 0 else math.nan
    return PoissonGammaResult(
        estimate=(alpha + total_n) / (beta + total_e),
        weight=z,
        own_rate=own,
        prior_mean=m,
        prior_shape=alpha,
        prior_rate=beta,
        total_count=total_n,
        total_exposure=total_e,
        posterior_shape=alpha + total_n,
        posterior_rate=beta + total_e,
    )


# ------------------------------------------------------------------------- Bühlmann-Straub
@dataclass(frozen=True)
class BuhlmannStraubResult:
    r"""Bühlmann-Straub credibility estimates for a panel (see :func:`buhlmann_straub`).

    Attributes
    ----------
    entities : tuple
        Entity labels (rows of the panel).
    estimate : ndarray
        Credibility estimate per entity: ``Z_i * individual_mean_i + (1 - Z_i) * collective``.
    weight : ndarray
        Credibility weights :math:`Z_i = w_i/(w_i + k)`.
    individual_mean : ndarray
        Weighted mean ratio of each entity (NaN without experience).
    total_weight : ndarray
        :math:`w_i`, the sum of the entity's weights.
    collective : float
        Estimate of the overall mean :math:`\mu`.
    epv, vhm, k : float
        Expected process variance :math:`\hat v` (per unit weight), variance of the
        hypothetical means :math:`\hat a` (floored at 0) and :math:`k = \hat v/\hat a`
        (``inf`` when :math:`\hat a = 0`).
    vhm_unbounded : float
        The unbiased estimate of :math:`a` before flooring at 0.
    epv_method, collective_method : str
    """

    entities: tuple
    estimate: np.ndarray
    weight: np.ndarray
    individual_mean: np.ndarray
    total_weight: np.ndarray
    collective: float
    epv: float
    vhm: float
    vhm_unbounded: float
    k: float
    epv_method: str
    collective_method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per entity: individual mean, total weight, Z, estimate."""
        return pd.DataFrame(
            {
                "individual_mean": self.individual_mean,
                "total_weight": self.total_weight,
                "weight": self.weight,
                "estimate": self.estimate,
            },
            index=pd.Index(self.entities, name="entity"),
        )

    def summary(self) -> str:
        """Structural parameters and the per-entity table."""
        head = [
            "Bühlmann-Straub credibility",
            f"collective mean = {self.collective:.6g} ({self.collective_method})",
            f"EPV v = {self.epv:.6g} ({self.epv_method}),  VHM a = {self.vhm:.6g}"
            + (
                f" (unbiased estimate {self.vhm_unbounded:.4g} < 0, set to 0)"
                if self.vhm == 0
                else ""
            )
            + f",  k = v/a = {self.k:.6g}",
        ]
        return (
            "\n".join(head) + "\n" + self.to_frame().to_string(float_format=lambda x: f"{x:.6g}")
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record."""
        return {
            "method": "buhlmann-straub",
            "entities": [str(e) for e in self.entities],
            "estimate": self.estimate.tolist(),
            "weight": self.weight.tolist(),
            "individual_mean": self.individual_mean.tolist(),
            "total_weight": self.total_weight.tolist(),
            "collective": self.collective,
            "epv": self.epv,
            "vhm": self.vhm,
            "vhm_unbounded": self.vhm_unbounded,
            "k": self.k,
            "epv_method": self.epv_method,
            "collective_method": self.collective_method,
        }


def buhlmann_straub(
    ratios: pd.DataFrame | ArrayLike,
    weights: pd.DataFrame | ArrayLike,
    *,
    epv: Literal["nonparametric", "poisson"] = "nonparametric",
    collective: Literal["credibility", "weighted"] = "credibility",
) -> BuhlmannStraubResult:
    r"""Bühlmann-Straub credibility with nonparametric estimates of the structure.

    Parameters
    ----------
    ratios : array_like or pandas.DataFrame, shape (entities, periods)
        :math:`X_{ij}`: the observation of entity i in period j per unit of weight, e.g.
        incident counts divided by trading volume. NaN marks a missing period. A
        DataFrame's index labels the entities.
    weights : array_like or pandas.DataFrame, same shape
        :math:`w_{ij} \ge 0`, e.g. trading volume. A weight of 0 or NaN (with any ratio)
        marks a missing period. An entity without any weight gets Z = 0.
    epv : {"nonparametric", "poisson"}, default "nonparametric"
        Estimate the expected process variance from the within-entity scatter, or, for
        ratios that are Poisson counts per unit weight, by the collective weighted mean
        (semiparametric: :math:`\operatorname{Var}(X_{ij}\mid\Theta_i) = \lambda_i/w_{ij}`).
    collective : {"credibility", "weighted"}, default "credibility"
        Estimate of the overall mean: the credibility-weighted mean
        :math:`\sum_i Z_i\bar X_i / \sum_i Z_i` (Bühlmann & Gisler; actuar's ``cm``), or
        the weight-weighted mean :math:`\bar X`.

    Returns
    -------
    BuhlmannStraubResult

    Raises
    ------
    ValueError
        Shapes differ, negative weights, fewer than two entities with experience, or (for
        ``epv="nonparametric"``) no entity with two or more periods.

    Notes
    -----
    With :math:`w_i = \sum_j w_{ij}`, :math:`\bar X_i = \sum_j w_{ij} X_{ij} / w_i`,
    :math:`w = \sum_i w_i`, :math:`\bar X = \sum_i w_i \bar X_i / w`, :math:`n_i` the number of
    periods of entity i and r the number of entities:

    .. math::
        \hat v = \frac{\sum_i \sum_j w_{ij}(X_{ij} - \bar X_i)^2}{\sum_i (n_i - 1)}, \qquad
        \hat a = \frac{\sum_i w_i (\bar X_i - \bar X)^2 - (r - 1)\hat v}
                      {w - \sum_i w_i^2 / w},

    both unbiased; :math:`\hat a` is set to 0 when negative (then every :math:`Z_i = 0` and
    the estimate is :math:`\bar X` for all). :math:`k = \hat v/\hat a`,
    :math:`Z_i = w_i/(w_i + k)` and the estimate is
    :math:`Z_i \bar X_i + (1 - Z_i)\hat\mu`. The credibility-weighted :math:`\hat\mu`
    makes the credibility estimates reproduce the collective total:
    :math:`\sum_i Z_i(\bar X_i - \hat\mu) = 0`.

    References
    ----------
    .. [1] Bühlmann, H. and Straub, E. (1970), Glaubwürdigkeit für Schadensätze, Mitteilungen
       der Vereinigung Schweizerischer Versicherungsmathematiker 70, 111-133.
    .. [2] Bühlmann, H. and Gisler, A. (2005), *A Course in Credibility Theory and its
       Applications*, Springer, section 4.
    .. [3] Klugman, S. A., Panjer, H. H. and Willmot, G. E., *Loss Models*, chapter on
       empirical Bayes parameter estimation (nonparametric and semiparametric estimation).

    Examples
    --------
    >>> counts = np.array([[0, 1, 0], [5, 6, 4], [1, 0, 1]])
    >>> volume = np.array([[1.0, 1.2, 1.1], [2.0, 2.5, 2.2], [0.8, 0.9, 1.0]])
    >>> r = buhlmann_straub(counts / volume, volume, epv="poisson")
    >>> r.weight.round(3)
    array([0.679, 0.811, 0.634])
    >>> r.estimate.round(3)
    array([0.582, 2.037, 0.899])
    """
    if epv not in ("nonparametric", "poisson"):
        raise ValueError(f"epv must be 'nonparametric' or 'poisson', got {epv!r}")
    if collective not in ("credibility", "weighted"):
        raise ValueError(f"collective must be 'credibility' or 'weighted', got {collective!r}")
    entities = tuple(ratios.index) if isinstance(ratios, pd.DataFrame) else None
    x = np.asarray(ratios, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"ratios must be 2-d (entities x periods), got shape {x.shape}")
    if w.shape != x.shape:
        raise ValueError(f"weights: expected shape {x.shape} like ratios, got {w.shape}")
    if entities is None:
        entities = tuple(range(x.shape[0]))
    if (w < 0).any() or np.isinf(w).any():
        i, j = map(int, np.argwhere((w < 0) | np.isinf(w))[0])
        raise ValueError(f"weights must be finite and >= 0: entity {entities[i]!r}, period {j}")
    present = np.isfinite(x) & np.isfinite(w) & (w > 0)
    if np.isinf(x[present]).any():
        raise ValueError("ratios contain inf")
    w = np.where(present, w, 0.0)
    x = np.where(present, x, 0.0)

    n_i = present.sum(axis=1)
    w_i = w.sum(axis=1)
    has = w_i > 0
    r = int(has.sum())
    if r < 2:
        raise ValueError(f"need at least two entities with experience, got {r}")
    xbar_i = np.full(x.shape[0], np.nan)
    xbar_i[has] = (w[has] * x[has]).sum(axis=1) / w_i[has]
    w_tot = float(w_i.sum())
    xbar = float((w_i[has] * xbar_i[has]).sum() / w_tot)

    if epv == "nonparametric":
        dof = int((n_i[has] - 1).sum())
        if dof <= 0:
            raise ValueError("the nonparametric EPV needs an entity with two or more periods")
        dev = np.where(present, x - np.nan_to_num(xbar_i)[:, None], 0.0)
        v = float((w * dev**2).sum() / dof)
    else:
        v = xbar
    a_unb = float(
        ((w_i[has] * (xbar_i[has] - xbar) ** 2).sum() - (r - 1) * v)
        / (w_tot - (w_i**2).sum() / w_tot)
    )
    a = max(a_unb, 0.0)
    if a > 0:
        k = v / a
        z = w_i / (w_i + k)
    else:
        k = math.inf
        z = np.zeros_like(w_i)
    if collective == "credibility" and z.sum() > 0:
        mu = float((z[has] * xbar_i[has]).sum() / z.sum())
    else:
        mu = xbar
    est = np.where(has, z * np.nan_to_num(xbar_i) + (1.0 - z) * mu, mu)
    return BuhlmannStraubResult(
        entities=entities,
        estimate=est,
        weight=z,
        individual_mean=xbar_i,
        total_weight=w_i,
        collective=mu,
        epv=v,
        vhm=a,
        vhm_unbounded=a_unb,
        k=k,
        epv_method=epv,
        collective_method=collective if (collective == "weighted" or a > 0) else "weighted",
    )
