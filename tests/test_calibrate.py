"""The foundation pipeline on the bundled data: counts, fits and the model they make."""

import numpy as np
import pytest

from riskmodel.calibrate import DEFAULT_CAP_USD, calibrate_industry
from riskmodel.data import annual_counts, load_incidents
from riskmodel.fit import fit_frequency, fit_severity, select_severity


@pytest.fixture(scope="module")
def cal():
    return calibrate_industry()


def test_window_counts_and_rates(cal):
    inc = load_incidents()
    counts = annual_counts(inc, threshold=1e6, since=2014, until=2025, unknown_amount="ignore")
    assert (cal.since, cal.until) == (2014, 2025)
    assert len(cal.counts) == 12
    for name, c in cal.categories.items():
        assert c.mean_rate == counts[name].sum() / 12
        assert c.n_losses == counts[name].sum()
        if not c.trend_used:  # the rate is the window's mean
            assert c.rate == c.mean_rate
    # hacks: a significant log-linear trend (Poisson GLM), projected to the year after
    hack = cal.categories["hack"]
    assert hack.trend_used and hack.trend_pvalue < 0.05 and hack.projection_year == 2026
    fit = fit_frequency(counts["hack"], family="poisson", trend="linear")
    assert hack.rate == pytest.approx(fit.predict(year=2026).mean(), rel=1e-9)
    # trend=False: every rate is the mean
    flat = calibrate_industry(trend=False)
    assert flat.categories["hack"].rate == counts["hack"].sum() / 12
    # Coinroom (2019) has no known amount: left out and reported
    assert cal.n_unknown_amount == 1


def test_severity_fits_are_the_truncated_mle_of_the_window_losses(cal):
    inc = load_incidents()
    year = inc.date.dt.year
    x = inc.loc[
        (inc.category == "hack") & (inc.amount_usd >= 1e6) & (year >= 2014), "amount_usd"
    ].to_numpy()
    hack = cal.categories["hack"]
    direct = fit_severity(x, hack.family, truncation=1e6)
    got = hack.severity_fit
    assert got.params == direct.params
    assert got.converged
    # the family is the selection rule's choice on the same losses
    assert hack.family == select_severity(x, truncation=1e6, rng=2026).family == "weibull"
    # the simulated severity is the fit conditioned on the threshold, capped at the default cap
    sev = cal.model.categories["hack"][1]
    assert hack.cap == DEFAULT_CAP_USD
    assert sev.sf(1e6) == 1.0
    assert np.isclose(sev.sf(1e8), direct.dist.sf(1e8) / direct.dist.sf(1e6))
    assert sev.sf(DEFAULT_CAP_USD) == 0.0 and sev.sf(np.nextafter(DEFAULT_CAP_USD, 0)) > 0
    # a named family overrides the rule
    ln = calibrate_industry(severity={"hack": "lognormal"}).categories["hack"]
    assert ln.family == "lognormal" and ln.selection == "chosen by the user"
    assert ln.severity_fit.params == fit_severity(x, "lognormal", truncation=1e6).params


def test_sparse_category_borrows_the_pooled_severity(cal):
    op = cal.categories["operational"]
    assert op.n_losses < 5 and op.pooled_severity
    table = cal.table()
    assert table.loc["operational", "severity"] == "pooled"
    assert table.loc["hack", "severity"] == "own"


def test_bad_threshold_and_empty_window():
    with pytest.raises(ValueError, match="threshold"):
        calibrate_industry(threshold=-1)
    with pytest.raises(ValueError, match="too few"):
        calibrate_industry(threshold=1e12)
