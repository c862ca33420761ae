"""The documented severity selection rule: ``riskmodel.fit.select_severity``.

The rule is recomputed here independently (every candidate fitted by ``compare_severity``,
every identified fit tested by ``fit.gof(tests=("cvm",))`` with the child seed the rule
documents) and the choice compared with the library's.
"""

import dataclasses
import math

import numpy as np
import pytest

from riskmodel.data import load_incidents
from riskmodel.fit import _select, compare_severity, select_severity
from riskmodel.severity import LogNormal, Weibull

GOF = 99
THRESHOLD = 1e6
# every candidate but burr, whose bootstrap refits take over a minute on the second sample
NO_BURR = ["lognormal", "gpd", "pareto", "lomax", "weibull", "gamma", "loglogistic", "loggamma"]


def _weibull_sample(seed: int) -> np.ndarray:
    return Weibull(0.5, 1e7).truncated(lower=THRESHOLD).sample(300, rng=seed)


def _fraud_losses() -> np.ndarray:
    df = load_incidents()
    keep = (df["date"].dt.year >= 2014) & (df["amount_usd"] >= THRESHOLD)
    keep &= df["category"] == "fraud"
    return df.loc[keep, "amount_usd"].to_numpy(dtype=float)


def _is_identified(fit) -> bool:
    if fit is None or not fit.converged:
        return False
    se = [fit.se[p] for p in fit.params if p not in fit.fixed]
    return bool(np.all(np.isfinite(se)))


def _rule_by_hand(x, names, seed, min_pvalue):
    """(AIC of the choice, families with that AIC, p-value of every identified fit, passed)."""
    cmp = compare_severity(x, names, truncation=THRESHOLD)
    kids = dict(zip(names, np.random.SeedSequence(seed).spawn(len(names)), strict=True))
    rows = []
    for n in names:
        fit = cmp.fits.get(n)
        if not _is_identified(fit):
            continue
        p = fit.gof(n_boot=GOF, rng=kids[n], tests=("cvm",)).pvalues["cvm"]
        rows.append((float(fit.aic), n, float(p)))
    assert rows, "the sample should give identified fits"
    passing = [r for r in rows if r[2] >= min_pvalue]
    pool = passing or rows
    best = min(r[0] for r in pool)
    return best, {n for a, n, _ in pool if a == best}, {n: p for _, n, p in rows}, bool(passing)


@pytest.mark.parametrize(
    ("data_seed", "names", "min_pvalue", "walks_past_first"),
    [
        # the lowest-AIC fit (weibull) passes at 5%
        (11, None, 0.05, False),
        # gamma has the lowest AIC but p = 0.39 < 0.6; weibull (AIC +1.2) passes
        (2, NO_BURR, 0.6, True),
    ],
)
def test_rule_picks_the_lowest_aic_among_identified_fits_that_pass(
    data_seed, names, min_pvalue, walks_past_first
):
    x = _weibull_sample(data_seed)
    cands = list(_select.DEFAULT_CANDIDATES) if names is None else names
    sel = select_severity(x, names, truncation=THRESHOLD, rng=5, min_pvalue=min_pvalue)
    best_aic, best_names, pvalues, passed = _rule_by_hand(x, cands, 5, min_pvalue)
    assert passed
    assert sel.family in best_names
    assert sel.fit.aic == pytest.approx(best_aic, rel=1e-12)
    assert sel.pvalues[sel.family] >= min_pvalue
    # the families the rule tested got the same p-values as the independent bootstrap, and
    # every one tested before the choice (lower AIC) failed
    for n, p in sel.pvalues.items():
        assert p == pvalues[n]
        if n != sel.family:
            assert p < min_pvalue
            assert sel.comparison.fits[n].aic <= sel.fit.aic
    lowest = min(pvalues, key=lambda n: sel.comparison.fits[n].aic)
    assert (sel.family != lowest) is walks_past_first
    if walks_past_first:
        assert "from the lowest" in sel.reason
    else:
        assert sel.reason.startswith("lowest AIC among identified fits")
    assert f"p = {sel.pvalues[sel.family]:.2f}" in sel.reason
    t = sel.table()
    assert t["chosen"].sum() == 1 and t.index[t["chosen"]][0] == sel.family


def test_a_fit_that_did_not_converge_is_never_chosen():
    x = _fraud_losses()
    assert x.size == 13
    sel = select_severity(x, truncation=THRESHOLD, rng=2026)
    t = sel.table()
    # identified = converged with finite standard errors, recomputed from the fits
    for n in t.index:
        assert t.loc[n, "identified"] == _is_identified(sel.comparison.fits.get(n))
    failed = set(t.index[~t["identified"]])
    assert {"gamma", "burr"} <= failed
    # gamma has the lowest AIC of all, but it did not converge
    assert t["aic"].idxmin() == "gamma"
    assert sel.family not in failed and bool(t.loc[sel.family, "identified"])
    assert all(math.isnan(t.loc[n, "cvm_p"]) for n in failed)  # never even tested
    # the same without the test: the lowest AIC among the identified fits
    fast = select_severity(x, truncation=THRESHOLD, gof=0)
    ok = t[t["identified"]]
    assert fast.family == ok["aic"].idxmin() != "gamma"


