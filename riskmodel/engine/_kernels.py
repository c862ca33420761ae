"""Compiled kernels of the simulator.

Random numbers come from an inlined xoshiro256** stream per block (``_random``), seeded from
the block's NumPy generator. Each kernel is a numba function compiled with ``cache=True,
nogil=True``; ``kernel.py_func`` is its plain-Python twin (same code, same random draws),
which the tests compare against.

Severity draws are made a buffer at a time by ``_severity_fill`` (inversion of the truncated
survival function in vectorised passes; the ziggurat and a vectorised ``exp`` for an untruncated
lognormal); a category's severity parameters travel as one row ``par`` of ``NPAR`` floats.
Counts are drawn by inversion of a table of their cdf where
the table is small enough (``_specs.count_tables``), else by PTRS or a gamma-Poisson mixture.

A block runs as separate kernels in a fixed order (:func:`simulate_block`): counts
(independent or through a copula), common shocks, losses. Each is compiled on first use, so a
model without a copula or shocks never pays their compilation.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit, jit_callee, jit_inline
from . import _severity_fill as SF
from ._copula_tables import GUIDE, Z_MAX, Z_SCALE, copula_tables
from ._random import fill_normal, fill_uniform, next_double, poisson, std_gamma, std_normal
from ._special import ndtr, t_cdf

POISSON = 0
NEGBIN = 1

BUFFER = 1024  # variates drawn per bulk fill: the fill's scratch arrays stay in L1 cache


@jit_inline
def table_count(cdf: np.ndarray, guide: np.ndarray, size: np.ndarray, c: int, u: float) -> int:
    """Smallest ``k`` with ``cdf[c, k] >= u``, started from the guide table (``size[c]``
    entries; ``guide[c, j]`` is the answer for ``u = j / size[c]``).

    The tables are indexed as 2-D arrays, not through row views: a view costs reference
    counting that would outweigh the lookup.
    """
    k = guide[c, min(int(u * size[c]), size[c] - 1)]
    while cdf[c, k] < u:
        k += 1
    return k


@jit_inline
def draw_count(state, kind: int, mean: float, shape: float) -> int:
    """One annual count without a table: Poisson(mean), or negative binomial NB2 (mean, shape)
    drawn as a gamma-Poisson mixture."""
    if kind == POISSON:
        return poisson(state, mean)
    return poisson(state, std_gamma(state, shape) * mean / shape)


@jit_inline
def count_ppf(kind: int, fpar: np.ndarray, u: float) -> int:
    """Lower quantile of the count distribution at ``u``, by summing the pmf recursively."""
    if kind == POISSON:
        lam = fpar[0]
        if lam <= 0.0:
            return 0
        p = math.exp(-lam)
        ratio_a, ratio_b = 0.0, lam
    else:
        mean, r = fpar[0], fpar[1]
        if mean <= 0.0:
            return 0
        q = mean / (mean + r)
        p = math.exp(r * math.log1p(-q))
        ratio_a, ratio_b = q, q * (r - 1.0)
    c = p
    k = 0
    # (a, b, 0) recursion: p_k = p_{k-1} (a + b / k)
    while c < u and k < 100_000_000:
        k += 1
        p *= ratio_a + ratio_b / k
        c += p
        if p == 0.0 and k > fpar[0]:
            break
    return k


@jit_callee
def _z_table_count(zq: np.ndarray, zguide: np.ndarray, c: int, x: float) -> int:
    """Smallest ``k`` with ``zq[c, k] >= x`` (``_copula_tables``), started from the guide.

    A plain call (LLVM inlines it), not numba's IR inlining: that gave a copula year 1.6
    times the time, for the same code.
    """
    g = (x + Z_MAX) * Z_SCALE
    k = zguide[c, min(max(int(g), 0), GUIDE - 1)]
    k = k if g >= 0.0 else 0
    k += zq[c, k] < x  # the one step a search mostly needs, if any: without a branch
    while zq[c, k] < x:
        k += 1
    return k


@jit_inline
def _copula_counts(state, freq_kind, freq_par, size, zq, zguide, cop_kind, chol, df, z, counts, i):
    """Year ``i``'s counts ``counts[i, :]`` through a Gaussian or t copula: each category's
    count is the quantile of its distribution at its correlated uniform (by the copula-scale
    table where there is a count table, else at the uniform itself)."""
    k = counts.shape[1]
    for c in range(k):
        z[c] = std_normal(state)
    scale = 1.0
    if cop_kind == 2:
        scale = 1.0 / math.sqrt(2.0 * std_gamma(state, 0.5 * df) / df)
    for c in range(k - 1, -1, -1):  # z <- chol @ z, in place from the last row up
        acc = 0.0
        for j in range(c + 1):
            acc += chol[c, j] * z[j]
        z[c] = acc * scale
    for c in range(k):
        if size[c] > 0:
            counts[i, c] = _z_table_count(zq, zguide, c, z[c])
        else:
            u = ndtr(z[c]) if cop_kind == 1 else t_cdf(z[c], df)
            counts[i, c] = count_ppf(freq_kind[c], freq_par[c], u)


@jit
def table_counts(state, cdf, guide, size, c: int, counts, u) -> None:
    """Category ``c``'s count for every year, ``counts[:, c]``, by table inversion of bulk
    uniforms (:func:`table_count`); ``u`` is scratch of at least :data:`BUFFER` floats."""
    n = counts.shape[0]
    for start in range(0, n, BUFFER):
        m = min(BUFFER, n - start)
        fill_uniform(state, u, m)
        for j in range(m):
            counts[start + j, c] = table_count(cdf, guide, size, c, u[j])


@jit
def direct_counts(state, kind: int, mean: float, shape: float, c: int, counts) -> None:
    """Category ``c``'s count for every year, ``counts[:, c]``, by :func:`draw_count` (counts
    too large for a table); a kernel of its own, compiled only when such a count occurs."""
    for i in range(counts.shape[0]):
        counts[i, c] = draw_count(state, kind, mean, shape)


@jit
def copula_counts(state, freq_kind, freq_par, size, zq, zguide, cop_kind, chol, df, counts):
    """Every year's counts through a Gaussian (``cop_kind`` 1) or t (2) copula; ``zq``,
    ``zguide`` from :func:`~riskmodel.engine._copula_tables.copula_tables`.

    A Gaussian copula's normals are drawn in bulk (the same stream as one at a time); a t
    copula's year draws a gamma after its normals, so its years are drawn one at a time. A
    kernel of its own, so that a model without a copula never compiles it.
    """
    n, k = counts.shape
    z = np.zeros(k)
    if cop_kind != 1:
        for i in range(n):
            _copula_counts(
                state, freq_kind, freq_par, size, zq, zguide, cop_kind, chol, df, z, counts, i
            )
        return
    per = max(BUFFER // k, 1)  # years per fill
    buf = np.empty(per * k)
    zc = np.empty(per)
    for start in range(0, n, per):
        m = min(per, n - start)
        fill_normal(state, buf, m * k, 0.0, 1.0)
        for c in range(k):  # category by category, over the fill's years
            for y in range(m):  # zc = row c of chol @ (each year's normals), summed in order
                zc[y] = 0.0
            for j in range(c + 1):
                w = chol[c, j]
                for y in range(m):
                    zc[y] += w * buf[y * k + j]
            if size[c] > 0:
                for y in range(m):
                    counts[start + y, c] = _z_table_count(zq, zguide, c, zc[y])
            else:
                for y in range(m):
                    counts[start + y, c] = count_ppf(freq_kind[c], freq_par[c], ndtr(zc[y]))


@jit
def add_shocks(state, rate: float, p: np.ndarray, counts) -> None:
    """Common shocks: Poisson(``rate``) a year, each adding a loss to category ``c`` with
    probability ``p[c]``."""
    n, k = counts.shape
    for i in range(n):
        for _ in range(poisson(state, rate)):
            for c in range(k):
                if next_double(state) < p[c]:
                    counts[i, c] += 1


# One losses kernel per fill kind (``_severity_fill.fill_kind``), each compiled when a model
# first needs it.
@jit
def plain_lognormal_losses(state, code, par, counts, c, occ_par, occ_cover, gross, occ, work):
    """Category ``c``'s losses, an untruncated lognormal (see :func:`_category_losses`)."""
    _category_losses(0, state, code, par, counts, c, occ_par, occ_cover, gross, occ, work)


