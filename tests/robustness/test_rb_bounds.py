"""Issue 15, class 3: requests that used to hang or exhaust memory are refused at once.

Before the fix ``simulate(model, 10**13)`` queued 1.5e8 futures (7.5 GB before it was killed),
``--data /dev/zero`` and ``--profile /dev/zero`` read until memory ran out, and a rate of 1e6
losses a year ran without a guard.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from riskmodel import LossModel, simulate
from riskmodel._errors import DataError
from riskmodel.cli import main
from riskmodel.data import read_exposure, read_losses
from riskmodel.data._input import ENV_MAX_MB
from riskmodel.engine import simulation as S
from riskmodel.engine._ordered import run_in_order
from riskmodel.frequency import Poisson
from riskmodel.profile import load_profile
from riskmodel.severity import LogNormal

MODEL = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})
posix_only = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")


@pytest.mark.parametrize("n", [10**13, 1e13, S.MAX_SIMS + 1])
def test_a_huge_n_sims_is_refused_at_once(n):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"n_sims: .* exceeds the most a run accepts"):
        simulate(MODEL, n, rng=1)
    assert time.perf_counter() - t0 < 5


def test_a_tail_that_would_not_fit_in_memory_is_refused():
    with pytest.raises(ValueError, match=r"raise min_level or lower n_sims"):
        simulate(MODEL, 10**10, rng=1, min_level=0.5)


def test_the_cli_refuses_n_sims_1e13_with_exit_2(capsys):
    assert main(["simulate", "--n-sims", "1e13", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "n_sims" in err


def test_an_absurd_rate_is_guarded_by_the_work_it_would_take():
    # issue 15: a rate of 1e6 a year ran without a guard (1e12 losses for 1e6 years)
    m = LossModel({"hack": (Poisson(1e6), LogNormal(0.0, 1.0))})
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"would draw 1e\+12 losses.*'hack': 1000000"):
        simulate(m, 10**6, rng=1)
    assert time.perf_counter() - t0 < 5


def test_the_pool_holds_only_a_few_blocks_at_a_time():
    # pool.map submitted every block at once; the workers claim at most `depth` blocks ahead
    # of the merge, whatever the number of blocks
    claimed, merged = [], []

    class Enough(Exception):
        pass

    def work(b):
        claimed.append(b)
        return b * b

    def merge(b, r):
        merged.append(r)
        if len(merged) == 10:
            raise Enough

    with ThreadPoolExecutor(2) as pool, pytest.raises(Enough):
        run_in_order(pool, 2, range(10**12), work, merge, depth=4)
    assert merged == [i * i for i in range(10)]
    assert len(claimed) <= 10 + 4


def test_lazy_submission_keeps_results_independent_of_threads():
    a = simulate(MODEL, 50_000, rng=5, block_size=1024, n_threads=1)
    b = simulate(MODEL, 50_000, rng=5, block_size=1024, n_threads=3)
    assert a.gross.mean == b.gross.mean and a.quantile(0.99) == b.quantile(0.99)


@posix_only
@pytest.mark.parametrize("reader", [read_losses, read_exposure, load_profile])
def test_a_device_is_not_read(reader):
    # issue 15: /dev/zero was read until memory ran out
    with pytest.raises(DataError, match=r"/dev/zero: not a regular file \(a character device\)"):
        reader("/dev/zero")


@pytest.mark.parametrize("reader", [read_losses, load_profile])
def test_a_folder_is_not_read(tmp_path, reader):
    with pytest.raises(DataError, match=r"not a regular file \(a folder\)"):
        reader(tmp_path)


@posix_only
@pytest.mark.parametrize("option", ["--data", "--profile"])
def test_the_cli_refuses_a_device_with_exit_2(option, capsys):
    assert main(["reserve", option, "/dev/zero", "--n-sims", "20000", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/dev/zero: not a regular file" in err


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("date,category,amount_usd\n" + "2020-01-01,hack,5e6\n" * 1000)
    with pytest.raises(DataError, match=r"big\.csv: file is .* MiB, more than .* max_bytes"):
        read_losses(path, max_bytes=1000)
    monkeypatch.setenv(ENV_MAX_MB, "0.001")
    with pytest.raises(DataError, match=ENV_MAX_MB):
        read_losses(path)
    monkeypatch.setenv(ENV_MAX_MB, "lots")
    with pytest.raises(ValueError, match=f"{ENV_MAX_MB}: must be a number"):
        read_losses(path)
    monkeypatch.delenv(ENV_MAX_MB)
    with pytest.raises(DataError, match="row 3"):  # within the bound: read and validated
        read_losses(path)
