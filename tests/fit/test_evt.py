"""EVT tools: POT against published Danish fire-loss fits, Hill, mean excess, stability,
threshold choice, and the hack tail of the bundled incidents."""

import math
import pathlib

import numpy as np
import pandas as pd
import pytest

from riskmodel._errors import InfiniteMomentWarning, RiskModelWarning
from riskmodel.fit._evt import fit_pot, gpd_stability, hill, mean_excess, suggest_threshold
from riskmodel.severity._gpd import GeneralizedPareto

DANISH = pathlib.Path(__file__).parents[1] / "reference" / "danish.csv"


@pytest.fixture(scope="module")
def danish():
    return pd.read_csv(DANISH)["loss_mdkk"].to_numpy()


def test_danish_data_is_the_published_sample(danish):
    # summary(danish) in R (evir / QRM): n 2167, min 1, median 1.778, mean 3.385, max 263.25
    assert danish.size == 2167
    assert danish.min() == 1.0
    assert np.median(danish) == pytest.approx(1.778, abs=5e-4)
    assert danish.mean() == pytest.approx(3.385, abs=5e-4)
    assert danish.max() == pytest.approx(263.25, abs=5e-3)


@pytest.mark.parametrize(
    ("u", "n_exceed", "xi", "sigma"),
    [
        # McNeil (1997), ASTIN Bulletin 27(1), sect. 5: GPD MLE above 10 and 20 (evir gpd())
        (10.0, 109, 0.497, 6.98),
        (20.0, 36, 0.684, 9.63),
    ],
)
def test_pot_matches_mcneil_1997(danish, u, n_exceed, xi, sigma):
    pot = fit_pot(danish, u)
    assert pot.converged
    assert pot.n_exceed == n_exceed
    assert pot.xi == pytest.approx(xi, abs=5e-4)
    assert pot.sigma == pytest.approx(sigma, abs=1e-2)  # published to 3 figures
    assert pot.rate == pytest.approx(n_exceed / 2167)


def test_pot_standard_errors_and_risk_measures_match_qrm(danish):
    pot = fit_pot(danish, 10.0)
    # McNeil (1997): standard errors 0.14 (xi) and 1.1 (beta) from the observed information
    assert pot.se["xi"] == pytest.approx(0.14, abs=0.005)
    assert pot.se["sigma"] == pytest.approx(1.11, abs=0.01)
    # McNeil, Frey & Embrechts (2005), Quantitative Risk Management, sect. 7.2 (Danish fire
    # losses above u = 10): VaR_0.99 = 27.3, ES_0.99 = 58.2. These two values are quoted from
    # the book as remembered; no copy was at hand to re-check them. The GPD fit they rest on
    # (xi 0.497, sigma 6.98) is checked against McNeil (1997) above.
    assert pot.var(0.99) == pytest.approx(27.3, abs=0.05)
    assert pot.es(0.99) == pytest.approx(58.2, abs=0.05)
    assert pot.var([0.99, 0.999])[1] > pot.var(0.99)
    lo, hi = pot.profile_interval()
    assert lo < pot.xi < hi and hi - pot.xi > pot.xi - lo  # skewed to the heavy side
    assert "VaR_0.99" in pot.summary()


def test_pot_tail_estimate_and_dist(danish):
    pot = fit_pot(danish, 10.0)
    assert pot.sf(10.0) == pytest.approx(pot.rate)
    assert pot.sf(pot.var(0.999)) == pytest.approx(0.001, rel=1e-9)
    d = pot.dist
    assert isinstance(d, GeneralizedPareto) and d.threshold == 10.0
    with pytest.raises(ValueError, match="covers only"):
        pot.var(0.9)
    with pytest.raises(ValueError, match="only above"):
        pot.sf(5.0)


def test_es_is_infinite_with_a_warning_when_xi_reaches_one():
    x = 1.0 + GeneralizedPareto(xi=1.5, sigma=1.0).sample(3000, rng=1)
    pot = fit_pot(x, 2.0)
    assert pot.xi > 1
    with pytest.warns(InfiniteMomentWarning):
        assert math.isinf(pot.es(0.999))


@pytest.mark.parametrize("seed", [1, 2])
def test_pot_recovers_gpd_parameters(seed):
    true = GeneralizedPareto(xi=0.4, sigma=3.0, threshold=5.0)
    x = true.sample(2000, rng=seed)
    pot = fit_pot(x, 5.0)
    assert abs(pot.xi - 0.4) < 4 * pot.se["xi"]
    assert abs(pot.sigma - 3.0) < 4 * pot.se["sigma"]


