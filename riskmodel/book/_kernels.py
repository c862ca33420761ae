"""Compiled kernel of the book: a block of years, losses drawn by thinning a Poisson total.

The book's own (idiosyncratic) losses are a Poisson superposition: each (policy, category)
source ``j`` has rate ``rate[j]`` and a severity; a year's total count is Poisson(sum of the
rates) and each loss is assigned to source ``j`` with probability ``rate[j] / sum`` (one
uniform and Walker's alias table: constant time whatever the number of sources). Cost grows
with the number of losses, not with years x policies. Shared events are
Poisson(``ev_rate[e]``) a year; each occurrence hits exposed policy ``q`` with probability
``ev_prob[q]``, with a loss from its own severity.

At the end of a year the policies that had losses settle their programmes: per-occurrence
layers (attachment, limit, annual aggregate deductible and limit, share), then aggregate
layers on the loss net of the occurrence layers, recoveries allocated back to the losses pro
rata (the contract of :mod:`riskmodel.insurance`), times the policy's share. Only touched
policies are visited.

Severity rows follow :mod:`riskmodel.engine._kernels` (``par = [p0..p3, s_lo, s_hi, lower,
upper, cap]``) with two extra codes for shared events: :data:`FIXED` (the amount ``par[0]``)
and :data:`UNIFORM` (uniform on ``[par[0], par[1]]``); ``cap`` applies to all.

:func:`book_block` is compiled with ``cache=True, nogil=True``; ``book_block.py_func`` is its
plain-Python twin (same code, same draws).
"""

from __future__ import annotations

import numpy as np

from .._numba import jit, jit_callee, jit_inline
from ..engine._random import next_double, poisson
from ..engine._severity_fill import inverse

__all__ = ["FIXED", "UNIFORM", "book_block"]

FIXED = 100
UNIFORM = 101

#: columns of ``occ_par``: attachment, limit, share, annual deductible, annual limit
OCC_NPAR = 5
#: columns of ``agg_par``: attachment, limit, share
AGG_NPAR = 3


@jit_inline
def _draw(state, code: int, par: np.ndarray) -> float:
    """One loss of severity ``(code, par)``, capped at ``par[8]``."""
    u = next_double(state)
    if code == FIXED:
        x = par[0]
    elif code == UNIFORM:
        x = par[0] + u * (par[1] - par[0])
    else:
        x = inverse(code, par, u)
    return min(x, par[8])


@jit_inline
def _pick(alias_p: np.ndarray, alias_j: np.ndarray, u: float) -> int:
    """Source drawn by Walker's alias method from one uniform ``u`` in [0, 1): column
    ``i = floor(u J)`` keeps itself with probability ``alias_p[i]``, else gives
    ``alias_j[i]`` (the fraction of ``u J`` decides)."""
    v = u * alias_p.shape[0]
    i = min(int(v), alias_p.shape[0] - 1)
    return i if v - i < alias_p[i] else alias_j[i]


