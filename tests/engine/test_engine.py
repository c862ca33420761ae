"""The simulation engine: twins, Monte Carlo accuracy, exact order statistics, invariance."""

import math

import numpy as np
import pytest
from scipy import stats

from riskmodel.engine import _kernels as K
from riskmodel.engine import simulate
from riskmodel.engine._random import new_state
from riskmodel.engine._severity_fill import NPAR, fill_kind, fill_severities
from riskmodel.engine._specs import count_tables, frequency_spec, severity_spec
from riskmodel.engine.simulation import tail_size
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.model import LossModel
from riskmodel.severity import Capped, LogNormal, Severity


def _kernel_inputs(sevs, freqs, layers=((1.0, 2.0),), cop_kind=0, rho=0.0, shock=0.0):
    k = len(sevs)
    fk = np.zeros(k, np.int64)
    fp = np.zeros((k, 2))
    sc = np.zeros(k, np.int64)
    sp = np.zeros((k, NPAR))
    for c in range(k):
        fk[c], fp[c] = frequency_spec(freqs[c])
        sc[c], sp[c] = severity_spec(sevs[c])
    op = np.array(layers, float).reshape(-1, 2)
    oc = np.ones((op.shape[0], k), bool)
    chol = np.linalg.cholesky(np.array([[1.0, rho], [rho, 1.0]]))
    return (
        fk,
        fp,
        *count_tables(fk, fp),
        sc,
        sp,
        op,
        oc,
        cop_kind,
        chol,
        5.0,
        shock,
        np.array([1.0, 0.5]),
    )


@pytest.mark.parametrize(("cop_kind", "shock"), [(0, 0.0), (1, 0.3), (2, 0.0)])
def test_compound_kernel_equals_its_python_twin(cop_kind, shock):
    sevs = [LogNormal(0, 1), LogNormal(1, 2).truncated(lower=3.0).capped(100.0)]
    freqs = [Poisson(3.0), NegativeBinomial(2.0, 1.5)]
    args = _kernel_inputs(sevs, freqs, cop_kind=cop_kind, rho=0.6, shock=shock)
    outs = []
    for twin in (False, True):
        g = np.empty((200, 2))
        o = np.empty((200, 1, 2))
        n = np.empty((200, 2), dtype=np.int64)
        with np.errstate(over="ignore"):
            K.simulate_block(new_state(np.random.default_rng(5)), *args, g, o, n, twin=twin)
        outs.append((g, o, n))
    for a, b in zip(outs[0], outs[1], strict=True):
        np.testing.assert_array_equal(a, b)
    assert outs[0][0].sum() > 0


@pytest.mark.parametrize(
    "dist",
    [
        LogNormal(2.0, 1.5).truncated(lower=5.0, upper=500.0),
        LogNormal(2.0, 1.5),
        LogNormal(2.0, 1.5).capped(20.0),
    ],
)
def test_severity_kernel_draws_follow_the_distribution(dist):
    code, par = severity_spec(dist)
    state = new_state(np.random.default_rng(3))
    x = np.empty(4000)
    scratch, bits = np.empty((5, 4000)), np.empty(4000, dtype=np.int64)
    fill_severities(fill_kind(code, par), code, state, par, x, 4000, scratch, bits)
    lo, hi = dist._support()
    assert x.min() >= lo and x.max() <= hi
    if isinstance(dist, Capped):  # an atom at the cap: its mass, and KS below it
        p_cap = float(dist.base.sf(dist.limit))
        assert abs(np.mean(x == dist.limit) - p_cap) < 4 * math.sqrt(p_cap * (1 - p_cap) / 4000)
        x = x[x < dist.limit]
        assert stats.kstest(x, lambda v: dist.base.cdf(v) / (1 - p_cap)).pvalue > 0.001
    else:
        assert stats.kstest(x, dist.cdf).pvalue > 0.001


