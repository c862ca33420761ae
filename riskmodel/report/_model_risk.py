"""The report's model-risk page: its tables and its sentences, computed from the numbers.

The reserve under each candidate severity family comes from
:func:`riskmodel.model_averaging.model_risk` (in :func:`riskmodel.report._compute.compute`);
this module only words it: which row is the headline's model, whether the spread between the
families exceeds the headline's parameter interval, and what the rows' intervals carry.
"""

from __future__ import annotations

import math

from ..model_averaging import DEFAULT_FAMILIES
from ._format import _pct, _short, _usd

__all__ = [
    "MIN_WEIGHT",
    "category_table",
    "family_table",
    "not_computed",
    "prose",
    "spread",
    "summary_row",
]

#: families with at least this Akaike weight count for the spread between families
MIN_WEIGHT = 0.01


def _headline_families(cal) -> dict[str, str]:
    return {name: c.family for name, c in cal.categories.items()}


def _and(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _delta(x: float, headline: float) -> str:
    if not (math.isfinite(x) and math.isfinite(headline)) or headline == 0:
        return "n/a"
    return f"{x - headline:+,.0f} ({x / headline - 1:+.0%})"


def family_table(d) -> tuple[list[str], list[tuple[str, ...]]]:
    """(header, rows) of the table: one row per family, the model average and the headline."""
    risk, res, h = d.model_risk, d.reserve, d.headline
    industry = d.profile is None
    fams = _headline_families(d.calibration)
    rows: list[tuple[str, ...]] = []
    for fam, r in risk.table.iterrows():
        used = sum(f == fam for f in fams.values())
        label = f"{fam} (headline: {used} of {len(fams)})" if used else str(fam)
        if not r.converged:
            rows.append((label, "", "", "0", "not used", str(r.note), ""))
            continue
        rows.append(
            (
                label,
                f"{r.aic:.2f}",
                f"{r.delta_aic:.2f}",
                f"{r.weight:.3f}",
                _usd(r.reserve),
                f"[{_usd(r.ci_lo)}, {_usd(r.ci_hi)}]",
                _delta(r.reserve, res.reserve) if industry else "n/a",
            )
        )
    rows.append(
        (
            "model-averaged (AIC weights)",
            "",
            "",
            "1",
            _usd(risk.averaged),
            "",
            _delta(risk.averaged, res.reserve) if industry else "n/a",
        )
    )
    ci = h["net_ci_total"] if h.get("net_ci_total") is not None else h["net_ci_mc"]
    what = "params + MC" if h.get("net_ci_total") is not None else "MC"
    rows.append(
        (
            "headline model" if industry else "headline (the exchange)",
            "",
            "",
            "",
            _usd(res.reserve),
            f"[{_usd(ci[0])}, {_usd(ci[1])}] {what}",
            "",
        )
    )
    header = [
        "severity family",
        "AIC",
        "dAIC",
        "weight",
        "reserve USD",
        f"{_pct(risk.level)} interval (Monte Carlo)",
        "vs headline USD",
    ]
    return header, rows


def category_table(risk) -> tuple[list[str], list[tuple[str, ...]]]:
    """(header, rows): each category's AIC under each family, and what it was fitted on."""
    fams = list(risk.provenance["families"])
    rows = []
    for name, c in risk.categories.items():
        aic = c["aic"]
        rows.append(
            (
                name,
                c["fitted_on"],
                *(f"{aic[f]:.2f}" if aic.get(f) is not None else "no fit" for f in fams),
            )
        )
    return ["category", "fitted on", *fams], rows


def spread(risk) -> tuple[float, str, float, str, int] | None:
    """(lowest reserve, its family, highest, its family, count) over the converged families
    with at least :data:`MIN_WEIGHT`; None with fewer than two of them."""
    t = risk.table[risk.table["converged"] & (risk.table["weight"] >= MIN_WEIGHT)]
    if len(t) < 2:
        return None
    lo, hi = t["reserve"].idxmin(), t["reserve"].idxmax()
    return float(t.loc[lo, "reserve"]), str(lo), float(t.loc[hi, "reserve"]), str(hi), len(t)


def _which_row(d) -> str:
    """The sentence that says which row, if any, is the headline's model."""
    risk, res = d.model_risk, d.reserve
    fams = _headline_families(d.calibration)
    table = risk.table
    best = str(risk.selected)
    favour = f"The AIC weights favour the {best} ({table.loc[best, 'weight']:.2f})"
    if d.profile is not None:
        return (
            f"The rows are the industry model's reserve (all exchanges in the data) under each "
            f"family, not this exchange's: compare them with each other, not with the headline. "
            f"{favour}."
        )
    used = sorted(set(fams.values()), key=list(fams.values()).index)
    if len(used) == 1:
        f = used[0]
        if f not in table.index or not table.loc[f, "converged"]:
            return (
                f"The headline model uses the {f} in every category, which is not among the "
                f"families compared here. {favour}."
            )
        r = float(table.loc[f, "reserve"])
        if r == res.reserve:
            same = "its reserve equals the headline's"
        else:
            why = (
                " (the headline redraws its parameters)"
                if d.inputs["parameter_uncertainty"]
                else ""
            )
            same = f"its reserve differs from the headline's by USD {_usd(r - res.reserve)}{why}"
        return (
            f"The headline model uses the {f} in every category: the {f} row is the headline's "
            f"model, refitted with the same seed and years, and {same}. {favour}."
        )
    pooled = {n for n, c in d.calibration.categories.items() if c.pooled_severity}
    by_family = _and(
        [
            f"the {f} for "
            + _and(
                [
                    n + (" (fitted on all losses pooled)" if n in pooled else "")
                    for n in fams
                    if fams[n] == f
                ]
            )
            for f in used
        ]
    )
    near = [f for f in used if f in table.index and table.loc[f, "converged"]]
    nearest = ""
    if near:
        f = max(near, key=lambda g: (sum(v == g for v in fams.values()), table.loc[g, "weight"]))
        n = sum(v == f for v in fams.values())
        nearest = f"; the nearest is the {f} row ({n} of {len(fams)} categories)"
    return (
        f"The headline model uses {by_family}: each row fits one family to every "
        f"category, so no row is exactly the headline's model{nearest}. {favour}."
    )


def _spread_sentence(d) -> str:
    risk, h = d.model_risk, d.headline
    s = spread(risk)
    if s is None:
        return (
            f"Only the {risk.selected} carries at least {MIN_WEIGHT:.0%} of the weight: the "
            "data leave no other family in contention, so there is no spread between families "
            "to compare with the headline's interval."
        )
    lo, flo, hi, fhi, k = s
    width = hi - lo
    head = (
        f"The reserves of the {k} families with at least {MIN_WEIGHT:.0%} of the weight run "
        f"from USD {_short(lo)} ({flo}) to USD {_short(hi)} ({fhi}), a spread of USD "
        f"{_short(width)}"
    )
    pct = _pct(h["ci_level"])
    if d.profile is not None:
        return (
            head + "; the exchange's headline interval is for another model (the exchange's) "
            "and is not compared with it."
        )
    if h.get("net_ci_total") is None:
        lo_mc, hi_mc = h["net_ci_mc"]
        return (
            head + f": it cannot be compared with a parameter interval here, as the headline's "
            f"{pct} interval is Monte Carlo only (USD {_short(hi_mc - lo_mc)} wide; no parameter "
            "draws)."
        )
    lo_t, hi_t = h["net_ci_total"]
    w = hi_t - lo_t
    if width > w:
        return (
            head + f", {width / w:.1f} times the width of the headline's {pct} interval with "
            f"parameter uncertainty (USD {_short(w)}): which family is right moves the reserve "
            "more than the estimation error of the chosen family's parameters does."
        )
    return (
        head + f", within the width of the headline's {pct} interval with parameter "
        f"uncertainty (USD {_short(w)}): on these data the choice of family moves the reserve "
        "less than the estimation error of the parameters."
    )


def prose(d) -> list[str]:
    """The page's sentences, computed from the numbers (a paragraph each)."""
    risk = d.model_risk
    lines = [_which_row(d), _spread_sentence(d)]
    lines.append(
        "Each row's interval is Monte Carlo only: the family's parameters are held at their "
        f"estimates, and every row is simulated with the report's seed and "
        f"{risk.provenance['n_sims']:,} years (common random numbers), so the differences "
        "between rows are not Monte Carlo noise. The model-averaged reserve is the weighted "
        "mean of the rows, a summary rather than a quantile of the mixture of families."
    )
    failed = risk.table[~risk.table["converged"]]
    if len(failed):
        lines.append(
            "Not used (weight 0): "
            + "; ".join(f"{fam} ({r.note})" for fam, r in failed.iterrows())
            + "."
        )
    return lines


def summary_row(d, page: int) -> tuple[str, str, str] | None:
    """The summary page's row: the model-averaged reserve and the families' range (None for
    an exchange profile, whose model-risk rows are the industry model's)."""
    risk = d.model_risk
    if d.profile is not None:
        return None
    if risk is None:
        return ("Model risk (other severity families)", "not computed", f"why: page {page}")
    t = risk.table[risk.table["converged"]]
    lo, hi = float(t["reserve"].min()), float(t["reserve"].max())
    return (
        f"Model-averaged reserve (AIC, p. {page})",
        _usd(risk.averaged),
        f"{len(t)} families: {_short(lo)} to {_short(hi)}, not a CI",
    )


def not_computed(d) -> list[str]:
    """What the page says when model risk was not computed."""
    return [
        f"Model risk {d.model_risk_note}.",
        "Model risk is the reserve with every category refitted under each candidate severity "
        f"family ({', '.join(DEFAULT_FAMILIES)}), with Akaike weights and the "
        "model-averaged reserve: which family describes the loss sizes is a larger uncertainty "
        "than the parameters of any one of them. 'riskmodel report --model-risk' "
        "(write_report(model_risk=True)) computes it for a model fitted to losses.",
    ]
