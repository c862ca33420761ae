"""Conditional Monte Carlo (Asmussen-Kroese) for far-tail probabilities and VaR.

References are FFT compound distributions computed twice, with the severity moved down to the
grid (``method="upper"``) and up to it (``method="lower"``): the two aggregates bracket the
true one, so the exact tail probability and quantile lie between their values (up to the
FFT's own relative error of about 1e-6, negligible here). A Monte Carlo estimate passes when
it lies within 4 of its reported standard errors of that bracket: a correct estimator fails
such a check with probability about 6e-5.
"""

import json
import math

import numpy as np
import pytest
from scipy import stats

from riskmodel._errors import ConvergenceWarning, RiskModelWarning
from riskmodel._rng import as_seed_sequence, block_generator
from riskmodel.analytic import discretize, fft_compound
from riskmodel.dependence import CommonShock, GaussianCopula
from riskmodel.engine import conditional as cond
from riskmodel.engine._conditional_kernels import segment_sum_max
from riskmodel.engine.conditional import (
    TailProbability,
    TailQuantile,
    exceedance_probability,
    tail_quantile,
)
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal, Lomax, Pareto, Spliced

P = 0.999
K = 4.0  # standard errors allowed between an estimate and the exact bracket

LN1 = {"x": (Poisson(5.0), LogNormal(0.0, 1.0))}
LN2 = {"x": (Poisson(5.0), LogNormal(0.0, 2.0))}
LOMAX = {"x": (Poisson(0.5), Lomax(0.6, 1.0))}  # infinite mean: quantiles still exist
TWO = {"body": (Poisson(3.0), LogNormal(0.0, 1.0)), "tail": (Poisson(0.2), Pareto(0.8, 1.0))}
# FFT grids (span, points) that hold the 99.9% quantile with a bracket far narrower than the
# standard errors below; the heavy tails leave up to 1e-4 of the total beyond the grid
GRIDS = {"ln1": (0.001, 1 << 18), "ln2": (0.05, 1 << 19), "lomax": (4.0, 1 << 20)}
GRIDS["two"] = (0.05, 1 << 20)
MODELS = {"ln1": LN1, "ln2": LN2, "lomax": LOMAX, "two": TWO}


def _fft(categories: dict, method: str, h: float, n: int):
    """FFT of the total: compound Poisson with the rate-weighted mixture of the severities."""
    rates = [freq.rate for freq, _ in categories.values()]
    pmf = sum(
        freq.rate * discretize(sev, h, n, method).pmf for freq, sev in categories.values()
    ) / sum(rates)
    return fft_compound(Poisson(sum(rates)), pmf, h=h, tol=1e-3)


@pytest.fixture(scope="module")
def exact():
    """name -> (aggregate with losses moved down, aggregate with losses moved up)."""
    return {
        name: tuple(_fft(MODELS[name], m, *GRIDS[name]) for m in ("upper", "lower"))
        for name in MODELS
    }


def _off(value: float, a: float, b: float) -> float:
    """Distance from ``value`` to the interval between ``a`` and ``b`` (0 inside)."""
    return max(min(a, b) - value, value - max(a, b), 0.0)


# ---------------------------------------------------------------------- against the FFT
def test_exceedance_matches_fft(exact):
    down, up = exact["ln1"]
    x = np.array([10.0, 20.0, 35.0, 50.0])
    t = exceedance_probability(LossModel(LN1), x, 200_000, rng=3)
    assert isinstance(t, TailProbability)
    for i, xi in enumerate(x):
        assert _off(t.estimate[i], down.sf(xi), up.sf(xi)) <= K * t.se[i], (xi, t.estimate[i])
        # density against central differences of the exact bracket (span 0.05: the
        # differencing error is ~1e-4 relative, far below the density's se)
        fd = [(d.sf(xi - 0.05) - d.sf(xi + 0.05)) / 0.1 for d in (down, up)]
        assert _off(t.density[i], *fd) <= K * t.density_se[i], (xi, t.density[i], fd)