def test_simulated_mean_matches_analytic_within_mc_error():
    m = LossModel(
        {
            "hack": (Poisson(3.0), LogNormal(1.0, 0.8)),
            "fraud": (NegativeBinomial(1.5, 2.0), LogNormal(0.5, 1.0).truncated(lower=1.0)),
        }
    )
    r = simulate(m, 300_000, rng=11)
    want = sum(m.expected_loss().values())
    assert abs(r.gross.mean - want) < 4 * r.gross.mean_se
    audit = r.describe()
    assert (audit["flag"] == "ok").all()
    # the variance, where finite, too: Var[S] = E[N] Var[X] + Var[N] E[X]^2
    want_var = sum(m.variance().values())
    assert abs(r.gross.var / want_var - 1) < 0.05


def test_quantile_of_a_case_with_known_distribution():
    # X = 1 almost surely (a lognormal capped far below its median), so S = N ~ Poisson(4)
    m = LossModel({"x": (Poisson(4.0), LogNormal(10.0, 0.1).capped(1.0))})
    n = 200_000
    r = simulate(m, n, rng=2, min_level=0.5)
    for p in (0.5, 0.9, 0.99, 0.999):
        k = stats.poisson.ppf(p, 4.0)
        lo, hi = r.quantile_ci(p)
        assert lo <= k <= hi
        # The empirical quantile is exactly k unless the empirical cdf crosses p at k's edges:
        # assert equality where both edges are more than 5 Monte Carlo se away from p.
        margin = min(stats.poisson.cdf(k, 4.0) - p, p - stats.poisson.cdf(k - 1, 4.0))
        if margin > 5 * math.sqrt(p * (1 - p) / n):
            assert r.quantile(p) == k
    # TVaR of a Poisson: (1/(1-p)) * integral of VaR_u over (p, 1)
    p = 0.99
    u = p + (np.arange(200_000) + 0.5) * (1 - p) / 200_000
    want = stats.poisson.ppf(u, 4.0).mean()
    assert abs(r.tvar(p) - want) < 4 * r.gross.tvar_se(p)


def test_lower_and_upper_quantile_definitions():
    m = LossModel({"x": (Poisson(2.0), LogNormal(0.0, 1.0))})
    r = simulate(m, 1000, rng=1, min_level=0.5)
    desc = r.gross.tail  # X_(n), X_(n-1), ...: X_(k) = desc[n - k]
    assert np.all(np.diff(desc) <= 0)
    # with n p an integer: lower = X_(np) = X_(990), upper = X_(np + 1) = X_(991)
    assert r.quantile(0.99, kind="lower") == desc[1000 - 990]
    assert r.quantile(0.99, kind="upper") == desc[1000 - 991]
    # n p not an integer: both are X_(ceil(n p))
    assert r.quantile(0.9905, kind="lower") == r.quantile(0.9905, kind="upper") == desc[9]
    with pytest.raises(ValueError, match="kind"):
        r.quantile(0.99, kind="middle")


def test_results_do_not_depend_on_thread_count_or_block_merge_order():
    m = LossModel({"a": (Poisson(2.0), LogNormal(0, 1)), "b": (Poisson(1.0), LogNormal(1, 1))})
    r1 = simulate(m, 150_000, rng=9, n_threads=1, block_size=10_000)
    r2 = simulate(m, 150_000, rng=9, n_threads=2, block_size=10_000)
    np.testing.assert_array_equal(r1.gross.tail, r2.gross.tail)
    np.testing.assert_array_equal(r1.gross.tail_parts, r2.gross.tail_parts)
    assert r1.gross.mean == r2.gross.mean and r1.gross.var == r2.gross.var
    r3 = simulate(m, 150_000, rng=10, n_threads=2, block_size=10_000)
    assert r3.gross.mean != r1.gross.mean


def test_memory_keeps_only_the_tail():
    m = LossModel({"a": (Poisson(1.0), LogNormal(0, 1))})
    n = 500_000
    r = simulate(m, n, rng=1, min_level=0.995)
    assert len(r.gross.tail) == tail_size(n, 0.995) < n // 100
    with pytest.raises(ValueError, match="retained tail"):
        r.quantile(0.5)


