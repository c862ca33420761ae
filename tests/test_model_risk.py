"""model_risk: the reserve under each severity family, with Akaike weights."""

import math

import numpy as np
import pytest

from riskmodel._errors import InfiniteMomentWarning
from riskmodel.calibrate import calibrate_industry
from riskmodel.model_averaging import model_risk
from riskmodel.reserving import reserve

#: the calibration every family shares: lognormal everywhere, so that model risk's lognormal
#: row is this model; uncapped, so the log-logistic's infinite mean shows
CAL = {"severity": "lognormal", "cap": None}


@pytest.fixture(scope="module")
def result():
    cal = calibrate_industry(**CAL)
    # the log-logistic fits have shape < 1 (no finite mean): the simulation must say so
    with pytest.warns(InfiniteMomentWarning, match="infinite"):
        return model_risk(
            families=("lognormal", "weibull", "loglogistic"), n_sims=40_000, rng=3, calibration=cal
        )


def test_the_headline_caps_make_every_family_finite():
    # with the default cap no family has an infinite mean: no warning, finite reserves
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", InfiniteMomentWarning)
        mr = model_risk(families=("lognormal", "loglogistic"), n_sims=20_000, rng=3)
    assert np.isfinite(mr.table["reserve"]).all()


def test_weights_are_akaike_weights_of_the_own_fits(result):
    t = result.table
    assert t["weight"].sum() == pytest.approx(1.0, rel=1e-12)
    own = [c for c, v in result.categories.items() if v["fitted_on"] == "own losses"]
    aic = {f: sum(result.categories[c]["aic"][f] for c in own) for f in t.index}
    best = min(aic.values())
    w = {f: math.exp(-(a - best) / 2) for f, a in aic.items()}
    for f in t.index:
        assert t.at[f, "aic"] == pytest.approx(aic[f], rel=1e-12)
        assert t.at[f, "weight"] == pytest.approx(w[f] / sum(w.values()), rel=1e-9)
    assert result.selected == t["weight"].idxmax()


def test_lognormal_row_is_the_calibrated_reserve(result):
    # the lognormal family's model is the calibrated model; same seed, same simulated years
    r = reserve(calibrate_industry(**CAL).model, 0.995, rng=3, n_sims=40_000, parameter_draws=0)
    assert result.table.at["lognormal", "reserve"] == r.reserve


def test_average_and_json(result):
    t = result.table
    assert t["reserve"].min() <= result.averaged <= t["reserve"].max()
    assert result.averaged == pytest.approx(float((t["weight"] * t["reserve"]).sum()))
    d = result.to_dict()
    assert len(d["entries"]) == 3
    assert {"family", "weight", "reserve"} <= set(d["entries"][0])
    assert "model-averaged" in result.summary() and "USD" in result.summary()


def test_a_family_that_does_not_fit_gets_no_weight():
    mr = model_risk(families=("lognormal", "burr"), n_sims=20_000, rng=1)
    burr = mr.table.loc["burr"]
    # Burr's three parameters do not converge on the 13 fraud losses of the bundled data
    assert not burr.converged and burr.weight == 0 and np.isnan(burr.reserve)
    assert "fraud" in burr.note
    assert mr.table.at["lognormal", "weight"] == 1.0
    with pytest.raises(ValueError, match="families"):
        model_risk(families=(), n_sims=20_000)


def test_the_spliced_candidate_fits_where_there_are_losses_enough():
    from riskmodel.data import load_incidents
    from riskmodel.fit import fit_spliced
    from riskmodel.model_averaging import DEFAULT_FAMILIES, SPLICED, _losses

    assert SPLICED in DEFAULT_FAMILIES
    # the bundled data: 13 fraud losses cannot carry a body and a tail of 10 each
    mr = model_risk(families=("lognormal", SPLICED), n_sims=20_000, rng=1)
    row = mr.table.loc[SPLICED]
    assert not row.converged and row.weight == 0 and np.isnan(row.reserve)
    # (a spliced fit needs 10 losses on either side of its splice point)
    assert row.note == "too few losses in fraud (13)"
    # the 75 hack losses alone: the spliced fit is the one fit_spliced makes, with its AIC
    hack = load_incidents().query("category == 'hack'")
    mr = model_risk(hack, families=("lognormal", SPLICED), n_sims=20_000, rng=1)
    x = _losses(hack, calibrate_industry(hack))["hack"]
    fit = fit_spliced(x, "lognormal", "gpd", "auto", truncation=1e6)
    assert mr.table.at[SPLICED, "aic"] == pytest.approx(fit.aic, rel=1e-12)
    assert mr.table.at[SPLICED, "converged"] and 0 < mr.table.at[SPLICED, "weight"] < 1
    assert np.isfinite(mr.table.at[SPLICED, "reserve"])
    assert mr.categories["hack"]["aic"][SPLICED] == pytest.approx(fit.aic, rel=1e-12)


def test_the_selection_rules_fits_are_reused_not_refitted(monkeypatch):
    # the default calibration's selection rule fitted every candidate family to the same
    # losses: model risk takes those fits, refits nothing, and gets the same table
    import dataclasses

    import riskmodel.model_averaging as MA

    cal = calibrate_industry()
    assert cal.selections  # (the rule ran: no family was given)
    asked = []
    real = MA.compare_severity

    def spy(x, families, **kw):
        asked.append(list(families))
        return real(x, families, **kw)

    monkeypatch.setattr(MA, "compare_severity", spy)
    families = ("lognormal", "weibull", "gamma")
    reused = model_risk(families=families, n_sims=20_000, rng=3, calibration=cal)
    assert asked == []
    bare = dataclasses.replace(cal, selections={})
    refitted = model_risk(families=families, n_sims=20_000, rng=3, calibration=bare)
    assert len(asked) == len(cal.selections)  # (each fitted key once: hack, fraud, pooled)
    assert reused.table.equals(refitted.table)


def test_fits_to_other_losses_are_not_reused():
    from riskmodel.model_averaging import _selection_fits

    cal = calibrate_industry()
    sel = cal.selections["hack"]
    x = sel.fit.losses
    assert set(_selection_fits(sel, x.copy(), cal.threshold)) == set(sel.comparison.fits)
    assert _selection_fits(sel, x[::-1].copy(), cal.threshold) == {}  # (another order)
    assert _selection_fits(sel, x[1:], cal.threshold) == {}
    assert _selection_fits(sel, x, 2 * cal.threshold) == {}
    assert _selection_fits(None, x, cal.threshold) == {}
