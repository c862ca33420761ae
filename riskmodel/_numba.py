"""One place for numba options.

Every kernel is compiled with ``cache=True`` (so later processes load it from disk instead of
recompiling) and ``nogil=True`` (so blocks run in parallel on a thread pool). The undecorated
function stays reachable as ``kernel.py_func``: that is the plain-Python twin the tests compare
against. Setting the environment variable ``NUMBA_DISABLE_JIT=1`` runs the twins everywhere.

The helpers that only compiled code calls (:func:`jit_callee`, :func:`jit_vector`) are compiled
for their callers only: called from Python they run as plain Python, their own twins, and tests
reach their compiled code through a compiled caller.
"""

from __future__ import annotations

import os

import numba
from numba.extending import register_jitable

__all__ = [
    "JIT_DISABLED",
    "default_threads",
    "is_cached",
    "jit",
    "jit_callee",
    "jit_inline",
    "jit_vector",
]

#: whether ``NUMBA_DISABLE_JIT=1`` runs every kernel as its plain-Python twin
JIT_DISABLED = bool(numba.config.DISABLE_JIT)


def jit(fn):
    """Compile ``fn`` in nopython mode with ``cache=True, nogil=True``."""
    return numba.njit(cache=True, nogil=True)(fn)


def jit_inline(fn):
    """Like :func:`jit`, and inlined into its callers at numba IR level.

    For the small functions of inner loops (random variates): a call would otherwise pass the
    array arguments with reference counting, which costs more than the work itself.
    """
    return numba.njit(cache=True, nogil=True, inline="always")(fn)


def jit_callee(fn):
    """Compile ``fn`` for the compiled functions that call it only (numba's
    ``register_jitable``), with ``cache=True``.

    For helpers that only kernels call. A function compiled with :func:`jit` also gets two
    wrappers that let Python and C call it (unboxing its arguments), which a helper never
    uses: without them a first ``riskmodel reserve`` compiles about 0.35 s less (of about 3 s;
    ``benchmarks/profile_compile.py``). Its cache entry stays, so a kernel compiled later, in
    another process, loads it instead of compiling it again.

    Called from Python, ``fn`` runs as plain Python: it is its own twin, a kernel's twin
    (``kernel.py_func``) runs it so, and tests reach its compiled code through a compiled
    caller. The package never calls one from Python. A helper that hands the random state to
    compiled functions as scalars (``_random.fill_uniform``) stays :func:`jit`: in a kernel's
    twin, its words would come back from compiled code as Python integers and go in again as
    int64.
    """
    return register_jitable(cache=True)(fn)


def jit_vector(fn):
    """Like :func:`jit_callee`, with NumPy's error model: a float division by zero gives inf or
    nan instead of raising.

    For loops over buffers that must vectorise: Python's error model puts a zero test and a
    branch before every division, and LLVM does not vectorise a loop with such a branch.
    """
    return register_jitable(cache=True, error_model="numpy")(fn)


def default_threads() -> int:
    """Threads the simulator uses by default: ``NUMBA_NUM_THREADS`` if set, else the CPU count."""
    env = os.environ.get("NUMBA_NUM_THREADS")
    if env:
        return max(1, int(env))
    return max(1, os.cpu_count() or 1)


def is_cached(*kernels) -> bool:
    """Whether every kernel has its on-disk cache index, so its first call loads, not compiles.

    A cache written by another numba version or for a changed source is recompiled even though
    its index exists: then this says True and the first call still compiles (numba decides
    only when the kernel is called). Reads numba's private cache attributes; where they are not
    there (another numba), it says True rather than guess.
    """
    for k in kernels:
        cache = getattr(k, "_cache", None)
        path = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
        if path is not None and not os.path.exists(path):
            return False
    return True
