"""The workers' in-order merge (``engine._ordered.run_in_order``): blocks finish in any order
and are merged in block order, a few at most run ahead, and an error stops the run."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from riskmodel import LossModel, simulate
from riskmodel.engine._ordered import run_in_order
from riskmodel.frequency import Poisson
from riskmodel.severity import LogNormal


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_blocks_finishing_out_of_order_are_merged_in_order(threads):
    jitter = random.Random(3)
    delays = [jitter.uniform(0.0, 0.004) for _ in range(40)]
    merged, merging = [], threading.Lock()

    def work(b):
        time.sleep(delays[b])  # (later blocks often finish first)
        return b

    def merge(b, r):
        assert merging.acquire(blocking=False), "two merges at once"
        try:
            merged.append((b, r))
        finally:
            merging.release()

    with ThreadPoolExecutor(threads) as pool:
        run_in_order(pool, threads, range(3, 40), work, merge, depth=2 * threads)
    assert merged == [(b, b) for b in range(3, 40)]


def test_no_block_runs_more_than_depth_ahead_of_the_merge():
    ahead, lock, next_merge = [], threading.Lock(), [0]

    def work(b):
        with lock:
            ahead.append(b - next_merge[0])
        time.sleep(0.001 if b % 7 else 0.01)  # (a slow block holds the merge back)
        return b

    def merge(b, r):
        next_merge[0] = b + 1

    with ThreadPoolExecutor(4) as pool:
        run_in_order(pool, 4, range(60), work, merge, depth=3)
    assert max(ahead) < 3


@pytest.mark.parametrize("where", ["work", "merge"])
def test_an_error_reaches_the_caller_and_stops_the_claims(where):
    claimed = []

    def work(b):
        claimed.append(b)
        if where == "work" and b == 5:
            raise ZeroDivisionError(f"block {b}")
        time.sleep(0.001)
        return b

    def merge(b, r):
        if where == "merge" and b == 5:
            raise ZeroDivisionError(f"block {b}")

    with ThreadPoolExecutor(2) as pool, pytest.raises(ZeroDivisionError, match="block 5"):
        run_in_order(pool, 2, range(2000), work, merge, depth=4)
    assert len(claimed) <= 5 + 1 + 4  # (the blocks before it, it, and those run ahead)


def test_no_blocks_no_calls_and_more_threads_than_blocks():
    calls = []
    with ThreadPoolExecutor(4) as pool:
        run_in_order(pool, 4, range(0), calls.append, lambda b, r: calls.append(r), depth=1)
        run_in_order(pool, 4, range(2), lambda b: b, lambda b, r: calls.append(r), depth=1)
    assert calls == [0, 1]


def test_a_simulation_is_the_same_on_any_number_of_workers():
    model = LossModel(
        {"a": (Poisson(3.0), LogNormal(15.0, 2.0)), "b": (Poisson(0.4), LogNormal(16.0, 1.0))}
    )
    runs = [
        simulate(model, 40_000, rng=9, block_size=1024, n_threads=t, min_level=0.9)
        for t in (1, 2, 7)
    ]
    for r in runs[1:]:
        assert r.gross.mean == runs[0].gross.mean
        assert r.quantile(0.995) == runs[0].quantile(0.995)
        assert (r.gross.tail == runs[0].gross.tail).all()
        assert (r.gross.tail_parts == runs[0].gross.tail_parts).all()


def test_nothing_is_merged_after_an_error():
    merged, failed = [], threading.Event()

    def work(b):
        if b == 1:
            failed.set()
            raise ZeroDivisionError("block 1")
        if b == 0:
            failed.wait(5)
            time.sleep(0.5)  # (block 0 finishes well after the caller has seen block 1 fail)
        return b

    def merge(b, r):
        merged.append(b)

    with ThreadPoolExecutor(2) as pool, pytest.raises(ZeroDivisionError, match="block 1"):
        run_in_order(pool, 2, range(10), work, merge, depth=4)
    assert merged == []  # (and run_in_order returned only once block 0 had finished)


@pytest.mark.parametrize(("threads", "depth"), [(0, 4), (2, 0), (-1, -1)])
def test_no_workers_or_no_depth_is_refused(threads, depth):
    # (no worker would merge nothing and return as if done; no depth would wait for ever)
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="at least 1"):
        run_in_order(pool, threads, range(3), lambda b: b, lambda b, r: None, depth=depth)
