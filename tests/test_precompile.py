"""Compiling the kernels ahead of use (``riskmodel.precompile``, ``riskmodel compile``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import riskmodel.precompile as P
from riskmodel.cli import main
from riskmodel.cli._common import COMPILE_NOTICE


def test_unknown_step_names_the_steps():
    with pytest.raises(ValueError, match=r"unknown \['nope'\].*untruncated lognormal"):
        P.precompile(["untruncated lognormal", "nope"])


def test_steps_run_in_the_order_given_and_are_reported_as_done():
    seen = []
    steps = P.precompile(["Panjer recursion", "untruncated lognormal"], report=seen.append)
    assert [s.name for s in steps] == ["Panjer recursion", "untruncated lognormal"]
    assert seen == steps  # each reported as soon as done, the same records as returned
    assert all(s.seconds > 0 and s.compiled >= 0 for s in steps)


def test_the_counter_counts_numba_compiles_not_calls(monkeypatch):
    """A new function compiles once (one event or more: its callees too); called again, or a
    step run a second time in the same process, it compiles nothing."""
    import numba
    import numpy as np

    fresh = numba.njit(lambda x: x + 1.0)  # not cached: it compiles here, whatever the disk
    monkeypatch.setitem(P.STEPS, "_test", lambda: fresh(np.float64(1.0)))
    first, again = P.precompile(["_test", "_test"])
    assert first.compiled >= 1
    assert again.compiled == 0


def test_nothing_to_compile_with_the_jit_disabled(monkeypatch, capsys):
    monkeypatch.setattr(P, "JIT_DISABLED", True)
    assert P.precompile() == []
    assert main(["compile"]) == 0
    assert "NUMBA_DISABLE_JIT=1" in capsys.readouterr().out


def test_cli_prints_a_line_per_step_and_the_total(monkeypatch, capsys):
    monkeypatch.setattr(P, "STEPS", {"Panjer recursion": P.STEPS["Panjer recursion"]})
    assert main(["compile"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "riskmodel: compiling the simulation kernels into numba's cache"
    assert out[1].lstrip().startswith("Panjer recursion")
    assert out[1].rstrip().endswith(("compiled", "loaded from the cache"))
    assert out[-1].startswith("done in ")
    assert len(out) == 3


# Run in a fresh process with an empty cache: `riskmodel compile` writes every kernel, a second
# run compiles nothing, and then the CLI's commands (each in its own process) compile nothing
# either. The last part counts numba's compile events, so a kernel called with other types than
# the steps compiled it for (a missed specialisation) fails it.
_COUNT_COMPILES = textwrap.dedent(
    """
    import contextlib, io, sys
    from numba.core import event
    from riskmodel.cli import main
    from riskmodel.precompile import _CompileCounter

    count = _CompileCounter()
    with event.install_listener("numba:compile", count):
        with contextlib.redirect_stdout(io.StringIO()):
            status = main(sys.argv[1:])
    print(status, count.count)
    """
)


@pytest.mark.slow
def test_compile_fills_the_cache_for_every_command(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    cmd = [sys.executable, "-m", "riskmodel", "compile"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert " compiled; later runs load them" in first.stdout
    for name in P.STEPS:
        assert name in first.stdout
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert "every kernel was already in the cache" in second.stdout, second.stdout
    assert " compiled" not in second.stdout

    fast = ["--n-sims", "20000"]
    commands = [
        ["reserve", *fast, "--parameter-draws", "0"],
        ["reserve", *fast],  # parameter draws
        ["reserve", "--profile", "example", *fast],  # an insurance programme
        ["reserve", *fast, "--parameter-draws", "0", "--severity", "loggamma"],  # rejection
        ["simulate", *fast],
        ["price", *fast],
        ["book", "example", str(tmp_path / "book"), "--n-sims", "2000", "--no-tables"],
    ]
    for argv in commands:
        run = subprocess.run(
            [sys.executable, "-c", _COUNT_COMPILES, *argv],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        assert run.stdout.split() == ["0", "0"], (argv, run.stdout, run.stderr[-2000:])
        assert COMPILE_NOTICE not in run.stderr
