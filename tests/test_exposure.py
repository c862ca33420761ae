"""Exposure scaling by trading volume and the estimation of the volume elasticity."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from riskmodel._errors import RiskModelWarning
from riskmodel.exposure import scale_frequency, scale_rate
from riskmodel.fit import fit_volume_elasticity
from riskmodel.frequency import NegativeBinomial, Poisson


def test_scale_rate_formula():
    assert scale_rate(8.0, 2e12, 40e12) == pytest.approx(0.4)
    assert scale_rate(8.0, 2e12, 40e12, beta=0.5) == pytest.approx(8.0 * math.sqrt(0.05))
    assert scale_rate(8.0, 40e12, 40e12, beta=0.3) == pytest.approx(8.0)
    assert scale_rate(0.0, 1.0, 2.0) == 0.0
    out = scale_rate(np.array([1.0, 2.0]), np.array([1.0, 4.0]), 8.0)
    np.testing.assert_allclose(out, [0.125, 1.0])
    assert isinstance(scale_rate(1.0, 1.0, 2.0), float)


def test_scale_frequency():
    assert scale_frequency(Poisson(8.0), 2e12, 40e12) == Poisson(8.0 * 0.05)
    nb = scale_frequency(NegativeBinomial(8.0, 1.5), 2e12, 40e12, beta=0.5)
    assert nb.mean() == pytest.approx(8.0 * math.sqrt(0.05)) and nb.shape == 1.5
    with pytest.raises(ValueError, match="scalars"):
        scale_frequency(Poisson(1.0), np.array([1.0, 2.0]), 4.0)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1.0, 0.0, 1.0), "exchange_volume must be finite and > 0, got 0.0"),
        ((1.0, -5.0, 1.0), "exchange_volume .* got -5.0"),
        ((1.0, 1.0, 0.0), "industry_volume"),
        ((1.0, 1.0, math.inf), "industry_volume"),
        ((1.0, np.array([1.0, np.nan]), 2.0), r"exchange_volume .* at position \(1,\)"),
        ((-1.0, 1.0, 2.0), "industry_rate"),
        ((math.nan, 1.0, 2.0), "industry_rate"),
    ],
)
def test_scale_rate_errors(args, match):
    with pytest.raises(ValueError, match=match):
        scale_rate(*args)


def test_scale_rate_bad_beta_and_types():
    with pytest.raises(ValueError, match="beta"):
        scale_rate(1.0, 1.0, 2.0, beta=math.nan)
    with pytest.raises(TypeError, match="exchange_volume"):
        scale_rate(1.0, "big", 2.0)


def test_exchange_bigger_than_industry_warns():
    with pytest.warns(RiskModelWarning, match="same unit"):
        scale_rate(1.0, 3.0, 2.0)


def _simulated_panel(seed=8, n=300, beta=0.7):
    rng = np.random.default_rng(seed)
    vol = np.exp(rng.normal(25.0, 1.5, n))
    years = rng.integers(1, 6, n).astype(float)
    mu = years * 0.8 * np.exp(beta * (np.log(vol) - 25.0))
    return rng.poisson(mu), vol, years


def test_elasticity_equals_statsmodels_and_recovers_beta():
    y, vol, years = _simulated_panel()
    fit = fit_volume_elasticity(y, vol, periods=years)
    X = np.column_stack([np.ones(y.size), np.log(vol) - np.log(vol).mean()])
    ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(years)).fit()
    assert fit.beta == pytest.approx(ref.params[1], rel=1e-10)
    assert fit.beta_se == pytest.approx(ref.bse[1], rel=1e-8)
    assert fit.intercept == pytest.approx(ref.params[0], rel=1e-10)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-12)
    assert abs(fit.beta - 0.7) < 3 * fit.beta_se
    z, p = fit.test_proportional()
    assert z == pytest.approx((fit.beta - 1) / fit.beta_se) and p < 1e-3
    lo, hi = fit.ci(0.95)
    assert lo < fit.beta < hi and hi - lo == pytest.approx(2 * 1.959964 * fit.beta_se, rel=1e-6)
    v = float(np.exp(fit.log_volume_ref))
    assert fit.rate(v, periods=2.0) == pytest.approx(2.0 * math.exp(fit.intercept))
    assert fit.converged and 0.7 < fit.pearson_dispersion < 1.3


def test_elasticity_robust_se_is_sandwich():
    y, vol, years = _simulated_panel(seed=9)
    fit = fit_volume_elasticity(y, vol, periods=years, se="robust")
    X = np.column_stack([np.ones(y.size), np.log(vol) - np.log(vol).mean()])
    ref = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(years)).fit(cov_type="HC0")
    assert fit.beta_se == pytest.approx(ref.bse[1], rel=1e-8) and fit.se_type == "robust"


def test_elasticity_series_alignment_and_reporting():
    counts = pd.Series({"A": 1, "B": 3, "C": 9, "D": 20})
    vols = pd.Series({"D": 2e12, "C": 1e12, "B": 3e11, "A": 1e11})  # other order
    fit = fit_volume_elasticity(counts, vols)
    ref = fit_volume_elasticity([1, 3, 9, 20], [1e11, 3e11, 1e12, 2e12])
    assert fit.beta == pytest.approx(ref.beta)
    assert "beta" in fit.summary() and json.loads(json.dumps(fit.to_dict()))["n_obs"] == 4
    with pytest.raises(ValueError, match=r"missing for \['D'\]"):
        fit_volume_elasticity(counts, vols.drop("D"))


@pytest.mark.parametrize(
    ("counts", "vols", "kwargs", "match"),
    [
        ([1, 2, 3], [1.0, 0.0, 2.0], {}, r"volumes must be finite and > 0, got 0\.0"),
        ([1, 2, 3], [1.0, 2.0], {}, "expected 3 values"),
        ([1, 2], [1.0, 2.0], {}, "too few"),
        ([1, 2, 3], [2.0, 2.0, 2.0], {}, "not identified"),
        ([0, 0, 0], [1.0, 2.0, 3.0], {}, "all counts are zero"),
        ([1, -2, 3], [1.0, 2.0, 3.0], {}, "row 1"),
        ([1, 2, 3], [1.0, 2.0, 3.0], {"periods": [1.0, 0.0, 1.0]}, "periods"),
        ([1, 2, 3], [1.0, 2.0, 3.0], {"se": "hc3"}, "se"),
    ],
)
def test_elasticity_errors(counts, vols, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_volume_elasticity(counts, vols, **kwargs)
