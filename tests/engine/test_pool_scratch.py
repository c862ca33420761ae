"""The simulator's worker threads and their arrays live from run to run: results must not depend
on what ran before, on whether the arrays were kept, or on a fork."""

import multiprocessing
import sys

import numpy as np
import pytest

from riskmodel.engine import simulate
from riskmodel.engine import simulation as S
from riskmodel.frequency import Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal

NARROW = LossModel(
    {"a": (Poisson(2.0), LogNormal(0.0, 1.0)), "b": (Poisson(1.0), LogNormal(1.0, 0.5))}
)
WIDE = LossModel({f"c{i}": (Poisson(0.5 + i), LogNormal(0.1 * i, 1.0)) for i in range(4)})
ONE_LAYER = InsuranceProgram([Layer(attachment=2.0, limit=5.0, reinstatements=1, premium=1.0)])
TWO_LAYERS = InsuranceProgram(
    [
        Layer(attachment=1.0, limit=3.0),
        Layer(attachment=4.0, limit=10.0, per="aggregate", categories=["c0", "c2"]),
    ]
)
KW = {"rng": 9, "block_size": 1024, "min_level": 0.95}


def _run(model, program, threads=2):
    r = simulate(model, 6000, program=program, n_threads=threads, **KW)
    return np.r_[r.gross.tail, r.net.tail, r.ceded.mean, r.net.var, r.layers.tail, r.layers.mean]


def test_runs_of_other_shapes_in_between_change_nothing():
    # the threads' arrays are reused across models of other widths and programmes
    first = [_run(NARROW, ONE_LAYER), _run(WIDE, TWO_LAYERS)]
    again = [_run(WIDE, TWO_LAYERS), _run(NARROW, ONE_LAYER)][::-1]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(_run(WIDE, TWO_LAYERS, threads=1), first[1])


def test_arrays_not_kept_for_later_runs_give_the_same_results(monkeypatch):
    want = _run(WIDE, TWO_LAYERS)
    monkeypatch.setattr(S, "KEEP_SCRATCH_BYTES", 0)  # every run allocates its own
    np.testing.assert_array_equal(_run(WIDE, TWO_LAYERS), want)


def _child(queue):
    queue.put(_run(NARROW, ONE_LAYER))


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_a_forked_process_simulates_on_threads_of_its_own():
    want = _run(NARROW, ONE_LAYER)  # the parent's pool exists before the fork
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    got = queue.get(timeout=120)  # (would hang on the parent's threads, which the child lacks)
    child.join(timeout=60)
    assert child.exitcode == 0
    np.testing.assert_array_equal(got, want)
