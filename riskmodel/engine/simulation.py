"""The simulation engine: seeded blocks on a thread pool, merged exactly.

Years are simulated in fixed-size blocks; block ``b`` draws from its own stream, child ``b`` of
one root :class:`~numpy.random.SeedSequence` (:func:`riskmodel._rng.block_generator`). Blocks
run on a thread pool (the kernels release the GIL) and are merged in block order, so a result
depends only on (seed, n_sims, block_size): never on the thread count or on which block
finishes first.

Memory does not grow with ``n_sims`` beyond what the result needs: a block is reduced to
running moments and its largest totals (with their per-category parts) before it is merged.

Views: the gross losses; with a programme also the ceded and net ones, and "layers", whose
parts are the year's net total and each layer's recovery (they add up to the gross total up
to rounding, so its tail holds the largest gross years): the allocation of the gross reserve
to the retained part and the layers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .. import __version__
from .._numba import JIT_DISABLED
from .._progress import Progress
from .._rng import RNGLike, as_seed_sequence, block_generator, seed_of
from ..frequency import Frequency
from ..insurance import InsuranceProgram, layer_names
from ..model import LossModel
from ..severity import Severity
from ..uncertainty import PARAMETER_CHUNK
from . import _dask
from . import _kernels as K
from ._blocks import Moments, block_sizes, check_count, resolve_threads
from ._events import event_counts
from ._ordered import run_in_order
from ._program import program_arrays, run_program
from ._random import new_state
from ._severity_fill import NPAR
from ._specs import MAX_TABLE, check_rate, count_tables, frequency_spec, severity_spec
from ._summarize import active_years, summarize
from ._tail import PILOT_MIN_TAIL, Tail, pilot_floor
from .result import LossSample, SimulationResult, infinite_means

__all__ = [
    "BLOCKS_IN_FLIGHT",
    "DEFAULT_BLOCK_SIZE",
    "MAX_LOSSES",
    "MAX_SIMS",
    "MAX_TAIL_BYTES",
    "Simulation",
    "simulate",
    "tail_size",
]

DEFAULT_BLOCK_SIZE = 1 << 16

#: Most simulated years a run accepts (1e11 years of three losses take hours); larger
#: requests are refused rather than left to run out of time or memory.
MAX_SIMS = 10**11
#: Most memory the retained tail may take (the largest totals and their per-category parts,
#: for gross, ceded and net, and their split by layer); raise ``min_level`` to keep fewer
#: totals.
MAX_TAIL_BYTES = 8 << 30
#: Losses (simulated years times expected losses a year) from which a run is refused: at a
#: few hundred million losses a second, 1e12 take about an hour; such a run is refused, not
#: left to run for hours or days.
MAX_LOSSES = 1e12
#: Blocks a run's workers may claim ahead of the next block to merge, per worker thread:
#: enough to keep every thread busy, few enough that the results held stay few.
BLOCKS_IN_FLIGHT = 4
#: a model with at most this many expected losses a year (an exchange's), none of whose
#: severities can be negative, may have blocks whose years mostly hold none: a block where at
#: most 1 year in ``SPARSE_SHARE`` holds a loss is summarised, and its programme applied, over
#: those years only (the others are zero in every view), and its tails hold their years of
#: zero total as a count (:class:`Tail`). Both tests depend on the model and the block alone,
#: so results do not depend on the thread count or on how a run was extended.
SPARSE_RATE = 0.5
SPARSE_SHARE = 8
#: each thread's block arrays, reused from block to block and from run to run (the pool's
#: threads live on: fresh arrays would cost page faults, a few milliseconds a run), where a
#: run's threads and its caller's together keep at most ``KEEP_SCRATCH_BYTES`` (larger ones
#: live as long as the run)
_SCRATCH = threading.local()
KEEP_SCRATCH_BYTES = 256 << 20
_POOLS: dict[int, ThreadPoolExecutor] = {}  # threads -> pool
_POOLS_LOCK = threading.Lock()


def _pool(threads: int) -> ThreadPoolExecutor:
    """The pool of ``threads`` worker threads, kept from run to run.

    One per thread count: a run on other threads may be using another.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(threads)
        if pool is None:
            pool = _POOLS[threads] = ThreadPoolExecutor(threads, thread_name_prefix="riskmodel")
        return pool


def _forget_pools() -> None:
    """In a forked child: the parent's threads (and a lock one of them held) do not exist."""
    global _POOLS_LOCK
    _POOLS_LOCK = threading.Lock()
    _POOLS.clear()


if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(after_in_child=_forget_pools)


