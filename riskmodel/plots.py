"""Diagnostic plots. Every matplotlib call of the package lives here.

Each function takes ``ax=None`` (a new figure is made when it is None) and returns the
matplotlib Axes it drew on. matplotlib is imported inside the functions, so ``import
riskmodel`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullLocator

    from .engine.result import LossSample, SimulationResult
    from .fit._frequency import FrequencyFit
    from .fit._severity import SeverityFit
    from .reserving import ReserveResult

__all__ = [
    "allocation_plot",
    "coverage_curve_plot",
    "density_plot",
    "exceedance_plot",
    "exceedance_points",
    "frequency_fit_plot",
    "hill_plot",
    "layer_price_plot",
    "mean_excess_plot",
    "pp_plot",
    "qq_plot",
    "save_figure",
    "stability_plot",
    "standard_formula_plot",
    "survival_plot",
]


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.0, 4.5))
    return ax


def _label(fit: SeverityFit) -> str:
    return f"{fit.family} (AIC {fit.aic:.1f})"


def qq_plot(fit: SeverityFit, ax: Axes | None = None) -> Axes:
    r"""Quantile-quantile plot of the losses against the fitted observed model (log axes).

    With truncation or caps that differ between losses there is no single fitted quantile
    function; the plot then compares the probability integral transforms on the standard
    exponential scale (:math:`-\log(1 - z)`), where the tail is spread out.
    """
    ax = _axes(ax)
    x = np.sort(fit.losses)
    n = x.size
    q = (np.arange(1, n + 1) - 0.5) / n
    try:
        model = fit.observed
    except ValueError:
        from .fit._gof import pit

        _z, s, _, _ = pit(fit.dist, fit.design)
        e_obs = np.sort(-np.log(np.maximum(s, 1e-300)))
        e_fit = -np.log1p(-q)
        ax.plot(e_fit, e_obs, "o", ms=3, alpha=0.7)
        lim = [0, max(e_fit.max(), e_obs.max())]
        ax.plot(lim, lim, "k--", lw=1)
        ax.set_xlabel("fitted: standard exponential quantile")
        ax.set_ylabel("observed: -log(1 - PIT)")
        ax.set_title(f"Q-Q plot (PIT, exponential scale): {fit.family}")
        return ax
    fq = np.asarray(model.ppf(q), dtype=float)
    ax.loglog(fq, x, "o", ms=3, alpha=0.7, label="losses")
    lo, hi = min(fq.min(), x.min()), max(fq.max(), x.max())
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = x")
    ax.set_xlabel("fitted quantile")
    ax.set_ylabel("observed loss")
    ax.set_title(f"Q-Q plot: {fit.family}")
    ax.legend(loc="upper left")
    return ax


def pp_plot(fit: SeverityFit, ax: Axes | None = None) -> Axes:
    """Probability-probability plot: sorted PIT values against uniform plotting positions."""
    from .fit._gof import pit

    ax = _axes(ax)
    z, _, _, _ = pit(fit.dist, fit.design)
    z = np.sort(z)
    n = z.size
    ax.plot((np.arange(1, n + 1) - 0.5) / n, z, "o", ms=3, alpha=0.7, label="losses")
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="y = x")
    ax.set_xlabel("empirical probability")
    ax.set_ylabel("fitted probability (PIT)")
    ax.set_title(f"P-P plot: {fit.family}")
    ax.legend(loc="upper left")
    return ax


def survival_plot(
    fits: SeverityFit | Sequence[SeverityFit] | Mapping[str, SeverityFit],
    losses: ArrayLike | None = None,
    ax: Axes | None = None,
) -> Axes:
    r"""Log-log survival (Zipf) plot: empirical survival of the losses and fitted curves.

    Parameters
    ----------
    fits : SeverityFit, sequence or mapping of them
        Fitted curves to draw (e.g. ``compare_severity(...).fits``); failed fits (None) are
        skipped. They should share one observation scheme.
    losses : array_like, optional
        Losses for the empirical curve (default: those of the first fit).
    ax : matplotlib Axes, optional

    Notes
    -----
    The empirical survival at the i-th smallest of n losses is :math:`(n - i + 1)/n`; a
    straight line of slope :math:`-\alpha` on these axes is a Pareto tail of index
    :math:`\alpha`.
    """
    if isinstance(fits, Mapping):
        items = [(k, f) for k, f in fits.items() if f is not None]
    elif isinstance(fits, Sequence):
        items = [(f.family, f) for f in fits if f is not None]
    else:
        items = [(fits.family, fits)]
    if not items and losses is None:
        raise ValueError("survival_plot: no fit and no losses to draw")
    ax = _axes(ax)
    x = np.sort(np.asarray(items[0][1].losses if losses is None else losses, dtype=float))
    n = x.size
    ax.loglog(x, (n - np.arange(n)) / n, "o", ms=3, color="0.3", alpha=0.8, label="losses")
    grid = np.geomspace(x.min(), x.max() * 1.5, 300)
    for name, fit in items:
        try:
            model = fit.observed
        except ValueError:
            continue
        with np.errstate(all="ignore"):
            ax.loglog(
                grid, np.asarray(model.sf(grid)), lw=1.5, label=f"{name} (AIC {fit.aic:.1f})"
            )
    ax.set_xlabel("loss")
    ax.set_ylabel("P(X > x)")
    ax.set_title("Survival function (log-log)")
    ax.set_ylim(bottom=0.5 / n)
    ax.legend(fontsize="small")
    return ax


def density_plot(fit: SeverityFit, ax: Axes | None = None, bins: int = 30) -> Axes:
    """Histogram of the losses on log-spaced bins with the fitted observed density (log x)."""
    ax = _axes(ax)
    x = np.asarray(fit.losses, dtype=float)
    edges = np.geomspace(x.min(), x.max() * 1.0001, int(bins) + 1)
    ax.hist(x, bins=list(edges), density=True, color="0.8", edgecolor="0.5", label="losses")
    try:
        model = fit.observed
    except ValueError:
        model = None
    if model is not None:
        grid = np.geomspace(x.min(), x.max(), 400)
        with np.errstate(all="ignore"):
            ax.plot(grid, np.asarray(model.pdf(grid)), "C1", lw=1.5, label=_label(fit))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("loss")
    ax.set_ylabel("density")
    ax.set_title(f"Density: {fit.family}")
    ax.legend(fontsize="small")
    return ax


def frequency_fit_plot(fit: FrequencyFit, ax: Axes | None = None, *, level: float = 0.95) -> Axes:
    """Observed counts per period with the fitted mean and its pointwise confidence band.

    Parameters
    ----------
    fit : FrequencyFit
        A fit of :func:`riskmodel.fit.fit_frequency`.
    ax : matplotlib Axes, optional
        Drawn on a new figure's Axes if not given.
    level : float, default 0.95
        Level of the band (delta method on the log scale: ``exp(eta +- z se(eta))``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from scipy import stats

    ax = _axes(ax)
    x = fit.years
    order = np.argsort(x, kind="stable")
    eta = fit.design @ np.array(list(fit.params.values()))
    se = np.sqrt(np.einsum("ij,jk,ik->i", fit.design, fit.cov, fit.design))
    z = stats.norm.isf((1.0 - level) / 2.0)
    lo, mid, hi = (fit.exposure * np.exp(eta + s * z * se) for s in (-1.0, 0.0, 1.0))
    ax.fill_between(x[order], lo[order], hi[order], alpha=0.3, label=f"{level:.0%} band")
    ax.plot(x[order], mid[order], label=f"fitted mean ({fit.family})")
    ax.plot(x, fit.counts, "o", color="black", label="observed")
    ax.set_xlabel("year")
    ax.set_ylabel("count")
    ax.legend()
    return ax


def mean_excess_plot(
    losses: ArrayLike, ax: Axes | None = None, *, omit: int = 3, level: float = 0.95
) -> Axes:
    """Sample mean-excess function with a pointwise confidence band.

    See :func:`riskmodel.fit.mean_excess`.
    """
    from .fit._evt import mean_excess

    ax = _axes(ax)
    me = mean_excess(losses, omit=omit, level=level)
    ax.plot(me["threshold"], me["mean_excess"], "o", ms=3, label="mean excess")
    ax.fill_between(
        me["threshold"], me["lower"], me["upper"], alpha=0.2, label=f"{level:.0%} band"
    )
    ax.set_xscale("log")
    ax.set_xlabel("threshold u")
    ax.set_ylabel("e(u) = E[X - u | X > u]")
    ax.set_title("Mean-excess plot")
    ax.legend(fontsize="small")
    return ax


def hill_plot(
    losses: ArrayLike,
    ax: Axes | None = None,
    *,
    param: str = "alpha",
    k_max: int | None = None,
    level: float = 0.95,
) -> Axes:
    """Hill estimates of the tail index (``param="alpha"``) or of ``xi`` against ``k``.

    See :func:`riskmodel.fit.hill`.
    """
    from .fit._evt import hill

    if param not in ("alpha", "xi"):
        raise ValueError(f"param: expected 'alpha' or 'xi', got {param!r}")
    ax = _axes(ax)
    n = np.asarray(losses).size
    ks = np.arange(2, min(n - 1, k_max if k_max else n - 1) + 1)
    h = hill(losses, ks, level=level)
    ax.plot(h["k"], h[param], lw=1.2, label=f"Hill {param}")
    ax.fill_between(
        h["k"], h[f"{param}_lower"], h[f"{param}_upper"], alpha=0.2, label=f"{level:.0%} interval"
    )
    ax.set_xlabel("k (number of upper order statistics)")
    ax.set_ylabel(param)
    ax.set_title("Hill plot")
    ax.legend(fontsize="small")
    return ax


def stability_plot(
    losses: ArrayLike,
    thresholds: ArrayLike | None = None,
    ax: Axes | None = None,
    *,
    param: str = "xi",
    level: float = 0.95,
) -> Axes:
    """GPD parameter stability: ``xi`` (or ``"sigma_star"``) against the threshold.

    See :func:`riskmodel.fit.gpd_stability`.
    """
    from .fit._evt import gpd_stability

    if param not in ("xi", "sigma_star"):
        raise ValueError(f"param: expected 'xi' or 'sigma_star', got {param!r}")
    ax = _axes(ax)
    st = gpd_stability(losses, thresholds, level=level)
    y = st[param].to_numpy()
    err = np.vstack([y - st[f"{param}_lower"].to_numpy(), st[f"{param}_upper"].to_numpy() - y])
    ax.errorbar(
        st["threshold"],
        y,
        yerr=err,
        fmt="o",
        ms=3,
        capsize=2,
        label=f"{param} ({level:.0%} interval)",
    )
    ax.set_xscale("log")
    ax.set_xlabel("threshold u")
    ax.set_ylabel(param)
    ax.set_title("GPD parameter stability")
    ax.legend(fontsize="small")
    return ax


def save_figure(ax: Axes, path: str | os.PathLike[str]) -> None:
    """Save the figure holding ``ax`` to ``path`` (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    fig = cast("Figure", ax.figure)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------- money axes
def _money(x: float) -> str:
    """1.5e9 -> '1.5bn', 2.5e7 -> '25M', 3e12 -> '3tn' (for tick labels and annotations)."""
    if not np.isfinite(x):
        return "inf" if x > 0 else "-inf" if x < 0 else "nan"
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def _usd_axis(axis: Axis) -> None:
    """Tick labels in USD with k / M / bn / tn suffixes on a (log or linear) axis."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _money(v)))
    if axis.get_scale() == "log":
        axis.set_minor_formatter(NullFormatter())


def _sample(result: SimulationResult | ReserveResult, of: str) -> LossSample:
    """The LossSample ``of`` of a SimulationResult or a ReserveResult."""
    sim = getattr(result, "simulation", result)
    return getattr(sim, of)


def _has_insurance(result: SimulationResult | ReserveResult) -> bool:
    """Whether the simulation ceded anything (else net equals gross)."""
    ceded = _sample(result, "ceded")
    return bool(ceded.mean > 0 or (len(ceded.tail) and ceded.tail[0] > 0))


def exceedance_points(
    result: SimulationResult | ReserveResult, *, n_points: int = 80, level: float = 0.95
) -> pd.DataFrame:
    r"""The annual-loss exceedance curve as a table: quantiles with order-statistic intervals.

    Parameters
    ----------
    result : SimulationResult or ReserveResult
    n_points : int
        Exceedance probabilities, log-spaced from the least one the retained tail supports
        down to ``1 / n_sims``.
    level : float
        Confidence level of the interval of each quantile.

    Returns
    -------
    pandas.DataFrame
        Columns ``exceedance_probability`` (e), ``return_period_years`` (1/e) and, for the
        gross loss and (with insurance) the net loss, ``<of>``, ``<of>_lo``, ``<of>_hi``:
        the lower empirical ``1 - e`` quantile and its distribution-free interval.

    Notes
    -----
    The curve is :math:`x(e) = \hat F^{-1}(1 - e)`, so that :math:`P(S > x(e)) \approx e`;
    the band is the order-statistic interval of each quantile
    (:meth:`riskmodel.engine.result.LossSample.quantile_ci`), i.e. a horizontal band.
    """
    import pandas as pd

    views = ["gross", "net"] if _has_insurance(result) else ["gross"]
    sample = _sample(result, "gross")
    n = sample.n
    top = min(1.0 - _sample(result, v).min_level for v in views)
    probs = np.unique(np.geomspace(top * (1 - 1e-9), 1.0 / n, int(n_points)))[::-1]
    rows = []
    for e in probs:
        row = {"exceedance_probability": float(e), "return_period_years": float(1 / e)}
        try:
            for v in views:
                s = _sample(result, v)
                row[v] = s.quantile(1.0 - e)
                row[f"{v}_lo"], row[f"{v}_hi"] = s.quantile_ci(1.0 - e, level)
        except ValueError:  # the interval reaches below the retained tail
            continue
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["level"] = level
    return out


def exceedance_plot(
    result: SimulationResult | ReserveResult,
    ax: Axes | None = None,
    *,
    table: pd.DataFrame | None = None,
    level: float = 0.95,
    reserve: ReserveResult | None = None,
) -> Axes:
    """Exceedance curve of the annual loss, gross and net, with a confidence band (log-log).

    Parameters
    ----------
    result : SimulationResult or ReserveResult
        A ReserveResult also marks its reserve.
    ax : matplotlib Axes, optional
    table : DataFrame, optional
        Points from :func:`exceedance_points` (computed when not given).
    level : float
        Confidence level of the band when ``table`` is computed here.
    reserve : ReserveResult, optional
        Reserve to mark (default: ``result`` itself when it is one).

    Notes
    -----
    Years with no loss (quantile 0) cannot be drawn on a log scale and are left out. The
    right axis gives the return period :math:`1/e` in years. The curve, its band and the x
    axis end at the largest simulated annual total: nothing is drawn beyond what was
    simulated.
    """
    ax = _axes(ax)
    if reserve is None and hasattr(result, "simulation"):
        reserve = cast("ReserveResult", result)
    if table is None:
        table = exceedance_points(result, level=level)
    level = table.attrs.get("level", level)
    views = [v for v in ("gross", "net") if v in table]
    styles = {
        "gross": ("C0", "gross (before insurance)"),
        "net": ("C1", "net of insurance"),
    }
    e = table["exceedance_probability"].to_numpy()
    positive = np.concatenate([table[v].to_numpy() for v in views])
    positive = positive[positive > 0]
    if positive.size == 0:
        ax.text(0.5, 0.5, "no simulated year has a loss", ha="center", transform=ax.transAxes)
        return ax
    floor = positive.min() / 2
    # nothing beyond the largest simulated total: the curve, the band and the axis end there
    top = max(float(_sample(result, v).tail[0]) for v in views)
    for i, v in enumerate(views):
        color, label = styles[v]
        x = table[v].to_numpy()
        ok = x > 0
        ax.plot(x[ok], e[ok], color=color, lw=1.8, label=label)
        lo = np.maximum(table[f"{v}_lo"].to_numpy(), floor)
        hi = np.minimum(table[f"{v}_hi"].to_numpy(), top)
        band = hi > 0
        ax.fill_betweenx(
            e[band],
            lo[band],
            hi[band],
            color=color,
            alpha=0.2,
            lw=0,
            label=f"shaded: {level:.0%} CI (order statistics)" if i == 0 else None,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, max(top, floor * 4))
    if reserve is not None:
        p = 1.0 - reserve.coverage
        name = "VaR" if reserve.measure == "var" else "TVaR"
        ax.axhline(p, color="0.4", ls=":", lw=1, label=f"1 - coverage = {p:.4g}")
        marks = [("gross reserve", reserve.gross_reserve, "C0")]
        if "net" in views:
            marks.append(("net reserve", reserve.reserve, "C1"))
        for what, x, color in marks:
            if x > 0:
                ax.axvline(
                    x,
                    color=color,
                    ls="--",
                    lw=1,
                    label=f"{what} ({name} {100 * reserve.coverage:g}%): USD {_money(x)}",
                )
    ax.set_xlabel("annual loss x (USD, log scale)")
    ax.set_ylabel("P(annual loss > x) (log scale)")
    _usd_axis(ax.xaxis)
    sec = ax.secondary_yaxis("right", functions=(_reciprocal, _reciprocal))
    sec.set_ylabel("return period (years)")
    ax.set_title("Exceedance curve of the annual loss")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="lower left")
    return ax


