"""Gamma and log-gamma losses for the compiled simulator: the untruncated draw, redrawn until it
lies in the truncation interval.

Their inverse survival function (the inverse of the regularised incomplete gamma function) has
no closed form and costs SciPy about a microsecond a value, where the other families' take a
few nanoseconds (``_severity_fill``). So a gamma loss is drawn as ``scale * G`` and a log-gamma
loss as ``exp(G / rate)``, with ``G ~ Gamma(shape, 1)`` by Marsaglia and Tsang's method
(as :func:`riskmodel.engine._random.std_gamma`: exact, about a normal and a uniform a draw,
and boosted by ``U**(1 / shape)`` below shape 1), redrawn until the loss lies in
``(lower, upper]``.
A truncation that keeps less than :data:`MIN_ACCEPT` of the distribution (more than 20 draws a
loss on average) is left to the severity's own ``sample`` instead (inversion in SciPy).

A category's parameter row (``_specs.severity_spec``)::

    par = [shape, scale (gamma) or rate (log-gamma), 0, 0, accept, 0, lower, upper, cap]

where ``accept = S(lower) - S(upper)`` is the share of draws kept, and ``lower`` is ``-inf``
where the severity is not truncated below (every draw is kept, as the untruncated law's).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit
from ..severity._spec import SPLICED_CODE
from ._random import marsaglia_tsang, next_double

__all__ = ["GAMMA", "LOGGAMMA", "MIN_ACCEPT", "REJECTION_CODES", "fill_rejection"]

#: the kernels' codes of a gamma and a log-gamma drawn this way (after the spliced code: they
#: are not families of the inversion's ``family_isf``)
GAMMA, LOGGAMMA = SPLICED_CODE + 1, SPLICED_CODE + 2
REJECTION_CODES = (GAMMA, LOGGAMMA)

#: least share of the distribution a truncation may keep for the compiled draw
MIN_ACCEPT = 0.05


@jit
def fill_rejection(code: int, state: np.ndarray, par: np.ndarray, buf: np.ndarray, m: int) -> None:
    """``buf[:m]`` = the next ``m`` losses of the gamma (``code`` :data:`GAMMA`) or log-gamma
    (:data:`LOGGAMMA`) of ``par``, each drawn until it lies in ``(par[6], par[7]]``.

    ``G`` is drawn as :func:`~riskmodel.engine._random.std_gamma` draws it, from the same
    inlined core (a call a draw, passing the state array, would cost more than the draw).
    """
    a, b, lower, upper = par[0], par[1], par[6], par[7]
    boost = a < 1.0  # Gamma(a) = Gamma(a + 1) U**(1/a)
    d = (a + 1.0 if boost else a) - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    inv_a = 1.0 / a
    for j in range(m):
        x = math.nan
        while not (x > lower and x <= upper):
            f = math.pow(1.0 - next_double(state), inv_a) if boost else 1.0
            g = marsaglia_tsang(state, d, c) * f
            x = b * g if code == GAMMA else math.exp(g / b)
        buf[j] = x
