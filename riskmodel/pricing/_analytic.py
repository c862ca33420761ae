"""Closed-form layer quantities: per-loss layer means, increased-limit factors, and the
expected annual loss of an occurrence layer without annual terms (cross-checks, no Monte Carlo)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..insurance import Layer
from ..model import LossModel
from ..severity import Severity

__all__ = ["analytic_layer_loss", "expected_layer_loss", "increased_limit_factors"]


def _check_amount(name: str, value, *, allow_inf: bool = False, allow_zero: bool = False):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be a number, got {value!r}") from None
    ok = (v >= 0 if allow_zero else v > 0) and (math.isfinite(v) or (allow_inf and v > 0))
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"{name}: must be {bound}{'' if allow_inf else ' and finite'}, got {value!r}"
        )
    return v


def expected_layer_loss(severity: Severity, attachment: float, limit: float = math.inf) -> float:
    r"""Expected loss to the layer ``limit xs attachment`` per loss (not per year).

    Parameters
    ----------
    severity : Severity
        Distribution of a single loss :math:`X`.
    attachment : float
        Attachment point :math:`a \ge 0`.
    limit : float
        Layer width :math:`l > 0` (``inf`` for an unlimited layer).

    Returns
    -------
    float
        :math:`E[\min((X - a)^+, l)]`; ``inf`` for an unlimited layer of an infinite-mean
        severity.

    Notes
    -----
    :math:`E[\min((X-a)^+, l)] = E[X \wedge (a+l)] - E[X \wedge a] = \int_a^{a+l} S(x)\,dx`.

    References
    ----------
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models: From Data to
    Decisions*, 4th ed., section 8.5 (policy limits and deductibles).

    Examples
    --------
    >>> from riskmodel.severity import Pareto
    >>> round(expected_layer_loss(Pareto(2.0, 1000.0), 2000.0, 8000.0), 6)
    400.0
    """
    a = _check_amount("attachment", attachment, allow_zero=True)
    lim = _check_amount("limit", limit, allow_inf=True)
    top = float(severity.lev(a + lim))
    return top - float(severity.lev(a)) if math.isfinite(top) else math.inf


def _mixture_weights(model: LossModel, categories) -> dict[str, float]:
    counts = model.expected_counts()
    names = model.names if categories is None else tuple(categories)
    unknown = [c for c in names if c not in counts]
    if unknown:
        raise ValueError(f"categories: unknown {unknown}; the model has {list(model.names)}")
    return {c: counts[c] for c in names}


def increased_limit_factors(
    severity: Severity | LossModel,
    limits: Sequence[float],
    basic_limit: float,
    *,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Increased-limit factors: the cost of a per-loss limit relative to a basic limit.

    Parameters
    ----------
    severity : Severity or LossModel
        The single-loss distribution; for a :class:`~riskmodel.LossModel`, a loss drawn from
        the mix of its categories (weights: expected counts).
    limits : sequence of float
        Policy limits per loss, > 0 (``inf`` allowed: the unlimited mean).
    basic_limit : float
        The basic limit :math:`B > 0` whose factor is 1.
    categories : sequence of str, optional
        With a model, the categories to mix (default all).

    Returns
    -------
    DataFrame
        Indexed by ``limit``, columns ``lev`` (:math:`E[X \wedge L]`) and ``ilf``.

    Notes
    -----
    :math:`\mathrm{ILF}(L) = E[X \wedge L] / E[X \wedge B]`, the pure-loss factor (no
    expenses or risk load). For a model, :math:`E[X \wedge L] = \sum_c E[N_c]\,E[X_c \wedge
    L] / \sum_c E[N_c]`. Factors increase with :math:`L` and have decreasing increments per
    unit of limit (the consistency test of Miccolis).

    References
    ----------
    R. S. Miccolis (1977), "On the theory of increased limits and excess of loss pricing",
    *Proceedings of the Casualty Actuarial Society* 64, 27-59.
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models*, 4th ed.

    Examples
    --------
    >>> from riskmodel.severity import Pareto
    >>> t = increased_limit_factors(Pareto(2.0, 1.0), [1.0, 2.0, 4.0], basic_limit=1.0)
    >>> t["ilf"].round(6).tolist()
    [1.0, 1.5, 1.75]
    """
    basic = _check_amount("basic_limit", basic_limit)
    try:
        lims = np.atleast_1d(np.asarray(limits, dtype=float))
    except (TypeError, ValueError):
        raise ValueError("limits: must be a sequence of numbers") from None
    if lims.ndim != 1 or lims.size == 0:
        raise ValueError("limits: give at least one limit")
    for v in lims:
        _check_amount("limits", v, allow_inf=True)
    if isinstance(severity, LossModel):
        weights = _mixture_weights(severity, categories)
        total = sum(weights.values())
        if not total > 0:
            raise ValueError("increased_limit_factors: the categories expect no losses")

        def lev(d):
            return (
                sum(
                    w * np.asarray(severity.categories[c][1].lev(d), dtype=float)
                    for c, w in weights.items()
                )
                / total
            )
    elif isinstance(severity, Severity):
        if categories is not None:
            raise ValueError("categories: only with a LossModel")

        def lev(d):
            return np.asarray(severity.lev(d), dtype=float)
    else:
        raise TypeError(
            f"severity: expected a Severity or a LossModel, got {type(severity).__name__}"
        )
    lev_l = np.atleast_1d(lev(lims)).astype(float)
    lev_b = float(lev(basic))
    table = pd.DataFrame({"lev": lev_l, "ilf": lev_l / lev_b}, index=pd.Index(lims, name="limit"))
    table.attrs["basic_limit"] = basic
    return table


def analytic_layer_loss(model: LossModel, layer: Layer) -> tuple[float | None, bool]:
    r"""Expected annual loss of an occurrence layer in closed form, and whether it is exact.

    Parameters
    ----------
    model : LossModel
    layer : Layer

    Returns
    -------
    value : float or None
        :math:`s \sum_c E[N_c]\,(E[X_c \wedge (a+l)] - E[X_c \wedge a])` over the categories
        the layer covers (``s`` the share); ``None`` for an aggregate layer.
    exact : bool
        ``True`` when the layer has no binding annual terms (no annual aggregate deductible,
        unlimited annual limit, e.g. unlimited reinstatements): then the value is the exact
        expected annual layer loss. Otherwise it is an upper bound (the annual terms only
        take away).

    Notes
    -----
    Linearity of expectation (Wald's identity per category) makes the formula hold whatever
    the dependence between categories: copulas leave the marginal counts unchanged, and a
    common shock's extra losses are in ``model.expected_counts()``.
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"layer: expected a Layer, got {type(layer).__name__}")
    if layer.per != "occurrence":
        return None, False
    counts = model.expected_counts()
    names = model.names if layer.categories is None else layer.categories
    total = 0.0
    for name in names:
        if name not in counts:
            raise ValueError(
                f"Layer covers unknown category {name!r}; model has {list(model.names)}"
            )
        per_loss = expected_layer_loss(model.categories[name][1], layer.attachment, layer.limit)
        total += counts[name] * per_loss if counts[name] > 0 else 0.0
    exact = layer.agg_deductible == 0 and math.isinf(layer.annual_limit)
    return layer.share * total, exact
