"""A book's simulation: its arrays for the kernel, seeded blocks on a thread pool, the merge.

Years are cut into fixed-size blocks; block ``b`` draws from child ``b`` of the root seed
(:func:`riskmodel._rng.block_generator`), so results depend on (seed, n_sims, block size)
only, never on the thread count. :func:`run_block` is a pure function of (plan, root, block
index, size, replayed occurrences), shaped like the engine's block so that another backend
can run it as a task.

A candidate policy is simulated against the same shared-event occurrences as the book
(common random numbers) from its own streams, child ``(CANDIDATE_BRANCH, k, b)`` of the root.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .. import __version__
from .._rng import RNGLike, as_seed_sequence, block_generator, seed_of
from ..engine._blocks import block_sizes, check_count, resolve_threads
from ..engine._random import new_state
from ..engine._severity_fill import NPAR
from ..engine._specs import severity_spec
from ..severity import Severity
from ._kernels import AGG_NPAR, FIXED, OCC_NPAR, UNIFORM, book_block

__all__ = ["CANDIDATE_BRANCH", "DEFAULT_BLOCK_SIZE", "Plan", "make_plan", "run_block"]

DEFAULT_BLOCK_SIZE = 1 << 16
#: spawn-key branch of the candidate streams (far above any block index)
CANDIDATE_BRANCH = 1 << 40


@dataclass(frozen=True, eq=False)
class Plan:
    """Everything a block needs, as arrays (see :func:`riskmodel.book._kernels.book_block`)."""

    names: tuple[str, ...]
    types: tuple[str, ...]
    total_rate: float
    alias_p: np.ndarray
    alias_j: np.ndarray
    src_pol: np.ndarray
    src_type: np.ndarray
    src_code: np.ndarray
    src_par: np.ndarray
    ev_rate: np.ndarray
    ev_type: np.ndarray
    ev_ptr: np.ndarray
    ev_pol: np.ndarray
    ev_prob: np.ndarray
    ev_code: np.ndarray
    ev_par: np.ndarray
    pol_share: np.ndarray
    occ_ptr: np.ndarray
    occ_par: np.ndarray
    occ_cover: np.ndarray
    agg_ptr: np.ndarray
    agg_par: np.ndarray
    agg_cover: np.ndarray

    def kernel_args(self):
        return (
            self.total_rate,
            self.alias_p,
            self.alias_j,
            self.src_pol,
            self.src_type,
            self.src_code,
            self.src_par,
            self.ev_rate,
            self.ev_type,
            self.ev_ptr,
            self.ev_pol,
            self.ev_prob,
            self.ev_code,
            self.ev_par,
        )

    def layer_args(self):
        return (
            self.pol_share,
            self.occ_ptr,
            self.occ_par,
            self.occ_cover,
            self.agg_ptr,
            self.agg_par,
            self.agg_cover,
        )


def _spec(sev: Severity, where: str) -> tuple[int, np.ndarray]:
    code, par = severity_spec(sev, rejection=False)  # (the book's kernel inverts)
    if code < 0:
        raise ValueError(
            f"{where}: severity {sev!r} has no compiled sampler; a book needs LogNormal, "
            "GeneralizedPareto, Pareto, Lomax, Burr, Weibull or LogLogistic, possibly "
            "truncated and capped"
        )
    return code, par


def book_types(book) -> tuple[str, ...]:
    """Event types: the policies' categories in order of appearance, then the shared events."""
    cats: list[str] = []
    for p in book.policies:
        cats += [c for c in p.model.names if c not in cats]
    for ev in book.events:
        if ev.name in cats:
            raise ValueError(
                f"shared event {ev.name!r}: its name is also a loss category; give it another"
            )
    names = [ev.name for ev in book.events]
    if len(set(names)) != len(names):
        raise ValueError("shared event names must be unique")
    return (*cats, *names)