def test_exceedance_at_zero_is_the_probability_of_a_loss():
    t = exceedance_probability(LossModel(LN1), 0.0, 50_000, rng=4)
    assert abs(t.estimate[0] + math.expm1(-5.0)) <= K * t.se[0]


@pytest.mark.parametrize("name", ["ln1", "ln2", "lomax", "two"])
def test_quantile_matches_fft(exact, name):
    down, up = exact[name]
    q = tail_quantile(LossModel(MODELS[name]), P, 400_000, rng=5)
    assert isinstance(q, TailQuantile)
    assert q.converged
    assert _off(q.value, down.quantile(P), up.quantile(P)) <= K * q.se, (q, down.quantile(P))
    # the root is accepted once the next Newton step is below STEP_TOL standard errors
    assert abs(q.exceedance - (1.0 - P)) <= 2 * cond.STEP_TOL * q.exceedance_se
    assert q.ci[0] < q.value < q.ci[1]


def test_two_categories_exceedance_matches_fft(exact):
    down, up = exact["two"]
    x = np.array([100.0, 700.0])
    t = exceedance_probability(LossModel(TWO), x, 100_000, rng=6)
    for i, xi in enumerate(x):
        assert _off(t.estimate[i], down.sf(xi), up.sf(xi)) <= K * t.se[i]


# ---------------------------------------------------------------------- the gain and the se
def test_variance_ratio_is_large_at_the_far_tail():
    # measured on 10^6 years: about 160 (lognormal sigma 1), 3800 (sigma 2), 500 (Lomax 0.6)
    assert tail_quantile(LossModel(LN1), P, 200_000, rng=7).variance_ratio > 50
    assert tail_quantile(LossModel(LN2), P, 200_000, rng=7).variance_ratio > 1000
    assert tail_quantile(LossModel(LOMAX), P, 200_000, rng=7).variance_ratio > 100


@pytest.mark.parametrize("name", ["ln1", "lomax"])
def test_reported_se_matches_the_spread_over_seeds(exact, name):
    # With R independent estimates of standard deviation sigma (the reported se),
    # (R - 1) s^2 / sigma^2 is chi-square with R - 1 degrees of freedom: accept the ratio
    # s^2 / sigma^2 between its 0.05% and 99.95% points (false alarm rate 1e-3 per check).
    x_ref = exact[name][1].quantile(P)
    model, seeds = LossModel(MODELS[name]), range(100, 130)
    qs = [tail_quantile(model, P, 100_000, rng=s) for s in seeds]
    ts = [exceedance_probability(model, x_ref, 100_000, rng=s) for s in seeds]
    r = len(qs)
    lo, hi = stats.chi2.ppf([5e-4, 1 - 5e-4], r - 1) / (r - 1)
    for values, ses in (
        ([q.value for q in qs], [q.se for q in qs]),
        ([t.estimate[0] for t in ts], [t.se[0] for t in ts]),
    ):
        ratio = np.var(values, ddof=1) / np.mean(np.square(ses))
        assert lo < ratio < hi, (ratio, lo, hi)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ln2", "two"])
def test_intervals_cover_and_se_is_honest_over_many_seeds(exact, name):
    # 200 seeds: the 95% intervals must cover the exact bracket at least as often as the
    # 0.1% point of Binomial(200, 0.95), and the chi-square check of the se as above
    down, up = exact[name]
    model = LossModel(MODELS[name])
    qs = [tail_quantile(model, P, 100_000, rng=s) for s in range(1000, 1200)]
    a, b = sorted((down.quantile(P), up.quantile(P)))
    covered = sum(q.ci[0] <= b and q.ci[1] >= a for q in qs)
    assert covered >= stats.binom.ppf(1e-3, len(qs), 0.95)
    lo, hi = stats.chi2.ppf([5e-4, 1 - 5e-4], len(qs) - 1) / (len(qs) - 1)
    ratio = np.var([q.value for q in qs], ddof=1) / np.mean([q.se**2 for q in qs])
    assert lo < ratio < hi, (ratio, lo, hi)