@jit
def inverted_losses(state, code, par, counts, c, occ_par, occ_cover, gross, occ, work):
    """Category ``c``'s losses of any other compiled family, by inversion."""
    _category_losses(1, state, code, par, counts, c, occ_par, occ_cover, gross, occ, work)


@jit
def spliced_losses(state, code, par, counts, c, occ_par, occ_cover, gross, occ, work):
    """Category ``c``'s losses, a spliced body and tail."""
    _category_losses(2, state, code, par, counts, c, occ_par, occ_cover, gross, occ, work)


@jit
def rejection_losses(state, code, par, counts, c, occ_par, occ_cover, gross, occ, work):
    """Category ``c``'s losses, a gamma or log-gamma (``_gamma_fill``)."""
    _category_losses(3, state, code, par, counts, c, occ_par, occ_cover, gross, occ, work)


#: the losses kernel of each fill kind (``_severity_fill.fill_kind``)
LOSSES = (plain_lognormal_losses, inverted_losses, spliced_losses, rejection_losses)


def losses_kernel(code: int, par: np.ndarray):
    """The losses kernel that draws severity ``code`` with parameters ``par`` (a compiled
    sampler's, ``code >= 0``: ``_specs.severity_spec``)."""
    return LOSSES[SF.fill_kind(code, par)]