def make_plan(book, replay: bool = False) -> Plan:
    """The kernel's arrays for ``book``; ``replay``: shared-event occurrences will be given."""
    types = book_types(book)
    cats = types[: len(types) - len(book.events)]
    index = {p.name: i for i, p in enumerate(book.policies)}
    rates, pols, typ, codes, pars = [], [], [], [], []
    for i, p in enumerate(book.policies):
        for c, (freq, sev) in p.model.categories.items():
            if freq.rate > 0:
                code, par = _spec(sev, f"policy {p.name!r}, category {c!r}")
                rates.append(freq.rate)
                pols.append(i)
                typ.append(types.index(c))
                codes.append(code)
                pars.append(par)
    ev_rate, ev_type, ev_ptr = [], [], [0]
    e_pol, e_prob, e_code, e_par = [], [], [], []
    for ev in book.events:
        ev_rate.append(-1.0 if replay else ev.rate)
        ev_type.append(types.index(ev.name))
        for x in ev.exposures:
            p = book.policies[index[x.policy]]
            par = np.zeros(NPAR)
            par[8] = math.inf
            if isinstance(x.severity, Severity):
                code, par = _spec(x.severity, f"shared event {ev.name!r}, policy {p.name!r}")
                par = par.copy()
            else:
                lo, hi = x.severity
                code = FIXED if lo == hi else UNIFORM
                par[0], par[1] = lo * p.assets, hi * p.assets
            if p.assets is not None:
                par[8] = min(par[8], p.assets)
            e_pol.append(index[x.policy])
            e_prob.append(x.probability)
            e_code.append(code)
            e_par.append(par)
        ev_ptr.append(len(e_pol))
    occ_ptr, agg_ptr, occ_par, agg_par, occ_cov, agg_cov = [0], [0], [], [], [], []
    for p in book.policies:
        layers = p.program.layers if p.program is not None else ()
        for lay in layers:
            cover = [
                lay.categories is None or t in lay.categories
                for t in (*cats, *(ev.category for ev in book.events))
            ]
            if lay.per == "occurrence":
                occ_par.append(
                    [lay.attachment, lay.limit, lay.share, lay.agg_deductible, lay.annual_limit]
                )
                occ_cov.append(cover)
            else:
                agg_par.append([lay.attachment, lay.limit, lay.share])
                agg_cov.append(cover)
        occ_ptr.append(len(occ_par))
        agg_ptr.append(len(agg_par))
    n_t = len(types)
    alias = alias_table(np.array(rates, dtype=float))
    return Plan(
        names=book.names,
        types=types,
        total_rate=float(sum(rates)),
        alias_p=alias[0],
        alias_j=alias[1],
        src_pol=np.array(pols, dtype=np.int64),
        src_type=np.array(typ, dtype=np.int64),
        src_code=np.array(codes, dtype=np.int64),
        src_par=np.array(pars, dtype=float).reshape(-1, NPAR),
        ev_rate=np.array(ev_rate, dtype=float),
        ev_type=np.array(ev_type, dtype=np.int64),
        ev_ptr=np.array(ev_ptr, dtype=np.int64),
        ev_pol=np.array(e_pol, dtype=np.int64),
        ev_prob=np.array(e_prob, dtype=float),
        ev_code=np.array(e_code, dtype=np.int64),
        ev_par=np.array(e_par, dtype=float).reshape(-1, NPAR),
        pol_share=np.array([p.share for p in book.policies], dtype=float),
        occ_ptr=np.array(occ_ptr, dtype=np.int64),
        occ_par=np.array(occ_par, dtype=float).reshape(-1, OCC_NPAR),
        occ_cover=np.array(occ_cov, dtype=np.bool_).reshape(-1, n_t),
        agg_ptr=np.array(agg_ptr, dtype=np.int64),
        agg_par=np.array(agg_par, dtype=float).reshape(-1, AGG_NPAR),
        agg_cover=np.array(agg_cov, dtype=np.bool_).reshape(-1, n_t),
    )


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table of ``weights`` (Vose's construction): column ``i`` keeps ``i``
    with probability ``p[i]``, else gives ``j[i]``; each column has probability ``1 / J``.

    Examples
    --------
    >>> p, j = alias_table(np.array([1.0, 3.0]))
    >>> p.tolist(), j.tolist()
    ([0.5, 1.0], [1, 1])
    """
    n = len(weights)
    prob = np.ones(n)
    alias = np.arange(n, dtype=np.int64)
    if n == 0:
        return prob, alias
    scaled = weights * (n / weights.sum())
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return prob, alias  # leftovers (rounding) keep themselves: prob 1


_NO_GIVEN = np.zeros(0, dtype=np.int64)


def run_block(plan: Plan, root, b: int, n: int, given=None, keep_losses: bool = False):
    """Simulate block ``b`` (``n`` years) of ``plan`` from its stream of ``root``.

    ``given`` is ``(year within block, event)`` arrays of shared-event occurrences to replay
    (a plan made with ``replay=True``). Returns the tuple of
    :func:`riskmodel.book._kernels.book_block`.
    """
    state = new_state(block_generator(root, b))
    gy, ge = given if given is not None else (_NO_GIVEN, _NO_GIVEN)
    with np.errstate(over="ignore"):  # the twin wraps uint64 arithmetic on purpose
        return book_block(state, n, *plan.kernel_args(), gy, ge, *plan.layer_args(), keep_losses)


def _block_task(shared, b: int):
    """Block ``b`` as a Dask task: ``shared`` is (plan, root, sizes, givens, keep_losses)."""
    plan, root, sizes, givens, keep_losses = shared
    return run_block(plan, root, b, sizes[b], givens[b], keep_losses)


@dataclass(frozen=True, eq=False)
class Raw:
    """The merged output of all blocks (years numbered from 0)."""

    n: int
    year_ceded: np.ndarray
    year_occ: np.ndarray
    year_gross: np.ndarray
    pol_sums: np.ndarray
    rec_year: np.ndarray
    rec_pol: np.ndarray
    rec_ceded: np.ndarray
    rec_occ: np.ndarray
    occ_year: np.ndarray
    occ_event: np.ndarray
    loss_i: np.ndarray | None
    loss_x: np.ndarray | None
    elapsed: float


def run_blocks(
    plan: Plan,
    root,
    n_sims: int,
    block_size: int,
    n_threads: int,
    keep_losses: bool = False,
    occurrences: tuple[np.ndarray, np.ndarray] | None = None,
    backend: str = "numba",
    client=None,
) -> Raw:
    """All blocks on a thread pool (or as Dask tasks), merged in block order."""
    sizes = block_sizes(0, n_sims, block_size)
    starts = [b * block_size for b in range(len(sizes))]
    givens = [None] * len(sizes)
    if occurrences is not None:
        oy, oe = occurrences
        cuts = np.searchsorted(oy, [*starts, n_sims])
        givens = [
            (oy[cuts[b] : cuts[b + 1]] - starts[b], oe[cuts[b] : cuts[b + 1]])
            for b in range(len(sizes))
        ]
    year_ceded, year_occ, year_gross = np.empty(n_sims), np.empty(n_sims), np.empty(n_sims)
    pol_sums = np.zeros((len(plan.names), 4))
    recs: list[list[np.ndarray]] = [[], [], [], [], [], [], [], []]
    t0 = time.perf_counter()

    def task(b):
        return run_block(plan, root, b, sizes[b], givens[b], keep_losses)

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        if backend == "dask":  # the plan scattered once, blocks as tasks, gathered in order
            from ..engine._dask import map_chunks

            shared = (plan, root, sizes, givens, keep_losses)
            outs = map_chunks(_block_task, shared, list(range(len(sizes))), client)
        else:
            outs = pool.map(task, range(len(sizes)))
        for b, out in enumerate(outs):
            s0, s1 = starts[b], starts[b] + sizes[b]
            year_ceded[s0:s1], year_occ[s0:s1], year_gross[s0:s1] = out[0], out[1], out[2]
            pol_sums += out[3]
            recs[0].append(out[4] + s0)
            recs[1].append(out[5])
            recs[2].append(out[6])
            recs[3].append(out[7])
            recs[4].append(out[8] + s0)
            recs[5].append(out[9])
            if keep_losses:
                li = out[10].copy()
                li[:, 0] += s0
                recs[6].append(li)
                recs[7].append(out[11])
    cat = []
    for r in recs:  # one field at a time, freeing its blocks: peak memory ~ one more field
        cat.append(np.concatenate(r) if r else None)
        r.clear()
    return Raw(
        n=n_sims,
        year_ceded=year_ceded,
        year_occ=year_occ,
        year_gross=year_gross,
        pol_sums=pol_sums,
        rec_year=cat[0],
        rec_pol=cat[1],
        rec_ceded=cat[2],
        rec_occ=cat[3],
        occ_year=cat[4],
        occ_event=cat[5],
        loss_i=cat[6],
        loss_x=cat[7],
        elapsed=time.perf_counter() - t0,
    )


def simulate_book(
    book,
    n_sims: int,
    *,
    rng: RNGLike = None,
    block_size: int | None = None,
    n_threads: int | None = None,
    keep_losses: bool = False,
    backend: str = "numba",
    client=None,
):
    """:meth:`riskmodel.book.Book.simulate`."""
    from ._result import BookResult

    n_sims = check_count(n_sims, "n_sims")
    block_size = check_count(block_size or DEFAULT_BLOCK_SIZE, "block_size")
    threads = resolve_threads(n_threads)
    root = as_seed_sequence(rng)
    if backend not in ("numba", "dask"):
        raise ValueError(f"backend: must be 'numba' or 'dask', got {backend!r}")
    if client is not None and backend != "dask":
        raise ValueError("client: a Dask client is used only with backend='dask'")
    plan = make_plan(book)
    raw = run_blocks(
        plan, root, n_sims, block_size, threads, keep_losses, backend=backend, client=client
    )
    provenance = {
        "seed": seed_of(root),
        "spawn_key": list(root.spawn_key),
        "n_sims": n_sims,
        "block_size": block_size,
        "n_threads": threads,
        "backend": backend,
        "keep_losses": bool(keep_losses),
        "version": __version__,
        "elapsed_s": raw.elapsed,
    }
    return BookResult(book, plan, raw, root, provenance, client=client)


def candidate_root(root, k: int):
    """Root of the streams of the ``k``-th candidate simulated against a book run."""
    return np.random.SeedSequence(
        entropy=root.entropy,
        spawn_key=(*root.spawn_key, CANDIDATE_BRANCH, int(k)),
        pool_size=root.pool_size,
    )
