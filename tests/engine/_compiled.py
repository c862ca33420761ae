"""The compiled code of the engine's helpers (``jit_callee``, ``jit_vector``), from Python.

Those helpers are compiled into the kernels that call them and nowhere else: called from Python
they run as plain Python, their own twins. :func:`compiled` wraps one in a compiled caller, so
a test compares the compiled helper with its twin (``helper`` itself) or with a reference.
"""

from __future__ import annotations

import numba


def compiled(helper):
    """A compiled function that calls ``helper`` with its arguments and returns its result.

    Build it once per module: each new caller compiles again (not cached on disk).
    """

    @numba.njit
    def call(*args):
        return helper(*args)

    return call