def work_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The losses kernels' scratch, allocated here rather than in the kernels (an allocation
    in compiled code costs a compiled overload on a cold start): the loss buffer, five rows
    of fill scratch, integer bits, and the run's year marks (zeros, and left so)."""
    return (
        np.empty(BUFFER),
        np.empty((5, BUFFER)),
        np.empty(BUFFER, dtype=np.int64),
        np.zeros(BUFFER + 1, dtype=np.int64),
    )


def simulate_block(
    state,
    freq_kind,
    freq_par,
    count_cdf,
    count_guide,
    count_size,
    sev_code,
    sev_par,
    occ_par,
    occ_cover,
    cop_kind,
    chol,
    df,
    shock_rate,
    shock_p,
    gross,
    occ,
    counts,
    twin=False,
) -> None:
    """One block: the counts (independent or by copula), the common shocks, then the losses.

    Parameters
    ----------
    state : uint64[4]
        The block's xoshiro256** state (:func:`riskmodel.engine._random.new_state`).
    sev_code : int64[k]
        Severity sampler code per category; negative codes are skipped (sampled in Python).
    sev_par : float64[k, NPAR]
    occ_par : float64[L, 2]
        Attachment and limit of each per-occurrence layer.
    occ_cover : bool[L, k]
        Whether layer l covers category c.
    gross : float64[n, k]  (output, overwritten)
        Annual gross loss per year and category.
    occ : float64[n, L, k]  (output, overwritten)
        Annual per-occurrence layer losses at 100% (before share and annual terms).
    freq_kind : int64[k]
        Frequency family per category (``POISSON`` or ``NEGBIN``; a negative kind is drawn
        from its table only, and without a table its ``counts[:, c]`` are left as given).
    freq_par : float64[k, 2]
    count_cdf, count_guide, count_size : float64[k, T], int64[k, T], int64[k]
        Inversion tables of the counts (:func:`riskmodel.engine._specs.count_tables`);
        ``count_size[c] == 0`` where category ``c`` has none.
    cop_kind : int
        0 independent counts, 1 Gaussian copula, 2 Student t copula.
    chol : float64[k, k]
        Lower Cholesky factor of the copula correlation.
    df : float
        Degrees of freedom of the t copula.
    shock_rate : float
        Poisson rate of common shocks (0 for none).
    shock_p : float64[k]
        Probability that a shock produces a loss in each category.
    counts : int64[n, k]  (output, overwritten except as said under ``freq_kind``)
        Annual number of losses per category, shocks included (used for the categories
        sampled in Python, and for audits).
    twin : bool
        Run the kernels' plain-Python twins (``kernel.py_func``) instead.
    """

    def run(kernel):
        return kernel.py_func if twin else kernel

    tables = (count_cdf, count_guide, count_size)
    work = work_arrays()
    if cop_kind == 0:  # category by category
        for c in range(counts.shape[1]):
            if count_size[c] > 0:
                run(table_counts)(state, *tables, c, counts, work[0])
            elif freq_kind[c] >= 0:  # (negative: counts drawn beforehand, by the caller)
                run(direct_counts)(state, freq_kind[c], freq_par[c, 0], freq_par[c, 1], c, counts)
    else:
        zq, zguide = copula_tables(count_cdf, count_size, cop_kind, df)
        run(copula_counts)(
            state, freq_kind, freq_par, count_size, zq, zguide, cop_kind, chol, df, counts
        )
    if shock_rate > 0.0:
        run(add_shocks)(state, shock_rate, shock_p, counts)
    draw_losses(state, sev_code, sev_par, occ_par, occ_cover, gross, occ, counts, twin, work)