def _reciprocal(x: ArrayLike) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return 1.0 / np.asarray(x, dtype=float)


def coverage_curve_plot(
    curve: pd.DataFrame, ax: Axes | None = None, *, coverage: float | None = None
) -> Axes:
    """The reserve against the coverage level: VaR and TVaR, gross and net (log scales).

    Parameters
    ----------
    curve : DataFrame
        From :func:`riskmodel.reserving.coverage_curve` (columns ``coverage``, ``gross_var``,
        ``gross_var_lo``, ``gross_var_hi``, ``net_var``, ``gross_tvar``, ``net_tvar``;
        ``net_var_lo`` and ``net_var_hi`` are drawn when present).
    ax : matplotlib Axes, optional
    coverage : float, optional
        A coverage level to mark (the reserve's).

    Notes
    -----
    The x axis is the return period :math:`1/(1-p)` on a log scale, labelled with the
    coverage :math:`p`. A zero reserve (no loss in more than a share ``p`` of years) cannot
    be drawn on the log scale; the plot says below which coverage that happens.
    """
    ax = _axes(ax)
    p = curve["coverage"].to_numpy(dtype=float)
    x = 1.0 / (1.0 - p)
    net = not (
        np.allclose(curve["net_var"], curve["gross_var"])
        and np.allclose(curve["net_tvar"], curve["gross_tvar"])
    )
    lines = [("gross", "C0")] + ([("net", "C1")] if net else [])
    zero_below = None
    for of, color in lines:
        for kind, ls, marker in (("var", "-", "o"), ("tvar", "--", "s")):
            y = curve[f"{of}_{kind}"].to_numpy(dtype=float)
            ok = y > 0
            if (~ok).any():
                zero = p[~ok].max()
                zero_below = zero if zero_below is None else max(zero_below, zero)
            label = f"{of} {'VaR' if kind == 'var' else 'TVaR'}"
            ax.plot(x[ok], y[ok], ls=ls, marker=marker, ms=3.5, color=color, label=label)
        if f"{of}_var_lo" in curve:
            lo = curve[f"{of}_var_lo"].to_numpy(dtype=float)
            hi = curve[f"{of}_var_hi"].to_numpy(dtype=float)
            ok = lo > 0
            ax.fill_between(x[ok], lo[ok], hi[ok], color=color, alpha=0.2, lw=0)
    ax.fill_between([], [], [], color="0.5", alpha=0.2, label="95% CI of VaR")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels([f"{100 * v:g}%" for v in p], rotation=35, ha="right")
    ax.xaxis.set_minor_locator(_null_locator())
    _usd_axis(ax.yaxis)
    if coverage is not None:
        ax.axvline(1.0 / (1.0 - coverage), color="0.4", ls=":", lw=1)
    if zero_below is not None:
        ax.text(
            0.02,
            0.97,
            f"reserve 0 at coverage {100 * zero_below:g}% and below\n"
            "(no loss in that share of years; not drawn on the log scale)",
            transform=ax.transAxes,
            va="top",
            fontsize="small",
        )
    sec = ax.secondary_xaxis("top", functions=(_identity, _identity))
    sec.set_xlabel("return period 1/(1-p) (years)")
    ax.set_xlabel("coverage probability p")
    ax.set_ylabel("reserve (USD, log scale)")
    ax.set_title("Reserve against coverage", pad=28)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")
    return ax


