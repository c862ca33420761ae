"""The CLI says, on stderr, when a run is about to compile the simulation kernels."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from riskmodel._numba import is_cached
from riskmodel.cli._common import COMPILE_NOTICE, compile_notice


def _kernel(path):
    return SimpleNamespace(_cache=SimpleNamespace(_cache_file=SimpleNamespace(_index_path=path)))


def test_is_cached_reads_the_index_file(tmp_path):
    index = tmp_path / "k.nbi"
    assert not is_cached(_kernel(str(index)))
    index.write_bytes(b"")
    assert is_cached(_kernel(str(index)))
    # one missing index among several is enough to compile
    assert not is_cached(_kernel(str(index)), _kernel(str(tmp_path / "other.nbi")))
    # a kernel without numba's cache attributes: no notice rather than a guess
    assert is_cached(SimpleNamespace())


def test_the_notice_names_its_time_and_the_compile_command(tmp_path, capsys):
    missing, index = _kernel(str(tmp_path / "missing.nbi")), tmp_path / "there.nbi"
    index.write_bytes(b"")
    there = _kernel(str(index))
    compile_notice((missing, 15), (there, 4))
    err = capsys.readouterr().err
    assert err.startswith(COMPILE_NOTICE)
    assert "(up to ~15 s on 2 cores;" in err  # the seconds of the kernels still to compile only
    assert "'riskmodel compile'" in err
    assert err.count("\n") == 1  # one line
    compile_notice((missing, 15), (_kernel(str(tmp_path / "other.nbi")), 2))
    assert "(up to ~17 s on 2 cores;" in capsys.readouterr().err  # still one line, both kernels'
    compile_notice((there, 10))
    assert capsys.readouterr().err == ""


def test_the_notice_counts_the_programme_kernel_where_one_runs(monkeypatch, capsys):
    # the simulation's kernels cached, the programme's not: a run with a programme says ~1 s
    from riskmodel.engine import _kernels, _program

    cached = {_kernels.inverted_losses}
    monkeypatch.setattr("riskmodel._numba.is_cached", lambda *ks: all(k in cached for k in ks))
    compile_notice(program=False)
    assert capsys.readouterr().err == ""
    compile_notice(program=True)
    assert "(up to ~1 s on 2 cores;" in capsys.readouterr().err
    cached.add(_program.apply_terms)
    compile_notice(program=True)
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_cli_notice_on_the_first_run_only(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    argv = [sys.executable, "-m", "riskmodel", "reserve", "--n-sims", "20000"]
    argv += ["--parameter-draws", "0", "--json"]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    assert COMPILE_NOTICE in first.stderr
    second = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    assert COMPILE_NOTICE not in second.stderr
    # the notice is on stderr only: stdout stays JSON, with the same reserve
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["reserve"]["reserve"] == b["reserve"]["reserve"]
    # the book compiles kernels of its own: its first run says so, though reserve's are cached
    book = [sys.executable, "-m", "riskmodel", "book", "example", str(tmp_path / "book")]
    book += ["--n-sims", "2000", "--no-tables"]
    first = subprocess.run(book, env=env, capture_output=True, text=True, check=True)
    assert COMPILE_NOTICE in first.stderr


def test_the_notice_counts_the_losses_kernels_of_the_model_that_runs(monkeypatch, capsys):
    # the inversion's kernel cached (a default run before): a log-gamma model still compiles
    # its own, and says so; a Weibull one compiles nothing new
    from riskmodel.engine import _kernels
    from riskmodel.frequency import Poisson
    from riskmodel.model import LossModel
    from riskmodel.severity import LogGamma, Weibull

    cached = {_kernels.inverted_losses}
    monkeypatch.setattr("riskmodel._numba.is_cached", lambda *ks: all(k in cached for k in ks))
    weibull = LossModel({"a": (Poisson(1.0), Weibull(0.5, 1e7).truncated(1e6))})
    compile_notice(model=weibull)
    assert capsys.readouterr().err == ""
    both = LossModel({**weibull.categories, "b": (Poisson(1.0), LogGamma(20.0, 1.4))})
    compile_notice(model=both)
    assert "(up to ~3 s on 2 cores;" in capsys.readouterr().err
    cached.add(_kernels.rejection_losses)
    compile_notice(model=both)
    assert capsys.readouterr().err == ""
