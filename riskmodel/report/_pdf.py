"""The report's PDF: page layout (header, footer, tables, text) around the charts of plots.py.

The charts themselves are drawn by :mod:`riskmodel.plots`; this module composes pages on
:class:`matplotlib.figure.Figure` objects (no pyplot, so no global state and no window) and
writes them with :class:`~matplotlib.backends.backend_pdf.PdfPages`. matplotlib is imported
only when a report is written.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, plots
from ..plots import _usd_axis
from . import _model_risk
from ._format import _pct, _short, _usd

__all__ = ["PAGES", "write_pdf"]

#: the pages of every report, in order (a skipped section keeps its page, with a note)
PAGES = (
    "Summary",
    "Data and model",
    "Assumptions and method",
    "Exceedance curve of the annual loss",
    "Reserve against coverage",
    "Severity fit diagnostics",
    "Model risk",
    "Allocation by category and layer",
    "Layer prices",
    "Standard-formula comparison",
)

_PAGE = (11.69, 8.27)  # A4 landscape, inches
_RC = {
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "pdf.fonttype": 42,  # embedded TrueType: the text stays searchable
}
_HEAD = "#1f3b5c"
#: short names of the premium principles in table headers
_PRINCIPLE_NAMES = {
    "expected": "EV",
    "std": "SD",
    "variance": "Var",
    "wang": "Wang",
    "cost_of_capital": "CoC",
}


class _Page:
    """One A4-landscape page with the report's header and footer."""

    def __init__(self, data, number: int) -> None:
        from matplotlib.figure import Figure

        self.data = data
        self.fig = Figure(figsize=_PAGE)
        title = PAGES[number - 1]
        fig = self.fig
        fig.text(0.04, 0.955, title, fontsize=15, weight="bold", color=_HEAD, va="baseline")
        fig.text(
            0.96,
            0.955,
            textwrap.shorten(data.subject, 90),
            fontsize=9,
            color="0.3",
            ha="right",
            va="baseline",
        )
        fig.add_artist(_line(fig, 0.94))
        fig.add_artist(_line(fig, 0.05))
        fig.text(0.04, 0.03, data.source_line, fontsize=7, color="0.35")
        fig.text(
            0.96, 0.03, f"page {number} of {len(PAGES)}", fontsize=7, color="0.35", ha="right"
        )

    def axes(self, rect: Sequence[float]):
        """A plotting Axes at ``rect`` = [left, bottom, width, height] (figure fractions)."""
        return self.fig.add_axes(rect)

    def text(
        self,
        x: float,
        y: float,
        lines: Sequence[str],
        *,
        size: float = 8.5,
        width=160,
        indent: str = "",
        gap: float = 0.35,
    ) -> float:
        """Write wrapped paragraphs from the top ``y`` down; return the y below them."""
        h = size * 1.45 / 72 / _PAGE[1]
        for para in lines:
            wrapped = textwrap.wrap(para, width, subsequent_indent=indent) or [""]
            for ln in wrapped:
                self.fig.text(x, y, ln, fontsize=size, va="top")
                y -= h
            y -= gap * h
        return y

    def heading(self, x: float, y: float, text: str) -> float:
        """A section heading; returns the y below it."""
        self.fig.text(x, y, text, fontsize=10.5, weight="bold", color=_HEAD, va="top")
        return y - 0.03

    def table(
        self,
        x: float,
        y: float,
        width: float,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float] | None = None,
        row_h: float = 0.03,
        size: float = 8,
        left: Sequence[int] = (0,),
    ) -> float:
        """A table with its top-left corner at (x, y); returns the y below it.

        Columns ``left`` are aligned left (text), the others right (numbers)."""
        n = len(rows) + 1
        ax = self.fig.add_axes([x, y - n * row_h, width, n * row_h])
        ax.axis("off")
        if widths is None:
            lens = [max(len(str(r[j])) for r in [header, *rows]) + 2 for j in range(len(header))]
            widths = [v / sum(lens) for v in lens]
        tab = ax.table(
            cellText=[list(map(str, r)) for r in rows],
            colLabels=list(header),
            colWidths=list(widths),
            bbox=[0, 0, 1, 1],
            cellLoc="right",
        )
        tab.auto_set_font_size(False)
        tab.set_fontsize(size)
        for (i, j), cell in tab.get_celld().items():
            cell.set_edgecolor("0.75")
            cell.set_linewidth(0.5)
            if j in left:
                cell.set_text_props(ha="left")
                cell.PAD = 0.02
            if i == 0:
                cell.set_facecolor("#e8edf3")
                cell.set_text_props(weight="bold")
        return y - n * row_h - 0.015

    def caption(self, y: float, text: str) -> None:
        """A caption paragraph across the page at ``y`` (top)."""
        self.text(0.06, y, [text], size=8, width=185)


