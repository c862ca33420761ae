"""Layer arithmetic on tiny hand-computed claim vectors, with exact equality."""

import math

import numpy as np
import pytest

from riskmodel.insurance import InsuranceProgram, Layer, apply_program, layer_names

CATS = ("hack", "fraud")


def occ_losses(layer, losses_by_year_cat):
    """Per-occurrence layer losses at 100%, summed per year/category (what the kernel does)."""
    n, k = len(losses_by_year_cat), len(CATS)
    out = np.zeros((n, 1, k))
    for i, year in enumerate(losses_by_year_cat):
        for c, losses in enumerate(year):
            x = np.asarray(losses, float)
            out[i, 0, c] = np.minimum(np.maximum(x - layer.attachment, 0), layer.limit).sum()
    return out


def gross_of(losses_by_year_cat):
    return np.array([[float(np.sum(v)) for v in year] for year in losses_by_year_cat])


def test_occurrence_deductible_limit_share():
    lay = Layer(attachment=10, limit=30, share=0.5)
    np.testing.assert_array_equal(
        lay.recover_occurrence([5, 10, 25, 40, 100]), [0, 0, 7.5, 15, 15]
    )


def test_occurrence_layer_with_reinstatements_exhausting():
    # limit 30, one reinstatement: at most 60 a year at 100%
    lay = Layer(attachment=10, limit=30, reinstatements=1, premium=4.0)
    years = [[[50, 50, 50], []], [[20], [15]], [[], []]]
    # year 0: three full-limit losses: 90 at 100% -> capped at 60; year 1: 10 + 5 = 15
    ceded, rp = apply_program(
        InsuranceProgram([lay]), gross_of(years), occ_losses(lay, years), CATS
    )
    np.testing.assert_array_equal(ceded, [[60, 0], [10, 5], [0, 0]])
    # reinstatement premium: pro rata of the one reinstatement used: min(paid, 30)/30 * 4
    np.testing.assert_array_equal(rp, [4.0, 2.0, 0.0])


def test_annual_aggregate_deductible_then_share():
    lay = Layer(attachment=0, limit=100, share=0.5, agg_deductible=20, reinstatements=0)
    years = [[[10, 20], [10]], [[60], [100]]]
    ceded, _ = apply_program(
        InsuranceProgram([lay]), gross_of(years), occ_losses(lay, years), CATS
    )
    # year 0: 40 - 20 = 20, share 0.5 -> 10, pro rata 30:10 -> 7.5, 2.5
    # year 1: min(160 - 20, 100) * 0.5 = 50, pro rata 60:100 -> 18.75, 31.25
    np.testing.assert_array_equal(ceded, [[7.5, 2.5], [18.75, 31.25]])


def test_aggregate_layer_on_net_of_occurrence():
    occ = Layer(attachment=10, limit=20, reinstatements=math.inf)
    agg = Layer(attachment=25, limit=10, per="aggregate", categories=("hack",))
    years = [[[40, 5], [30]], [[12], [100]]]
    ceded, _ = apply_program(
        InsuranceProgram([occ, agg]), gross_of(years), occ_losses(occ, years), CATS
    )
    # year 0: occ hack 20, fraud 20; net hack 45-20 = 25 -> agg 0
    # year 1: occ hack 2, fraud 20; net hack 10 -> agg 0
    np.testing.assert_array_equal(ceded, [[20, 20], [2, 20]])
    years = [[[60, 30], [0]]]
    ceded, _ = apply_program(
        InsuranceProgram([occ, agg]), gross_of(years), occ_losses(occ, years), CATS
    )
    # occ: 20 + 20 = 40; net hack 90 - 40 = 50 -> agg min(50 - 25, 10) = 10
    np.testing.assert_array_equal(ceded, [[50, 0]])


def test_layer_paid_in_programme_order():
    # the aggregate layer listed first: its column comes first, though it is applied last
    occ = Layer(attachment=10, limit=20, reinstatements=math.inf)
    agg = Layer(attachment=25, limit=10, per="aggregate", categories=("hack",))
    years = [[[60, 30], [0]], [[40, 5], [30]], [[], []]]
    paid = np.full((3, 2), np.nan)
    ceded, _ = apply_program(
        InsuranceProgram([agg, occ]),
        gross_of(years),
        occ_losses(occ, years),
        CATS,
        layer_paid=paid,
    )
    # year 0: occ 20 + 20 = 40, agg min(90 - 40 - 25, 10) = 10; year 1: occ 20 + 20, agg 0
    np.testing.assert_array_equal(paid, [[10, 40], [0, 40], [0, 0]])
    np.testing.assert_allclose(paid.sum(axis=1), ceded.sum(axis=1), rtol=1e-15)


def test_layer_names_are_readable_and_unique():
    # two insurers at 50% of the same terms, and a stop loss on one category
    prog = InsuranceProgram(
        [
            Layer(10e6, 40e6, share=0.5),
            Layer(10e6, 40e6, share=0.5),
            Layer(1e8, math.inf, per="aggregate", categories=("hack",)),
        ]
    )
    assert layer_names(prog) == (
        "layer 1: 50% of 40M xs 10M per occurrence",
        "layer 2: 50% of 40M xs 10M per occurrence",
        "layer 3: unlimited xs 100M aggregate on hack",
    )


def test_no_reinstatement_means_limit_once_a_year():
    lay = Layer(attachment=10, limit=20)
    years = [[[40], [30]]]
    ceded, _ = apply_program(
        InsuranceProgram([lay]), gross_of(years), occ_losses(lay, years), CATS
    )
    np.testing.assert_array_equal(ceded, [[10, 10]])


def test_layer_validation_messages():
    with pytest.raises(ValueError, match="share"):
        Layer(0, 10, share=1.5)
    with pytest.raises(ValueError, match="per"):
        Layer(0, 10, per="annual")
    with pytest.raises(ValueError, match="reinstatements"):
        Layer(0, 10, per="aggregate", reinstatements=1)
    with pytest.raises(TypeError, match=r"layers\[1\]"):
        InsuranceProgram([Layer(0, 1), "layer"])
    with pytest.raises(ValueError, match="unknown categories"):
        InsuranceProgram([Layer(0, 1, categories=("theft",))]).covers(
            Layer(0, 1, categories=("theft",)), CATS
        )
