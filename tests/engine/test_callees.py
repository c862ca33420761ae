"""The helpers that only kernels call (``jit_callee``, ``jit_vector``) run compiled.

Called from Python, such a helper runs as plain Python (numba's ``register_jitable``): correct,
but a hundred times slower. So the package must call them from compiled code only. This runs
every compiled path (``precompile``'s steps, through the public API) with a profiler that
records each Python function entered, and fails if one of the helpers is among them.
"""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys

import pytest

import riskmodel

DECORATORS = {"jit_callee", "jit_vector"}


def _helpers() -> set[tuple[str, str]]:
    """(file, name) of every function of the package decorated as a helper."""
    root = pathlib.Path(riskmodel.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Name) and d.id in DECORATORS for d in node.decorator_list
            ):
                found.add((str(path.resolve()), node.name))
    return found


# Every step once (compiling or loading the kernels), then again with a profiler on this thread
# and on new threads (the simulator's pools, dropped first so that their threads start anew),
# recording the Python functions entered. The last line checks that the profiler would see a
# helper called from Python.
_PROFILED = """
import json, sys, threading
from riskmodel.engine import simulation
from riskmodel.engine._summarize import _column_moments
from riskmodel.precompile import precompile

precompile()
simulation._forget_pools()
seen = set()

def hook(frame, event, arg):
    if event == "call":
        seen.add((frame.f_code.co_filename, frame.f_code.co_name))

threading.setprofile(hook)
sys.setprofile(hook)
precompile()
sys.setprofile(None)
steps = sorted(seen)
sys.setprofile(hook)
import numpy as np
_column_moments(np.ones((4, 1)), 0, 4, 4)
sys.setprofile(None)
print(json.dumps({"steps": steps, "direct": sorted(seen)}))
"""


@pytest.mark.slow
def test_the_package_never_runs_a_kernel_helper_as_python():
    helpers = _helpers()
    assert len(helpers) >= 20  # (the decorators found: a renamed one would empty the set)
    run = subprocess.run(
        [sys.executable, "-c", _PROFILED], capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    entered = {(str(pathlib.Path(f).resolve()), n) for f, n in seen["steps"]}
    run_as_python = sorted(entered & helpers)
    assert not run_as_python, run_as_python
    direct = {(str(pathlib.Path(f).resolve()), n) for f, n in seen["direct"]}
    assert any(n == "_column_moments" for _, n in direct & helpers)  # the profiler sees them
    assert any(n == "simulate" for _, n in entered)  # and it saw the steps run
