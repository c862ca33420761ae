"""Family-specific behaviour: validation messages, the name registry, support edges,
vectorisation, closed-form moments, truncation/capping details and the spliced model."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from scipy import integrate

from riskmodel._errors import InfiniteMomentWarning
from riskmodel.severity import (
    FAMILIES,
    Burr,
    Capped,
    Gamma,
    GeneralizedPareto,
    LogGamma,
    LogLogistic,
    LogNormal,
    Lomax,
    Pareto,
    Spliced,
    Truncated,
    Weibull,
    resolve_family,
)


@pytest.mark.parametrize(
    ("make", "family", "param", "value"),
    [
        (lambda: LogNormal(math.nan, 1.0), "LogNormal", "mu", "nan"),
        (lambda: LogNormal(0.0, 0.0), "LogNormal", "sigma", "0.0"),
        (lambda: GeneralizedPareto(0.5, -1.0), "GeneralizedPareto", "sigma", "-1.0"),
        (lambda: GeneralizedPareto(math.inf, 1.0), "GeneralizedPareto", "xi", "inf"),
        (lambda: GeneralizedPareto(0.5, 1.0, -2.0), "GeneralizedPareto", "threshold", "-2.0"),
        (lambda: Pareto(0.0, 1.0), "Pareto", "alpha", "0.0"),
        (lambda: Pareto(1.0, -5.0), "Pareto", "xm", "-5.0"),
        (lambda: Lomax(-1.0, 1.0), "Lomax", "alpha", "-1.0"),
        (lambda: Burr(1.0, 0.0, 1.0), "Burr", "k", "0.0"),
        (lambda: Weibull(1.0, math.inf), "Weibull", "scale", "inf"),
        (lambda: Gamma(-0.5, 1.0), "Gamma", "shape", "-0.5"),
        (lambda: LogLogistic(2.0, 0.0), "LogLogistic", "scale", "0.0"),
        (lambda: LogGamma(2.0, 0.0), "LogGamma", "rate", "0.0"),
        (lambda: Burr("a", 1.0, 1.0), "Burr", "c", "'a'"),
    ],
)
def test_invalid_parameters_name_family_parameter_and_value(make, family, param, value):
    with pytest.raises(ValueError) as err:
        make()
    msg = str(err.value)
    assert msg.startswith(family) and param in msg and value in msg


def test_parameters_are_stored_as_floats_and_frozen():
    d = Pareto(2, 10)
    assert type(d.alpha) is float and d.params == {"alpha": 2.0, "xm": 10.0}
    with pytest.raises(AttributeError):
        d.alpha = 3.0
    assert GeneralizedPareto(0.5, 1.0, 7.0).params == {"xi": 0.5, "sigma": 1.0}
    assert pickle.loads(pickle.dumps(d)) == d


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("lognormal", LogNormal),
        ("Log-Normal", LogNormal),
        ("gpd", GeneralizedPareto),
        ("generalized_pareto", GeneralizedPareto),
        ("pareto", Pareto),
        ("lomax", Lomax),
        ("BURR", Burr),
        ("weibull", Weibull),
        ("gamma", Gamma),
        ("loglogistic", LogLogistic),
        ("log gamma", LogGamma),
    ],
)
def test_registry_resolves_names(name, cls):
    assert resolve_family(name) is cls
    assert resolve_family(cls) is cls


def test_registry_rejects_unknown_names_and_lists_the_known():
    with pytest.raises(ValueError, match="known: burr, gamma"):
        resolve_family("cauchy")
    with pytest.raises(TypeError):
        resolve_family(3)
    assert len(set(FAMILIES.values())) == 9


@pytest.mark.parametrize("cls", sorted(set(FAMILIES.values()), key=lambda c: c.__name__))
def test_every_family_declares_its_fitting_hooks(cls):
    assert cls.param_names and cls.tail_param in cls.param_names
    x = cls._start(np.geomspace(2.0, 1e6, 200))
    assert isinstance(x, cls)
    theta = x._to_theta()
    assert theta.shape == (len(cls.param_names),)
    back = cls._from_theta(theta)
    for p in cls.param_names:
        assert getattr(back, p) == pytest.approx(getattr(x, p), rel=1e-12)


def test_support_edges_and_scalar_outputs():
    d = Pareto(2.0, 10.0)
    assert d.sf(5.0) == 1.0 and d.cdf(5.0) == 0.0 and d.pdf(5.0) == 0.0
    assert d.ppf(0.0) == 10.0 and d.isf(1.0) == 10.0
    assert d.ppf(1.0) == math.inf and d.isf(0.0) == math.inf
    assert isinstance(d.sf(20.0), float)
    assert d.sf(np.array([[20.0]])).shape == (1, 1)
    g = GeneralizedPareto(-0.5, 1.0, threshold=3.0)  # support [3, 5]
    assert g._support() == (3.0, 5.0)
    assert g.isf(0.0) == 5.0 and g.sf(5.0) == 0.0 and g.sf(6.0) == 0.0
    assert g.pdf(5.0) == 0.0 and g.pdf(6.0) == 0.0
    assert GeneralizedPareto(-1.0, 2.0).pdf(2.0) == pytest.approx(0.5)  # uniform on [0, 2]
    assert LogGamma(2.0, 3.0).sf(1.0) == 1.0 and LogGamma(2.0, 3.0).pdf(0.5) == 0.0
    for d in (Weibull(0.5, 1.0), Gamma(0.5, 1.0), LogLogistic(1.0, 1.0), Burr(1.0, 1.0, 1.0)):
        assert d.ppf(0.0) == 0.0 and d.isf(0.0) == math.inf and d.sf(0.0) == 1.0


def test_probabilities_outside_the_unit_interval_are_rejected():
    with pytest.raises(ValueError, match="q: probabilities"):
        LogNormal(0.0, 1.0).isf(1.5)
    with pytest.raises(ValueError, match="NaN"):
        LogNormal(0.0, 1.0).sf([1.0, math.nan])
    with pytest.raises(ValueError, match="limit"):
        LogNormal(0.0, 1.0).lev(-1.0)


@pytest.mark.parametrize(
    ("d", "mean", "var"),
    [
        # closed forms, Klugman, Panjer & Willmot (2012), Loss Models, appendix A
        (GeneralizedPareto(0.25, 3.0, 10.0), 10.0 + 3.0 / 0.75, 9.0 / (0.75**2 * 0.5)),
        (Pareto(3.0, 2.0), 3.0, 4.0 * 3.0 / (4.0 * 1.0)),
        (Lomax(4.0, 6.0), 2.0, 36.0 * 4.0 / (9.0 * 2.0)),
        (Weibull(1.0, 5.0), 5.0, 25.0),  # exponential
        (Gamma(3.0, 2.0), 6.0, 12.0),
        (LogLogistic(4.0, 1.0), (math.pi / 4) / math.sin(math.pi / 4), None),
        (LogGamma(2.0, 4.0), (1 - 1 / 4) ** -2, (1 - 2 / 4) ** -2 - (1 - 1 / 4) ** -4),
        (Burr(1.0, 3.0, 2.0), 1.0, None),  # Burr(1, k, s) = Lomax(k, s): mean s/(k-1)
    ],
)
def test_closed_form_moments(d, mean, var):
    assert d.mean() == pytest.approx(mean, rel=1e-13)
    if var is not None:
        assert d.var() == pytest.approx(var, rel=1e-12)


@pytest.mark.parametrize(
    ("d", "k_max"),
    [
        (GeneralizedPareto(0.3, 1.0), 3),  # E[X^k] finite iff xi < 1/k
        (Pareto(2.5, 1.0), 2),
        (Lomax(1.5, 1.0), 1),
        (Burr(2.0, 1.2, 1.0), 2),  # c k = 2.4
        (LogLogistic(3.0, 1.0), 2),
        (LogGamma(2.0, 2.0), 1),  # rate 2: only k < 2
    ],
)
def test_moments_exist_exactly_below_the_tail_index(d, k_max):
    for k in range(1, k_max + 1):
        assert math.isfinite(d.moment(k))
    with pytest.warns(InfiniteMomentWarning, match=f"order {k_max + 1}"):
        assert d.moment(k_max + 1) == math.inf


def test_variance_of_a_far_shifted_distribution_has_no_cancellation():
    # E[X^2] - E[X]^2 would lose every digit here; the closed form keeps them
    assert GeneralizedPareto(0.1, 1.0, threshold=1e12).var() == pytest.approx(1 / (0.81 * 0.8))
    assert Pareto(50.0, 1e10).var() == pytest.approx(1e20 * 50 / (49**2 * 48), rel=1e-12)


# ----------------------------------------------------------------------------- wrappers
def test_truncated_far_in_the_tail_stays_exact():
    base = LogNormal(0.0, 1.0)
    t = base.truncated(lower=1e6)  # S(1e6) ~ 1e-43
    x = np.array([2e6, 1e7])
    np.testing.assert_allclose(t.logsf(x), base.logsf(x) - base.logsf(1e6), rtol=1e-14)
    assert t.isf(0.5) > 1e6 and t.sf(t.isf(1e-10)) == pytest.approx(1e-10, rel=1e-9)
    # E[X | X > t] ~ t (1 + 1/log t) for a lognormal far out (Mills ratio)
    assert 1e6 < t.mean() < 1.1e6


def test_truncation_validation():
    with pytest.raises(ValueError, match="lower < upper"):
        LogNormal(0.0, 1.0).truncated(lower=5.0, upper=2.0)
    with pytest.raises(ValueError, match="no probability"):
        GeneralizedPareto(-0.5, 1.0).truncated(lower=3.0)  # support [0, 2]
    with pytest.raises(ValueError, match="not above the lower end"):
        Pareto(2.0, 10.0).capped(5.0)
    with pytest.raises(TypeError):
        Truncated("lognormal", lower=1.0)


def test_truncating_a_gpd_gives_the_gpd_above_the_new_threshold():
    # threshold stability: GPD(xi, sigma, 0) | X > t = GPD(xi, sigma + xi t, t)
    d, t = GeneralizedPareto(0.4, 2.0), 7.0
    x = np.array([7.5, 20.0, 1e4])
    np.testing.assert_allclose(
        d.truncated(lower=t).sf(x), GeneralizedPareto(0.4, 2.0 + 0.4 * t, t).sf(x), rtol=1e-13
    )
    assert d.truncated(lower=t).mean() == pytest.approx(t + (2.0 + 0.4 * t) / 0.6, rel=1e-12)


def test_capping_makes_every_moment_finite():
    base = Pareto(0.7, 1.0)
    c = base.capped(1e6)
    assert isinstance(c, Capped)
    # E[min(X, c)] = xm + xm ((c/xm)^(1-alpha) - 1)/(1 - alpha)
    assert c.mean() == pytest.approx(1.0 + (1e6**0.3 - 1) / 0.3, rel=1e-12)
    assert math.isfinite(c.var())
    assert c.isf(1e-9) == 1e6 and c.sf(1e6) == 0.0
    assert c.sf(np.nextafter(1e6, 0)) == pytest.approx(base.sf(1e6))  # the atom at the cap


@pytest.mark.parametrize(
    "d",
    [
        Weibull(0.41, 1.7e7).truncated(1e6).capped(1e11),
        Weibull(0.25, 3.2e7).truncated(1e6, upper=1e12),
        Weibull(2.0, 3.0).truncated(5.0).capped(8.0),  # far in a thin tail: gammaincc side
        LogNormal(16.3, 2.3).truncated(1e6).capped(1e11),
    ],
    ids=repr,
)
def test_truncated_and_capped_moments_in_closed_form_match_integration(d):
    # closed forms (Weibull: incomplete gammas; truncation: the base's partial moment over the
    # interval) against E[X^k] = k integral of t^(k-1) S(t) over the support, in log space
    lo, hi = d._support()
    for k in (1, 2):

        def f(u, k=k):
            t = math.exp(u)
            return k * t**k * float(d.sf(t))

        ref = lo**k + integrate.quad(f, math.log(lo), math.log(hi), limit=500, epsrel=1e-12)[0]
        assert d._raw_moment(k) == pytest.approx(ref, rel=1e-9)


# ----------------------------------------------------------------------------- spliced
def test_spliced_default_weight_continues_the_body():
    body = LogNormal(12.0, 1.5)
    s = Spliced(body, GeneralizedPareto(0.6, 2e5, threshold=5e5), 5e5)
    assert s.weight is None and s.body_weight == pytest.approx(body.cdf(5e5))
    x = np.array([1e3, 1e5, 4.9e5])
    np.testing.assert_allclose(s.cdf(x), body.cdf(x), rtol=1e-12)
    np.testing.assert_allclose(s.pdf(x), body.pdf(x), rtol=1e-12)
    assert s.sf(5e5) == pytest.approx(body.sf(5e5), rel=1e-12)


def test_spliced_given_weight_and_piecewise_functions():
    body, tail = Weibull(0.8, 1e4), Pareto(2.5, 1e5)
    s = Spliced(body, tail, 1e5, weight=0.9)
    assert s.cdf(1e5) == pytest.approx(0.9, rel=1e-14)
    assert s.sf(1e7) == pytest.approx(0.1 * tail.sf(1e7), rel=1e-14)
    assert s.isf(1e-250) == pytest.approx(tail.isf(1e-249), rel=1e-13)  # far tail exact
    assert s.ppf(0.45) == pytest.approx(body.ppf(0.5 * body.cdf(1e5)), rel=1e-12)
    assert s.pdf(2e5) == pytest.approx(0.1 * tail.pdf(2e5), rel=1e-13)
    assert s.mean() == pytest.approx(
        0.9 * body.truncated(upper=1e5).mean() + 0.1 * tail.mean(), rel=1e-10
    )
    assert s.params["weight"] == 0.9 and s.params["tail.alpha"] == 2.5
    assert "weight=0.9" in repr(s)


def test_spliced_conditions_a_tail_that_starts_below_the_threshold():
    tail = Lomax(2.0, 1e4)
    s = Spliced(Gamma(2.0, 1e3), tail, 1e4, weight=0.95)
    x = np.array([2e4, 1e6])
    np.testing.assert_allclose(s.sf(x), 0.05 * tail.sf(x) / tail.sf(1e4), rtol=1e-13)


def test_spliced_with_an_infinite_mean_tail():
    s = Spliced(LogNormal(10.0, 1.0), Pareto(0.9, 1e5), 1e5, weight=0.99)
    with pytest.warns(InfiniteMomentWarning):
        assert s.mean() == math.inf
    assert math.isfinite(s.lev(1e9))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threshold": -1.0}, "threshold must be positive"),
        ({"weight": 1.0}, "weight must lie in"),
        ({"tail": Pareto(2.0, 2e5)}, "above the threshold"),
        ({"body": Pareto(2.0, 2e5)}, "not below"),
    ],
)
def test_spliced_validation(kwargs, match):
    args = {"body": LogNormal(10.0, 1.0), "tail": Pareto(2.0, 1e5), "threshold": 1e5}
    with pytest.raises(ValueError, match=match):
        Spliced(**{**args, **kwargs})


def test_empirical_weight_is_the_fraction_at_or_below():
    assert Spliced.empirical_weight([1.0, 2.0, 2.0, 5.0], 2.0) == 0.75
    with pytest.raises(ValueError):
        Spliced.empirical_weight([], 2.0)


def test_lognormal_lev_is_finite_for_extreme_parameters():
    # exp(mu + sigma^2 / 2) overflows here, but E[min(X, d)] is about d
    from riskmodel.severity import LogNormal

    d = 1e7
    assert LogNormal(268.0, 40.0).lev(d) == pytest.approx(d * LogNormal(268.0, 40.0).sf(d))
