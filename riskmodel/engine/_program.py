"""An insurance programme's annual terms in one compiled pass over the simulated years.

:func:`riskmodel.insurance.apply_program` is the reference: the order of application, the
annual terms and the pro rata allocation are documented there. It runs in NumPy, a dozen
passes and temporary arrays per layer, and took most of the time of a programme model's block
(about 150 ns a year of the example exchange's 240). :func:`apply_terms` does the same
arithmetic year by year, with the same operations in the same order, so its results equal the
reference's bit for bit (tested), checks and clips the recoveries as
:func:`~riskmodel.insurance.check_ceded` does, and also writes the net losses and each year's
net total (the "layers" view's first column) that the engine would otherwise compute in
further passes.

A programme travels as plain arrays (:class:`ProgramArrays`); ``apply_terms.py_func`` is the
plain-Python twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._numba import jit
from ..insurance import CEDED_SLACK, InsuranceProgram, ceded_error

__all__ = ["ProgramArrays", "apply_terms", "program_arrays", "run_program"]

#: columns of :attr:`ProgramArrays.occ`: share, annual aggregate deductible, annual limit,
#: premium times reinstatement premium (0 without reinstatement premiums), the most premium-
#: bearing recovery (reinstatements times share times limit), share times limit, and the
#: layer's column among the programme's layers
OCC_COLUMNS = 7
#: columns of :attr:`ProgramArrays.agg`: share, attachment, limit, the layer's column
AGG_COLUMNS = 4


@dataclass(frozen=True)
class ProgramArrays:
    """A programme's layers as the kernel reads them (:func:`program_arrays`).

    Attributes
    ----------
    occ : float64[L_occ, OCC_COLUMNS]
        The occurrence layers' annual terms (see :data:`OCC_COLUMNS`).
    agg : float64[L_agg, AGG_COLUMNS]
        The aggregate layers' terms (see :data:`AGG_COLUMNS`).
    agg_cover : float64[L_agg, k]
        1.0 where an aggregate layer covers a category, else 0.0.
    """

    occ: np.ndarray
    agg: np.ndarray
    agg_cover: np.ndarray

    @property
    def n_layers(self) -> int:
        """Number of layers of the programme."""
        return len(self.occ) + len(self.agg)


def program_arrays(program: InsuranceProgram, categories: Sequence[str]) -> ProgramArrays:
    """The arrays of :func:`apply_terms` for ``program`` over ``categories``.

    >>> from riskmodel.insurance import Layer
    >>> prog = InsuranceProgram([Layer(1.0, 4.0, reinstatements=1, premium=2.0)])
    >>> program_arrays(prog, ["a"]).occ.tolist()
    [[1.0, 0.0, 8.0, 2.0, 4.0, 4.0, 0.0]]
    """
    order = program.applied_order
    occ = np.zeros((len(program.occurrence), OCC_COLUMNS))
    for li, lay in enumerate(program.occurrence):
        full = lay.share * lay.limit
        occ[li] = (
            lay.share,
            lay.agg_deductible,
            lay.annual_limit,
            lay.premium * lay.reinstatement_premium if lay.charges_reinstatements else 0.0,
            lay.reinstatements * full,
            full,
            order[li],
        )
    n_occ = len(program.occurrence)
    agg = np.zeros((len(program.aggregate), AGG_COLUMNS))
    cover = np.zeros((len(program.aggregate), len(categories)))
    for la, lay in enumerate(program.aggregate):
        agg[la] = (lay.share, lay.attachment, lay.limit, order[n_occ + la])
        cover[la] = program.covers(lay, categories)
    return ProgramArrays(occ, agg, cover)


@jit
def apply_terms(occ_par, agg_par, agg_cover, gross, occ, ceded, net, rp, paid, net_total) -> int:
    """The programme's annual terms for every year, as :func:`~riskmodel.insurance.apply_program`.

    Parameters
    ----------
    occ_par, agg_par, agg_cover
        The programme (:class:`ProgramArrays`).
    gross : float64[n, k]
        Gross annual loss per year and category.
    occ : float64[n, L_occ, k]
        Per-occurrence layer losses at 100% summed per year.
    ceded, net : float64[>= n, k]  (output)
        Recoveries per year and category, checked and clipped to ``[0, gross]`` as
        :func:`~riskmodel.insurance.check_ceded` does, and ``gross - ceded``.
    rp : float64[>= n]  (output)
        Reinstatement premiums due per year.
    paid : float64[n, layers]  (output)
        Each layer's annual recovery (after its terms and share), in the programme's order.
    net_total : float64[n]  (output, may be a strided column)
        ``net[i, 0] + net[i, 1] + ...``, summed in order.

    Returns
    -------
    int
        ``-1``; or, where a recovery lies outside ``[0, gross]`` by more than rounding (a bug),
        ``year * k + category`` of the first, with that year's ``ceded`` left unclipped.

    Every sum over categories runs in category order from the first, as the reference's
    do, so the results equal the reference's bit for bit.
    """
    n, k = gross.shape
    n_occ, n_agg = occ_par.shape[0], agg_par.shape[0]
    n_layers = paid.shape[1]
    for i in range(n):
        for c in range(k):
            ceded[i, c] = 0.0
        lossless = True
        for c in range(k):
            lossless &= gross[i, c] == 0.0
        if lossless:  # (most years of one exchange): every term is zero, as computed in full
            for c in range(k):
                net[i, c] = 0.0
            for j in range(n_layers):
                paid[i, j] = 0.0
            rp[i] = 0.0
            net_total[i] = 0.0
            continue
        r = 0.0
        for li in range(n_occ):
            annual = occ[i, li, 0]
            for c in range(1, k):
                annual += occ[i, li, c]
            share, deductible, annual_limit = occ_par[li, 0], occ_par[li, 1], occ_par[li, 2]
            pay = share * min(max(annual - deductible, 0.0), annual_limit)
            ratio = pay / annual if annual > 0.0 else 0.0
            for c in range(k):
                ceded[i, c] += occ[i, li, c] * ratio
            if occ_par[li, 3] != 0.0:  # reinstatement premiums
                r += occ_par[li, 3] * min(pay, occ_par[li, 4]) / occ_par[li, 5]
            paid[i, int(occ_par[li, 6])] = pay
        rp[i] = r
        if n_agg:
            for c in range(k):
                net[i, c] = gross[i, c] - ceded[i, c]  # net of the occurrence layers
        for la in range(n_agg):
            subject = net[i, 0] * agg_cover[la, 0]
            for c in range(1, k):
                subject += net[i, c] * agg_cover[la, c]
            share, attachment, limit = agg_par[la, 0], agg_par[la, 1], agg_par[la, 2]
            pay = share * min(max(subject - attachment, 0.0), limit)
            ratio = pay / subject if subject > 0.0 else 0.0
            for c in range(k):
                ceded[i, c] += (net[i, c] * agg_cover[la, c]) * ratio
            paid[i, int(agg_par[la, 3])] = pay
        for c in range(k):
            g, x = gross[i, c], ceded[i, c]
            slack = CEDED_SLACK * abs(g) + 1e-300
            if not (x >= -slack and x <= g + slack):
                return i * k + c
            x = min(max(x, 0.0), g)
            ceded[i, c] = x
            net[i, c] = g - x
        s = net[i, 0]
        for c in range(1, k):
            s += net[i, c]
        net_total[i] = s
    return -1


def run_program(
    arrays: ProgramArrays,
    gross: np.ndarray,
    occ: np.ndarray,
    scratch: tuple[np.ndarray, np.ndarray, np.ndarray],
    paid: np.ndarray,
    net_total: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float]:
    """``(ceded, net, total of the reinstatement premiums)`` of a block, by
    :func:`apply_terms` into ``scratch`` (``ceded``, ``net`` and ``rp`` arrays of at least the
    block's years, reused from block to block).

    ``paid`` and ``net_total`` receive each layer's recovery and the net totals. A recovery
    outside ``[0, gross]`` raises the error of :func:`~riskmodel.insurance.check_ceded`.
    """
    n, k = gross.shape
    ceded, net, rp = scratch[0][:n], scratch[1][:n], scratch[2][:n]
    a = arrays
    bad = apply_terms(a.occ, a.agg, a.agg_cover, gross, occ, ceded, net, rp, paid, net_total)
    if bad >= 0:
        year, cat = divmod(bad, k)
        raise ceded_error(float(ceded[year, cat]), float(gross[year, cat]), year, cat)
    return ceded, net, float(rp.sum())
