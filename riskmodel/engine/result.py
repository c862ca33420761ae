"""SimulationResult: what a simulation keeps, and the risk measures it gives.

The engine keeps, for each of the gross, ceded and net annual losses, exact running moments
over all simulated years and the largest ``m`` totals with their per-category parts ("the
tail"). Quantiles, TVaR, exceedance probabilities and their confidence intervals are exact
order-statistic computations for every level the tail covers.

Quantile definitions (``n`` simulated years, order statistics ``X_(1) <= ... <= X_(n)``):

- ``kind="lower"``: ``X_(ceil(n p))``, the smallest x with empirical cdf >= p (the default;
  the usual VaR).
- ``kind="upper"``: ``X_(floor(n p) + 1)``, the smallest x with empirical cdf > p.

The confidence interval of a quantile is distribution-free: ``[X_(r), X_(s)]`` with
``r = B^{-1}(alpha/2)`` and ``s = B^{-1}(1 - alpha/2) + 1`` for ``B = Binomial(n, p)``, which
covers the true quantile with probability >= level (up to the discreteness of B).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .._errors import InfiniteMomentWarning

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["LossSample", "SimulationResult", "infinite_means"]


def infinite_means(model: Any, program: Any = None) -> dict[str, np.ndarray]:
    """Which categories' gross, ceded and net annual losses have an infinite true mean.

    Gross: those whose expected loss is infinite. Ceded: those among them covered by a layer
    without an annual bound (limit ``inf``, unlimited reinstatements, no ``agg_limit``). Net:
    the gross ones, unless such an unbounded layer takes 100% of the loss above its attachment
    (the retained part is then bounded). With a programme, also ``"layers"``: the retained
    total (infinite where any net category is), then each layer's recovery (infinite where
    the layer has neither a per-loss nor an annual limit and covers such a category).

    Examples
    --------
    >>> from riskmodel import LossModel
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import GeneralizedPareto, LogNormal
    >>> m = LossModel({"a": (Poisson(1.0), GeneralizedPareto(1.5, 1.0)),
    ...                "b": (Poisson(1.0), LogNormal(0.0, 1.0))})
    >>> {k: v.tolist() for k, v in infinite_means(m).items()}
    {'gross': [True, False], 'ceded': [False, False], 'net': [True, False]}
    """
    names = model.names
    gross = np.array([math.isinf(v) for v in model.expected_loss().values()])
    ceded_unbounded = np.zeros(len(names), bool)
    net_bounded = np.zeros(len(names), bool)
    layers = program.layers if program is not None else ()
    for lay in layers:
        if math.isfinite(lay.annual_limit):
            continue
        cover = program.covers(lay, names)
        ceded_unbounded |= cover
        if lay.share == 1.0:
            net_bounded |= cover
    out = {"gross": gross, "ceded": gross & ceded_unbounded, "net": gross & ~net_bounded}
    if layers:
        out["layers"] = np.array(
            [
                bool(np.any(out["net"])),
                *(
                    math.isinf(lay.limit)
                    and math.isinf(lay.annual_limit)
                    and bool(np.any(gross & program.covers(lay, names)))
                    for lay in layers
                ),
            ]
        )
    return out


@dataclass(frozen=True)
class LossSample:
    """Annual losses of one kind (gross, ceded or net): moments and the retained tail.

    For the view ``"layers"`` (:attr:`SimulationResult.layers`) the "categories" are the
    retained part and the layers of the programme.
    """

    name: str
    categories: tuple[str, ...]
    n: int
    mean: float
    var: float
    cat_mean: np.ndarray
    cat_var: np.ndarray
    #: the largest totals in decreasing order (:attr:`tail`), or a function that returns them:
    #: the simulator sorts them only when :attr:`tail` is first read (the sort of a million
    #: totals costs a tenth of the simulation of ten million years)
    tail_source: np.ndarray | Callable[[], np.ndarray] = field(repr=False)
    #: the per-category parts of those totals, (m, k), or a function that returns them: the
    #: simulator orders the parts only when :attr:`tail_parts` is first read (an argsort of a
    #: million totals costs more than the sort of their values)
    parts_source: np.ndarray | Callable[[], np.ndarray] = field(repr=False)
    #: (k,) True where a category's true mean is infinite (then its mean and variance, the
    #: total's, and TVaR are ``inf``: a sample of such a loss has no mean to estimate)
    cat_infinite: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.cat_infinite is None or not np.any(self.cat_infinite):
            object.__setattr__(self, "cat_infinite", np.zeros(len(self.categories), bool))
            return
        inf = np.asarray(self.cat_infinite, dtype=bool)
        object.__setattr__(self, "cat_infinite", inf)
        object.__setattr__(self, "cat_mean", np.where(inf, math.inf, self.cat_mean))
        object.__setattr__(self, "cat_var", np.where(inf, math.inf, self.cat_var))
        object.__setattr__(self, "mean", math.inf)
        object.__setattr__(self, "var", math.inf)

    @functools.cached_property
    def tail(self) -> np.ndarray:
        """The retained largest annual totals, in decreasing order."""
        src = self.tail_source
        return src() if callable(src) else src

    @functools.cached_property
    def tail_parts(self) -> np.ndarray:
        """(m, k) per-category parts of the totals in :attr:`tail`, row for row."""
        src = self.parts_source
        return src() if callable(src) else src

    @property
    def infinite_mean(self) -> bool:
        """Whether the true mean of this annual loss is infinite (see :attr:`cat_infinite`)."""
        return bool(np.any(self.cat_infinite))

    @property
    def _inf_flags(self) -> np.ndarray:
        """``cat_infinite`` as set by ``__post_init__`` (never None after it)."""
        return np.asarray(self.cat_infinite, dtype=bool)

    def _warn_infinite(self, what: str) -> None:
        names = [c for c, f in zip(self.categories, self._inf_flags, strict=True) if f]
        warnings.warn(
            f"{self.name}: {what} is infinite: the mean of the {self.name} loss of "
            f"{', '.join(repr(n) for n in names)} is infinite (a severity without a finite "
            "mean, e.g. a GPD with xi >= 1); quantiles (VaR) are finite and valid",
            InfiniteMomentWarning,
            stacklevel=3,
        )

    @property
    def std(self) -> float:
        """Standard deviation of the annual loss."""
        return math.sqrt(self.var)

    @property
    def mean_se(self) -> float:
        """Monte Carlo standard error of :attr:`mean`."""
        return math.sqrt(self.var / self.n)

    @property
    def min_level(self) -> float:
        """Smallest probability level whose quantile the retained tail determines."""
        return 1.0 - len(self.tail) / self.n

    def _order_stat(self, rank: int) -> float:
        """X_(rank), 1-based ascending."""
        idx = self.n - rank
        if idx >= len(self.tail):
            raise ValueError(
                f"{self.name}: order statistic {rank} of {self.n} lies below the retained tail "
                f"(levels >= {self.min_level:.6g} are kept); simulate with a lower min_level"
            )
        return float(self.tail[max(idx, 0)])

    def _rank(self, p: float, kind: str) -> int:
        if not 0 < p < 1:
            raise ValueError(f"p: must lie in (0, 1), got {p}")
        if kind == "lower":
            return max(math.ceil(self.n * p - 1e-9), 1)
        if kind == "upper":
            return min(math.floor(self.n * p + 1e-9) + 1, self.n)
        raise ValueError(f"kind: must be 'lower' or 'upper', got {kind!r}")

    def quantile(self, p: float, kind: str = "lower") -> float:
        """Empirical quantile (VaR) at level ``p``; see the module notes for ``kind``."""
        return self._order_stat(self._rank(p, kind))

    def quantile_ci(self, p: float, level: float = 0.95) -> tuple[float, float]:
        """Distribution-free confidence interval of the ``p``-quantile from order statistics."""
        if not 0 < level < 1:
            raise ValueError(f"level: must lie in (0, 1), got {level}")
        a = (1.0 - level) / 2.0
        r = max(int(stats.binom.ppf(a, self.n, p)), 1)
        s = min(int(stats.binom.ppf(1.0 - a, self.n, p)) + 1, self.n)
        return self._order_stat(r), self._order_stat(s)

    def tvar(self, p: float) -> float:
        r"""Tail value at risk (expected shortfall) at level ``p``.

        Notes
        -----
        The Acerbi-Tasche estimator :math:`\frac{1}{n(1-p)}\left(\sum_{i=1}^{\lfloor
        n(1-p)\rfloor} X_{(n-i+1)} + (n(1-p) - \lfloor n(1-p)\rfloor) X_{(n-\lfloor
        n(1-p)\rfloor)}\right)`, the sample version of :math:`\frac1{1-p}\int_p^1
        \mathrm{VaR}_u\,du`.
        """
        if self.infinite_mean:
            self._warn_infinite(f"TVaR {p:g}")
            return math.inf
        m = self.n * (1.0 - p)
        j = math.floor(m + 1e-9)
        if j + 1 > len(self.tail):
            self._order_stat(self.n - j)  # raises the informative error
        s = float(np.sum(self.tail[:j]))
        if m > j and j < len(self.tail):
            s += (m - j) * float(self.tail[j])
        return s / m

    def tvar_se(self, p: float) -> float:
        r"""Asymptotic standard error of :meth:`tvar`.

        Notes
        -----
        :math:`\mathrm{Var}(\widehat{ES}_p) \approx \frac{\mathrm{Var}(X \mid X > v) +
        p\,(ES_p - v)^2}{n (1-p)}` with :math:`v = \mathrm{VaR}_p` (Manistre & Hancock 2005).
        """
        if self.infinite_mean:
            self._warn_infinite(f"the standard error of TVaR {p:g}")
            return math.inf
        v = self.quantile(p)
        j = max(math.floor(self.n * (1.0 - p) + 1e-9), 2)
        top = self.tail[:j]
        es = self.tvar(p)
        return math.sqrt((float(np.var(top, ddof=1)) + p * (es - v) ** 2) / (self.n * (1.0 - p)))

    def tvar_ci(self, p: float, level: float = 0.95) -> tuple[float, float]:
        """Asymptotic normal confidence interval of :meth:`tvar` (from :meth:`tvar_se`)."""
        if not 0 < level < 1:
            raise ValueError(f"level: must lie in (0, 1), got {level}")
        est, half = self.tvar(p), float(stats.norm.ppf(0.5 + level / 2)) * self.tvar_se(p)
        return est - half, est + half

    def exceedance(self, x: ArrayLike) -> np.ndarray | float:
        """P(S > x), from the retained tail (``x`` must lie within it, else an error)."""
        xs = np.atleast_1d(np.asarray(x, dtype=float))
        floor = float(self.tail[-1]) if len(self.tail) < self.n else -math.inf
        if (xs < floor).any():
            raise ValueError(
                f"{self.name}: exceedance below {floor:g} is not determined by the retained tail"
            )
        asc = self.tail[::-1]
        counts = len(asc) - np.searchsorted(asc, xs, side="right")
        out = counts / self.n
        return float(out[0]) if np.ndim(x) == 0 else out

    def contributions(
        self, p: float, measure: str = "var", bandwidth: float | None = None
    ) -> dict[str, float]:
        """Per-category Euler contributions to VaR or TVaR at level ``p``.

        Notes
        -----
        TVaR: the mean of each category's part over the years beyond VaR, scaled so the parts
        add up to :meth:`tvar`. VaR: the mean of each part over the years whose totals rank
        within ``bandwidth`` (default ``sqrt(n (1-p))`` order statistics, at least 1) of the
        VaR rank, rescaled to add up to the VaR (Tasche 2009, kernel estimator).
        """
        if measure == "tvar" and self.infinite_mean:
            self._warn_infinite(f"TVaR {p:g}")
            parts = self.tail_parts[: max(math.floor(self.n * (1.0 - p) + 1e-9), 1)].mean(0)
            vals = np.where(self._inf_flags, math.inf, parts)
            return dict(zip(self.categories, (float(v) for v in vals), strict=True))
        if measure == "tvar":
            j = max(math.floor(self.n * (1.0 - p) + 1e-9), 1)
            parts = self.tail_parts[:j].mean(axis=0)
            total = self.tvar(p)
        elif measure == "var":
            rank = self._rank(p, "lower")
            idx = self.n - rank
            h = int(bandwidth if bandwidth is not None else max(math.sqrt(self.n * (1 - p)), 1))
            lo, hi = max(idx - h, 0), min(idx + h + 1, len(self.tail))
            if idx >= len(self.tail):
                self._order_stat(rank)
            parts = self.tail_parts[lo:hi].mean(axis=0)
            total = self.quantile(p)
        else:
            raise ValueError(f"measure: must be 'var' or 'tvar', got {measure!r}")
        s = parts.sum()
        scaled = parts * (total / s) if s > 0 else parts
        return dict(zip(self.categories, (float(v) for v in scaled), strict=True))


@dataclass(frozen=True)
class SimulationResult:
    """Result of :func:`riskmodel.simulate`.

    Attributes
    ----------
    gross, ceded, net : LossSample
        Annual losses before insurance, recovered from insurance, and retained.
    layers : LossSample or None
        With a programme (and ``simulate(by_layer=True)``, the default): the gross annual
        loss split into the retained (net) total and each layer's recovery, its
        ``categories`` being ``"retained"`` and the layers' names
        (:func:`riskmodel.insurance.layer_names`). The parts add up to the gross total up to
        rounding, so its tail holds the largest gross years; ``cat_mean`` is each layer's
        expected annual recovery (see :meth:`by_layer`). ``None`` without a programme.
    reinstatement_premium : float
        Mean annual reinstatement premium due under the programme.
    analytic : Mapping
        Analytic E[S] and Var[S] per category where they exist, for :meth:`describe`
        (computed when first read).
    provenance : dict
        seed, n_sims, block_size, n_threads, backend, version, elapsed seconds.
    """

    gross: LossSample
    ceded: LossSample
    net: LossSample
    reinstatement_premium: float
    analytic: Mapping[str, dict[str, float]] = field(repr=False)
    provenance: dict[str, Any]
    layers: LossSample | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        views = [v.name for v in (self.gross, self.ceded, self.net) if v.infinite_mean]
        if views:
            names = [c for c, f in zip(self.categories, self.gross._inf_flags, strict=True) if f]
            warnings.warn(
                f"the mean of the {'/'.join(views)} annual loss is infinite (severity of "
                f"{', '.join(repr(n) for n in names)} without a finite mean, e.g. a GPD with "
                "xi >= 1): mean, std and TVaR are reported as inf; quantiles (VaR) are finite "
                "and valid",
                InfiniteMomentWarning,
                stacklevel=4,
            )

    @property
    def n_sims(self) -> int:
        """Number of simulated years."""
        return self.gross.n

    @property
    def categories(self) -> tuple[str, ...]:
        """Category names."""
        return self.gross.categories

    def _view(self, of: str) -> LossSample:
        if of not in ("gross", "net", "ceded"):
            raise ValueError(f"of: must be 'gross', 'net' or 'ceded', got {of!r}")
        return getattr(self, of)

    def quantile(self, p: float, kind: str = "lower", of: str = "gross") -> float:
        """VaR at level ``p`` of the gross (default), net or ceded annual loss."""
        return self._view(of).quantile(p, kind)

    def quantile_ci(self, p: float, level: float = 0.95, of: str = "gross") -> tuple[float, float]:
        """Order-statistic confidence interval of the ``p``-quantile."""
        return self._view(of).quantile_ci(p, level)

    def tvar(self, p: float, of: str = "gross") -> float:
        """TVaR (expected shortfall) at level ``p``."""
        return self._view(of).tvar(p)

    def exceedance(self, x: ArrayLike, of: str = "gross") -> np.ndarray | float:
        """P(annual loss > x)."""
        return self._view(of).exceedance(x)

    def by_category(self) -> pd.DataFrame:
        """DataFrame of the simulated mean and standard deviation per category, gross/ceded/net."""
        import pandas as pd

        rows = {}
        for v in (self.gross, self.ceded, self.net):
            rows[f"{v.name}_mean"] = v.cat_mean
            rows[f"{v.name}_std"] = np.sqrt(v.cat_var)
        return pd.DataFrame(rows, index=list(self.categories))

    def by_layer(self) -> pd.DataFrame:
        """DataFrame of the mean annual retained loss and each layer's mean annual recovery.

        Columns ``mean``, ``std`` and ``mean_se`` (Monte Carlo standard error), one row for
        ``"retained"`` and one per layer (:attr:`layers`); empty without a programme.

        Examples
        --------
        >>> from riskmodel import InsuranceProgram, Layer, LossModel, simulate
        >>> from riskmodel.frequency import Poisson
        >>> from riskmodel.severity import LogNormal
        >>> m = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})
        >>> r = simulate(m, 100_000, rng=1, program=InsuranceProgram([Layer(1e7, 4e7)]))
        >>> list(r.by_layer().index)
        ['retained', 'layer 1: 40M xs 10M per occurrence']
        >>> bool(abs(r.by_layer()["mean"].iloc[1] - r.ceded.mean) < 1e-6 * r.ceded.mean)
        True
        """
        import pandas as pd

        lay = self.layers
        if lay is None:
            return pd.DataFrame(columns=["mean", "std", "mean_se"], index=pd.Index([]))
        return pd.DataFrame(
            {
                "mean": lay.cat_mean,
                "std": np.sqrt(lay.cat_var),
                "mean_se": np.sqrt(lay.cat_var / lay.n),
            },
            index=pd.Index(list(lay.categories), name="layer"),
        )

    def describe(self) -> pd.DataFrame:
        """Audit table: simulated moments beside the analytic ones, with relative errors and flags.

        A row is flagged when the simulated mean lies more than 4 Monte Carlo standard errors
        from E[S] = E[N] E[X]; where E[S] or Var[S] is infinite the sample value is not an
        estimate of anything and the row says so.
        """
        import pandas as pd

        g = self.gross
        rows = []
        names = [*self.categories, "total"]
        means = [*g.cat_mean, g.mean]
        vars_ = [*g.cat_var, g.var]
        for name, m, v in zip(names, means, vars_, strict=True):
            a = self.analytic.get(name, {})
            am, av = a.get("mean", math.nan), a.get("var", math.nan)
            se = math.sqrt(v / g.n)
            rel = (m - am) / am if math.isfinite(am) and am != 0 else math.nan
            if not math.isfinite(am):
                flag = "infinite mean: sample mean meaningless" if am == math.inf else "n/a"
            else:
                flag = "ok" if abs(m - am) <= 4 * se else "CHECK: > 4 s.e."
            rows.append(
                {
                    "category": name,
                    "sim_mean": m,
                    "analytic_mean": am,
                    "rel_error_mean": rel,
                    "mc_se_mean": se,
                    "sim_var": v,
                    "analytic_var": av,
                    "rel_error_var": (v - av) / av if math.isfinite(av) and av else math.nan,
                    "flag": flag,
                }
            )
        return pd.DataFrame(rows).set_index("category")

    def summary(self, p: float = 0.995) -> str:
        """Readable summary: moments and VaR/TVaR at ``p``, gross, ceded and net, in USD.

        VaR and TVaR come with their 95% Monte Carlo intervals.
        """
        lines = [
            f"Simulation: {self.n_sims:,} years, seed {self.provenance.get('seed')}, "
            f"block size {self.provenance.get('block_size')}; amounts in USD",
            f"{'':8}{'mean':>16}{'std':>16}{f'VaR {p:g}':>18}{f'TVaR {p:g}':>18}",
        ]
        for v in (self.gross, self.ceded, self.net):
            lines.append(
                f"{v.name:8}{v.mean:>16,.0f}{v.std:>16,.0f}"
                f"{v.quantile(p):>18,.0f}{v.tvar(p):>18,.0f}"
            )
            vlo, vhi = v.quantile_ci(p)
            tlo, thi = v.tvar_ci(p)
            lines.append(
                f"{'':8}95% CI: VaR [{vlo:,.0f}, {vhi:,.0f}], TVaR [{tlo:,.0f}, {thi:,.0f}]"
            )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Exceedance curve of the annual loss (gross, and net with insurance), log-log.

        Returns the matplotlib Axes; see :func:`riskmodel.plots.exceedance_plot`.
        """
        from ..plots import exceedance_plot

        return exceedance_plot(self, ax=ax)

    def to_dict(self, levels: Sequence[float] = (0.9, 0.95, 0.99, 0.995, 0.999)) -> dict[str, Any]:
        """JSON-friendly record: moments, quantiles with intervals, TVaR, provenance."""
        out: dict[str, Any] = {"provenance": dict(self.provenance)}
        for v in (self.gross, self.ceded, self.net):
            d: dict[str, Any] = {
                "mean": v.mean,
                "std": v.std,
                "by_category_mean": dict(
                    zip(self.categories, map(float, v.cat_mean), strict=True)
                ),
            }
            for p in levels:
                if p >= v.min_level:
                    d[f"var_{p:g}"] = v.quantile(p)
                    d[f"var_{p:g}_ci95"] = list(v.quantile_ci(p))
                    d[f"tvar_{p:g}"] = v.tvar(p)
                    d[f"tvar_{p:g}_ci95"] = list(v.tvar_ci(p))
            out[v.name] = d
        return out
