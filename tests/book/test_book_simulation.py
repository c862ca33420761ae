"""The book's simulation: twin, threads, layer arithmetic, sums of policies, shared events, OEP.

Monte Carlo tolerances are 4 standard errors (estimated from the same runs, fixed seeds):
a correct implementation fails a check with probability about 6e-5.
"""

import math

import numpy as np
import pytest

from riskmodel import simulate
from riskmodel.book import Book, Exposure, Policy, SharedEvent
from riskmodel.book._kernels import book_block
from riskmodel.book._measures import batch_se, quantile
from riskmodel.book._simulate import make_plan
from riskmodel.engine._random import new_state
from riskmodel.frequency import Poisson
from riskmodel.insurance import InsuranceProgram, Layer, apply_program
from riskmodel.model import LossModel
from riskmodel.pricing import expected_layer_loss
from riskmodel.severity import LogNormal, Pareto

Z = 4.0


def _policy(name, rate=0.3, mu=15.0, sigma=1.8, att=2e6, lim=20e6, share=1.0, **layer):
    sev = LogNormal(mu, sigma)
    model = LossModel({"hack": (Poisson(rate), sev), "operational": (Poisson(rate / 2), sev)})
    prog = InsuranceProgram([Layer(att, lim, **layer)]) if lim else None
    return Policy(name, model, prog, share=share, premium=1e6, assets=5e8)


def _shared_book(n=6, rate=0.05):
    pols = [_policy(f"P{i}", att=1e6 * (i + 1)) for i in range(n)]
    ev = SharedEvent("vendor", rate, [Exposure(p.name, 0.7, (0.01, 0.08)) for p in pols[:4]])
    return Book(pols, [ev])


def _kernel_and_twin(book, n_years, seed):
    """``book_block`` and its plain-Python twin on the same state, losses kept: both outputs,
    checked equal array by array; the twin's is returned."""
    plan = make_plan(book)
    args = (*plan.kernel_args(), np.zeros(0, np.int64), np.zeros(0, np.int64))
    outs = []
    for fn in (book_block, book_block.py_func):
        state = new_state(np.random.default_rng(seed))
        with np.errstate(over="ignore"):
            outs.append(fn(state, n_years, *args, *plan.layer_args(), True))
    for a, b in zip(*outs, strict=True):
        np.testing.assert_array_equal(a, b)
    return outs[1]


def test_compiled_kernel_equals_its_plain_python_twin():
    out = _kernel_and_twin(_shared_book(), 300, seed=5)
    assert out[10].shape[0] > 20  # losses were drawn


def test_twin_equal_when_every_buffer_grows():
    """Enough losses that each of the kernel's growing buffers outgrows its first size: a
    year's losses (64), the shared-event occurrences (16), the policy-years with a ceded loss
    and the losses kept (256 each)."""
    pols = [_policy(f"P{i}", rate=2.0, att=1e5) for i in range(30)]
    ev = SharedEvent("vendor", 2.0, [Exposure(p.name, 0.9, (0.01, 0.08)) for p in pols])
    out = _kernel_and_twin(Book(pols, [ev]), 40, seed=7)
    rec_year, occ_year, loss_i = out[4], out[8], out[10]
    assert rec_year.shape[0] > 256 and occ_year.shape[0] > 16 and loss_i.shape[0] > 256
    assert np.bincount(loss_i[:, 0]).max() > 64  # a year with more losses than the first size


def test_results_do_not_depend_on_the_thread_count():
    book = _shared_book()
    a = book.simulate(20_000, rng=3, block_size=1_000, n_threads=1, keep_losses=True)
    b = book.simulate(20_000, rng=3, block_size=1_000, n_threads=3, keep_losses=True)
    np.testing.assert_array_equal(a.annual, b.annual)
    np.testing.assert_array_equal(a.annual_max_event, b.annual_max_event)
    np.testing.assert_array_equal(a.raw.loss_x, b.raw.loss_x)
    np.testing.assert_array_equal(a.raw.pol_sums, b.raw.pol_sums)


