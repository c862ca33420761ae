"""The engine's compiled programme (``engine._program``) against the reference
``insurance.apply_program``: the same ceded losses, reinstatement premiums and layer recoveries
bit for bit, for occurrence and aggregate layers with annual terms, shares and reinstatements,
on one to nine categories; its plain-Python twin gives the same bits; and a recovery outside
[0, gross] raises the reference's error."""

import re

import numpy as np
import pytest

from riskmodel.engine._program import apply_terms, program_arrays, run_program
from riskmodel.insurance import InsuranceProgram, Layer, apply_program


def _programs(names):
    first, rest = names[:1], tuple(names[1:]) or tuple(names)
    return [
        InsuranceProgram([Layer(2.0, 10.0)]),
        InsuranceProgram(
            [
                Layer(1.0, 5.0, share=0.7, reinstatements=2, premium=3.0, agg_deductible=2.0),
                Layer(20.0, 50.0, per="aggregate", categories=rest),
                Layer(6.0, 20.0, share=0.5, categories=tuple(first), agg_limit=15.0),
                Layer(70.0, 100.0, per="aggregate", share=0.4),
            ]
        ),
        InsuranceProgram([Layer(5.0, 30.0, per="aggregate", share=0.9)]),
    ]


def _losses(rng, n, k, program):
    """Gross losses and per-occurrence layer losses consistent with them (each layer's
    losses at most the gross loss)."""
    gross = rng.lognormal(1.5, 1.5, (n, k)) * (rng.random((n, k)) < 0.6)
    occ_layers = program.occurrence
    occ = np.empty((n, len(occ_layers), k))
    for li, lay in enumerate(occ_layers):
        covered = program.covers(lay, [f"c{c}" for c in range(k)])
        occ[:, li, :] = np.minimum(np.maximum(gross - lay.attachment, 0.0), lay.limit) * covered
    return gross, occ


@pytest.mark.parametrize("k", [1, 3, 9])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_the_compiled_programme_equals_the_reference_bit_for_bit(k, which):
    names = [f"c{c}" for c in range(k)]
    program = _programs(names)[which]
    rng = np.random.default_rng(10 * k + which)
    n = 4000
    gross, occ = _losses(rng, n, k, program)
    want_paid = np.full((n, len(program.layers)), np.nan)
    want_ceded, want_rp = apply_program(program, gross, occ, names, layer_paid=want_paid)
    want_net = gross - want_ceded
    want_total = np.zeros(n)
    for c in range(k):  # in order, as the kernels sum a year's categories
        want_total += want_net[:, c]
    assert (want_ceded > 0).mean() > 0.05  # the layers pay in many years

    arrays = program_arrays(program, names)
    for twin in (False, True):
        layers = np.full((n, 1 + len(program.layers)), np.nan)
        scratch = (np.empty((n + 5, k)), np.empty((n + 5, k)), np.empty(n + 5))
        if twin:
            ceded, net, rp = scratch[0][:n], scratch[1][:n], scratch[2][:n]
            a = arrays
            bad = apply_terms.py_func(
                a.occ, a.agg, a.agg_cover, gross, occ, ceded, net, rp, layers[:, 1:], layers[:, 0]
            )
            assert bad == -1
            rp_total = float(rp.sum())
        else:
            ceded, net, rp_total = run_program(
                arrays, gross, occ, scratch, layers[:, 1:], layers[:, 0]
            )
        np.testing.assert_array_equal(ceded, want_ceded)
        np.testing.assert_array_equal(net, want_net)
        np.testing.assert_array_equal(layers[:, 1:], want_paid)
        np.testing.assert_array_equal(layers[:, 0], want_total)
        assert rp_total == float(want_rp.sum())


def test_a_recovery_above_the_gross_loss_raises_the_references_error():
    WANT = "ceded 7.5 outside [0, gross 4.0] at year 1, category 1"  # 9 of 12, pro rata of 10
    names = ["a", "b"]
    program = InsuranceProgram([Layer(0.0, 10.0)])
    gross = np.array([[1.0, 2.0], [3.0, 4.0]])
    occ = np.array([[[1.0, 2.0]], [[3.0, 9.0]]])  # year 1, category 1: 9 > gross 4
    with pytest.raises(RuntimeError, match=re.escape(WANT)):
        apply_program(program, gross, occ, names)
    scratch = (np.empty((2, 2)), np.empty((2, 2)), np.empty(2))
    layers = np.empty((2, 2))
    with pytest.raises(RuntimeError, match=re.escape(WANT)):
        run_program(
            program_arrays(program, names), gross, occ, scratch, layers[:, 1:], layers[:, 0]
        )
