"""The truncated lognormal MLE of the foundation: it recovers known parameters."""

import numpy as np
import pytest

from riskmodel import ConvergenceWarning
from riskmodel.fit import fit_severity
from riskmodel.severity import LogNormal


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_truncated_fit_recovers_parameters_within_standard_errors(seed):
    true = LogNormal(mu=14.0, sigma=2.2)
    x = true.truncated(lower=1e6).sample(800, rng=seed)
    fit = fit_severity(x, "lognormal", truncation=1e6)
    assert fit.converged
    for name in ("mu", "sigma"):
        assert abs(fit.params[name] - getattr(true, name)) < 4 * fit.se[name]


def test_ignoring_truncation_is_biased_and_truncation_fixes_it():
    true = LogNormal(mu=13.0, sigma=2.0)
    x = true.truncated(lower=1e6).sample(3000, rng=4)
    naive = fit_severity(x, "lognormal")
    fit = fit_severity(x, "lognormal", truncation=1e6)
    assert abs(naive.params["mu"] - 13.0) > 10 * naive.se["mu"]
    assert abs(fit.params["mu"] - 13.0) < 4 * fit.se["mu"]


def test_untruncated_fit_equals_closed_form():
    x = LogNormal(1.0, 0.5).sample(500, rng=5)
    fit = fit_severity(x, "lognormal")
    lx = np.log(x)
    assert fit.params["mu"] == pytest.approx(lx.mean(), abs=1e-6)
    assert fit.params["sigma"] == pytest.approx(lx.std(), rel=1e-5)
    # observed information of the normal: se(mu) = sigma / sqrt(n)
    assert fit.se["mu"] == pytest.approx(lx.std() / np.sqrt(500), rel=1e-3)


def test_bad_losses_name_the_position():
    with pytest.raises(ValueError, match="position 2"):
        fit_severity([1.0, 2.0, -3.0], "lognormal")
    with pytest.raises(ValueError, match="below the truncation"):
        fit_severity([5.0, 2.0, 8.0], "lognormal", truncation=3.0)
    with pytest.raises(ValueError, match="unknown family"):
        fit_severity([1.0, 2.0], "normalish")


def test_fit_drifting_to_the_power_law_limit_is_not_converged():
    # Eleven losses above USD 1M (drawn from a lognormal mu 16, sigma 2.5 truncated at 1M,
    # rounded to thousands) whose truncated-lognormal likelihood keeps rising along
    # mu -> -inf, sigma -> inf: the optimiser stops at mu ~ -1.5e5, where the fitted lognormal
    # puts exp(-4e4) of its mass above 1M. The fit must say so, not report a usable model.
    x = np.array(
        [1.145e6, 3.878e6, 4.573e6, 4.307e6, 1.058e6, 1.083e6, 1.47713e9, 6.3592e7, 5.985e6,
         2.955e6, 4.17e6]
    )  # fmt: skip
    with pytest.warns(ConvergenceWarning, match="no finite maximum"):
        fit = fit_severity(x, "lognormal", truncation=1e6)
    assert not fit.converged
    assert "fit a Pareto or a GPD" in fit.message
    # the conditional distribution cannot be formed in double precision: a clear error
    with pytest.raises(ValueError, match="less than the 1e-300"):
        fit.dist.truncated(lower=1e6)


def test_truncation_keeping_numerically_no_mass_is_refused():
    LogNormal(0.0, 1.0).truncated(lower=1e15)  # logsf -600: still representable
    with pytest.raises(ValueError, match="double precision can condition on"):
        LogNormal(0.0, 1.0).truncated(lower=1e20)  # logsf -1066: S(l) underflows
