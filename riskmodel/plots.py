"""Diagnostic plots. Every matplotlib call of the package lives here.

Each function takes ``ax=None`` (a new figure is made when it is None) and returns the
matplotlib Axes it drew on. matplotlib is imported inside the functions, so ``import
riskmodel`` stays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .fit._severity import SeverityFit

__all__ = [
    "density_plot",
    "hill_plot",
    "mean_excess_plot",
    "pp_plot",
    "qq_plot",
    "save_figure",
    "stability_plot",
    "survival_plot",
]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.0, 4.5))
    return ax


def _label(fit: SeverityFit) -> str:
    return f"{fit.family} (AIC {fit.aic:.1f})"


def qq_plot(fit: SeverityFit, ax=None):
    """Quantile-quantile plot of the losses against the fitted observed model (log axes).

    With truncation or caps that differ between losses there is no single fitted quantile
    function; the plot then compares the probability integral transforms on the standard
    exponential scale (:math:`-\\log(1 - z)`), where the tail is spread out.
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


def pp_plot(fit: SeverityFit, ax=None):
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
    fits: SeverityFit | Sequence[SeverityFit] | Mapping[str, SeverityFit], losses=None, ax=None
):
    """Log-log survival (Zipf) plot: empirical survival of the losses and fitted curves.

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
    straight line of slope :math:`-\\alpha` on these axes is a Pareto tail of index
    :math:`\\alpha`.
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


def density_plot(fit: SeverityFit, ax=None, bins: int = 30):
    """Histogram of the losses on log-spaced bins with the fitted observed density (log x)."""
    ax = _axes(ax)
    x = np.asarray(fit.losses, dtype=float)
    edges = np.geomspace(x.min(), x.max() * 1.0001, int(bins) + 1)
    ax.hist(x, bins=edges, density=True, color="0.8", edgecolor="0.5", label="losses")
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


def mean_excess_plot(losses, ax=None, *, omit: int = 3, level: float = 0.95):
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
    losses, ax=None, *, param: str = "alpha", k_max: int | None = None, level: float = 0.95
):
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


def stability_plot(losses, thresholds=None, ax=None, *, param: str = "xi", level: float = 0.95):
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


def save_figure(ax, path) -> None:
    """Save the figure holding ``ax`` to ``path`` (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    fig = ax.figure
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
