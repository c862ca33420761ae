"""One place for numba options.

Every kernel is compiled with ``cache=True`` (so later processes load it from disk instead of
recompiling) and ``nogil=True`` (so blocks run in parallel on a thread pool). The undecorated
function stays reachable as ``kernel.py_func``: that is the plain-Python twin the tests compare
against. Setting the environment variable ``NUMBA_DISABLE_JIT=1`` runs the twins everywhere.
"""

from __future__ import annotations

import os

import numba

__all__ = ["default_threads", "jit", "jit_inline"]


def jit(fn):
    """Compile ``fn`` in nopython mode with ``cache=True, nogil=True``."""
    return numba.njit(cache=True, nogil=True)(fn)


def jit_inline(fn):
    """Like :func:`jit`, and inlined into its callers at numba IR level.

    For the small functions of inner loops (random variates): a call would otherwise pass the
    array arguments with reference counting, which costs more than the work itself.
    """
    return numba.njit(cache=True, nogil=True, inline="always")(fn)


def default_threads() -> int:
    """Threads the simulator uses by default: ``NUMBA_NUM_THREADS`` if set, else the CPU count."""
    env = os.environ.get("NUMBA_NUM_THREADS")
    if env:
        return max(1, int(env))
    return max(1, os.cpu_count() or 1)