def test_hill_recovers_the_pareto_tail_index():
    alpha = 1.5
    x = (1.0 - np.random.default_rng(3).random(5000)) ** (-1.0 / alpha)  # Pareto(1.5, 1)
    h = hill(x, k=[200, 1000])
    for _, r in h.iterrows():
        assert r.alpha_lower < alpha < r.alpha_upper
        assert abs(r.alpha - alpha) < 4 * r.alpha / math.sqrt(r.k)
    # the closed form at one k
    xs = np.sort(x)[::-1]
    assert h.xi.iloc[0] == pytest.approx(np.mean(np.log(xs[:200])) - np.log(xs[200]))
    full = hill(x)
    assert full.k.tolist() == list(range(2, 5000))
    with pytest.raises(ValueError, match="k: must"):
        hill(x, k=5000)


def test_mean_excess_matches_brute_force(danish):
    me = mean_excess(danish)
    for u in (1.5, 10.0, 20.0):
        row = me.loc[me.threshold <= u].iloc[-1]
        exc = danish[danish > row.threshold] - row.threshold
        assert row.mean_excess == pytest.approx(exc.mean(), rel=1e-10)
        assert row.n_exceed == exc.size
        assert row.se == pytest.approx(exc.std(ddof=1) / math.sqrt(exc.size), rel=1e-8)
    assert me.n_exceed.min() > 3


def test_stability_of_gpd_data_is_flat():
    x = GeneralizedPareto(xi=0.5, sigma=2.0, threshold=1.0).sample(3000, rng=4)
    st = gpd_stability(x, thresholds=[1.0, 2.0, 4.0, 8.0], level=0.999)
    assert ((st.xi_lower < 0.5) & (0.5 < st.xi_upper)).all()
    # modified scale sigma* = sigma_u - xi u is constant: 2 - 0.5 * 1 = 1.5
    assert ((st.sigma_star_lower < 1.5) & (1.5 < st.sigma_star_upper)).all()
    assert len(gpd_stability(x)) > 10


def test_forwardstop_threshold_choice():
    rng = np.random.default_rng(5)
    # a body that is not GPD (uniform on [1, 3]) below a GPD tail above 3
    body = rng.uniform(1.0, 3.0, 300)
    tail = GeneralizedPareto(xi=0.3, sigma=1.0, threshold=3.0).sample(300, rng=6)
    x = np.concatenate([body, tail])
    cand = [1.0, 1.5, 2.0, 3.0, 4.0]
    ch = suggest_threshold(x, cand, n_boot=29, rng=7)
    assert ch.table.rejected.iloc[:2].all()  # the uniform body is rejected
    assert 2.0 <= ch.threshold <= 3.0
    assert ch.fit is not None and ch.fit.threshold == ch.threshold
    assert ch.seed == 7
    again = suggest_threshold(x, cand, n_boot=29, rng=7)
    pd.testing.assert_frame_equal(ch.table, again.table)
    # normal losses far above the candidates are GPD above none: NaN with a warning
    # (the smallest bootstrap p-value, 1/40, lets ForwardStop reject at alpha = 0.05)
    normal = np.random.default_rng(11).normal(10.0, 1.0, 500)
    with pytest.warns(RiskModelWarning, match="every candidate"):
        none = suggest_threshold(normal, [5.0, 7.0], n_boot=39, rng=1)
    assert math.isnan(none.threshold)


def test_bad_inputs():
    with pytest.raises(ValueError, match="need at least 3"):
        fit_pot([1.0, 2.0, 3.0, 4.0], 3.5)
    with pytest.raises(ValueError, match="positive"):
        mean_excess([1.0, -2.0, 3.0])


def test_tail_index_of_exchange_hacks_above_10m():
    """The bundled hacks above USD 10M (2014 on): Pareto tail index below 1, with interval."""
    from riskmodel.data import load_incidents
    from riskmodel.fit import fit_severity

    df = load_incidents()
    sel = (df.category == "hack") & (df.date.dt.year >= 2014) & (df.amount_usd >= 1e7)
    x = df.loc[sel, "amount_usd"].to_numpy()
    assert 40 <= x.size <= 60
    fit = fit_severity(x, "pareto", truncation=1e7)  # Hill estimator at USD 10M
    ci = fit.profile_interval(level=0.95)
    assert ci.lower < fit.params["alpha"] < ci.upper
    # the data README reports about 0.6 above $10M; the interval excludes 1: infinite mean
    assert 0.45 < fit.params["alpha"] < 0.8
    assert ci.upper < 1.0 and ci.lower > 0.3
    pot = fit_pot(x, 1e7)
    lo, hi = pot.profile_interval()
    assert lo < pot.xi < hi and lo > 0
