"""Pricing layers of cover: premium principles, layer and tower prices, increased limits.

- :func:`price_layer`: one layer on a :class:`~riskmodel.LossModel`, by simulation, under the
  expected-value, standard-deviation, variance, Wang-transform or cost-of-capital principle
  (-> :class:`LayerPrice`); :func:`price_tower`: a table for a tower of layers.
- :func:`price_losses`: the same principles applied to any sample of annual losses.
- :func:`expected_layer_loss`, :func:`analytic_layer_loss`, :func:`increased_limit_factors`:
  closed forms from the severity's limited expected values.
"""

from ._analytic import analytic_layer_loss, expected_layer_loss, increased_limit_factors
from ._layer import DEFAULT_N_SIMS, LayerPrice, layer_label, price_layer, price_tower
from ._principles import (
    DEFAULT_LOADINGS,
    PRINCIPLES,
    PremiumEstimate,
    check_loading,
    price_losses,
    wang_distortion,
)

__all__ = [
    "DEFAULT_LOADINGS",
    "DEFAULT_N_SIMS",
    "PRINCIPLES",
    "LayerPrice",
    "PremiumEstimate",
    "analytic_layer_loss",
    "check_loading",
    "expected_layer_loss",
    "increased_limit_factors",
    "layer_label",
    "price_layer",
    "price_losses",
    "price_tower",
    "wang_distortion",
]
