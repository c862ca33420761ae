r"""Layer prices from the simulation engine: one layer, or a tower of layers.

How the whole distribution of the annual layer loss is obtained
--------------------------------------------------------------
The engine keeps exact running moments of every year but, to bound memory, only the largest
annual totals ("the tail", sized by ``min_level``). The Wang transform and the influence-
function standard errors need the whole distribution of the annual layer loss ``L``. Most
years ``L`` is zero (a layer attaches rarely), so the retained tail only has to hold every
year with ``L > 0``: the zeros are then known without being stored, and the sample of all
``n_sims`` years is reconstructed exactly (no approximation, no bound).

``min_level`` is chosen from an upper bound on :math:`P(L > 0)` for an occurrence layer,
:math:`\sum_c \left(1 - P_{N_c}(F_c(a))\right)` (a union bound over the covered categories
with :math:`P_N` the count's pgf and, for a common shock, its extra Poisson losses): the
engine then keeps ``n`` times the bound, plus five binomial standard deviations, of the
largest years. For an aggregate layer, or with redrawn parameters, no bound is known and
every year is kept. If the tail still ends above zero (the bound failed), the same years are
simulated again keeping all of them: the result is exact either way. Memory: the engine keeps
gross, ceded and net parts of the retained years, about ``8 (k + 1)`` bytes per year and view
for ``k`` categories, so a layer hit almost every year costs ~100 bytes per simulated year.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InfiniteMomentWarning, RiskModelWarning
from .._rng import RNGLike, as_seed_sequence
from ..insurance import InsuranceProgram, Layer, _money, layer_label
from ..model import LossModel
from ._analytic import analytic_layer_loss
from ._principles import check_loading, price_losses

__all__ = ["DEFAULT_N_SIMS", "LayerPrice", "layer_label", "price_layer", "price_tower"]

#: simulated years by default
DEFAULT_N_SIMS = 200_000

#: a min_level that makes the engine keep every simulated year
_KEEP_ALL = 1e-12

#: simulate() options that price_layer / price_tower pass through
_SIM_OPTIONS = (
    "block_size",
    "n_threads",
    "parameter_uncertainty",
    "backend",
    "client",
    "progress",
)

#: fewer years with a loss in the layer than this draw a warning
_FEW_YEARS = 10


@dataclass(frozen=True)
class LayerPrice:
    """Price of one layer under one premium principle (result of :func:`price_layer`).

    Attributes
    ----------
    layer : Layer
    principle : str
        One of ``"expected"``, ``"std"``, ``"variance"``, ``"wang"``, ``"cost_of_capital"``.
    loading : float
        The principle's parameter (theta, a, a, lambda or the cost-of-capital rate).
    premium, premium_se : float
        The risk premium for the layer (the insurer's share) and its Monte Carlo standard
        error.
    expected_loss, expected_loss_se : float
        E[L] of the annual layer loss L (after share and annual terms) and its MC error.
    std : float
        SD[L].
    expected_loss_analytic : float or None
        Closed-form E[L] of an occurrence layer (:func:`analytic_layer_loss`); exact when
        ``analytic_exact``, else an upper bound (annual terms ignored); ``None`` for aggregate
        layers and under parameter uncertainty.
    analytic_exact : bool
    tvar_level, tvar, capital : float
        TVaR of L at ``tvar_level`` and the capital ``tvar - expected_loss`` (what the cost of
        capital principle charges for).
    prob_loss, prob_exhaust : float
        P(L > 0) and P(the annual limit is used up).
    rate_on_line, loss_on_line : float
        ``premium / line`` and ``expected_loss / line``, the line being ``share * limit``.
    expected_reinstatement_premium : float
        Mean annual reinstatement premium due (nonzero only for a layer with ``premium`` and
        reinstatements).
    n_sims : int
    provenance : dict
        Seed, n_sims, block size, version, years retained.
    """

    layer: Layer
    principle: str
    loading: float
    premium: float
    premium_se: float
    expected_loss: float
    expected_loss_se: float
    std: float
    expected_loss_analytic: float | None
    analytic_exact: bool
    tvar_level: float
    tvar: float
    capital: float
    prob_loss: float
    prob_exhaust: float
    rate_on_line: float
    loss_on_line: float
    expected_reinstatement_premium: float
    n_sims: int
    provenance: dict[str, Any] = field(repr=False)

    @property
    def line(self) -> float:
        """The insurer's line: ``share * limit``."""
        return self.layer.share * self.layer.limit

    def summary(self) -> str:
        """Readable statement of the price and the numbers behind it."""
        lay = self.layer
        lines = [
            f"Layer {layer_label(lay)} ({lay.per}, annual limit "
            f"{_money(lay.share * lay.annual_limit)})",
            f"  expected annual loss {self.expected_loss:>18,.0f}   MC se "
            f"{self.expected_loss_se:,.0f}",
        ]
        if self.expected_loss_analytic is not None:
            kind = "exact" if self.analytic_exact else "upper bound, annual terms ignored"
            lines.append(
                f"  analytic             {self.expected_loss_analytic:>18,.0f}   ({kind})"
            )
        lines += [
            f"  SD {self.std:,.0f}; P(loss) {self.prob_loss:.4%}; "
            f"P(exhausted) {self.prob_exhaust:.4%}",
            f"  TVaR {self.tvar_level:g} {self.tvar:,.0f}; capital {self.capital:,.0f}",
            f"  premium ({self.principle}, loading {self.loading:g}) {self.premium:>14,.0f}"
            f"   MC se {self.premium_se:,.0f}",
            f"  rate on line {self.rate_on_line:.4%}; loss on line {self.loss_on_line:.4%}",
            f"  n_sims {self.n_sims:,}, seed {self.provenance.get('seed')}",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of every number and the provenance."""
        lay = self.layer
        return {
            "layer": {
                "label": layer_label(lay),
                "attachment": lay.attachment,
                "limit": lay.limit,
                "share": lay.share,
                "per": lay.per,
                "annual_limit": lay.annual_limit,
                "agg_deductible": lay.agg_deductible,
                "categories": list(lay.categories) if lay.categories is not None else None,
            },
            "principle": self.principle,
            "loading": self.loading,
            "premium": self.premium,
            "premium_se": self.premium_se,
            "expected_loss": self.expected_loss,
            "expected_loss_se": self.expected_loss_se,
            "std": self.std,
            "expected_loss_analytic": self.expected_loss_analytic,
            "analytic_exact": self.analytic_exact,
            "tvar_level": self.tvar_level,
            "tvar": self.tvar,
            "capital": self.capital,
            "prob_loss": self.prob_loss,
            "prob_exhaust": self.prob_exhaust,
            "rate_on_line": self.rate_on_line,
            "loss_on_line": self.loss_on_line,
            "expected_reinstatement_premium": self.expected_reinstatement_premium,
            "n_sims": self.n_sims,
            "provenance": dict(self.provenance),
        }


@dataclass(frozen=True)
class _LayerSample:
    """All simulated annual losses of one layer, and how they were obtained."""

    layer: Layer
    losses: np.ndarray
    reinstatement_premium: float
    provenance: dict[str, Any]
    analytic: tuple[float | None, bool]
    mean_finite: bool
    var_finite: bool


def _attach_bound(model: LossModel, layer: Layer) -> float:
    """Upper bound on P(L > 0) for an occurrence layer (1 where none is known)."""
    if layer.per != "occurrence":
        return 1.0
    names = model.names if layer.categories is None else layer.categories
    shock = model.shock
    total = 0.0
    for name in names:
        freq, sev = model.categories[name]
        try:
            p_none = float(freq.pgf(float(sev.cdf(layer.attachment))))
        except (AttributeError, NotImplementedError):
            return 1.0
        if shock is not None:
            p_none *= math.exp(-shock.extra_rate(name) * float(sev.sf(layer.attachment)))
        total += 1.0 - p_none
    return min(total, 1.0)


def _finite_moments(model: LossModel, layer: Layer) -> tuple[bool, bool]:
    """Whether E[L] and Var[L] are finite: only an unbounded layer can make them infinite."""
    if not (math.isinf(layer.limit) and math.isinf(layer.annual_limit)):
        return True, True
    names = model.names if layer.categories is None else layer.categories
    mean_ok = var_ok = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfiniteMomentWarning)
        for name in names:
            sev = model.categories[name][1]
            mean_ok &= math.isfinite(float(sev.lev(math.inf)))
            var_ok &= math.isfinite(float(sev.moment(2)))
    return mean_ok, var_ok and mean_ok


def _sim_options(kw: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(kw) - set(_SIM_OPTIONS))
    if unknown:
        raise TypeError(
            f"unexpected keyword argument(s) {unknown}; simulate options accepted here: "
            f"{', '.join(_SIM_OPTIONS)}"
        )
    return dict(kw)


def _simulate_layer(
    model: LossModel, layer: Layer, n_sims: int, root, options: dict[str, Any]
) -> _LayerSample:
    """Simulate the annual losses of ``layer`` and rebuild all ``n_sims`` of them."""
    from ..engine import simulate

    if not isinstance(layer, Layer):
        raise TypeError(f"layer: expected a Layer, got {type(layer).__name__}")
    program = InsuranceProgram([layer])
    program.covers(layer, model.names)  # unknown categories raise here, with their names
    uncertain = bool(options.get("parameter_uncertainty"))
    bound = 1.0 if uncertain else _attach_bound(model, layer)
    first = min(max(1.0 - bound, _KEEP_ALL), 1.0 - 1e-12)
    for level in (first, _KEEP_ALL) if first > _KEEP_ALL else (_KEEP_ALL,):
        res = simulate(
            model, n_sims, rng=root, program=program, min_level=level, by_layer=False, **options
        )
        tail = res.ceded.tail
        if len(tail) == res.n_sims or tail[-1] == 0.0:
            break
    else:  # pragma: no cover - keeping every year always covers them
        raise RuntimeError("the engine did not keep every year with a layer loss")
    losses = np.concatenate([tail, np.zeros(res.n_sims - len(tail))])
    prov = dict(res.provenance)
    prov["retained_years"] = len(tail)
    mean_ok, var_ok = _finite_moments(model, layer)
    analytic = (None, False) if uncertain else analytic_layer_loss(model, layer)
    return _LayerSample(layer, losses, res.reinstatement_premium, prov, analytic, mean_ok, var_ok)


def _warn_sample(sample: _LayerSample) -> None:
    hits = int(np.count_nonzero(sample.losses))
    label = layer_label(sample.layer)
    if not sample.mean_finite:
        warnings.warn(
            f"layer {label}: the expected layer loss is infinite (unlimited layer over a "
            "severity with an infinite mean); every premium is reported as inf: set a limit",
            InfiniteMomentWarning,
            stacklevel=3,
        )
    elif not sample.var_finite:
        warnings.warn(
            f"layer {label}: the variance of the layer loss is infinite; the standard-"
            "deviation and variance premiums are inf and Monte Carlo errors do not exist",
            InfiniteMomentWarning,
            stacklevel=3,
        )
    if hits < _FEW_YEARS:
        warnings.warn(
            f"layer {label}: only {hits} of {len(sample.losses):,} simulated years reach "
            "the layer; its prices rest on too few years: simulate more",
            RiskModelWarning,
            stacklevel=3,
        )


def _price(sample: _LayerSample, principle: str, loading: float, tvar_level: float) -> LayerPrice:
    """Price one simulated layer under one principle (no simulation)."""
    lay = sample.layer
    x = sample.losses
    n = len(x)
    est = price_losses(x, principle, loading, tvar_level=tvar_level)
    mean = price_losses(x, "expected", 0.0)
    coc = price_losses(x, "cost_of_capital", 1.0, tvar_level=tvar_level)  # = TVaR
    premium, premium_se = est
    expected, expected_se, tvar = mean.premium, mean.se, coc.premium
    std = float(np.std(x))
    if not sample.mean_finite:
        premium = expected = std = tvar = math.inf
        premium_se = expected_se = math.nan
    elif not sample.var_finite:
        std = math.inf
        premium_se = expected_se = math.inf
        if principle in ("std", "variance"):
            premium = math.inf
    top = lay.share * lay.annual_limit
    line = lay.share * lay.limit
    return LayerPrice(
        layer=lay,
        principle=principle,
        loading=loading,
        premium=premium,
        premium_se=premium_se,
        expected_loss=expected,
        expected_loss_se=expected_se,
        std=std,
        expected_loss_analytic=sample.analytic[0],
        analytic_exact=sample.analytic[1],
        tvar_level=tvar_level,
        tvar=tvar,
        capital=tvar - expected if math.isfinite(tvar) else math.inf,
        prob_loss=float(np.count_nonzero(x)) / n,
        prob_exhaust=float(np.count_nonzero(x >= top * (1 - 1e-12))) / n
        if math.isfinite(top)
        else 0.0,
        rate_on_line=premium / line if math.isfinite(line) else math.nan,
        loss_on_line=expected / line if math.isfinite(line) else math.nan,
        expected_reinstatement_premium=sample.reinstatement_premium,
        n_sims=n,
        provenance={**sample.provenance, "principle": principle, "loading": loading},
    )


def _check_common(model, n_sims, tvar_level) -> int:
    if not isinstance(model, LossModel):
        raise TypeError(f"model: expected a LossModel, got {type(model).__name__}")
    try:
        ok = not isinstance(n_sims, bool) and int(n_sims) == n_sims and int(n_sims) >= 2
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"n_sims: must be an integer >= 2, got {n_sims!r}")
    if not 0 < tvar_level < 1:
        raise ValueError(f"tvar_level: must lie in (0, 1), got {tvar_level!r}")
    return int(n_sims)


def price_layer(
    model: LossModel,
    layer: Layer,
    *,
    principle: str = "expected",
    loading: float | None = None,
    tvar_level: float = 0.995,
    n_sims: int = DEFAULT_N_SIMS,
    rng: RNGLike = None,
    **kw: Any,
) -> LayerPrice:
    r"""Price a layer of cover on a loss model by simulation.

    Parameters
    ----------
    model : LossModel
    layer : Layer
        Occurrence or aggregate layer, with its share and annual terms
        (:mod:`riskmodel.insurance`).
    principle : {"expected", "std", "variance", "wang", "cost_of_capital"}
        Premium principle (:func:`riskmodel.pricing.price_losses`).
    loading : float, optional
        Its parameter; default :data:`riskmodel.pricing.DEFAULT_LOADINGS` (expected 0.2, std
        0.25, Wang 0.25, cost of capital 6%; the variance principle needs one).
    tvar_level : float
        Level of the TVaR that defines capital (default 0.995).
    n_sims : int
        Simulated years (default 200,000).
    rng : int, Generator, SeedSequence or None
        Seed (SPEC 7).
    **kw
        Passed to :func:`riskmodel.simulate`: ``block_size``, ``n_threads``,
        ``parameter_uncertainty``, ``backend``, ``client``, ``progress``.

    Returns
    -------
    LayerPrice

    Notes
    -----
    :math:`L` is the insurer's annual loss from the layer: each loss's part
    :math:`\min((X - a)^+, l)` summed over the year, then the annual deductible and limit,
    then the share. The premium is a principle applied to the distribution of :math:`L`
    (the whole distribution is kept exactly: see the module notes). Capital for the cost-of-
    capital principle is :math:`\mathrm{TVaR}_p(L) - E[L]`, the TVaR at ``tvar_level`` above
    the expected loss, so the premium is :math:`E[L] + r(\mathrm{TVaR}_p(L) - E[L])`.
    Rate on line is premium / (share x limit); loss on line E[L] / (share x limit).

    The closed form :math:`s\sum_c E[N_c]\,(E[X_c \wedge (a+l)] - E[X_c \wedge a])` is given
    beside the simulated E[L] for occurrence layers (:func:`analytic_layer_loss`): exact
    without annual terms, an upper bound with them.

    The premium is a risk premium for the annual layer loss; with paid reinstatements the
    expected reinstatement premium is reported, and splitting the price into an upfront and
    a reinstatement part is left to the user.

    References
    ----------
    S. S. Wang (2000), "A class of distortion operators for pricing financial and insurance
    risks", *Journal of Risk and Insurance* 67(1), 15-36.
    R. Kaas, M. Goovaerts, J. Dhaene and M. Denuit (2008), *Modern Actuarial Risk Theory*,
    2nd ed., chapter 5.

    Examples
    --------
    >>> from riskmodel import Layer, LossModel
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(2.0), LogNormal(15.0, 2.0))})
    >>> p = price_layer(m, Layer(10e6, 40e6), principle="wang", n_sims=20_000, rng=1)
    >>> p.premium > p.expected_loss > 0
    True
    """
    n = _check_common(model, n_sims, tvar_level)
    lam = check_loading(principle, loading)
    sample = _simulate_layer(model, layer, n, as_seed_sequence(rng), _sim_options(kw))
    _warn_sample(sample)
    return _price(sample, principle, lam, tvar_level)


def price_tower(
    model: LossModel,
    layers: Sequence[Layer],
    *,
    principles: Sequence[str] = ("expected", "std", "wang", "cost_of_capital"),
    loadings: Mapping[str, float] | None = None,
    tvar_level: float = 0.995,
    n_sims: int = DEFAULT_N_SIMS,
    rng: RNGLike = None,
    **kw: Any,
) -> pd.DataFrame:
    r"""Prices of a tower of layers under several premium principles, as a table.

    Parameters
    ----------
    model : LossModel
    layers : sequence of Layer
    principles : sequence of str
        Premium principles to evaluate (each on the same simulated years).
    loadings : mapping of str to float, optional
        Loading per principle; the others take :data:`~riskmodel.pricing.DEFAULT_LOADINGS`.
    tvar_level, n_sims, rng, **kw
        As for :func:`price_layer`.

    Returns
    -------
    DataFrame
        One row per layer, indexed by its label (``"25M xs 25M"``): ``attachment``, ``limit``,
        ``share``, ``per``, ``expected_loss``, ``expected_loss_se``,
        ``expected_loss_analytic``, ``analytic_exact``, ``std``, ``prob_loss``,
        ``prob_exhaust``, ``loss_on_line``, ``tvar``, and for each principle ``premium_<p>``,
        ``premium_se_<p>`` and ``rate_on_line_<p>``. ``attrs["provenance"]`` holds the seed,
        n_sims, principles and loadings.

    Notes
    -----
    The engine reports ceded losses for a programme as a whole, so each layer is simulated
    on its own, with the same seed: common random numbers, i.e. every layer sees the same
    simulated years of ground-up losses, and differences between layers are not blurred by
    sampling noise (the premiums of adjacent layers add up exactly to that of the combined
    layer under the additive principles). The cost is one simulation per layer.
    """
    n = _check_common(model, n_sims, tvar_level)
    layers = [layers] if isinstance(layers, Layer) else list(layers)
    if not layers:
        raise ValueError("layers: give a non-empty sequence of Layer objects")
    principles = tuple(principles)
    if not principles:
        raise ValueError("principles: give at least one premium principle")
    loadings = dict(loadings or {})
    unknown = sorted(set(loadings) - set(principles))
    if unknown:
        raise ValueError(f"loadings: given for principles not requested: {unknown}")
    lams = {p: check_loading(p, loadings.get(p)) for p in principles}
    options = _sim_options(kw)
    root = as_seed_sequence(rng)
    rows, labels, prov = [], [], {}
    for i, lay in enumerate(layers):
        if not isinstance(lay, Layer):
            raise TypeError(f"layers[{i}]: expected a Layer, got {type(lay).__name__}")
        sample = _simulate_layer(model, lay, n, root, options)
        _warn_sample(sample)
        prices = {p: _price(sample, p, lams[p], tvar_level) for p in principles}
        first = prices[principles[0]]
        row = {
            "attachment": lay.attachment,
            "limit": lay.limit,
            "share": lay.share,
            "per": lay.per,
            "expected_loss": first.expected_loss,
            "expected_loss_se": first.expected_loss_se,
            "expected_loss_analytic": first.expected_loss_analytic,
            "analytic_exact": first.analytic_exact,
            "std": first.std,
            "prob_loss": first.prob_loss,
            "prob_exhaust": first.prob_exhaust,
            "loss_on_line": first.loss_on_line,
            "tvar": first.tvar,
        }
        for p, price in prices.items():
            row[f"premium_{p}"] = price.premium
            row[f"premium_se_{p}"] = price.premium_se
            row[f"rate_on_line_{p}"] = price.rate_on_line
        rows.append(row)
        labels.append(layer_label(lay))
        prov = sample.provenance
    table = pd.DataFrame(rows, index=pd.Index(labels, name="layer"))
    table.attrs["provenance"] = {
        "seed": prov.get("seed"),
        "n_sims": n,
        "block_size": prov.get("block_size"),
        "version": prov.get("version"),
        "principles": list(principles),
        "loadings": lams,
        "tvar_level": tvar_level,
        "common_random_numbers": True,
    }
    return table
