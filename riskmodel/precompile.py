"""Compile the simulation kernels ahead of use: :func:`precompile`, ``riskmodel compile``.

numba compiles a kernel on its first call and keeps it in its on-disk cache (every kernel has
``cache=True``), so the first simulation after installing pays for the compiling (about 3 s of
the first ``riskmodel reserve`` on a 2-core AVX-512 machine, more on slower CPUs) and later
processes load the kernels in a fraction of a second. :func:`precompile` pays it at a moment
of the user's choosing: after ``pip install``, in the build step of a container image, or in a
CI job that keeps numba's cache.

Each step runs a small computation through the public API, so the kernels it compiles are the
ones later calls look up, with the same types and specialisations. The steps cover every
compiled path of the bundled families: untruncated lognormals; truncated and capped severities
of any family (drawn by inversion); spliced severities; gamma and log-gamma (drawn until in
their truncation); count tables and counts too large for one; copulas and common shocks;
insurance programmes; the conditional far-tail estimators; the Panjer recursion; and books of
policies.

numba keys its cache on the source files and on the CPU: a cache built on one CPU model is not
used on another (each compiles for the CPU it runs on), and a reinstalled or upgraded riskmodel
compiles again. Set ``NUMBA_CACHE_DIR`` to keep the cache elsewhere than beside the package, for
example when the installation is read-only.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numba.core import event

from ._numba import JIT_DISABLED
from .analytic import panjer
from .book import example_book
from .dependence import CommonShock, GaussianCopula, StudentTCopula
from .engine import exceedance_probability, simulate, tail_quantile
from .frequency import NegativeBinomial, Poisson
from .insurance import InsuranceProgram, Layer
from .model import LossModel
from .reserving import reserve
from .severity import Gamma, GeneralizedPareto, LogGamma, LogNormal, Spliced, Weibull

__all__ = ["STEPS", "CompileStep", "precompile"]


class _CompileCounter(event.Listener):
    """numba's compile events, counted: one per function compiled, none for a cache load."""

    def __init__(self) -> None:
        self.count = 0

    def on_start(self, ev: event.Event) -> None:
        self.count += 1

    def on_end(self, ev: event.Event) -> None:
        pass


@dataclass(frozen=True)
class CompileStep:
    """One step of :func:`precompile`.

    Attributes
    ----------
    name : str
        What the step runs (one of :data:`STEPS`).
    seconds : float
        Its wall time: compiling, or loading from numba's cache, and the small computation.
    compiled : int
        How many functions numba compiled in it (kernels and the functions they call); 0 when
        every one was already compiled in this process or loaded from the cache.
    """

    name: str
    seconds: float
    compiled: int


def _plain() -> None:
    simulate(LossModel({"a": (Poisson(2.0), LogNormal(0.0, 1.0))}), 2_000, rng=0, n_threads=1)


def _truncated_model() -> LossModel:
    return LossModel(
        {
            "a": (Poisson(2.0), Weibull(0.5, 1e7).truncated(1e6).capped(1e11)),
            "b": (Poisson(0.5), LogNormal(16.0, 2.0).truncated(1e6).capped(1e11)),
        }
    )


def _truncated() -> None:
    reserve(_truncated_model(), 0.995, rng=0, n_sims=2_000, n_threads=1, parameter_draws=0)


def _spliced() -> None:
    sev = Spliced(LogNormal(15.0, 1.5), GeneralizedPareto(0.5, 1e7, threshold=1e7), 1e7)
    simulate(LossModel({"a": (Poisson(2.0), sev.capped(1e11))}), 2_000, rng=0, n_threads=1)


def _gamma() -> None:
    model = LossModel(
        {
            "a": (Poisson(2.0), Gamma(0.5, 1e6).truncated(1e5).capped(1e11)),
            "b": (Poisson(0.5), LogGamma(20.0, 1.4).truncated(1e6)),
        }
    )
    simulate(model, 2_000, rng=0, n_threads=1)


