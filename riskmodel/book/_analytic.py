r"""Closed-form expected loss of a policy, where the annual terms do not make it path-dependent.

For a policy whose layers are all per-occurrence without annual aggregate terms (no annual
deductible, unlimited reinstatements) and no aggregate layers, the expected ceded loss is

.. math::
    E[C] = s \sum_{\text{sources}} \lambda \sum_{l \text{ covering it}} s_l\,
    E[\min((X - a_l)^+, w_l)]

(:func:`riskmodel.pricing.expected_layer_loss`), summed over the policy's own categories
(rate :math:`\lambda`) and its shared-event exposures (rate :math:`\nu p`); :math:`s` is the
insurer's share. A policy without layers takes :math:`s\,\lambda\,E[X]`.
"""

from __future__ import annotations

import math

from ..pricing import expected_layer_loss
from ..severity import Severity

__all__ = ["policy_expected_loss"]


def _sources(book, i: int):
    """(rate, severity or None, category, assets) of every loss source of policy ``i``."""
    p = book.policies[i]
    for c, (freq, sev) in p.model.categories.items():
        yield freq.rate, sev, c
    for ev in book.events:
        for x in ev.exposures:
            if x.policy == p.name:
                sev = x.severity if isinstance(x.severity, Severity) else None
                if sev is not None and p.assets is not None:
                    sev = sev.capped(p.assets)
                yield ev.rate * x.probability, (sev, x.severity, p.assets), ev.category


def _layer_loss(sev, a: float, w: float) -> float:
    if isinstance(sev, tuple):  # shared event: (severity or None, spec, assets)
        dist, spec, assets = sev
        if dist is not None:
            return expected_layer_loss(dist, a, w)
        lo, hi = spec[0] * assets, spec[1] * assets

        def g(x):  # integral of min((t - a)^+, w) dt from 0 to x
            if x <= a:
                return 0.0
            if x <= a + w:
                return (x - a) ** 2 / 2.0
            return w * w / 2.0 + w * (x - a - w)

        if hi == lo:
            return min(max(lo - a, 0.0), w)
        return (g(hi) - g(lo)) / (hi - lo)
    return expected_layer_loss(sev, a, w)


def policy_expected_loss(book, i: int) -> float:
    """Closed-form expected annual ceded loss of policy ``i`` of ``book`` (``nan`` if none)."""
    p = book.policies[i]
    layers = p.program.layers if p.program is not None else ()
    if any(
        lay.per != "occurrence" or lay.agg_deductible > 0 or math.isfinite(lay.annual_limit)
        for lay in layers
    ):
        return math.nan
    total = 0.0
    for rate, sev, cat in _sources(book, i):
        if rate == 0:
            continue
        if not layers:
            total += rate * _layer_loss(sev, 0.0, math.inf)
            continue
        for lay in layers:
            if lay.categories is None or cat in lay.categories:
                total += rate * lay.share * _layer_loss(sev, lay.attachment, lay.limit)
    return p.share * total
