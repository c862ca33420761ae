"""The CLI says, on stderr, when a run is about to compile the simulation kernels."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from riskmodel._numba import is_cached
from riskmodel.cli._common import COMPILE_NOTICE


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