def _line(fig, y: float):
    from matplotlib.lines import Line2D

    return Line2D([0.04, 0.96], [y, y], transform=fig.transFigure, color="0.7", lw=0.8)


# ------------------------------------------------------------------------------ pages
def _summary(page: _Page, created: str) -> None:
    d = page.data
    h, res, cal = d.headline, d.reserve, d.calibration
    fig = page.fig
    fig.text(0.06, 0.86, d.title, fontsize=24, weight="bold", color=_HEAD, va="top")
    fig.text(0.06, 0.795, d.subject, fontsize=14, va="top")
    name = "VaR" if res.measure == "var" else "TVaR"
    ci = _pct(res.level)
    fig.text(
        0.06,
        0.75,
        f"Reserve to cover a year's customer losses with probability {_pct(res.coverage)} "
        f"({name} of the annual loss), net of insurance. Amounts in USD.",
        fontsize=10,
        va="top",
    )
    cov = _pct(res.coverage)
    net_ci = f"[{_usd(h['net_ci'][0])}, {_usd(h['net_ci'][1])}]"
    if d.program is None:
        rows = [(f"Reserve ({name} {cov}); no insurance", _usd(h["net_reserve"]), net_ci)]
    else:
        rows = [
            (
                f"Reserve ({name} {cov}), gross of insurance",
                _usd(h["gross_reserve"]),
                f"[{_usd(h['gross_ci'][0])}, {_usd(h['gross_ci'][1])}]",
            ),
            ("Insurance recovery at this level", _usd(h["recovery"]), ""),
            ("Insurance credit allowed", _usd(h["credit"]), ""),
            ("Reserve net of insurance: the requirement", _usd(h["net_reserve"]), net_ci),
        ]
    if h.get("net_ci_total") is not None:
        rows[-1] = (*rows[-1][:2], f"{net_ci} params + MC")
        mc = h["net_ci_mc"]
        rows.append(("    Monte Carlo only", "", f"[{_usd(mc[0])}, {_usd(mc[1])}]"))
    if "currency" in h:
        cur = h["currency"]
        rows.append((f"    the same in {cur}", f"{cur} {_usd(h['net_reserve_in_currency'])}", ""))
    other = "tvar" if res.measure == "var" else "var"
    label = "TVaR" if other == "tvar" else "VaR"

    def _mc(key: str) -> str:
        lo, hi = h[f"{key}_ci"]
        return f"[{_usd(lo)}, {_usd(hi)}] MC"

    rows.append((f"{label} {cov}, gross", _usd(h[f"gross_{other}"]), _mc(f"gross_{other}")))
    if d.program is not None:
        rows.append((f"{label} {cov}, net", _usd(h[f"net_{other}"]), _mc(f"net_{other}")))
    total = h.get("net_tvar_ci_total") if other == "tvar" else None
    if total is not None:  # the net TVaR (the gross one without a programme) under the draws
        rows[-1] = (*rows[-1][:2], f"[{_usd(total[0])}, {_usd(total[1])}] params + MC")
        rows.append(("    Monte Carlo only", "", _mc("net_tvar")[:-3]))
    rows.append(
        (
            "Mean annual loss, gross",
            _usd(h["mean_annual_loss_gross"]),
            f"(Monte Carlo s.e. {_usd(h['mean_annual_loss_gross_se'])})",
        )
    )
    risk_row = _model_risk.summary_row(d, PAGES.index("Model risk") + 1)
    if risk_row is not None:
        rows.append(risk_row)
    if d.standard_formulas is not None:
        for req, row in d.standard_formulas.iterrows():
            if not str(req).startswith("model"):
                rows.append((f"Formula: {req}", _usd(row["usd"]), ""))
    y = page.table(
        0.06,
        0.70,
        0.68,
        ["", "USD", f"{ci} confidence interval"],
        rows,
        widths=[0.40, 0.18, 0.42],
        row_h=0.029,
        size=8.5,
    )
    note = h.get("extrapolation")
    if note:
        fig.text(
            0.06, y - 0.005, "Warning", fontsize=10.5, weight="bold", color="#a61b1b", va="top"
        )
        y = page.text(0.06, y - 0.035, [note], size=8.5, width=115) + 0.01
    prov = res.provenance
    n_used = int(d.fits["n_own_losses"].sum())
    per_cat = ", ".join(f"{k} {int(v)}" for k, v in d.fits["n_own_losses"].items())
    draws = prov.get("parameter_uncertainty")
    if d.inputs["parameter_uncertainty"]:
        params = "parameters redrawn within the simulation (predictive)"
    elif draws:
        params = f"parameter uncertainty from {draws['draws']} {draws['method']} parameter draws"
    else:
        params = "parameters taken as known"
    lines = [
        f"riskmodel {__version__}; seed {d.inputs['seed']}; {res.n_sims:,} simulated years "
        f"(blocks of {prov.get('block_size'):,}); {params}; report created {created}.",
        f"Data: {d.data_label}; window {cal.since}-{cal.until}; losses >= USD "
        f"{cal.threshold:,.0f}: {n_used} ({per_cat})"
        + (
            f"; {cal.n_unknown_amount} incident(s) without a known amount not counted."
            if cal.n_unknown_amount
            else "."
        ),
    ]
    if d.profile is not None:
        lines.append(f"Exchange profile: {d.profile.name} (file {d.profile.source}).")
    lines.append(
        "Every number in this report is in report.json with the inputs; the tables are also "
        "CSV files beside it. The same seed and inputs reproduce every number."
    )
    y = page.heading(0.06, y - 0.01, "Provenance")
    page.text(0.06, y, lines, size=8.5, width=115)
    yc = page.heading(0.75, 0.70, "Contents")
    page.text(
        0.75, yc, [f"{i}. {t}" for i, t in enumerate(PAGES, start=1)], size=9, width=50, gap=0.1
    )