# ---------------------------------------------------------------------- reproducibility
def test_same_seed_same_numbers_on_any_thread_count():
    model = LossModel(TWO)
    a = tail_quantile(model, P, 150_000, rng=11, n_threads=1)
    b = tail_quantile(model, P, 150_000, rng=11, n_threads=2)
    c = tail_quantile(model, P, 150_000, rng=np.random.SeedSequence(11))
    for other in (b, c):
        assert (other.value, other.se, other.density) == (a.value, a.se, a.density)
    assert tail_quantile(model, P, 150_000, rng=12).value != a.value
    e1 = exceedance_probability(model, [50.0, 500.0], 150_000, rng=11, n_threads=1)
    e2 = exceedance_probability(model, [50.0, 500.0], 150_000, rng=11, n_threads=2)
    assert np.array_equal(e1.estimate, e2.estimate) and np.array_equal(e1.se, e2.se)
    assert a.provenance["seed"] == 11 and a.provenance["block_size"] == cond.BLOCK_SIZE


def test_categories_with_rate_zero_are_ignored():
    with_zero = LossModel({**LN1, "none": (Poisson(0.0), Lomax(0.5, 1.0))})
    a = tail_quantile(with_zero, P, 20_000, rng=2)
    b = tail_quantile(LossModel(LN1), P, 20_000, rng=2)
    assert a.value == b.value


# ---------------------------------------------------------------------- refusals and warnings
@pytest.mark.parametrize(
    ("categories", "dependence", "match"),
    [
        (
            {"a": (Poisson(1.0), LogNormal(0, 1)), "b": (Poisson(1.0), LogNormal(0, 1))},
            GaussianCopula([[1.0, 0.5], [0.5, 1.0]]),
            "independent categories",
        ),
        ({"a": (Poisson(1.0), LogNormal(0, 1))}, CommonShock(0.1, {"a": 1.0}), "independent"),
        (
            {"a": (Poisson(1.0), LogNormal(0, 1)), "b": (NegativeBinomial(1.0, 2.0), Lomax(2, 1))},
            None,
            "category 'b' has frequency NegativeBinomial",
        ),
        ({"a": (Poisson(1.0), LogNormal(0, 1).capped(5.0))}, None, "point mass at the cap 5"),
        (
            {"a": (Poisson(1.0), LogNormal(0, 1).capped(5.0).truncated(lower=0.5))},
            None,
            "category 'a'.*point mass",
        ),
        (
            {"a": (Poisson(1.0), Spliced(LogNormal(0, 1), Pareto(1.5, 2.0).capped(50.0), 2.0))},
            None,
            "point mass at the cap 50",
        ),
        ({"a": (Poisson(0.0), LogNormal(0, 1))}, None, "rate 0"),
    ],
)
def test_models_it_does_not_serve_are_refused(categories, dependence, match):
    model = LossModel(categories, dependence=dependence)
    with pytest.raises(ValueError, match=match):
        tail_quantile(model, P, 1000, rng=1)
    with pytest.raises(ValueError, match=match):
        exceedance_probability(model, 1.0, 1000, rng=1)