def _identity(x: ArrayLike) -> ArrayLike:
    return x


def _null_locator() -> NullLocator:
    from matplotlib.ticker import NullLocator

    return NullLocator()


def allocation_plot(
    allocation: Mapping[str, float] | pd.DataFrame,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """Horizontal bars of the reserve allocated to categories (Euler contributions).

    Parameters
    ----------
    allocation : mapping of str to float, or DataFrame
        Category -> USD; a DataFrame draws one bar per column (e.g. ``gross`` and ``net``).
    ax : matplotlib Axes, optional
    title : str, optional

    Notes
    -----
    Euler contributions add up to the reserve; a negative contribution (a category that
    lowers the reserve) is drawn to the left of zero. Each bar is labelled with its amount and
    its share of its column's total.
    """
    import pandas as pd

    ax = _axes(ax)
    df = (
        allocation
        if isinstance(allocation, pd.DataFrame)
        else pd.DataFrame({"reserve": pd.Series(allocation, dtype=float)})
    )
    cats = list(df.index)[::-1]
    k = df.shape[1]
    height = 0.8 / k
    pos = np.arange(len(cats))
    xmax = float(np.nanmax(np.abs(df.to_numpy(dtype=float)))) or 1.0
    for j, col in enumerate(df.columns):
        vals = df[col].reindex(cats).to_numpy(dtype=float)
        total = float(np.nansum(df[col].to_numpy(dtype=float)))
        y = pos + (k - 1 - 2 * j) * height / 2
        ax.barh(y, vals, height=height * 0.9, color=f"C{j}", label=str(col))
        for yi, v in zip(y, vals, strict=True):
            share = f" ({v / total:.1%})" if total else ""
            ax.text(
                max(v, 0) + 0.01 * xmax,
                yi,
                f"USD {_money(v)}{share}",
                va="center",
                fontsize="small",
            )
    ax.set_yticks(pos)
    ax.set_yticklabels(cats)
    ax.set_xlim(min(0.0, float(np.nanmin(df.to_numpy(dtype=float)))) * 1.1, xmax * 1.35)
    ax.axvline(0, color="0.3", lw=0.8)
    _usd_axis(ax.xaxis)
    ax.set_xlabel("contribution to the reserve (USD)")
    ax.set_title(title or "Allocation of the reserve by category (Euler contributions)")
    if k > 1:
        ax.legend(fontsize="small", loc="lower right")
    ax.grid(True, axis="x", alpha=0.3)
    return ax


_PRINCIPLES = {
    "expected": "expected value",
    "std": "std. deviation",
    "variance": "variance",
    "wang": "Wang",
    "cost_of_capital": "cost of capital",
}


def layer_price_plot(
    tower: pd.DataFrame,
    ax: Axes | None = None,
    *,
    principles: Sequence[str] | None = None,
    paid: Sequence[float] | None = None,
) -> Axes:
    """Grouped bars: expected annual layer loss and premium under each principle, per layer.

    Parameters
    ----------
    tower : DataFrame
        From :func:`riskmodel.pricing.price_tower` (index: layer label).
    ax : matplotlib Axes, optional
    principles : sequence of str, optional
        Which ``premium_<p>`` columns to draw (default: all in the table).
    paid : sequence of float, optional
        The premium actually charged per layer (USD), drawn as a marker.

    Notes
    -----
    The y axis is logarithmic when the bars span more than two orders of magnitude.
    """
    ax = _axes(ax)
    if principles is None:
        principles = [
            c[len("premium_") :]
            for c in tower.columns
            if c.startswith("premium_") and not c.startswith("premium_se_")
        ]
    cols = ["expected_loss"] + [f"premium_{p}" for p in principles]
    names = ["expected annual layer loss"] + [
        "premium: " + _PRINCIPLES.get(p, p.replace("_", " ")) for p in principles
    ]
    k = len(cols)
    width = 0.8 / k
    pos = np.arange(len(tower))
    vals = tower[cols].to_numpy(dtype=float)
    for j, name in enumerate(names):
        ax.bar(
            pos - 0.4 + (j + 0.5) * width,
            vals[:, j],
            width * 0.95,
            label=name,
            color="0.55" if j == 0 else f"C{j - 1}",
        )
    if paid is not None:
        paid_usd = np.asarray(paid, dtype=float)
        ok = paid_usd > 0
        ax.hlines(
            paid_usd[ok],
            pos[ok] - 0.45,
            pos[ok] + 0.45,
            colors="k",
            linestyles="--",
            lw=1.5,
            label="premium charged",
        )
    pos_vals = vals[np.isfinite(vals) & (vals > 0)]
    if pos_vals.size and pos_vals.max() / pos_vals.min() > 100:
        ax.set_yscale("log")
    ax.set_xticks(pos)
    ax.set_xticklabels([str(i) for i in tower.index])
    _usd_axis(ax.yaxis)
    ax.set_xlabel("layer (limit xs attachment, USD)")
    ax.set_ylabel("annual amount (USD)")
    ax.set_title("Layer prices: expected annual layer loss and premiums")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def standard_formula_plot(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal bars: the model reserve beside what each standard formula requires (USD).

    Parameters
    ----------
    table : DataFrame
        From :func:`riskmodel.standard_formulas.compare_standard_formulas` (index:
        requirement; columns ``usd`` and ``note``).
    ax : matplotlib Axes, optional

    Notes
    -----
    Model rows are blue, formula rows green; a formula the profile lacks inputs for is
    listed with its note instead of a bar. The x axis is logarithmic when the amounts span
    more than two orders of magnitude.
    """
    ax = _axes(ax)
    names = list(table.index)[::-1]
    usd = table["usd"].reindex(names).to_numpy(dtype=float)
    notes = table["note"].reindex(names).astype(str).to_numpy()
    pos = np.arange(len(names))
    ok = np.isfinite(usd) & (usd > 0)
    colors = ["C0" if str(n).startswith("model") else "C2" for n in names]
    ax.barh(pos[ok], usd[ok], color=[c for c, o in zip(colors, ok, strict=True) if o])
    vals = usd[ok]
    log = vals.size > 0 and vals.max() / vals.min() > 100
    if log:
        ax.set_xscale("log")
    right = vals.max() if vals.size else 1.0
    for y, v, good, note in zip(pos, usd, ok, notes, strict=True):
        if good:
            ax.text(
                v * (1.05 if log else 1.0) + (0 if log else 0.01 * right),
                float(y),
                f" USD {_money(v)}",
                va="center",
                fontsize="small",
            )
        else:
            left = vals.min() if (log and vals.size) else 0.0
            ax.text(
                left,
                float(y),
                f"  not computed: {note}",
                va="center",
                fontsize="small",
                color="0.35",
            )
    ax.set_xlim(right=right * (4 if log else 1.3))
    ax.set_yticks(pos)
    ax.set_yticklabels(names)
    _usd_axis(ax.xaxis)
    ax.set_xlabel("required amount (USD" + (", log scale)" if log else ")"))
    ax.set_title("Model reserve beside standard formulas")
    ax.grid(True, axis="x", alpha=0.3)
    return ax
