"""Fitting a spliced (body + tail) severity: each part by maximum likelihood, the weight by
the fraction of losses at or below the splice threshold."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..severity import Severity, Spliced, get_family
from ..severity._families import family_spec
from ._severity import SeverityFit, fit_severity

__all__ = ["SplicedFit", "fit_spliced"]


def fit_spliced(
    losses,
    body_family,
    tail_family,
    threshold: float,
    *,
    truncation: float | None = None,
) -> SplicedFit:
    """Fit a spliced model: body and tail separately, the weight as the empirical fraction.

    Parameters
    ----------
    losses : array_like
        Positive losses (all of them, both sides of the threshold).
    body_family, tail_family : str or Severity subclass
        Families, as for :func:`riskmodel.fit_severity`. A tail whose support starts at a
        field of its own (a ``"gpd"`` threshold, a ``"pareto"`` ``xm``: the family's
        ``spec.support_start``) is fitted with that field fixed at ``threshold``.
    threshold : float
        The splice point (chosen beforehand).
    truncation : float, optional
        A reporting threshold below ``threshold``: the body is then fitted left-truncated
        there too, and the returned distribution describes the losses above it.

    Returns
    -------
    SplicedFit

    Notes
    -----
    The body is fitted to the losses :math:`x \\le u` with right truncation at :math:`u`
    (``upper=threshold``), the tail to the losses :math:`x > u` with left truncation at
    :math:`u`, and :math:`\\hat w` = (number at or below :math:`u`)/n. The log-likelihood of
    the spliced model is the sum of the three parts (see :class:`riskmodel.severity.Spliced`).

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> x = LogNormal(12.0, 2.0).sample(400, rng=3)
    >>> fit = fit_spliced(x, "lognormal", "gpd", threshold=float(np.quantile(x, 0.9)))
    >>> fit.weight, fit.dist.tail.threshold == fit.dist.threshold
    (0.9, True)
    """
    x = np.asarray(losses, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"losses: expected a 1-d array, got shape {x.shape}")
    u = float(threshold)
    below, above = x[x <= u], x[x > u]
    for side, part in (("at or below", below), ("above", above)):
        if part.size < 2:
            raise ValueError(
                f"fit_spliced: need at least 2 losses {side} the threshold {u:g}, got {part.size}"
            )
    if truncation is not None and not float(truncation) < u:
        raise ValueError(f"truncation: {truncation:g} must lie below the splice threshold {u:g}")
    body_fit = fit_severity(below, body_family, truncation=truncation, upper=u)
    tail_fit = fit_severity(above, _tail_family_at(tail_family, u), truncation=u)
    n = x.size
    w = below.size / n
    body = body_fit.dist if truncation is None else body_fit.dist.truncated(lower=truncation)
    dist = Spliced(body, tail_fit.dist, u, weight=w)
    loglik = (
        body_fit.loglik + tail_fit.loglik + below.size * math.log(w) + above.size * math.log1p(-w)
    )
    k = body_fit.k + tail_fit.k + 1  # free parameters of both parts and the weight
    return SplicedFit(
        dist=dist,
        body=body_fit,
        tail=tail_fit,
        weight=w,
        weight_se=math.sqrt(w * (1.0 - w) / n),
        loglik=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(n) - 2 * loglik,
        n_obs=n,
        converged=bool(body_fit.converged and tail_fit.converged),
    )


def _tail_family_at(family, threshold: float) -> type[Severity]:
    """The tail family with the start of its support fixed at the splice threshold where it
    has a field for it (``spec.support_start``)."""
    cls = get_family(family)
    spec = family_spec(cls)
    if spec is not None and spec.support_start is not None:
        return cls.with_fixed(**{spec.support_start: threshold})
    return cls


@dataclass(frozen=True)
class SplicedFit:
    """Result of :func:`fit_spliced`.

    Attributes
    ----------
    dist : Spliced
        The fitted spliced distribution.
    body, tail : SeverityFit
        The fits of the two parts (estimates, standard errors, diagnostics).
    weight, weight_se : float
        Estimated :math:`P(X \\le u)` and its binomial standard error
        :math:`\\sqrt{w(1-w)/n}`.
    loglik, aic, bic : float
        Of the whole spliced model; the parameter count is the free parameters of both parts
        plus the weight (the threshold is not counted: it is chosen, not estimated).
    n_obs : int
        Number of losses.
    converged : bool
        Whether both part fits converged.
    """

    dist: Spliced
    body: SeverityFit
    tail: SeverityFit
    weight: float
    weight_se: float
    loglik: float
    aic: float
    bic: float
    n_obs: int
    converged: bool

    def summary(self) -> str:
        """A readable account of both parts and the weight."""
        return "\n".join(
            [
                f"Spliced fit at threshold {self.dist.threshold:,.6g}  (n = {self.n_obs})",
                f"weight P(X <= u) = {self.weight:.6g}  (se {self.weight_se:.3g})",
                f"loglik = {self.loglik:.4f}   AIC = {self.aic:.4f}   BIC = {self.bic:.4f}",
                "-- body --",
                self.body.summary(),
                "-- tail --",
                self.tail.summary(),
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of the fit."""
        return {
            "threshold": self.dist.threshold,
            "weight": self.weight,
            "weight_se": self.weight_se,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "n_obs": self.n_obs,
            "converged": self.converged,
            "body": self.body.to_dict(),
            "tail": self.tail.to_dict(),
        }