def test_a_policys_ceded_losses_follow_the_insurance_contract():
    """Per year, the kernel's settlement equals riskmodel.insurance.apply_program on the same
    losses: an occurrence layer with an annual deductible and one reinstatement, and an
    aggregate layer on the rest, times the insurer's share."""
    prog = InsuranceProgram(
        [
            Layer(2e6, 10e6, share=0.8, reinstatements=1, agg_deductible=1e6),
            Layer(5e6, 30e6, per="aggregate", categories=("hack",)),
        ]
    )
    m = LossModel(
        {"hack": (Poisson(2.0), LogNormal(15, 1.5)), "fraud": (Poisson(1.0), LogNormal(14, 2))}
    )
    book = Book([Policy("A", m, prog, share=0.3)])
    r = book.simulate(3_000, rng=11, keep_losses=True)
    li, lx = r.raw.loss_i, r.raw.loss_x
    cats = list(r.plan.types)
    n = r.n_sims
    gross = np.zeros((n, 2))
    occ = np.zeros((n, 1, 2))
    np.add.at(gross, (li[:, 0], li[:, 3]), lx[:, 0])
    np.add.at(occ, (li[:, 0], 0, li[:, 3]), np.minimum(np.maximum(lx[:, 0] - 2e6, 0), 10e6))
    ceded, _ = apply_program(prog, gross, occ, cats)
    want = 0.3 * ceded.sum(axis=1)
    np.testing.assert_allclose(r.policy_annual("A"), want, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(r.annual, want, rtol=1e-12, atol=1e-6)
    assert (want > 0).mean() > 0.3


def test_a_single_policy_matches_the_engine():
    """The book of one policy and riskmodel.simulate of its model and programme agree on the
    ceded mean and 99% quantile within Monte Carlo error."""
    pol = _policy("A", rate=1.5, att=3e6, lim=25e6, reinstatements=2)
    r = Book([pol]).simulate(200_000, rng=1)
    e = simulate(pol.model, 200_000, rng=2, program=pol.program)
    mean, se = r.aal()
    assert abs(mean - e.ceded.mean) < Z * math.hypot(se, e.ceded.mean_se)
    q, qe = quantile(r.annual, 0.99), e.ceded.quantile(0.99)
    lo, hi = e.ceded.quantile_ci(0.99, level=0.9999)
    se_q = batch_se(lambda s: quantile(r.annual[s], 0.99), r.n_sims)
    assert lo - Z * se_q < q < hi + Z * se_q, (q, qe)


def test_independent_policies_add_up_to_the_book():
    """Independent policies: the book's annual loss has the distribution of the sum of the
    single-policy runs (moments and quantiles within Monte Carlo error) and its closed-form
    expected loss is exactly the sum of the policies' (unlimited reinstatements: closed form
    E[C] = share * rate * E[min((X - a)^+, l)])."""
    pols = [
        _policy("A", rate=0.4, att=1e6, lim=10e6, share=0.5, reinstatements=math.inf),
        _policy("B", rate=0.8, mu=14, sigma=2.2, att=3e6, lim=50e6, reinstatements=math.inf),
        _policy("C", rate=0.2, lim=None),
    ]
    book = Book(pols)
    n = 200_000
    r = book.simulate(n, rng=21)
    singles = sum(Book([p]).simulate(n, rng=100 + i).annual for i, p in enumerate(pols))
    el = book.expected_loss()
    for i, p in enumerate(pols):
        np.testing.assert_equal(el[i], Book([p]).expected_loss()[0])
        sev = p.model.categories["hack"][1]
        rate = sum(f.rate for f, _ in p.model.categories.values())
        if p.program is None:
            want = p.share * rate * sev.mean()
        else:
            lay = p.program.layers[0]
            want = p.share * rate * expected_layer_loss(sev, lay.attachment, lay.limit)
        assert el[i] == pytest.approx(want, rel=1e-12)
    mean, se = r.aal()
    assert abs(mean - el.sum()) < Z * se
    se2 = singles.std(ddof=1) / math.sqrt(n)
    assert abs(mean - singles.mean()) < Z * math.hypot(se, se2)
    for stat in (np.var, lambda x: quantile(x, 0.9), lambda x: quantile(x, 0.99)):
        a, b = stat(r.annual), stat(singles)
        sa = batch_se(lambda s, stat=stat: stat(r.annual[s]), n)
        sb = batch_se(lambda s, stat=stat: stat(singles[s]), n)
        assert abs(a - b) < Z * math.hypot(sa, sb), (a, b)


def test_a_shared_event_raises_the_tail_but_not_the_expected_loss():
    """Book A: a vendor event (rate v, each of 8 policies hit with probability p, lognormal
    loss). Book B: the same losses as an independent category per policy (rate v p, the same
    severity), so each policy's own loss distribution is unchanged. Expected losses agree
    exactly in closed form and within Monte Carlo error simulated; A's 1-in-200 is higher."""
    v, p, sev = 0.04, 0.9, LogNormal(17.0, 0.8)
    layer = dict(att=5e6, lim=40e6, reinstatements=math.inf)
    own = [_policy(f"P{i}", rate=0.3, **layer) for i in range(8)]
    shared = Book(own, [SharedEvent("vendor", v, [Exposure(q.name, p, sev) for q in own])])
    indep = Book(
        [
            Policy(
                q.name,
                LossModel({**q.model.categories, "vendor_own": (Poisson(v * p), sev.capped(5e8))}),
                q.program,
                share=q.share,
                assets=q.assets,
            )
            for q in own
        ]
    )
    none = Book(own)
    # closed form: the event adds exactly its own expected contribution, v p E[layer loss]
    el_a, el_b, el_0 = shared.expected_loss(), indep.expected_loss(), none.expected_loss()
    np.testing.assert_allclose(el_a, el_b, rtol=1e-12)
    contrib = v * p * expected_layer_loss(sev.capped(5e8), 5e6, 40e6)
    np.testing.assert_allclose(el_a - el_0, contrib, rtol=1e-9)
    n = 400_000
    ra, rb = shared.simulate(n, rng=5), indep.simulate(n, rng=6)
    (ma, sa), (mb, sb) = ra.aal(), rb.aal()
    assert abs(ma - el_a.sum()) < Z * sa and abs(mb - el_b.sum()) < Z * sb
    qa, qb = quantile(ra.annual, 0.995), quantile(rb.annual, 0.995)
    se_a = batch_se(lambda s: quantile(ra.annual[s], 0.995), n)
    se_b = batch_se(lambda s: quantile(rb.annual[s], 0.995), n)
    assert qa - qb > Z * math.hypot(se_a, se_b), (qa, qb)
    # each policy's own distribution is the same in both books
    for name in ("P0", "P5"):
        a, b = ra.policy_annual(name), rb.policy_annual(name)
        assert abs(a.mean() - b.mean()) < Z * math.hypot(*(x.std() / math.sqrt(n) for x in (a, b)))


def test_oep_is_the_distribution_of_the_largest_single_loss():
    """Two policies without layers (ground-up cover), Poisson rates l1, l2, Pareto losses: the
    book's largest loss of a year has P(M <= x) = exp(-(l1 + l2) S(x)) (a Poisson number of
    independent losses; Klugman, Panjer & Willmot, Loss Models, on maxima of compound
    Poisson losses)."""
    sev = Pareto(2.5, 1e6)
    pols = [
        Policy(n, LossModel({"hack": (Poisson(lam), sev)})) for n, lam in (("A", 0.7), ("B", 1.1))
    ]
    r = Book(pols).simulate(200_000, rng=9)
    lam = 1.8
    for x in (1.5e6, 3e6, 1e7, 4e7):
        want = 1.0 - math.exp(-lam * float(sev.sf(x)))
        got = r.exceedance_probability(x, kind="oep")
        assert abs(got - want) < Z * math.sqrt(want * (1 - want) / r.n_sims), (x, got, want)
    table = r.return_period_table(return_periods=(10, 100))
    for t in (10, 100):
        x_t = float(sev.isf(-math.log1p(-1.0 / t) / lam))
        assert table.loc[t, "oep_lower"] <= x_t <= table.loc[t, "oep_upper"]
    # a policy's OEP: its own largest loss
    got = r.exceedance_probability(3e6, kind="oep", policy="A")
    want = 1.0 - math.exp(-0.7 * float(sev.sf(3e6)))
    assert abs(got - want) < Z * math.sqrt(want * (1 - want) / r.n_sims)


def test_a_shared_event_is_one_occurrence_in_the_oep():
    """A fixed loss of 10% of assets at every exposed policy: the event's book loss is the
    sum over the policies it hit, and the book's largest event is at least that sum."""
    m = LossModel({"hack": (Poisson(1e-9), LogNormal(10, 1))})
    pols = [Policy(f"P{i}", m, assets=1e8) for i in range(3)]
    ev = SharedEvent("vendor", 0.5, [Exposure(p.name, 1.0, (0.1, 0.1)) for p in pols])
    r = Book(pols, [ev]).simulate(2_000, rng=1, keep_losses=True)
    hit = r.annual > 0
    np.testing.assert_allclose(r.annual_max_event[hit], 3e7)
    elt = r.event_loss_table()
    assert (elt["policies"] == 3).all() and np.allclose(elt["gross"], 3e7)


@pytest.mark.parametrize("weights", [[1.0], [1.0, 3.0], [0.2, 5.0, 0.01, 2.0, 2.0], "random"])
def test_alias_table_gives_each_source_its_share(weights):
    """Walker's alias table: P(j) = (p[j] + sum of (1 - p[i]) over columns i aliased to j) / J
    equals w[j] / sum(w)."""
    from riskmodel.book._simulate import alias_table

    rng = np.random.default_rng(0)
    w = rng.gamma(0.5, size=3000) if weights == "random" else np.array(weights)
    p, j = alias_table(w)
    got = (p + np.bincount(j, weights=1.0 - p, minlength=len(w))) / len(w)
    np.testing.assert_allclose(got, w / w.sum(), rtol=1e-9, atol=1e-15)


def test_a_gamma_severity_is_refused_by_the_book_as_before():
    # the engine draws a gamma by rejection; the book's kernel inverts every severity, so a
    # gamma policy still gets the book's clear error rather than a loss it cannot draw
    from riskmodel.severity import Gamma

    model = LossModel({"hack": (Poisson(0.3), Gamma(2.0, 1e6).truncated(1e6))})
    prog = InsuranceProgram([Layer(attachment=2e6, limit=20e6)])
    book = Book([Policy("A", model, prog, premium=1e6, assets=5e8)], [])
    with pytest.raises(ValueError, match="no compiled sampler"):
        make_plan(book)