def test_program_recoveries_match_limited_expected_values():
    sev = LogNormal(1.0, 1.0)
    lay = Layer(attachment=3.0, limit=5.0, share=0.6, reinstatements=math.inf)
    m = LossModel({"a": (Poisson(2.0), sev)})
    r = simulate(m, 200_000, rng=4, program=InsuranceProgram([lay]))
    want = 2.0 * 0.6 * (sev.lev(8.0) - sev.lev(3.0))
    assert abs(r.ceded.mean - want) < 4 * r.ceded.mean_se
    assert abs(r.gross.mean - r.ceded.mean - r.net.mean) < 1e-9 * r.gross.mean


class _Exp(Severity):
    """A hand-written severity without a compiled sampler (the Python fallback path)."""

    param_names = ()

    def _logpdf(self, x):
        return -x

    def _logsf(self, x):
        return -x

    def _ppf(self, q):
        return -np.log1p(-q)

    def _isf(self, q):
        return -np.log(q)

    def _raw_moment(self, k):
        return float(math.factorial(k))


def test_distributions_without_compiled_sampler_simulate_through_sample():
    m = LossModel({"a": (Poisson(3.0), _Exp()), "b": (Poisson(1.0), LogNormal(0, 0.5))})
    lay = Layer(attachment=1.0, limit=1.0, reinstatements=math.inf)
    r = simulate(m, 100_000, rng=5, program=InsuranceProgram([lay]))
    assert abs(r.gross.cat_mean[0] - 3.0) < 4 * math.sqrt(r.gross.cat_var[0] / r.n_sims)
    # E[min(max(X - 1, 0), 1)] for Exp(1) = e^-1 - e^-2
    want = 3.0 * (math.exp(-1) - math.exp(-2))
    se = math.sqrt(r.ceded.cat_var[0] / r.n_sims)
    assert abs(r.ceded.cat_mean[0] - want) < 4 * se


def test_bad_arguments_are_rejected():
    m = LossModel({"a": (Poisson(1.0), LogNormal(0, 1))})
    with pytest.raises(ValueError, match="n_sims"):
        simulate(m, 0, rng=1)
    with pytest.raises(TypeError, match="LossModel"):
        simulate({"a": 1}, 10, rng=1)
    with pytest.raises(ValueError, match="backend"):
        simulate(m, 10, rng=1, backend="cuda")
    with pytest.raises(ValueError, match="min_level"):
        simulate(m, 10, rng=1, min_level=1.0)
    with pytest.raises(ValueError, match=r"n_sims: must be a positive integer, got 1000\.5"):
        simulate(m, 1000.5, rng=1)  # not silently 1,000 years
    with pytest.raises(ValueError, match="block_size"):
        simulate(m, 10, rng=1, block_size=0)
    with pytest.raises(ValueError, match="n_threads"):
        simulate(m, 10, rng=1, n_threads=0)
    assert simulate(m, 1e3, rng=1).n_sims == 1000


def test_function_and_module_names_never_collide_whatever_the_import_order():
    import inspect
    import subprocess
    import sys

    # each order in a fresh interpreter: module first, function first
    code = """
import inspect, types
{first}
import riskmodel
import riskmodel.engine as E
import riskmodel.reserving as R
assert isinstance(E, types.ModuleType) and isinstance(R, types.ModuleType)
assert inspect.isfunction(riskmodel.simulate) and riskmodel.simulate is E.simulate
assert inspect.isfunction(riskmodel.reserve) and riskmodel.reserve is R.reserve
assert E.SimulationResult is riskmodel.SimulationResult
assert "model" in inspect.signature(riskmodel.reserve).parameters
assert "n_sims" in inspect.signature(riskmodel.simulate).parameters
"""
    for first in ("import riskmodel.engine.simulation", "import riskmodel; riskmodel.simulate"):
        subprocess.run([sys.executable, "-c", code.format(first=first)], check=True)
    import riskmodel

    assert inspect.signature(riskmodel.reserve).parameters["coverage"].default == 0.995
