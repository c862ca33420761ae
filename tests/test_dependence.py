"""Dependence between categories: copulas on counts and common shocks."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskmodel.dependence import CommonShock, GaussianCopula, StudentTCopula
from riskmodel.engine import simulate
from riskmodel.fit import fit_count_copula
from riskmodel.frequency import Poisson
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal

ONE = LogNormal(10.0, 0.1).capped(1.0)  # X = 1 almost surely: annual loss = annual count


def count_cov(result):
    """Cov(N_a, N_b) from the moments the engine keeps: (Var S - Var S_a - Var S_b) / 2."""
    g = result.gross
    return (g.var - g.cat_var.sum()) / 2


def reference_copula_cov(rho, lam, n, seed, df=None):
    """Independent NumPy/SciPy simulation of copula counts, with its standard error."""
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    if df is None:
        u = stats.norm.cdf(z)
    else:
        w = rng.chisquare(df, size=n) / df
        u = stats.t.cdf(z / np.sqrt(w)[:, None], df)
    a, b = stats.poisson.ppf(u[:, 0], lam), stats.poisson.ppf(u[:, 1], lam)
    prod = (a - a.mean()) * (b - b.mean())
    return prod.mean(), prod.std() / math.sqrt(n)


@pytest.mark.parametrize("df", [None, 3.0])
def test_copula_counts_match_an_independent_simulation(df):
    rho, lam, n = 0.6, 3.0, 200_000
    cop = (
        GaussianCopula([[1, rho], [rho, 1]])
        if df is None
        else StudentTCopula([[1, rho], [rho, 1]], df=df)
    )
    m = LossModel({"a": (Poisson(lam), ONE), "b": (Poisson(lam), ONE)}, dependence=cop)
    r = simulate(m, n, rng=1)
    # marginals unchanged
    for c in range(2):
        assert abs(r.gross.cat_mean[c] - lam) < 4 * math.sqrt(lam / n)
    ref, ref_se = reference_copula_cov(rho, lam, n, seed=2, df=df)
    got = count_cov(r)
    # the engine's covariance estimate has about the same standard error as the reference's
    assert abs(got - ref) < 4 * math.sqrt(2) * ref_se
    assert got > 0.4 * lam


def test_common_shock_moments_are_exact():
    own_a, own_b, rate = 2.0, 1.0, 0.5
    shock = CommonShock(rate, {"a": 1.0, "b": 0.5})
    m = LossModel({"a": (Poisson(own_a), ONE), "b": (Poisson(own_b), ONE)}, dependence=shock)
    assert m.expected_counts() == {"a": 2.5, "b": 1.25}
    # Cov(N_a, N_b) = rate * p_a * p_b
    assert m.total_variance() == pytest.approx(2.5 + 1.25 + 2 * rate * 0.5)
    n = 400_000
    r = simulate(m, n, rng=3)
    audit = r.describe()
    assert (audit["flag"] == "ok").all()
    assert abs(count_cov(r) - rate * 0.5) < 0.02
    assert shock.split({"a": 2.5, "b": 1.25}) == {"a": 2.0, "b": 1.0}


def test_fit_count_copula_from_rank_correlation():
    rng = np.random.default_rng(0)
    base = rng.poisson(5, 30)
    counts = pd.DataFrame({"a": base, "b": base + rng.poisson(0.3, 30), "c": rng.poisson(2, 30)})
    cop = fit_count_copula(counts)
    assert cop.corr[0, 1] > 0.8
    assert abs(cop.corr[0, 2]) < 0.5
    assert np.all(np.linalg.eigvalsh(cop.corr) > 0)
    assert isinstance(fit_count_copula(counts, family="t", df=5), StudentTCopula)
    with pytest.raises(ValueError, match="3 years"):
        fit_count_copula(counts.iloc[:2])


def test_dependence_validation():
    with pytest.raises(ValueError, match="symmetric"):
        GaussianCopula([[1, 0.2], [0.3, 1]])
    with pytest.raises(ValueError, match="semi-definite"):
        GaussianCopula([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    with pytest.raises(ValueError, match="df"):
        StudentTCopula([[1.0]], df=0)
    with pytest.raises(ValueError, match="categories"):
        LossModel({"a": (Poisson(1), ONE)}, dependence=GaussianCopula(np.eye(2)))
    with pytest.raises(ValueError, match="unknown categories"):
        LossModel({"a": (Poisson(1), ONE)}, dependence=CommonShock(1.0, {"z": 1.0}))
    with pytest.raises(TypeError, match="dependence"):
        LossModel({"a": (Poisson(1), ONE)}, dependence="strong")
    with pytest.raises(ValueError, match="exceeds"):
        CommonShock(2.0, {"a": 1.0}).split({"a": 1.0})