def test_a_fit_with_non_finite_standard_errors_is_never_chosen(monkeypatch):
    x = _weibull_sample(11)
    real = compare_severity

    def with_nan_se(*args, **kwargs):
        cmp = real(*args, **kwargs)
        fits = dict(cmp.fits)
        w = fits["weibull"]
        fits["weibull"] = dataclasses.replace(w, se={k: math.nan for k in w.se})
        return dataclasses.replace(cmp, fits=fits)

    before = select_severity(x, ["weibull", "gamma", "lognormal"], truncation=THRESHOLD, gof=0)
    assert before.family == "weibull"  # the lowest AIC of the three
    monkeypatch.setattr(_select, "compare_severity", with_nan_se)
    sel = select_severity(x, ["weibull", "gamma", "lognormal"], truncation=THRESHOLD, gof=0)
    assert sel.family == "gamma"  # the next by AIC
    t = sel.table()
    assert not t.loc["weibull", "identified"] and bool(t.loc["weibull", "converged"])
    with_test = select_severity(x, ["weibull", "gamma"], truncation=THRESHOLD, gof=19, rng=1)
    assert with_test.family == "gamma" and "weibull" not in with_test.pvalues


def test_when_no_fit_passes_the_lowest_aic_is_used_and_the_reason_says_so():
    # 2,000 lognormal losses: neither a Pareto nor a Weibull survives the test
    x = LogNormal(16.0, 2.0).truncated(lower=THRESHOLD).sample(2000, rng=3)
    names = ["pareto", "weibull"]
    sel = select_severity(x, names, truncation=THRESHOLD, rng=5)
    best_aic, best_names, pvalues, passed = _rule_by_hand(x, names, 5, 0.05)
    assert not passed
    assert set(sel.pvalues) == set(names)  # both were tested
    assert all(p < 0.05 for p in sel.pvalues.values())
    assert sel.pvalues == pvalues
    assert sel.family in best_names and sel.fit.aic == pytest.approx(best_aic, rel=1e-12)
    assert sel.reason.startswith("no identified fit passes the Cramér-von Mises test at 0.05")
    assert "lowest AIC is used" in sel.reason and "caution" in sel.reason
    assert f"p = {sel.pvalues[sel.family]:.3f}" in sel.reason


def test_without_the_test_the_lowest_aic_identified_fit_is_chosen():
    x = _weibull_sample(2)
    sel = select_severity(x, NO_BURR, truncation=THRESHOLD, gof=0, rng=5)
    cmp = compare_severity(x, NO_BURR, truncation=THRESHOLD)
    aics = {n: f.aic for n, f in cmp.fits.items() if _is_identified(f)}
    assert sel.family == min(aics, key=aics.get) == "gamma"
    assert sel.pvalues == {}
    assert "no goodness-of-fit test requested" in sel.reason
    # gof=0 ignores min_pvalue: the same choice at any level
    assert select_severity(x, NO_BURR, truncation=THRESHOLD, gof=0, min_pvalue=0.99).family == (
        "gamma"
    )


def test_same_seed_same_choice_and_p_values():
    x = _weibull_sample(2)
    names = ["lognormal", "weibull", "gamma"]
    kw = {"truncation": THRESHOLD, "min_pvalue": 0.6}
    a = select_severity(x, names, rng=5, **kw)
    b = select_severity(x, names, rng=5, **kw)
    assert (a.family, a.reason, a.pvalues) == (b.family, b.reason, b.pvalues)
    assert len(a.pvalues) >= 2  # more than one fit was tested
    g1 = select_severity(x, names, rng=np.random.default_rng(9), **kw)
    g2 = select_severity(x, names, rng=np.random.default_rng(9), **kw)
    assert (g1.family, g1.pvalues) == (g2.family, g2.pvalues)
    # family i uses child i of the seed: its p-value does not depend on which others ran
    kids = np.random.SeedSequence(5).spawn(len(names))
    for n, p in a.pvalues.items():
        alone = a.comparison.fits[n].gof(n_boot=GOF, rng=kids[names.index(n)], tests=("cvm",))
        assert p == alone.pvalues["cvm"]
    # another seed gives other bootstrap p-values
    assert select_severity(x, names, rng=6, **kw).pvalues != a.pvalues


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"min_pvalue": 1.0}, "min_pvalue"),
        ({"min_pvalue": -0.01}, "min_pvalue"),
        ({"min_pvalue": math.nan}, "min_pvalue"),
        ({"gof": -1}, "gof"),
    ],
)
def test_bad_arguments_raise(kwargs, needle):
    x = _weibull_sample(11)
    with pytest.raises(ValueError, match=needle):
        select_severity(x, ["weibull"], truncation=THRESHOLD, **kwargs)


def test_no_identified_fit_raises():
    x = _fraud_losses()
    with pytest.raises(ValueError, match="no candidate family") as err:
        select_severity(x, ["gamma", "burr"], truncation=THRESHOLD, gof=0)
    assert "gamma, burr" in str(err.value) and "13 losses" in str(err.value)


def test_an_unknown_candidate_raises_instead_of_being_dropped():
    x = _weibull_sample(11)
    with pytest.raises(ValueError, match="unknown family"):
        select_severity(x, ["weibul", "gamma"], truncation=THRESHOLD, gof=0)
