"""Every frequency the fits return can be simulated, the predictive Mixture included."""

import math

import numpy as np
import pytest
from scipy import stats

from riskmodel.dependence import GaussianCopula
from riskmodel.engine import _kernels as K
from riskmodel.engine import simulate
from riskmodel.engine._random import new_state
from riskmodel.engine._specs import TABLE_ONLY, count_tables, frequency_spec
from riskmodel.fit import fit_frequency
from riskmodel.frequency import Mixture, Poisson
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal

MIXTURES = [
    Mixture([0.5, 4.0, 9.0]),
    Mixture([1.0, 6.0], shapes=[0.8, 3.0]),
]


@pytest.mark.parametrize("mix", MIXTURES)
def test_table_of_a_mixture_draws_its_pmf(mix):
    # the kernel's table inversion against the mixture's own pmf (chi-square, fixed seed)
    kind, par = frequency_spec(mix)
    assert kind == TABLE_ONLY and par[0] == mix.mean()
    cdf, guide, size = count_tables(np.array([kind]), par[None, :], [mix])
    assert size[0] > 0 and cdf[0, -1] == 1.0
    n = 100_000
    counts = np.zeros((n, 1), dtype=np.int64)
    with np.errstate(over="ignore"):
        u = np.empty(K.BUFFER)
        K.table_counts(new_state(np.random.default_rng(11)), cdf, guide, size, 0, counts, u)
    x = counts[:, 0]
    hi = int(mix.ppf(1 - 1e-4))
    ks = np.arange(hi)
    obs = [*[np.sum(x == k) for k in ks], np.sum(x >= hi)]
    p = [*mix.pmf(ks), float(mix.sf(hi - 1))]
    assert stats.chisquare(obs, np.array(p) * n).pvalue > 0.001


def _check_compound_moments(model, mix, sev, n, rng):
    # S = X_1 + ... + X_N: E S = E N E X, Var S = E N Var X + Var N (E X)^2 (mixture moments)
    r = simulate(model, n, rng=rng, min_level=0.5)
    ex, vx = sev.mean(), sev.var()
    want_mean = mix.mean() * ex
    want_var = mix.mean() * vx + mix.var() * ex * ex
    assert abs(r.gross.mean - want_mean) < 5 * math.sqrt(want_var / n)
    # the variance's standard error from the fourth moment is awkward; 5% is > 10 se here
    assert abs(r.gross.var / want_var - 1) < 0.05
    return r


@pytest.mark.parametrize("mix", MIXTURES)
def test_simulate_accepts_a_mixture_and_gets_its_moments(mix):
    sev = LogNormal(0.0, 0.25)
    _check_compound_moments(LossModel({"a": (mix, sev)}), mix, sev, 200_000, 3)


def test_a_mixture_too_large_for_a_table_is_drawn_by_its_sample():
    mix = Mixture([2.0e5, 3.0e5])
    kind, par = frequency_spec(mix)
    assert count_tables(np.array([kind]), par[None, :], [mix])[2][0] == 0
    sev = LogNormal(0.0, 0.1)
    r = _check_compound_moments(LossModel({"a": (mix, sev)}), mix, sev, 4_000, 8)
    assert r.gross.mean > 0


def test_a_mixture_too_large_for_a_table_is_refused_through_a_copula():
    mix = Mixture([2.0e5, 3.0e5])
    sev = LogNormal(0.0, 0.1)
    cop = GaussianCopula(np.array([[1.0, 0.5], [0.5, 1.0]]))
    model = LossModel({"a": (mix, sev), "b": (Poisson(1.0), sev)}, dependence=cop)
    with pytest.raises(ValueError, match=r"category 0.*copula"):
        simulate(model, 100, rng=1)


def test_a_mixture_goes_through_a_copula_by_its_table():
    mix = Mixture([1.0, 5.0])
    sev = LogNormal(0.0, 0.25)
    cop = GaussianCopula(np.array([[1.0, 0.7], [0.7, 1.0]]))
    model = LossModel({"a": (mix, sev), "b": (Poisson(2.0), sev)}, dependence=cop)
    n = 100_000
    r = simulate(model, n, rng=4, min_level=0.5)
    want = (mix.mean() + 2.0) * sev.mean()
    # the total's sd bounds that of either margin's mean; counts are positively dependent
    sd = math.sqrt(r.gross.var / n)
    assert abs(r.gross.mean - want) < 5 * sd


def test_the_predictive_frequency_of_a_fit_simulates():
    # the join the issue names: fit_frequency -> predictive -> LossModel -> simulate
    y = np.array([3, 5, 2, 7, 4, 6, 3, 5, 8, 4, 6, 5])
    fit = fit_frequency(y, family="poisson")
    pred = fit.predictive(n_draws=2_000)
    sev = LogNormal(0.0, 0.25)
    _check_compound_moments(LossModel({"hacks": (pred, sev)}), pred, sev, 200_000, 6)
