"""The bits of a float64 as an int64 and back, in compiled code and in Python alike.

The vectorised ``exp`` and ``log`` (``_vexp``, ``_vlog``) read and write exponent bits.
Reinterpreting a whole array with ``ndarray.view`` costs numba a compiled overload per pair of
types (about 0.2 s each on a cold start); these two scalar functions compile to a single LLVM
``bitcast`` instead, which the vectoriser handles as it does a view. Called from Python (the
kernels' plain-Python twins, ``NUMBA_DISABLE_JIT=1``) they reinterpret NumPy scalars, to the
same bits.
"""

from __future__ import annotations

import numpy as np
from numba.core.extending import intrinsic, overload

__all__ = ["f2i", "f2u", "i2f"]


def f2i(x: float) -> np.int64:
    """The bits of the float64 ``x`` as an int64.

    >>> int(f2i(1.0)) == 0x3FF0000000000000
    True
    """
    return np.float64(x).view(np.int64)


def f2u(x: float) -> np.uint64:
    """The bits of the float64 ``x`` as a uint64.

    >>> int(f2u(-0.0)) == 1 << 63
    True
    """
    return np.float64(x).view(np.uint64)


def i2f(b) -> np.float64:
    """The float64 whose bits are the int64 or uint64 ``b``.

    >>> float(i2f(np.uint64(0x3FF0000000000000)))
    1.0
    """
    return (b if isinstance(b, (np.int64, np.uint64)) else np.int64(b)).view(np.float64)


@intrinsic
def _bitcast(typingctx, x, to):
    """``x`` (a 64-bit scalar) reinterpreted as the type ``to`` names (a 64-bit scalar)."""
    target = to.dtype

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(target))

    return target(x, to), codegen


@overload(f2i)
def _f2i_compiled(x):
    return lambda x: _bitcast(x, np.int64)


@overload(f2u)
def _f2u_compiled(x):
    return lambda x: _bitcast(x, np.uint64)


@overload(i2f)
def _i2f_compiled(b):
    return lambda b: _bitcast(b, np.float64)