# The buffers grow by concatenation: an array-to-array slice assignment compiles numba's shape
# check, whose error message brings its string formatting (about 4 s of a cold start).
@jit_callee
def _grow_f(a: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate((a, np.empty(size - a.shape[0])))


@jit_callee
def _grow_i(a: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate((a, np.empty(size - a.shape[0], dtype=np.int64)))


@jit_callee
def _year_room(b_pol, b_type, b_evt, b_x, b_c, b_occ, need: int):
    """The year's loss buffers with room for ``need`` losses (at least twice as long)."""
    size = max(need, 2 * b_x.shape[0])
    return (
        _grow_i(b_pol, size),
        _grow_i(b_type, size),
        _grow_i(b_evt, size),
        _grow_f(b_x, size),
        _grow_f(b_c, size),
        _grow_f(b_occ, size),
    )


@jit
def book_block(
    state,
    n,
    total_rate,
    alias_p,
    alias_j,
    src_pol,
    src_type,
    src_code,
    src_par,
    ev_rate,
    ev_type,
    ev_ptr,
    ev_pol,
    ev_prob,
    ev_code,
    ev_par,
    given_year,
    given_event,
    pol_share,
    occ_ptr,
    occ_par,
    occ_cover,
    agg_ptr,
    agg_par,
    agg_cover,
    keep_losses,
):
    """Simulate ``n`` years of the book on the xoshiro256** ``state``.

    Parameters
    ----------
    state : uint64[4]
    n : int
    total_rate : float
        Sum of the sources' rates (0: no own losses).
    alias_p : float64[J]; alias_j : int64[J]
        Walker's alias table of the sources' probabilities ``rate / total_rate``.
    src_pol, src_type, src_code : int64[J]
        Policy, event type and severity code of each source.
    src_par : float64[J, 9]
    ev_rate : float64[E]
        Annual rate of each shared event; negative: occurrences are given (next two).
    ev_type : int64[E]
    ev_ptr : int64[E + 1]
        Exposures of event ``e`` are ``ev_ptr[e]:ev_ptr[e + 1]`` of the next four arrays.
    ev_pol, ev_prob, ev_code, ev_par
        Exposed policy, probability of being hit, severity code and row of each exposure.
    given_year, given_event : int64[G]
        With ``ev_rate < 0``: the occurrences (year within the block, increasing; event index)
        to replay, for common random numbers with another run.
    pol_share : float64[P]
        The insurer's share of each policy's programme.
    occ_ptr, agg_ptr : int64[P + 1]
        Policy ``p``'s occurrence (aggregate) layers are rows ``ptr[p]:ptr[p + 1]``; a policy
        with neither covers its losses from the ground up.
    occ_par : float64[Lo, 5]
    occ_cover : bool[Lo, T]
    agg_par : float64[La, 3]
    agg_cover : bool[La, T]
    keep_losses : bool
        Return every loss (for the year and event loss tables).

    Returns
    -------
    year_ceded, year_occ : float64[n]
        The book's ceded loss of each year and its largest event (sum over the policies an
        event hit).
    year_gross : float64[n]
        The book's gross loss of each year (ground up, before any insurance).
    pol_sums : float64[P, 4]
        Per policy: sum and sum of squares over the years of the gross, then the ceded loss.
    rec_year, rec_pol : int32[R]; rec_ceded, rec_occ : float64[R]
        Policy-years with a ceded loss: year, policy, ceded loss, largest ceded occurrence.
    occ_year, occ_event : int64[O]
        The shared-event occurrences drawn (year, event).
    loss_i : int64[M, 4]; loss_x : float64[M, 2]
        With ``keep_losses``: per loss its year, its event's number within the year (own
        losses and shared-event occurrences numbered in the order drawn; all the losses of
        one occurrence share it), policy and type; gross and ceded.
    """
    n_pol = pol_share.shape[0]
    n_occ_layers = occ_par.shape[0]
    n_agg_layers = agg_par.shape[0]
    n_ev = ev_rate.shape[0]
    replay = n_ev > 0 and ev_rate[0] < 0.0

    year_ceded = np.zeros(n)
    year_occ = np.zeros(n)
    year_gross = np.zeros(n)
    pol_sums = np.zeros((n_pol, 4))

    # one year's losses
    cap = 64
    b_pol = np.empty(cap, dtype=np.int64)
    b_type = np.empty(cap, dtype=np.int64)
    b_evt = np.empty(cap, dtype=np.int64)
    b_x = np.empty(cap)
    b_c = np.empty(cap)
    b_occ = np.empty(cap)
    ev_sum = np.zeros(cap)
    # per policy and layer scratch, reset after each year for the touched policies only
    mark = np.full(n_pol, -1, dtype=np.int64)
    touched = np.empty(n_pol, dtype=np.int64)
    pol_gross = np.zeros(n_pol)
    pol_ceded = np.zeros(n_pol)
    pol_max = np.zeros(n_pol)
    occ_ann = np.zeros(n_occ_layers)
    occ_ratio = np.zeros(n_occ_layers)
    agg_sub = np.zeros(n_agg_layers)
    agg_ratio = np.zeros(n_agg_layers)

    r_n = 0
    rec_year = np.empty(256, dtype=np.int64)
    rec_pol = np.empty(256, dtype=np.int64)
    rec_ceded = np.empty(256)
    rec_occ = np.empty(256)
    o_n = 0
    occ_year = np.empty(16, dtype=np.int64)
    occ_event = np.empty(16, dtype=np.int64)
    l_n = 0
    loss_i = np.empty((256 if keep_losses else 0, 4), dtype=np.int64)
    loss_x = np.empty((256 if keep_losses else 0, 2))
    g = 0  # next given occurrence

    for i in range(n):
        m = 0  # losses this year
        n_events = 0
        n_t = 0
        # ---- own losses: a Poisson total thinned to the sources
        k_own = poisson(state, total_rate) if total_rate > 0.0 else 0
        if k_own > b_x.shape[0]:
            b_pol, b_type, b_evt, b_x, b_c, b_occ = _year_room(
                b_pol, b_type, b_evt, b_x, b_c, b_occ, k_own
            )
        for _ in range(k_own):
            j = _pick(alias_p, alias_j, next_double(state))
            x = _draw(state, src_code[j], src_par[j])
            b_pol[m], b_type[m], b_evt[m], b_x[m] = src_pol[j], src_type[j], n_events, x
            m += 1
            n_events += 1
        # ---- shared events
        for e in range(n_ev):
            if replay:
                k_e = 0
                while g < given_year.shape[0] and given_year[g] == i and given_event[g] == e:
                    k_e += 1
                    g += 1
            else:
                k_e = poisson(state, ev_rate[e])
            for _ in range(k_e):
                if not replay:
                    if o_n == occ_year.shape[0]:
                        occ_year = _grow_i(occ_year, 2 * o_n)
                        occ_event = _grow_i(occ_event, 2 * o_n)
                    occ_year[o_n], occ_event[o_n] = i, e
                    o_n += 1
                room = m + ev_ptr[e + 1] - ev_ptr[e]  # (each exposure may have a loss)
                if room > b_x.shape[0]:
                    b_pol, b_type, b_evt, b_x, b_c, b_occ = _year_room(
                        b_pol, b_type, b_evt, b_x, b_c, b_occ, room
                    )
                for q in range(ev_ptr[e], ev_ptr[e + 1]):
                    if next_double(state) < ev_prob[q]:
                        x = _draw(state, ev_code[q], ev_par[q])
                        b_pol[m], b_type[m], b_evt[m], b_x[m] = ev_pol[q], ev_type[e], n_events, x
                        m += 1
                n_events += 1
        if m == 0:
            continue
        # ---- settle the programmes of the policies hit this year
        for k in range(m):
            p = b_pol[k]
            if mark[p] < 0:
                mark[p] = n_t
                touched[n_t] = p
                n_t += 1
            pol_gross[p] += b_x[k]
            for li in range(occ_ptr[p], occ_ptr[p + 1]):
                if occ_cover[li, b_type[k]]:
                    occ_ann[li] += min(max(b_x[k] - occ_par[li, 0], 0.0), occ_par[li, 1])
        for t in range(n_t):
            p = touched[t]
            for li in range(occ_ptr[p], occ_ptr[p + 1]):
                a = occ_ann[li]
                paid = occ_par[li, 2] * min(max(a - occ_par[li, 3], 0.0), occ_par[li, 4])
                occ_ratio[li] = paid / a if a > 0.0 else 0.0
        for k in range(m):
            p = b_pol[k]
            x = b_x[k]
            c = 0.0
            if occ_ptr[p] == occ_ptr[p + 1] and agg_ptr[p] == agg_ptr[p + 1]:
                c = x  # no layers: the policy covers the loss from the ground up
            for li in range(occ_ptr[p], occ_ptr[p + 1]):
                if occ_cover[li, b_type[k]]:
                    c += occ_ratio[li] * min(max(x - occ_par[li, 0], 0.0), occ_par[li, 1])
            b_occ[k] = c
            for la in range(agg_ptr[p], agg_ptr[p + 1]):
                if agg_cover[la, b_type[k]]:
                    agg_sub[la] += x - c
        for t in range(n_t):
            p = touched[t]
            for la in range(agg_ptr[p], agg_ptr[p + 1]):
                s = agg_sub[la]
                paid = agg_par[la, 2] * min(max(s - agg_par[la, 0], 0.0), agg_par[la, 1])
                agg_ratio[la] = paid / s if s > 0.0 else 0.0
        if n_events > ev_sum.shape[0]:
            ev_sum = np.zeros(2 * n_events)
        for k in range(m):
            p = b_pol[k]
            c = b_occ[k]
            for la in range(agg_ptr[p], agg_ptr[p + 1]):
                if agg_cover[la, b_type[k]]:
                    c += agg_ratio[la] * (b_x[k] - b_occ[k])
            c *= pol_share[p]
            b_c[k] = c
            pol_ceded[p] += c
            if c > pol_max[p]:
                pol_max[p] = c
            ev_sum[b_evt[k]] += c
        tot_c, tot_g, top = 0.0, 0.0, 0.0
        for k in range(n_events):
            if ev_sum[k] > top:
                top = ev_sum[k]
            ev_sum[k] = 0.0
        for t in range(n_t):
            p = touched[t]
            gp, cp = pol_gross[p], pol_ceded[p]
            tot_g += gp
            tot_c += cp
            pol_sums[p, 0] += gp
            pol_sums[p, 1] += gp * gp
            pol_sums[p, 2] += cp
            pol_sums[p, 3] += cp * cp
            if cp > 0.0:
                if r_n == rec_year.shape[0]:
                    rec_year = _grow_i(rec_year, 2 * r_n)
                    rec_pol = _grow_i(rec_pol, 2 * r_n)
                    rec_ceded = _grow_f(rec_ceded, 2 * r_n)
                    rec_occ = _grow_f(rec_occ, 2 * r_n)
                rec_year[r_n], rec_pol[r_n], rec_ceded[r_n], rec_occ[r_n] = i, p, cp, pol_max[p]
                r_n += 1
            mark[p] = -1
            pol_gross[p] = 0.0
            pol_ceded[p] = 0.0
            pol_max[p] = 0.0
            for li in range(occ_ptr[p], occ_ptr[p + 1]):
                occ_ann[li] = 0.0
            for la in range(agg_ptr[p], agg_ptr[p + 1]):
                agg_sub[la] = 0.0
        year_ceded[i] = tot_c
        year_gross[i] = tot_g
        year_occ[i] = top
        if keep_losses:
            if l_n + m > loss_i.shape[0]:
                more = max(l_n + m, 2 * loss_i.shape[0]) - l_n
                loss_i = np.concatenate((loss_i[:l_n], np.empty((more, 4), dtype=np.int64)))
                loss_x = np.concatenate((loss_x[:l_n], np.empty((more, 2))))
            for k in range(m):
                loss_i[l_n, 0] = i
                loss_i[l_n, 1] = b_evt[k]
                loss_i[l_n, 2] = b_pol[k]
                loss_i[l_n, 3] = b_type[k]
                loss_x[l_n, 0] = b_x[k]
                loss_x[l_n, 1] = b_c[k]
                l_n += 1
    return (
        year_ceded,
        year_occ,
        year_gross,
        pol_sums,
        rec_year[:r_n].astype(np.int32),
        rec_pol[:r_n].astype(np.int32),
        rec_ceded[:r_n].copy(),
        rec_occ[:r_n].copy(),
        occ_year[:o_n].copy(),
        occ_event[:o_n].copy(),
        loss_i[:l_n].copy(),
        loss_x[:l_n].copy(),
    )