def draw_losses(
    state, sev_code, sev_par, occ_par, occ_cover, gross, occ, counts, twin=False, work=None
) -> None:
    """The losses of the years of ``counts``, category by category, added up per year into
    ``gross`` and ``occ`` (overwritten); the arguments as :func:`simulate_block`'s.

    The rows may be a block's every year, or only its years with a loss
    (``_events.event_counts``): a category's losses are drawn in year order either way, so a
    year's losses are the same. ``work`` is :func:`work_arrays`' scratch (new ones if None).
    """
    work = work_arrays() if work is None else work
    gross[:] = 0.0
    occ[:] = 0.0
    gross1 = gross[:, np.newaxis, :]  # the gross loss as a layer, of the layers' shape
    for c in range(counts.shape[1]):
        if sev_code[c] >= 0:  # (negative: sampled by the caller, in Python)
            kernel = losses_kernel(sev_code[c], sev_par[c])
            args = (sev_code[c], sev_par[c], counts, c, occ_par, occ_cover, gross1, occ, work)
            (kernel.py_func if twin else kernel)(state, *args)


@jit_inline
def _category_losses(kind, state, code, par, counts, c, occ_par, occ_cover, gross, occ, work):
    """Category ``c``'s losses added up per year into ``gross[:, 0, c]`` and ``occ[:, :, c]``,
    drawn by :func:`~riskmodel.engine._severity_fill.fill_severities` of fill ``kind`` (an
    integer literal in each losses kernel, so that only its own fill is compiled).

    Years are taken in runs whose losses fit one fill of the buffer, and each run is added up
    in one pass (:func:`_run_sums`); a year with more losses than the buffer holds is added up
    fill by fill. Both take their losses from the one call of the fill below, and the gross
    loss (``gross`` as an array of one layer) and the layers are summed by one call, since
    each inlined copy costs compile time.
    """
    n = counts.shape[0]
    n_layers = occ_par.shape[0]
    buf, scratch, bits, starts = work  # (starts[j]: how many years of the run begin at loss j)
    i0 = 0
    left = 0  # losses of a year larger than the buffer still to draw
    while i0 < n:
        m, i1 = 0, i0
        if left == 0:
            here = 0  # years so far that begin at loss m (stored, not added: no reload)
            while i1 < n and m + counts[i1, c] <= BUFFER:
                here += 1
                starts[m] = here
                here = here if counts[i1, c] == 0 else 0
                m += counts[i1, c]
                i1 += 1
            if i1 == i0:  # a single year larger than the buffer
                left = counts[i0, c]
        if left > 0:
            m = min(BUFFER, left)
        SF.fill_severities(kind, code, state, par, buf, m, scratch, bits)
        for layer in range(-1, n_layers):  # the gross loss (-1), then the layers covering c
            if layer < 0:
                out, j, att, lim = gross, 0, 0.0, math.inf
            elif occ_cover[layer, c]:
                out, j, att, lim = occ, layer, occ_par[layer, 0], occ_par[layer, 1]
            else:
                continue
            if left > 0:
                out[i0, j, c] += _layer_sum(buf, m, att, lim)
            else:
                _run_sums(buf, m, starts, i0, out, j, c, att, lim)
        if left > 0:
            left -= m
            i0 += left == 0
            continue
        for j in range(m + 1):
            starts[j] = 0
        i0 = i1


@jit_inline
def _run_sums(buf, m: int, starts, first: int, out, j: int, c: int, attachment, limit):
    """Add to ``out[year, j, c]`` the sum of ``min(max(x - attachment, 0), limit)`` over the
    losses ``x`` of each year of a run (the run starts at year ``first``; ``starts[i]`` years
    begin at loss ``i``; years without losses are left). ``out`` must hold zeros for these
    years.

    Each loss is added into its year's place in ``out`` (so a year's total is summed in its
    order from 0.0): no branch and no carried sum. A running sum that restarts at each year
    needs a select, which the compiler turns into a branch on the loaded ``starts[i]``, and
    that branch mispredicts about once a year (a fifth of the engine's time on Poisson(5)).
    """
    year = first - 1
    for i in range(m):
        year += starts[i]
        out[year, j, c] += min(max(buf[i] - attachment, 0.0), limit)


@jit_inline
def _layer_sum(buf, m: int, attachment: float, limit: float) -> float:
    """Sum of ``min(max(x - attachment, 0), limit)`` over ``buf[:m]``."""
    s = 0.0
    for j in range(m):
        s += min(max(buf[j] - attachment, 0.0), limit)
    return s


@jit
def segment_sums(values, counts, out):
    """``out[i] = sum of the next counts[i] values``: annual totals from a flat loss vector."""
    pos = 0
    for i in range(counts.shape[0]):
        s = 0.0
        for _ in range(counts[i]):
            s += values[pos]
            pos += 1
        out[i] = s