def test_a_cap_without_mass_is_accepted():
    # the cap lies above the truncated support: no point mass, nothing to refuse
    sev = LogNormal(0.0, 1.0).truncated(upper=20.0).capped(30.0)
    q = tail_quantile(LossModel({"a": (Poisson(5.0), sev)}), 0.99, 20_000, rng=1)
    assert 0 < q.value < 100


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p": 0.0}, "p: must lie in"),
        ({"p": 1.0}, "p: must lie in"),
        ({"p": 0.9, "model": LossModel({"a": (Poisson(0.01), LogNormal(0, 1))})}, "quantile is 0"),
        ({"n_sims": 0}, "n_sims"),
        ({"n_sims": 10.5}, "n_sims"),
        ({"level": 1.0}, "level"),
        ({"block_size": 0}, "block_size"),
        ({"n_threads": 0}, "n_threads"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    args = {"model": LossModel(LN1), "p": P, "n_sims": 1000, **kwargs}
    with pytest.raises(ValueError, match=match):
        tail_quantile(args.pop("model"), args.pop("p"), args.pop("n_sims"), rng=1, **args)


def test_bad_thresholds_and_models_are_refused():
    with pytest.raises(ValueError, match=r"x\[1\] = -1"):
        exceedance_probability(LossModel(LN1), [1.0, -1.0], 1000, rng=1)
    with pytest.raises(ValueError, match="finite"):
        exceedance_probability(LossModel(LN1), np.inf, 1000, rng=1)
    with pytest.raises(TypeError, match="LossModel"):
        tail_quantile(LN1, P, 1000, rng=1)


def test_too_few_years_with_a_loss_warn():
    with pytest.warns(RiskModelWarning, match="years have a loss"):
        tail_quantile(LossModel(LOMAX), 0.99, 100, rng=1)
    with pytest.warns(RiskModelWarning, match="years have a loss"):
        exceedance_probability(LossModel(LOMAX), 10.0, 100, rng=1)


def test_result_without_density_or_convergence_warns():
    est = cond._Moments(1000, np.array([1e-3, 0.0]), np.array([1e-3, 0.0]))
    with pytest.warns(RiskModelWarning, match="not positive"):
        with pytest.warns(ConvergenceWarning, match="converged=False"):
            q = cond._quantile_result(P, 0.95, 10.0, est, False, 0.0, {})
    assert q.se == math.inf and not q.converged


# ---------------------------------------------------------------------- internals
def test_root_finder_recovers_from_far_starting_points():
    mix = cond._mixture_of(LossModel(LOMAX))
    root = as_seed_sequence(1)
    blocks = [cond._draw_block(mix, block_generator(root, b), 20_000) for b in range(2)]

    def evaluate(x):
        return cond._pooled(pool, mix, blocks, x)

    with cond.ThreadPoolExecutor(1) as pool:
        found = [cond._solve(evaluate, 1e-3, x0, cond.STEP_TOL) for x0 in (1e-6, 3e4, 1e15)]
    for x, est, _, converged in found:
        # accepted once the next Newton step is below STEP_TOL standard errors of the root
        assert converged
        assert abs(x - found[0][0]) <= 2 * cond.STEP_TOL * est.se / est.density
        assert abs(est.exceedance - 1e-3) <= 2 * cond.STEP_TOL * est.se


def test_segment_kernel_matches_its_python_twin():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 4, size=50)
    values = rng.random(int(counts.sum()))
    outs = []
    # NUMBA_DISABLE_JIT=1 leaves the function itself, without py_func
    for fn in (segment_sum_max, getattr(segment_sum_max, "py_func", segment_sum_max)):
        total, largest = np.full(50, 1.0), np.full(50, 0.5)
        fn(values, counts, total, largest)
        outs.append((total, largest))
    assert np.array_equal(outs[0][0], outs[1][0]) and np.array_equal(outs[0][1], outs[1][1])
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    i = int(np.argmax(counts))
    seg = values[start[i] : start[i] + counts[i]]
    assert outs[0][0][i] == pytest.approx(1.0 + seg.sum())
    assert outs[0][1][i] == max(0.5, seg.max())


def test_summary_repr_and_to_dict():
    q = tail_quantile(LossModel(LN1), P, 20_000, rng=1)
    assert "VaR 0.999" in q.summary() and "variance ratio" in q.summary()
    assert repr(q).startswith("TailQuantile(p=0.999")
    assert json.loads(json.dumps(q.to_dict()))["provenance"]["n_sims"] == 20_000
    t = exceedance_probability(LossModel(LN1), [20.0, 40.0], 20_000, rng=1)
    assert "P(S > x)" in t.summary()
    assert json.loads(json.dumps(t.to_dict()))["x"] == [20.0, 40.0]
    with pytest.raises(ValueError, match="read-only"):
        t.estimate[0] = 0.0