def _model_heading(d) -> str:
    """Heading of the calibration table: which data the model comes from."""
    cal = d.calibration
    if d.from_file:
        return f"Model from a file (fitted to {cal.data_label}), per category"
    return f"Model fitted to {cal.data_label}, per category"


def _family_list(cal) -> str:
    """'hack weibull, fraud weibull and operational lognormal' (pooled fits said)."""
    parts = [
        f"{c.name} {c.family}" + (" (all categories pooled)" if c.pooled_severity else "")
        for c in cal.categories.values()
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _cap_text(cal) -> str:
    caps = {c.cap for c in cal.categories.values()}
    if caps == {None}:
        return "not capped"
    if len(caps) == 1:
        return f"capped at USD {_short(next(iter(caps)))} per loss"
    return "capped per loss as the table shows"


def _model_caption(d) -> str:
    """What the calibration table shows: the families, truncation, cap, frequency."""
    cal = d.calibration
    cats = list(cal.categories.values())
    sev = (
        f"Severity: {_family_list(cal)}, each left-truncated at USD {cal.threshold:,.0f} and "
        f"{_cap_text(cal)}"
    )
    if d.from_file:
        sev += "; families and parameters as the model file states them."
    else:
        user = [c.name for c in cats if c.selection == "chosen by the user"]
        rule = [c.name for c in cats if c.selection != "chosen by the user"]
        why = []
        if rule:
            why.append(
                f"{', '.join(rule)}: the selection rule's family (lowest AIC among the "
                "identified fits whose bootstrap Cramer-von Mises p-value is at least 5%)"
            )
        if user:
            why.append(f"{', '.join(user)}: the family chosen by the user")
        sev += "; " + "; ".join(why) + "."
    if any(c.pooled_severity for c in cats):
        sev += " Pooled: too few own losses for an own fit."
    trended = [c for c in cats if c.trend_used]
    freq = "Poisson frequency of losses above the threshold, rate = mean annual count"
    if trended:
        year = trended[0].projection_year
        freq += (
            f"; where a log-linear trend is significant its projection to {year} ("
            + ", ".join(f"{c.name} {math.expm1(c.trend):+.1%}/yr" for c in trended)
            + ")"
        )
    se = (
        "Standard errors of the rates from the Poisson information; of the severity "
        "parameters on the fit diagnostics page."
    )
    return f"{sev} {freq}. {se}"


def _data_model(page: _Page) -> None:
    d = page.data
    cal = d.calibration
    y = page.heading(0.05, 0.92, _model_heading(d))
    rows = []
    for c in cal.categories.values():
        rows.append(
            (
                c.name,
                f"{c.n_losses:d}",
                f"{c.rate:.3f} ({c.rate_se:.3f})",
                f"{math.expm1(c.trend):+.1%}" if c.trend_used else "none",
                c.family + (" (pooled)" if c.pooled_severity else ""),
                c.params_text(),
                _short(c.cap) if c.cap is not None else "none",
                _usd(c.expected_loss),
            )
        )
    y = page.table(
        0.05,
        y,
        0.64,
        [
            "category",
            "losses",
            "rate/yr (s.e.)",
            "trend/yr",
            "severity",
            "parameters",
            "cap USD",
            "E[annual loss] USD",
        ],
        rows,
        size=7.5,
        widths=[0.11, 0.065, 0.125, 0.075, 0.14, 0.255, 0.075, 0.155],
        left=(0, 4, 5),
    )
    y = page.text(0.05, y + 0.005, [_model_caption(d)], size=7.5, width=122, gap=0.0)
    y -= 0.02
    if d.rates is not None:
        y = page.heading(0.05, y, f"Exchange frequency: {d.profile.name}")
        rows = []
        for name, r in d.rates.iterrows():
            rows.append(
                (
                    name,
                    f"{r.industry_rate:.4g}",
                    f"{r.volume_factor:.4g}",
                    f"{r.prior_rate:.4g}",
                    f"{r.own_count:g}",
                    f"{r.credibility_weight:.3f}",
                    f"{r.rate:.4g}",
                    f"{r.p_exceeds_assets:.2%}",
                )
            )
        y = page.table(
            0.05,
            y,
            0.62,
            [
                "category",
                "industry rate",
                "volume factor",
                "scaled rate",
                "own losses",
                "credibility Z",
                "rate used",
                "P(X > assets)",
            ],
            rows,
        )
        y -= 0.02
    y = page.heading(0.05, y, "Simulation check: simulated against analytic mean")
    rows = []
    for name, r in d.audit.iterrows():
        rows.append(
            (
                name,
                _usd(r.sim_mean),
                _usd(r.analytic_mean),
                f"{r.rel_error_mean:+.2%}" if math.isfinite(r.rel_error_mean) else "n/a",
                _usd(r.mc_se_mean),
                r.flag,
            )
        )
    page.table(
        0.05,
        y,
        0.62,
        ["category", "simulated mean", "analytic mean", "rel. error", "MC s.e.", "check"],
        rows,
    )
    counts = cal.counts
    y = page.heading(0.72, 0.92, f"Losses >= USD {_short(cal.threshold)} per year")
    if counts.shape[1] == 0:  # a model file states the totals, not the annual counts
        big, year = cal.largest_annual_total
        lines = [
            "Annual counts: not in the model file. Losses in the data it was fitted to, "
            f"{cal.since}-{cal.until}: "
            + ", ".join(f"{c.name} {c.n_losses}" for c in cal.categories.values())
            + "."
        ]
        if math.isfinite(big):
            lines.append(f"Largest annual total in that data: USD {_short(big)} ({year}).")
        page.text(0.72, y, lines, size=8, width=44)
        return
    rows = [(str(yr), *(f"{int(v)}" for v in r)) for yr, r in counts.iterrows()]
    rows.append(("total", *(f"{int(v)}" for v in counts.sum())))
    page.table(0.72, y, 0.23, ["year", *map(str, counts.columns)], rows, row_h=0.027)


def _assumptions(page: _Page) -> None:
    d = page.data
    y = page.heading(0.05, 0.92, "Assumptions")
    y = page.text(
        0.05,
        y,
        [f"{i}. {a}" for i, a in enumerate(d.assumptions, start=1)],
        indent="    ",
        width=175,
        size=8.3,
    )
    y = page.heading(0.05, y - 0.01, "Method")
    y = page.text(0.05, y, [f"- {m}" for m in d.method], indent="  ", width=175, size=8.3)
    y = page.heading(0.05, y - 0.01, "Notes and warnings")
    notes = d.notes or ["None: no warning was raised while computing this report."]
    page.text(0.05, y, [f"- {n}" for n in notes], indent="  ", width=175, size=8.3)


def _exceedance(page: _Page) -> None:
    d = page.data
    res = d.reserve
    a = d.profile.assets_usd if d.profile is not None else None
    assets = (
        f" Single losses are capped at the assets under custody, USD {_short(a)}." if a else ""
    )
    if d.profile is None:
        assets = f" Single losses are {_cap_text(d.calibration)}."
    ax = page.axes([0.08, 0.2, 0.58, 0.68])
    plots.exceedance_plot(d.simulation, ax=ax, table=d.exceedance, reserve=res)
    ax.set_title("")
    y = page.heading(0.74, 0.88, "Quantiles of the annual loss (USD)")
    views = [v for v in ("gross", "net") if v in d.exceedance]
    rows = []
    for p in (0.9, 0.99, 0.995, 0.999):
        if p < d.simulation.gross.min_level or d.simulation.n_sims * (1 - p) < 10:
            continue
        rows.append((_pct(p), *(_short(d.simulation.quantile(p, of=v)) for v in views)))
    y = page.table(0.74, y, 0.2, ["coverage", *views], rows)
    page.text(
        0.74,
        y,
        [
            f"Reserve ({_pct(res.coverage)}): gross USD {_short(res.gross_reserve)}, net USD "
            f"{_short(res.reserve)}."
            if d.program is not None
            else f"Reserve ({_pct(res.coverage)}): USD {_short(res.reserve)} (no insurance).",
            f"Band: {_pct(res.level)} order-statistic confidence interval of each quantile.",
        ],
        size=8,
        width=42,
    )
    page.caption(
        0.1,
        (
            "For each amount x the curve gives the simulated probability that a year's total "
            "customer loss exceeds x (left axis) and the return period 1/P in years (right "
            "axis). Dotted line: 1 - coverage; dashed lines: the reserve gross and net of "
            "insurance. Years without any loss are not drawn on the log scale." + assets
        ),
    )


def _coverage(page: _Page) -> None:
    d = page.data
    ax = page.axes([0.08, 0.2, 0.55, 0.62])
    plots.coverage_curve_plot(d.curve, ax=ax, coverage=d.reserve.coverage)
    ax.set_title("")
    c = d.curve
    net = not np.allclose(c["net_var"], c["gross_var"])
    header = ["coverage", "gross VaR", "gross TVaR"] + (["net VaR", "net TVaR"] if net else [])
    rows = []
    for _, r in c.iterrows():
        row = [_pct(r.coverage), _short(r.gross_var), _short(r.gross_tvar)]
        if net:
            row += [_short(r.net_var), _short(r.net_tvar)]
        rows.append(row)
    y = page.heading(0.69, 0.88, "Reserve by coverage (USD)")
    page.table(0.69, y, 0.27, header, rows, row_h=0.028)
    page.caption(
        0.1,
        (
            "VaR: the amount a year's loss exceeds with probability 1 - p; TVaR: the mean loss in "
            "those years. Shaded: 95% order-statistic confidence interval of VaR. All points come "
            "from one simulation (the same seed as the reserve)."
        ),
    )


def _fits(page: _Page) -> None:
    d = page.data
    cal = d.calibration
    names = list(d.fit_objects)
    k = len(names)
    w = 0.84 / k
    width = int(62 * w / 0.28)
    for j, name in enumerate(names):
        fit = d.fit_objects[name]
        c = cal.categories[name]
        row = d.fits.loc[name]
        left = 0.07 + j * (w + 0.02)
        own = d.own_losses.get(name, np.array([]))
        ax = page.axes([left, 0.61, w - 0.05, 0.28])
        if row.fitted_on == "model file":
            _stated_severity(ax, c, own, cal.threshold)
            ax.set_title(f"{name}: {c.family} from the model file", fontsize=9.5)
        else:
            plots.survival_plot(fit, ax=ax)
            pooled = row.fitted_on != "own losses"
            if pooled and own.size:
                lo = ax.get_ylim()[0]
                ax.plot(
                    own,
                    np.full(own.size, lo * 1.6),
                    "r|",
                    ms=14,
                    mew=2,
                    label=f"{name} losses ({own.size})",
                )
                ax.legend(fontsize=7)
            what = "pooled fit (all categories)" if pooled else "own losses"
            ax.set_title(f"{name}: {c.family}, {what}, n = {fit.n_obs}", fontsize=9.5)
        ax.set_xlabel("loss x (USD, log scale)")
        ax.set_ylabel(f"P(X > x | X >= {_short(cal.threshold)})")
        _usd_axis(ax.xaxis)
        params = ", ".join(
            f"{p} {fit.params[p]:.4g}"
            + (f" ({fit.se[p]:.3g})" if math.isfinite(fit.se.get(p, math.nan)) else "")
            for p in fit.params
        )
        lines = [f"{c.family}: {params}"]
        if row.fitted_on == "model file":
            lines.append(f"cap: {_short(c.cap) if c.cap is not None else 'none'}")
            if c.selection:
                lines.append(f"why this family: {c.selection}")
            page.text(left - 0.03, 0.52, lines, size=7.3, width=width, gap=0.0)
            continue
        ax2 = page.axes([left, 0.165, w - 0.05, 0.265])
        plots.qq_plot(fit, ax=ax2)
        ax2.set_title("Q-Q plot (log-log)", fontsize=9.5)
        ax2.set_xlabel("fitted quantile (USD)")
        ax2.set_ylabel("observed loss (USD)")
        _usd_axis(ax2.xaxis)
        _usd_axis(ax2.yaxis)
        if "ks_p" in d.fits and math.isfinite(row.get("ks_p", math.nan)):
            lines.append(
                "bootstrap p: "
                + ", ".join(
                    f"{t} {row[f'{t}_p']:.3f}"
                    for t in ("ks", "cvm", "ad", "adup")
                    if f"{t}_p" in d.fits
                )
            )
        if c.selection:
            lines.append(f"why: {c.selection}")
        page.text(left - 0.03, 0.545, lines, size=7.0, width=width + 4, gap=0.0)
    if d.from_file:
        page.caption(
            0.4,
            (
                "The model was read from a model file: it holds no losses, so nothing is "
                "fitted or tested here. Each panel draws the severity the file states (family "
                "and parameters; left-truncated at the reporting threshold, capped per loss)"
                + (
                    ", with the losses of the data given as points"
                    if any(v.size for v in d.own_losses.values())
                    else ""
                )
                + ". Parameters (standard errors where the file gives a covariance)."
            ),
        )
        return
    nb = int(d.fits["gof_n_boot"].max()) if "gof_n_boot" in d.fits else 0
    gof = (
        f"bootstrap p-values ({nb} refits): ks Kolmogorov-Smirnov, cvm Cramer-von Mises, ad "
        "Anderson-Darling, adup its upper-tail form"
        if nb
        else "goodness-of-fit tests not run"
    )
    page.caption(
        0.09,
        (
            "Top: empirical survival of the losses (points) and the fitted severity of the "
            "category's family, left-truncated at the threshold (line, before the cap). "
            f"Bottom: observed losses against fitted quantiles. Parameters (standard errors); "
            f"{gof}."
        ),
    )


def _stated_severity(ax, c, own: np.ndarray, threshold: float) -> None:
    """The survival function of a stated severity (truncated, capped), with losses if any."""
    sev = c.severity
    top = c.cap if c.cap is not None else float(sev.ppf(1 - 1e-6))
    if own.size:
        top = max(top, float(own.max()) * 1.5)
    grid = np.geomspace(threshold, top, 300)
    with np.errstate(all="ignore"):
        surv = np.asarray(sev.sf(grid), dtype=float)
    keep = surv > 1e-8  # the far tail below is of no practical weight
    ax.loglog(grid[keep], surv[keep], lw=1.5, label=f"{c.family} (stated)")
    if own.size:
        n = own.size
        ax.loglog(own, (n - np.arange(n)) / n, "o", ms=3, color="0.3", alpha=0.8, label="losses")
    if c.cap is not None:
        ax.axvline(c.cap, color="0.5", ls=":", lw=1, label="cap")
    ax.legend(fontsize=7)


def _model_risk_page(page: _Page) -> None:
    d = page.data
    risk = d.model_risk
    if risk is None:
        page.text(0.08, 0.8, _model_risk.not_computed(d), size=11, width=110)
        return
    name = "VaR" if risk.measure == "var" else "TVaR"
    who = "the industry model's reserve" if d.profile is not None else "the reserve"
    y = page.heading(
        0.05,
        0.92,
        f"{who[0].upper()}{who[1:]} ({name} {_pct(risk.coverage)}) with every category refitted "
        "under each candidate severity family",
    )
    header, rows = _model_risk.family_table(d)
    y = page.table(
        0.05,
        y,
        0.9,
        header,
        rows,
        widths=[0.2, 0.07, 0.06, 0.06, 0.14, 0.3, 0.17],
        row_h=0.032,
        size=8,
    )
    y = page.text(0.05, y - 0.005, _model_risk.prose(d), size=8.5, width=175)
    y = page.heading(0.05, y - 0.01, "AIC of each category's fit, by family")
    header, rows = _model_risk.category_table(risk)
    n = len(header) - 2
    page.table(
        0.05,
        y,
        0.2 + 0.09 * n,
        header,
        rows,
        widths=[0.12, 0.14, *([0.09] * n)],
        row_h=0.028,
        size=7.5,
        left=(0, 1),
    )
    page.caption(
        0.1,
        (
            "AIC: the sum over the categories fitted on their own losses (a pooled fit reuses "
            "those losses and is left out); weight: Akaike weight exp(-dAIC/2), normalised "
            "(Burnham and Anderson 2002). vs headline: the row's reserve minus the headline "
            "reserve. Amounts in USD."
        ),
    )


def _allocation(page: _Page) -> None:
    d = page.data
    res = d.reserve
    a = d.allocation
    layered = d.layer_allocation is not None
    # with a programme the chart is shorter, to leave the lower third to the layers' table
    ax = page.axes([0.14, 0.5, 0.48, 0.36] if layered else [0.14, 0.22, 0.5, 0.64])
    cols = ["gross", "net"] if d.program is not None else ["net"]
    frame = a[cols].rename(columns={"gross": "gross of insurance", "net": "net reserve"})
    plots.allocation_plot(frame, ax=ax)
    ax.set_title("")
    name = "VaR" if res.measure == "var" else "TVaR"
    ax.set_xlabel(f"contribution to the {_pct(res.coverage)} {name} (USD)")
    rows = [
        (
            c,
            _short(r.mean_annual_loss_gross),
            _short(r.gross),
            _short(r.net),
            _short(r.net_se),
            f"{r.net_share:.1%}",
        )
        for c, r in a.iterrows()
    ]
    rows.append(
        (
            "total",
            _short(a.mean_annual_loss_gross.sum()),
            _short(a.gross.sum()),
            _short(a.net.sum()),
            "",
            "100%",
        )
    )
    y = page.heading(0.7, 0.88, "Allocation (USD)")
    y = page.table(
        0.66, y, 0.32, ["category", "mean loss", "gross", "net", "net s.e.", "net share"], rows
    )
    caption = (
        (
            "Euler contributions: each category's expected part of the annual loss in the "
            f"years whose total is near the {name}"
            if res.allocation_method == "euler" and res.measure == "var"
            else "Co-TVaR contributions: each category's expected part of the annual loss "
            f"in the years beyond the {name}, a stable estimator"
        )
        + ", scaled so the parts add up to the reserve (gross: to the gross reserve; net: "
        "to the net reserve after the insurance credit). s.e.: Monte Carlo standard error "
        "of the contribution. Mean loss: the simulated mean annual loss of the category, "
        "before insurance."
    )
    if not layered:
        page.caption(
            0.11,
            caption + " No insurance programme: the gross reserve has no layers to split into.",
        )
        return
    page.text(0.66, y, [caption], size=7.5, width=68)
    _layer_allocation(page, 0.43)


def _layer_allocation(page: _Page, top: float) -> None:
    """The gross reserve by layer: a table across the page from ``top`` down, its caption."""
    from ._compute import layer_method

    d = page.data
    res = d.reserve
    t = d.layer_allocation
    rows = [
        (
            str(part),
            _short(r.amount),
            _short(r.se),
            f"{r.share:.1%}",
            _short(r.expected_annual) if math.isfinite(r.expected_annual) else "n/a",
        )
        for part, r in t.iterrows()
    ]
    rows.append(("gross reserve", _short(t.amount.sum()), "", f"{t.share.sum():.1%}", ""))
    y = page.heading(0.06, top, "Gross reserve by layer (USD)")
    y = page.table(
        0.06,
        y,
        0.88,
        ["part", "amount", "s.e.", "share of gross", "expected annual amount"],
        rows,
        widths=[0.47, 0.1, 0.1, 0.14, 0.19],
        row_h=0.028,
    )
    layers = t.amount.drop("retained").sum()
    credit = f"the insurance credit of {_short(res.credit)}"
    if res.credit != res.recovery:
        credit += f" (recovery {_short(res.recovery)} before the cap and haircut)"
    page.caption(
        y,
        (
            f"{layer_method(res)} Here the layers' parts total {_short(layers)}, against "
            f"{credit}. s.e.: Monte Carlo standard error. Expected annual amount: the "
            "simulated mean annual retained loss, or the layer's mean annual recovery."
        ),
    )


def _layers(page: _Page) -> None:
    d = page.data
    tower = d.layers
    ax = page.axes([0.08, 0.5, 0.74, 0.37])
    plots.layer_price_plot(tower, ax=ax, paid=d.layer_paid)
    ax.set_title("")
    principles = tower.attrs.get("provenance", {}).get("principles", [])
    header = [
        "layer",
        "P(loss)",
        "E[L]",
        "SD[L]",
        *(f"{_PRINCIPLE_NAMES.get(p, p)} premium" for p in principles),
        "ROL (Wang)",
    ]
    if d.layer_paid is not None:
        header.append("charged")
    rows = []
    for i, (label, r) in enumerate(tower.iterrows()):
        row = [str(label), f"{r.prob_loss:.3%}", _short(r.expected_loss), _short(r["std"])]
        row += [_short(r[f"premium_{p}"]) for p in principles]
        rol = r.get("rate_on_line_wang", math.nan)
        row.append(f"{rol:.2%}" if math.isfinite(rol) else "n/a")
        if d.layer_paid is not None:
            row.append(_short(d.layer_paid[i]))
        rows.append(row)
    y = page.table(0.08, 0.4, 0.86, header, rows, row_h=0.03)
    loadings = tower.attrs.get("provenance", {}).get("loadings", {})
    text = ", ".join(f"{p.replace('_', ' ')} {v:g}" for p, v in loadings.items())
    page.caption(
        min(y, 0.2),
        (
            f"Layers: {d.layer_source}. L is the insurer's annual loss from the layer; E[L] its "
            "mean, P(loss) the share of years it pays. Premium principles (EV expected value, "
            "SD standard deviation, CoC cost of capital on the 99.5% TVaR) and loadings: "
            f"{text}. ROL: rate on line, premium / limit. Amounts in USD."
        ),
    )


def _formulas(page: _Page) -> None:
    d = page.data
    tab = d.standard_formulas
    if tab is None:
        page.text(
            0.08,
            0.8,
            [
                "Skipped: no exchange profile was given.",
                "The standard formulas (volume-based reserve after the FIEA 46-5 template, MiCA "
                "Article 67 own funds, Basel III standardised approach for operational risk) need "
                "one exchange's trading volume, fixed overheads and business indicator. Run "
                "'riskmodel report --profile FILE' (or '--profile example') to compare them with "
                "that exchange's model reserve.",
            ],
            size=11,
            width=110,
        )
        return
    ax = page.axes([0.3, 0.5, 0.62, 0.37])
    plots.standard_formula_plot(tab, ax=ax)
    ax.set_title("")
    cur = d.profile.currency
    rows = []
    for req, r in tab.iterrows():
        rows.append(
            (
                str(req),
                _usd(r["amount"]) if math.isfinite(r["amount"]) else "n/a",
                _usd(r["usd"]) if math.isfinite(r["usd"]) else "n/a",
                _usd(r["eur"]) if math.isfinite(r["eur"]) else "n/a",
            )
        )
    y = page.table(
        0.08,
        0.41,
        0.84,
        ["requirement", cur, "USD", "EUR"],
        rows,
        row_h=0.028,
        widths=[0.43, 0.19, 0.19, 0.19],
    )
    lines = [
        f"{req}: {r['basis']}" + (f" ({r['note']})" if r["note"] else "")
        for req, r in tab.iterrows()
    ]
    page.text(0.08, y, lines, size=7.3, width=180, indent="    ", gap=0.15)


_DRAW = (
    _summary,
    _data_model,
    _assumptions,
    _exceedance,
    _coverage,
    _fits,
    _model_risk_page,
    _allocation,
    _layers,
    _formulas,
)


def write_pdf(data, path: Path, *, created: str) -> list[str]:
    """Write the report's pages to ``path``; return the page titles."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    meta: dict[str, Any] = {
        "Title": f"{data.title}: {data.subject}",
        "Subject": "Reserve for customer losses at a crypto exchange",
        "Creator": f"riskmodel {__version__}",
    }
    with matplotlib.rc_context(_RC), PdfPages(path, metadata=meta) as pdf:
        for number, draw in enumerate(_DRAW, start=1):
            page = _Page(data, number)
            if draw is _summary:
                draw(page, created)
            else:
                draw(page)
            pdf.savefig(page.fig)
    return list(PAGES)