def tail_size(n_sims: int, min_level: float) -> int:
    """Number of largest totals to keep for the quantiles at levels >= ``min_level``.

    Every such quantile, and its confidence interval, is then an exact order statistic of all
    ``n_sims`` years.
    """
    if not 0 < min_level < 1:
        raise ValueError(f"min_level: must lie in (0, 1), got {min_level}")
    sd = math.sqrt(n_sims * min_level * (1.0 - min_level))
    low_rank = math.floor(n_sims * min_level - 5.0 * sd) - 2
    return int(min(n_sims, max(n_sims - low_rank + 1, 16)))


class _Plan:
    """Everything a block needs, prepared once."""

    def __init__(
        self,
        model: LossModel,
        program: InsuranceProgram | None,
        parameter_uncertainty: bool,
        by_layer: bool = True,
    ) -> None:
        self.names = model.names
        k = len(self.names)
        self.freq_kind = np.zeros(k, dtype=np.int64)
        self.freq_par = np.zeros((k, 2))
        self.sev_code = np.zeros(k, dtype=np.int64)
        self.sev_par = np.zeros((k, NPAR))
        self.freqs, self.sevs = [], []
        for c, (freq, sev) in enumerate(model.categories.values()):
            self.freq_kind[c], self.freq_par[c] = frequency_spec(freq, self.names[c])
            self.sev_code[c], self.sev_par[c] = severity_spec(sev)
            self.freqs.append(freq)
            self.sevs.append(sev)
        self.count_tables = _tables(self.freq_kind, self.freq_par, self.freqs, model.copula)
        self._local = threading.local()
        self.threads = 1  # (the run's worker threads, for :meth:`_home`: set by the run)
        self.program = program if program is not None and program.layers else None
        #: the parts of the "layers" view: the retained (net) total, then each layer's recovery
        self.layer_labels: tuple[str, ...] = ()
        if self.program is not None and by_layer:
            self.layer_labels = ("retained", *layer_names(self.program))
        self.terms = None if self.program is None else program_arrays(self.program, self.names)
        occ = self.program.occurrence if self.program else ()
        self.occ_par = np.array([[lay.attachment, lay.limit] for lay in occ]).reshape(-1, 2)
        self.occ_cover = np.array(
            [program.covers(lay, self.names) for lay in occ if program is not None],
            dtype=np.bool_,
        ).reshape(len(occ), k)
        copula, shock = model.copula, model.shock
        self.copula = copula
        self.cop_kind = 0 if copula is None else (1 if math.isinf(copula.df) else 2)
        self.chol = np.eye(k) if copula is None else _cholesky(copula.corr)
        self.df = 0.0 if copula is None or math.isinf(copula.df) else float(copula.df)
        self.shock_rate = 0.0 if shock is None else check_rate(shock.rate, "common shock rate")
        self.shock_p = np.array(
            [0.0 if shock is None else shock.affects.get(n, 0.0) for n in self.names]
        )
        #: expected losses a year, shocks included
        self.per_year = float(self.freq_par[:, 0].sum()) + self.shock_rate * float(
            self.shock_p.sum()
        )
        #: whether the years without a loss may be skipped and counted (:data:`SPARSE_RATE`);
        #: a part can be negative only if a severity can
        self.sparse = self.per_year <= SPARSE_RATE and all(
            sev._support()[0] >= 0.0 for sev in self.sevs
        )
        #: whether a block's counts are drawn as events, its years without a loss never
        #: written (:mod:`._events`): a sparse model's independent Poisson counts, its every
        #: severity compiled
        self.events = (
            self.sparse
            and self.cop_kind == 0
            and self.shock_rate == 0.0
            and bool((self.freq_kind == K.POISSON).all() and (self.sev_code >= 0).all())
        )
        self.uncertain = []
        if parameter_uncertainty:
            if not model.uncertainty:
                raise ValueError(
                    "parameter_uncertainty: the model carries no sampling distributions of its "
                    "parameters (LossModel(..., uncertainty={name: FittedCategory(...)}); "
                    "riskmodel.calibrate.calibrate_industry builds one)"
                )
            self.uncertain = [(self.names.index(n), d) for n, d in model.uncertainty.items()]

    def __getstate__(self) -> dict[str, Any]:  # shipped to Dask workers without the arrays
        return {k: v for k, v in self.__dict__.items() if k != "_local"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _local=threading.local())

    def _home(self, n: int) -> threading.local:
        """Where the calling thread keeps its arrays for blocks of ``n`` years.

        For the next runs too, up to its share of :data:`KEEP_SCRATCH_BYTES` (a run on
        ``threads`` workers); else for this run only.
        """
        k, n_occ = len(self.names), self.occ_par.shape[0]
        per_year = 8 * (k * (n_occ + 7) + len(self.layer_labels) + 4)  # (all of them, roughly)
        keep = n * per_year * (self.threads + 1) <= KEEP_SCRATCH_BYTES
        return _SCRATCH if keep else self._local

    def _scratch(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Output arrays of the calling thread for a block of ``n`` years.

        They are reused from block to block: fresh ones would cost the kernel a page fault
        every few kilobytes.
        """
        k = len(self.names)
        shape = (n, self.occ_par.shape[0], k)
        home = self._home(n)
        arrays = getattr(home, "arrays", None)
        if arrays is None or arrays[1].shape != shape:
            arrays = (np.empty((n, k)), np.empty(shape), np.empty((n, k), dtype=np.int64))
            home.arrays = arrays
        return arrays

    def _program_scratch(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The calling thread's ceded, net and reinstatement-premium arrays for ``n`` years."""
        home = self._home(n)
        arrays = getattr(home, "program", None)
        k = len(self.names)
        if arrays is None or arrays[2].shape[0] < n or arrays[0].shape[1] != k:
            arrays = home.program = (np.empty((n, k)), np.empty((n, k)), np.empty(n))
        return arrays

    def summary_scratch(self, n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The calling thread's scratch for :func:`summarize`: ``n`` years, ``k`` parts.

        The row totals, and the kept totals and rows.
        """
        home = self._home(n)
        scratch = getattr(home, "summary", None)
        if scratch is None:
            scratch = home.summary = {}
        arrays = scratch.get(k)
        if arrays is None or arrays[0].shape[0] < n:
            arrays = scratch[k] = (np.empty((n, 1)), np.empty(n), np.empty((n, k)))
        return arrays

    def width(self, name: str) -> int:
        """Number of parts of the view ``name``: the categories, or the layers' parts."""
        return len(self.layer_labels) if name == "layers" else len(self.names)

    def summary(
        self, arr: np.ndarray, n: int, floor: float, m: int
    ) -> tuple[Moments, np.ndarray, np.ndarray, int]:
        """A view's moments over the block's ``n`` years, and its years at or above ``floor``.

        The totals and parts of those years, in year order, are views of the calling thread's
        scratch, valid until its next block. ``arr`` holds the block's every year, or
        (:attr:`sparse`) perhaps only its years with a loss (:meth:`run_block`).

        Of the years of zero total, only the first ``m`` (the tail's size) are returned: a later
        one can never enter the tail. Where :attr:`sparse`, none are: only their number (the
        last value returned) where the floor lets them in.
        """
        k = arr.shape[1]
        totals, tot, rows = self.summary_scratch(n, k)
        mean, m2 = np.empty(k + 1), np.empty(k + 1)
        ties = 0 if self.sparse else m
        r = summarize(arr, n, floor, ties, totals, tot, rows, mean, m2)
        zeros = min(n - r, m) if self.sparse and floor <= 0.0 else 0
        return Moments(n, mean, m2), tot[:r], rows[:r], zeros

    def new_tail(self, name: str, m: int, floor: float = -math.inf) -> Tail:
        """An empty :class:`Tail` of ``m`` rows for the view ``name`` (from ``floor``)."""
        return Tail(m, self.width(name), floor, zeros=self.sparse)

    def group_tail(self, name: str, m: int) -> Tail:
        """An empty :class:`Tail` of ``m`` rows for the view ``name``.

        The calling thread's own, reused from one group of blocks to the next
        (``backend="dask"``).
        """
        tails = getattr(self._local, "tails", None)
        if tails is None:
            tails = self._local.tails = {}
        tail = tails.get(name)
        if tail is None or tail.m != m:
            tail = tails[name] = self.new_tail(name, m)
        tail.clear()
        return tail

    def run_block(self, gen: np.random.Generator, n: int) -> tuple[dict[str, np.ndarray], float]:
        """Simulate ``n`` years with the block's generator ``gen``.

        Returns the views: "gross", and with a programme "ceded", "net" and (unless left out)
        "layers" (each year's net total, then each layer's recovery); and the total of the
        reinstatement premiums. The views hold the block's every year, or only its years with
        a loss, in order (the others are zero in every view): where :attr:`events`, always;
        else where :attr:`sparse` and at most 1 year in :data:`SPARSE_SHARE` holds a loss.
        """
        state = new_state(gen)
        gross, occ = (self._event_block if self.events else self._dense_block)(state, gen, n)
        if self.terms is None:  # (no programme)
            return {"gross": gross}, 0.0
        home = self._home(n)
        layers = getattr(home, "layers", None)
        shape = (n, 1 + self.terms.n_layers)  # (the net totals, then each layer's pay)
        if layers is None or layers.shape != shape:
            layers = home.layers = np.empty(shape)
        layers = layers[: len(gross)]
        ceded, net, rp = run_program(
            self.terms, gross, occ, self._program_scratch(n), layers[:, 1:], layers[:, 0]
        )
        views = {"gross": gross, "ceded": ceded, "net": net}
        if self.layer_labels:
            views["layers"] = layers
        return views, rp

    def _chunks(self, gen: np.random.Generator, n: int) -> Iterator[tuple[slice, _Params]]:
        """The block's years in chunks, with their parameters.

        All ``n`` years with the model's, or (parameter uncertainty) every
        :data:`PARAMETER_CHUNK` years with a new draw.
        """
        if not self.uncertain:
            params = (self.freq_par, self.freq_kind, self.count_tables, self.sev_code)
            yield slice(0, n), (*params, self.sev_par, self.freqs, self.sevs)
            return
        for i0 in range(0, n, PARAMETER_CHUNK):
            fk, fp = self.freq_kind.copy(), self.freq_par.copy()
            sc, sp = self.sev_code.copy(), self.sev_par.copy()
            freqs, sevs = list(self.freqs), list(self.sevs)
            for c, drawer in self.uncertain:
                freq, sev = drawer.draw(gen)
                fk[c], fp[c] = frequency_spec(freq, self.names[c])
                sc[c], sp[c] = severity_spec(sev)
                freqs[c], sevs[c] = freq, sev
            tables = _tables(fk, fp, freqs, self.copula)
            yield slice(i0, min(n, i0 + PARAMETER_CHUNK)), (fp, fk, tables, sc, sp, freqs, sevs)

    def _dense_block(
        self, state: np.ndarray, gen: np.random.Generator, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """A block's gross and per-occurrence losses, with a count drawn for every year.

        Where :attr:`sparse`, perhaps only the years with a loss (:meth:`run_block`).
        """
        gross, occ, counts = self._scratch(n)
        for sl, params in self._chunks(gen, n):
            self._run_chunk(state, gen, *params, gross[sl], occ[sl], counts[sl])
        if self.sparse:
            years = self._where(n)
            a = active_years(gross, years)
            if a * SPARSE_SHARE <= n:
                # (np.take: four times as fast as gross[years[:a]] for a few columns)
                gross, occ = np.take(gross, years[:a], axis=0), np.take(occ, years[:a], axis=0)
        return gross, occ

    def _event_block(
        self, state: np.ndarray, gen: np.random.Generator, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """A block's gross and per-occurrence losses of its years with a loss, in order.

        For a model whose counts are drawn as events (:attr:`events`, :mod:`._events`).
        """
        home = self._home(n)
        rows = []
        for sl, params in self._chunks(gen, n):
            fp, sc, sp = params[0], params[3], params[4]
            size = sl.stop - sl.start
            fresh = not (sc < 0).any()  # (else the rows are the thread's scratch: copied)
            if not fresh:  # a drawn severity without a compiled sampler: every year
                gross, occ, counts = (a[:size] for a in self._scratch(n))
                self._run_chunk(state, gen, *params, gross, occ, counts)
            else:
                scratch = getattr(home, "events", _NO_YEARS)  # (event_counts grows it)
                with _quiet():
                    _, counts, home.events = event_counts(gen, state, fp[:, 0], size, scratch)
                    gross = np.empty((len(counts), len(self.names)))
                    occ = np.empty((len(counts), self.occ_par.shape[0], len(self.names)))
                    K.draw_losses(state, sc, sp, self.occ_par, self.occ_cover, gross, occ, counts)
            years = self._where(n)
            a = active_years(gross, years)  # (a loss of exactly 0 leaves its year out)
            whole = fresh and a == len(gross)
            if not whole:  # (np.take, as in _dense_block)
                gross, occ = np.take(gross, years[:a], axis=0), np.take(occ, years[:a], axis=0)
            rows.append((gross, occ))
        if len(rows) == 1:
            return rows[0]
        return np.concatenate([g for g, _ in rows]), np.concatenate([o for _, o in rows])

    def _where(self, n: int) -> np.ndarray:
        """The calling thread's scratch for the indices of a block's years with a loss."""
        home = self._home(n)
        years = getattr(home, "where", None)
        if years is None or len(years) < n:
            years = home.where = np.empty(n, dtype=np.int64)
        return years

    def _run_chunk(
        self,
        state: np.ndarray,
        gen: np.random.Generator,
        freq_par: np.ndarray,
        freq_kind: np.ndarray,
        tables: tuple[np.ndarray, np.ndarray, np.ndarray],
        sev_code: np.ndarray,
        sev_par: np.ndarray,
        freqs: list[Frequency],
        sevs: list[Severity],
        gross: np.ndarray,
        occ: np.ndarray,
        counts: np.ndarray,
    ) -> None:
        # (lists of a few categories: NumPy's calls on such tiny arrays cost more than the
        # loops; this runs once a block)
        for c, (kind, size) in enumerate(zip(freq_kind.tolist(), tables[2].tolist(), strict=True)):
            if kind < 0 and size == 0:
                # a count without a compiled sampler or a table: drawn by its own sample()
                counts[:, c] = freqs[c].sample(len(counts), gen)
        with _quiet():
            K.simulate_block(
                state,
                freq_kind,
                freq_par,
                *tables,
                sev_code,
                sev_par,
                self.occ_par,
                self.occ_cover,
                self.cop_kind,
                self.chol,
                self.df,
                self.shock_rate,
                self.shock_p,
                gross,
                occ,
                counts,
            )
        for c, code in enumerate(sev_code.tolist()):
            if code < 0:
                self._python_category(gen, c, sevs[c], counts[:, c], gross, occ)

    def _python_category(
        self,
        gen: np.random.Generator,
        c: int,
        sev: Severity,
        counts: np.ndarray,
        gross: np.ndarray,
        occ: np.ndarray,
    ) -> None:
        """Severities without a compiled sampler: the kernel's counts, losses from sample()."""
        losses = np.asarray(sev.sample(int(counts.sum()), gen), dtype=float)
        K.segment_sums(losses, counts, gross[:, c])
        for li in range(self.occ_par.shape[0]):
            if self.occ_cover[li, c]:
                att, lim = self.occ_par[li]
                K.segment_sums(
                    np.minimum(np.maximum(losses - att, 0.0), lim), counts, occ[:, li, c]
                )


#: a view's summary of a block: its moments, the totals and parts of the years that may enter
#: the tail, and (a sparse model's) the number of its years of zero total that may
_Summary = tuple[Moments, np.ndarray, np.ndarray, int]


_NO_YEARS = np.empty(0, dtype=np.int64)  # (a thread's first scratch for an events block)

#: a chunk's parameters: frequency parameters and kinds, count tables, severity codes and
#: parameters, the frequencies and severities
_Params = tuple[
    np.ndarray,
    np.ndarray,
    tuple[np.ndarray, np.ndarray, np.ndarray],
    np.ndarray,
    np.ndarray,
    list[Frequency],
    list[Severity],
]


def _quiet() -> contextlib.AbstractContextManager:
    """NumPy's overflow warnings off where the kernels run as their plain-Python twins.

    (``NUMBA_DISABLE_JIT=1``: the twins wrap uint64 arithmetic on purpose.)
    """
    return np.errstate(over="ignore") if JIT_DISABLED else contextlib.nullcontext()


def _tables(
    freq_kind: np.ndarray, freq_par: np.ndarray, freqs: list[Frequency], copula: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The count tables (:func:`~riskmodel.engine._specs.count_tables`).

    A count that the kernels could draw neither from a table nor from its family through a
    copula is refused.
    """
    tables = count_tables(freq_kind, freq_par, freqs)
    if copula is not None:
        for c in np.flatnonzero((freq_kind < 0) & (tables[2] == 0)):
            raise ValueError(
                f"frequency of category {c}: {freqs[c]!r} has no compiled sampler and its cdf "
                f"table would exceed {MAX_TABLE:,} entries, so it cannot be drawn through the "
                "copula; use a Poisson or NegativeBinomial frequency for it"
            )
    return tables


def _cholesky(corr: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of a correlation matrix (semi-definite ones via a tiny ridge)."""
    try:
        return np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        return np.linalg.cholesky(corr + 1e-10 * np.eye(len(corr)))


class _Analytic(Mapping):
    """Plug-in E[S] and Var[S] per category and for the total, computed when first read.

    ``nan`` where parameters are redrawn (predictive moments). Lazy because a wrapped
    severity's moments may take numerical integration (a capped spliced one: about 0.4 s),
    which every ``simulate`` would otherwise pay for a table only ``describe()`` shows.
    """

    def __init__(self, model: LossModel, uncertain: list[str]) -> None:
        self._model, self._uncertain = model, uncertain

    @functools.cached_property
    def _moments(self) -> dict[str, dict[str, float]]:
        model = self._model
        means, vars_ = model.expected_loss(), model.variance()
        for n in self._uncertain:
            means[n] = vars_[n] = math.nan
        out = {n: {"mean": means[n], "var": vars_[n]} for n in model.names}
        out["total"] = {"mean": sum(means.values()), "var": model.total_variance()}
        if self._uncertain:
            out["total"]["var"] = math.nan
        return out

    def __getitem__(self, key: str) -> dict[str, float]:
        return self._moments[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._moments)

    def __len__(self) -> int:
        return len(self._moments)


class Simulation:
    """A simulation that can be extended block by block (used by ``reserve(rel_tol=...)``).

    ``Simulation(...).extend(n).result()`` equals ``simulate(..., n_sims=n)``; extending to
    more years continues with the next blocks of the same streams, so a run extended to ``n``
    years equals a single run of ``n`` years whenever the earlier lengths were whole blocks.

    Parameters
    ----------
    model, rng, program, block_size, n_threads, parameter_uncertainty, backend, client, progress
        As for :func:`simulate`.
    min_level, by_layer : float, bool
        As for :func:`simulate`.
    max_sims : int
        The most years this simulation will hold: the retained tail is sized for it.
    """

    def __init__(
        self,
        model: LossModel,
        *,
        rng: RNGLike = None,
        program: InsuranceProgram | None = None,
        min_level: float = 0.9,
        max_sims: int,
        block_size: int = DEFAULT_BLOCK_SIZE,
        n_threads: int | None = None,
        parameter_uncertainty: bool = False,
        backend: str = "numba",
        client: Any = None,
        progress: bool = False,
        by_layer: bool = True,
    ) -> None:
        if not isinstance(model, LossModel):
            raise TypeError(f"model: expected a LossModel, got {type(model).__name__}")
        if backend not in ("numba", "dask"):
            raise ValueError(f"backend: must be 'numba' or 'dask', got {backend!r}")
        if client is not None and backend != "dask":
            raise ValueError("client: a Dask client is used only with backend='dask'")
        self.block_size = check_count(block_size, "block_size")
        self.max_sims = check_count(max_sims, "n_sims")
        if self.max_sims > MAX_SIMS:
            raise ValueError(
                f"n_sims: {self.max_sims:.3g} years exceeds the most a run accepts "
                f"({MAX_SIMS:.0e}); a reserve needs far fewer (reserve(..., rel_tol=...) "
                "picks the number)"
            )
        self.model = model
        self.threads = resolve_threads(n_threads)
        self.root = as_seed_sequence(rng)
        self.plan = _Plan(model, program, parameter_uncertainty, by_layer)
        self.plan.threads = self.threads
        self._infinite = infinite_means(model, self.plan.program)
        per_year = self.plan.per_year
        if self.max_sims * per_year >= MAX_LOSSES:
            rates = dict(zip(self.plan.names, self.plan.freq_par[:, 0].tolist(), strict=True))
            raise ValueError(
                f"n_sims: {self.max_sims:,} years of {per_year:.6g} expected losses each would "
                f"draw {self.max_sims * per_year:.3g} losses, more than a run accepts "
                f"({MAX_LOSSES:.0e}); lower n_sims, or check the rates (expected losses a year "
                f"by category: {rates})"
            )
        self.m = tail_size(self.max_sims, min_level)
        # per kept year: each view's total and parts (gross; ceded and net; the layers' parts)
        views = 3 if self.plan.program is not None else 1
        row = (len(self.plan.names) + 1) * views
        if self.plan.layer_labels:
            row += len(self.plan.layer_labels) + 1
        tail_bytes = self.m * row * 8
        if tail_bytes > MAX_TAIL_BYTES:
            raise ValueError(
                f"n_sims: {self.max_sims:,} years at min_level {min_level:g} would keep "
                f"{self.m:,} largest totals ({tail_bytes / 2**30:.1f} GiB, more than "
                f"{MAX_TAIL_BYTES / 2**30:g} GiB); raise min_level or lower n_sims"
            )
        self.min_level = min_level
        self.backend = backend
        self.client = client
        self._dask = None  # backend="dask": the client and the plan scattered to its workers
        self.progress = progress
        self.parameter_uncertainty = bool(parameter_uncertainty)
        self.n_sims = 0
        self.elapsed = 0.0
        self._moments: dict[str, Moments] = {}  # per view: gross, and ceded, net and layers
        self._tails: dict[str, Tail] = {}
        self._rp_total = 0.0

    def _block(self, b: int, n: int) -> tuple[dict[str, _Summary], float]:
        views, rp = self.plan.run_block(block_generator(self.root, b), n)
        out = {}
        for name, arr in views.items():
            # The merged tail's floor only rises, so a year below the floor read now can never
            # enter it, whenever the merge happens: dropping it here keeps the result exact.
            floor = self._tails[name].floor if name in self._tails else -math.inf
            mom, tot, rows, zeros = self.plan.summary(arr, n, floor, self.m)
            vals, parts = Tail.top(tot.copy(), rows.copy(), self.m)
            out[name] = (mom, vals, parts, min(zeros, self.m - len(vals)))
        return out, rp

    def extend(self, n_total: int) -> Simulation:
        """Simulate more years until ``n_total`` are done (at most ``max_sims``)."""
        n_total = check_count(n_total, "n_sims")
        if n_total > self.max_sims:
            raise ValueError(f"n_sims: {n_total:,} exceeds max_sims {self.max_sims:,}")
        if n_total <= self.n_sims:
            return self
        if self.n_sims % self.block_size:
            raise ValueError("a simulation can be extended only after whole blocks")
        t0 = time.perf_counter()
        pilot = self._pilot_applies(n_total)
        self._run(n_total, pilot)
        if pilot and not all(tail.complete(n_total) for tail in self._tails.values()):
            # the first block's floor lay above the m-th largest total (a chance of the order
            # of 1e-15): the same blocks again without it, so the tail is still exact
            self._moments, self._tails, self._rp_total = {}, {}, 0.0
            self._run(n_total, pilot=False)
        self.n_sims = n_total
        self.elapsed += time.perf_counter() - t0
        return self

    def _pilot_applies(self, n_total: int) -> bool:
        """Whether the first block's totals set the tail's floor (:func:`pilot_floor`).

        For a run straight to ``max_sims`` of several blocks on the local threads, with fixed
        parameters (redrawn ones make the first block's years too few draws of them), whose
        first block holds enough tail years for a floor (else it would run alone for nothing).
        """
        return (
            self.n_sims == 0
            and n_total == self.max_sims
            and n_total >= 4 * self.block_size
            and self.m < n_total
            and self.block_size * self.m >= PILOT_MIN_TAIL * n_total
            and self.backend == "numba"
            and not self.plan.uncertain
        )

    def _run(self, n_total: int, pilot: bool) -> None:
        """Simulate and merge the blocks from ``self.n_sims`` up to ``n_total``, in order.

        With ``pilot``, the first block runs alone, and its totals set the tails' floors.
        """
        bs = self.block_size
        b0 = self.n_sims // bs
        b1 = -(-n_total // bs)
        bar = Progress(n_total - self.n_sims, "years", "simulating", enabled=self.progress)
        with bar:
            if pilot:
                out, rp = self._block(b0, bs)
                for name, (_, vals, _, _) in out.items():
                    floor = pilot_floor(vals, bs, self.m, n_total)
                    self._tails[name] = self.plan.new_tail(name, self.m, floor)
                self._merge(out, rp)
                bar.update(bs)
                b0 += 1

            def size(b: int) -> int:
                return min(bs, n_total - b * bs)

            def merge(b: int, result: tuple[dict[str, _Summary], float]) -> None:
                self._merge(*result)
                bar.update(size(b))

            if self.backend == "dask":  # groups of blocks as tasks on a cluster
                results = _dask.run_blocks(self, b0, block_sizes(b0 * bs, n_total, bs))
                for b, result in zip(range(b0, b1), results, strict=True):
                    merge(b, result)
            else:  # the workers merge the blocks in order themselves, a few ahead per thread
                run_in_order(
                    _pool(self.threads),
                    self.threads,
                    range(b0, b1),
                    lambda b: self._block(b, size(b)),
                    merge,
                    depth=BLOCKS_IN_FLIGHT * self.threads,
                )

    def _merge(self, out: dict[str, _Summary], rp: float) -> None:
        """Merge a block's summary (from :meth:`_block`), the next in order."""
        self._rp_total += rp
        for name, (mom, vals, parts, zeros) in out.items():
            if name not in self._moments:
                self._moments[name] = mom
            else:
                self._moments[name] = self._moments[name].merge(mom)
            if name not in self._tails:
                self._tails[name] = self.plan.new_tail(name, self.m)
            self._tails[name].add(vals, parts, zeros)

    def _sample(self, name: str) -> LossSample:
        mom = self._moments[name]
        desc, parts = self._tails[name].final()
        var = mom.var
        return LossSample(
            name=name,
            categories=self.plan.layer_labels if name == "layers" else self.plan.names,
            n=self.n_sims,
            mean=float(mom.mean[-1]),
            var=float(var[-1]),
            cat_mean=mom.mean[:-1].copy(),
            cat_var=var[:-1].copy(),
            tail_source=desc,
            parts_source=parts,
            cat_infinite=self._infinite[name],
        )

    def result(self) -> SimulationResult:
        """The :class:`SimulationResult` of the years simulated so far."""
        if self.n_sims == 0:
            raise ValueError("no years simulated yet: call extend(n) first")
        names = self.plan.names
        k = len(names)
        gross = self._sample("gross")
        if "ceded" in self._tails:
            ceded, net = self._sample("ceded"), self._sample("net")
        else:
            m = min(self.m, self.n_sims)
            zeros = np.zeros(k)
            ceded = LossSample(
                "ceded", names, self.n_sims, 0.0, 0.0, zeros, zeros, np.zeros(m), np.zeros((m, k))
            )
            net = dataclasses.replace(gross, name="net", cat_infinite=self._infinite["net"])
        return SimulationResult(
            gross=gross,
            ceded=ceded,
            net=net,
            layers=self._sample("layers") if "layers" in self._tails else None,
            reinstatement_premium=self._rp_total / self.n_sims,
            analytic=_Analytic(self.model, [names[c] for c, _ in self.plan.uncertain]),
            provenance={
                "seed": seed_of(self.root),
                "spawn_key": list(self.root.spawn_key),
                "n_sims": self.n_sims,
                "block_size": self.block_size,
                "n_threads": self.threads,
                "backend": self.backend,
                "parameter_uncertainty": self.parameter_uncertainty,
                "min_level": self.min_level,
                "version": __version__,
                "elapsed_s": self.elapsed,
            },
        )


def simulate(
    model: LossModel,
    n_sims: int,
    *,
    rng: RNGLike = None,
    program: InsuranceProgram | None = None,
    min_level: float = 0.9,
    block_size: int = DEFAULT_BLOCK_SIZE,
    n_threads: int | None = None,
    parameter_uncertainty: bool = False,
    backend: str = "numba",
    client: Any = None,
    progress: bool = False,
    by_layer: bool = True,
) -> SimulationResult:
    """Simulate ``n_sims`` years of annual losses of ``model``, gross, ceded and net.

    Parameters
    ----------
    model : LossModel
    n_sims : int
        Number of simulated years, at most :data:`MAX_SIMS`; ``n_sims`` times the expected
        losses a year may not exceed :data:`MAX_LOSSES`, nor the retained tail
        :data:`MAX_TAIL_BYTES` (larger runs are refused with the reason).
    rng : int, Generator, SeedSequence or None
        Seed (SPEC 7). The result depends only on (seed, n_sims, block_size).
    program : InsuranceProgram, optional
        Insurance applied to the losses; without one, net = gross.
    min_level : float
        Smallest probability level at which quantiles, intervals and TVaR will be asked for;
        the engine keeps just the largest totals these need (memory ~ n_sims (1 - min_level)).
    block_size : int
        Years per block (each block has its own random stream).
    n_threads : int, optional
        Worker threads; default ``NUMBA_NUM_THREADS`` or the CPU count. Does not change results.
    parameter_uncertainty : bool
        Redraw the parameters of the categories in ``model.uncertainty`` for every chunk of
        :data:`riskmodel.uncertainty.PARAMETER_CHUNK` years (the predictive distribution).
    backend : {"numba", "dask"}
        Execution backend: ``"numba"`` runs the blocks on a local thread pool; ``"dask"`` runs
        groups of blocks as tasks on a Dask cluster (``pip install 'riskmodel[dask]'``), with a
        result bit-identical to ``"numba"`` for the same seed, n_sims and block_size.
    client : dask.distributed.Client, optional
        The cluster of ``backend="dask"``; default: the current client.
    progress : bool
        A progress bar on stderr: percentage, rate and time left (redrawn on a terminal,
        one finished line otherwise).
    by_layer : bool
        With a programme, also keep :attr:`SimulationResult.layers`: the gross loss split
        into the retained part and each layer's recovery, over the years of the gross tail
        (the allocation of the reserve to layers needs it). ``False`` saves its memory
        (about ``8 (layers + 2)`` bytes per retained year) and a few percent of the time.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})
    >>> r = simulate(m, 100_000, rng=1)
    >>> r.quantile(0.995) > r.gross.mean
    True
    """
    return (
        Simulation(
            model,
            rng=rng,
            program=program,
            min_level=min_level,
            max_sims=n_sims,
            block_size=block_size,
            n_threads=n_threads,
            parameter_uncertainty=parameter_uncertainty,
            backend=backend,
            client=client,
            progress=progress,
            by_layer=by_layer,
        )
        .extend(n_sims)
        .result()
    )