def _counts() -> None:
    model = LossModel(
        {
            "a": (NegativeBinomial(3.0, 2.0), LogNormal(0.0, 1.0)),
            # a mean too large for a count table: the counts are drawn one by one
            "b": (Poisson(2e5), LogNormal(0.0, 1.0)),
        }
    )
    simulate(model, 8, rng=0, n_threads=1)


def _dependence() -> None:
    cats = {"a": (Poisson(2.0), LogNormal(0.0, 1.0)), "b": (Poisson(1.0), LogNormal(0.0, 1.0))}
    corr = np.array([[1.0, 0.5], [0.5, 1.0]])
    for dep in (
        GaussianCopula(corr),
        StudentTCopula(corr, df=4.0),
        CommonShock(0.5, {"a": 0.5, "b": 0.5}),
    ):
        simulate(LossModel(cats, dependence=dep), 2_000, rng=0, n_threads=1)


def _programme() -> None:
    program = InsuranceProgram(
        [
            Layer(5e6, 2e7, reinstatements=1, premium=1e6, agg_deductible=1e6, categories=("a",)),
            Layer(1e7, 5e7, per="aggregate"),
        ]
    )
    simulate(_truncated_model(), 2_000, rng=0, n_threads=1, program=program)
    # an exchange's few losses a year: its counts drawn as events, its years without a loss
    # skipped (engine.SPARSE_RATE)
    rare = LossModel({"a": (Poisson(0.05), LogNormal(16.0, 2.0))})
    simulate(rare, 2_000, rng=0, n_threads=1, program=program)


def _far_tail() -> None:
    # (continuous severities: the estimators refuse a cap's point mass)
    model = LossModel(
        {
            "a": (Poisson(2.0), Weibull(0.5, 1e7).truncated(1e6)),
            "b": (Poisson(0.5), LogNormal(16.0, 2.0)),
        }
    )
    tail_quantile(model, 0.999, 2_000, rng=0, n_threads=1)
    exceedance_probability(model, 1e10, 2_000, rng=0, n_threads=1)


def _panjer() -> None:
    panjer(Poisson(2.0), LogNormal(0.0, 1.0), h=0.1, n=256)


def _book() -> None:
    example_book(n_policies=20).simulate(2_000, rng=0, n_threads=1)


#: the steps of :func:`precompile`, by name, in the order they run
STEPS: dict[str, Callable[[], None]] = {
    "untruncated lognormal": _plain,
    "truncated and capped severities, reserve": _truncated,
    "spliced severity": _spliced,
    "gamma and log-gamma": _gamma,
    "negative binomial and very large counts": _counts,
    "copulas and common shocks": _dependence,
    "insurance programme": _programme,
    "far-tail estimators": _far_tail,
    "Panjer recursion": _panjer,
    "book of policies": _book,
}


def precompile(
    steps: Sequence[str] | None = None, *, report: Callable[[CompileStep], None] | None = None
) -> list[CompileStep]:
    """Compile the simulation kernels into numba's on-disk cache, ahead of their first use.

    Parameters
    ----------
    steps : sequence of str, optional
        Names of :data:`STEPS` to run; default all of them (about 17 s on a 2-core AVX-512
        machine the first time, a second or two once the cache holds them).
    report : callable, optional
        Called with each :class:`CompileStep` as soon as it is done (the CLI prints it).

    Returns
    -------
    list of CompileStep
        One per step run, in order; empty when numba's compiler is disabled
        (``NUMBA_DISABLE_JIT=1``), as there is nothing to compile then.

    Raises
    ------
    ValueError
        An unknown step name.

    Examples
    --------
    >>> from riskmodel.precompile import precompile
    >>> [s.name for s in precompile(["Panjer recursion"])]
    ['Panjer recursion']
    """
    names = list(STEPS) if steps is None else list(steps)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise ValueError(f"steps: unknown {unknown}; the steps are {list(STEPS)}")
    if JIT_DISABLED:
        return []
    done = []
    for name in names:
        listener = _CompileCounter()
        t0 = time.perf_counter()
        with event.install_listener("numba:compile", listener), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (the results are thrown away)
            STEPS[name]()
        step = CompileStep(name, time.perf_counter() - t0, listener.count)
        done.append(step)
        if report is not None:
            report(step)
    return done
