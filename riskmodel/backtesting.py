"""Backtest: fit on the years up to Y, reserve for year Y + 1, compare with what happened.

:func:`backtest` rolls the end of the calibration window forward one year at a time. For each
year it calibrates the industry model on the incidents up to that year
(:func:`riskmodel.calibrate.calibrate_industry`), computes the reserve at ``coverage`` for the
next year, and compares it with the next year's actual annual loss (the sum of the losses at
or above the reporting threshold, as the model counts them). Exceedances are tested with
Kupiec's unconditional-coverage (proportion of failures) test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._rng import RNGLike, as_seed_sequence, seed_of

__all__ = ["BacktestResult", "backtest", "kupiec_test"]


def kupiec_test(n: int, x: int, coverage: float) -> dict[str, float]:
    r"""Kupiec's proportion-of-failures test of ``x`` exceedances in ``n`` periods.

    Parameters
    ----------
    n : int
        Periods (years).
    x : int
        Exceedances: periods whose loss exceeded the reserve.
    coverage : float
        The reserve's coverage ``p``; under the null an exceedance has probability ``1 - p``.

    Returns
    -------
    dict
        ``lr`` (the likelihood-ratio statistic), ``pvalue`` (chi-square, 1 degree of
        freedom), ``binomial_pvalue`` (exact: P(X >= x) under Binomial(n, 1 - p)),
        ``expected`` (n (1 - p)).

    Notes
    -----
    :math:`LR = -2\\log\\frac{(1-q)^{n-x} q^x}{(1-\\hat q)^{n-x}\\hat q^x}`,
    :math:`q = 1 - p`, :math:`\\hat q = x/n` (Kupiec 1995), asymptotically
    :math:`\\chi^2_1`; with a dozen years and :math:`q = 0.005` the asymptotics do not hold,
    so the exact binomial tail is given beside it.

    Examples
    --------
    >>> r = kupiec_test(250, 5, 0.99)
    >>> round(r["lr"], 4), round(r["pvalue"], 4)
    (1.9568, 0.1619)
    """
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n: must be a positive integer, got {n!r}")
    if not (isinstance(x, (int, np.integer)) and 0 <= x <= n):
        raise ValueError(f"x: must be an integer in [0, n], got {x!r}")
    if not 0 < coverage < 1:
        raise ValueError(f"coverage: must lie in (0, 1), got {coverage}")
    q = 1.0 - coverage

    def loglik(prob: float) -> float:
        out = 0.0
        if n - x:
            out += (n - x) * math.log1p(-prob) if prob < 1 else -math.inf
        if x:
            out += x * math.log(prob) if prob > 0 else -math.inf
        return out

    lr = max(-2.0 * (loglik(q) - loglik(x / n)), 0.0)
    return {
        "n": int(n),
        "exceedances": int(x),
        "expected": n * q,
        "lr": lr,
        "pvalue": float(stats.chi2.sf(lr, 1)),
        "binomial_pvalue": float(stats.binom.sf(x - 1, n, q)),
    }


@dataclass(frozen=True)
class BacktestResult:
    """Result of :func:`backtest`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per forecast year (index ``year``): ``fit_until`` (last year of the
        calibration window), ``reserve`` with ``ci_lo``/``ci_hi`` (its interval), ``actual``
        (the year's loss at or above the threshold), ``n_losses``, ``n_unknown_amount``
        (incidents of the year without a known amount, not in ``actual``) and ``exceeded``.
    kupiec : dict
        :func:`kupiec_test` of the exceedances.
    coverage : float
    power_against : dict
        Probability of at least one exceedance in these years if the reserves were really
        quantiles at the given lower levels: how much the test could see.
    provenance : dict
    """

    table: pd.DataFrame
    kupiec: dict[str, float]
    coverage: float
    power_against: dict[str, float]
    provenance: dict[str, Any] = field(repr=False)

    def summary(self) -> str:
        """The reserve path, the exceedances and the test, as text (amounts in USD)."""
        t = self.table
        lines = [
            f"Backtest of the {100 * self.coverage:g}% reserve, amounts in USD",
            f"{'year':>6}{'fit until':>11}{'reserve':>20}{'actual loss':>20}  exceeded",
        ]
        for y, r in t.iterrows():
            lines.append(
                f"{y:>6}{r.fit_until:>11}{r.reserve:>20,.0f}{r.actual:>20,.0f}  "
                f"{'YES' if r.exceeded else 'no'}"
            )
        k = self.kupiec
        lines.append(
            f"{k['exceedances']} exceedance(s) in {k['n']} years, {k['expected']:.3f} expected; "
            f"Kupiec LR {k['lr']:.3f}, p = {k['pvalue']:.3f} (exact binomial p = "
            f"{k['binomial_pvalue']:.3f})"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record."""
        rows = self.table.reset_index().to_dict(orient="records")
        return {
            "coverage": self.coverage,
            "currency": "USD",
            "years": rows,
            "kupiec": dict(self.kupiec),
            "power_against": dict(self.power_against),
            "provenance": dict(self.provenance),
        }


def backtest(
    incidents: pd.DataFrame | None = None,
    *,
    start: int = 2018,
    end: int | None = None,
    coverage: float = 0.995,
    measure: str = "var",
    threshold: float = 1e6,
    since: int = 2014,
    n_sims: int = 200_000,
    rng: RNGLike = None,
    parameter_draws: int = 0,
    level: float = 0.95,
) -> BacktestResult:
    """Fit on years ``since..Y``, reserve for ``Y + 1``, for Y = ``start``, ..., ``end - 1``.

    Parameters
    ----------
    incidents : DataFrame, optional
        ``date``, ``category``, ``amount_usd``; default the bundled incidents.
    start : int
        Last year of the first calibration window (default 2018: the first forecast is for
        2019).
    end : int, optional
        Last forecast year (default: the last year in the data).
    coverage, measure, level
        As for :func:`riskmodel.reserve`.
    threshold, since
        Reporting threshold (USD) and first year of every calibration window.
    n_sims : int
        Simulated years per reserve.
    rng : int, Generator, SeedSequence or None
        Seed; forecast ``i`` uses child ``i`` of it.
    parameter_draws : int
        Parameter sets for each reserve's interval (0, the default, for the Monte Carlo
        interval only; the test uses the reserves, not their intervals).

    Returns
    -------
    BacktestResult

    Notes
    -----
    The actual loss of a year is what the model describes: the sum of the year's losses at
    or above ``threshold``, all categories. Incidents without a known amount cannot be
    compared and are counted in ``n_unknown_amount``. A year still in progress in the data
    (the last one, usually) is compared as it stands, which favours the reserve.

    Examples
    --------
    >>> bt = backtest(start=2022, n_sims=20_000, rng=1)  # doctest: +SKIP
    >>> list(bt.table.index)  # doctest: +SKIP
    [2023, 2024, 2025]
    """
    from .calibrate import calibrate_industry
    from .data import load_incidents
    from .reserving import reserve

    if incidents is None:
        incidents = load_incidents()
    year = pd.to_datetime(incidents["date"]).dt.year.to_numpy()
    amount = incidents["amount_usd"].to_numpy(dtype=float)
    last = int(year.max()) if end is None else int(end)
    if not since <= start < last:
        raise ValueError(
            f"start: must satisfy since ({since}) <= start < last forecast year ({last}), "
            f"got {start}"
        )
    root = as_seed_sequence(rng)
    rows = []
    for i, fit_until in enumerate(range(start, last)):
        target = fit_until + 1
        cal = calibrate_industry(incidents, threshold=threshold, since=since, until=fit_until)
        r = reserve(
            cal.model,
            coverage,
            measure=measure,
            rng=np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i)),
            n_sims=n_sims,
            level=level,
            parameter_draws=parameter_draws,
        )
        in_year = year == target
        known = in_year & np.isfinite(amount)
        hit = known & (amount >= threshold)
        actual = float(amount[hit].sum())
        rows.append(
            {
                "year": target,
                "fit_until": fit_until,
                "reserve": r.reserve,
                "ci_lo": r.ci[0],
                "ci_hi": r.ci[1],
                "actual": actual,
                "n_losses": int(hit.sum()),
                "n_unknown_amount": int((in_year & ~np.isfinite(amount)).sum()),
                "exceeded": bool(actual > r.reserve),
            }
        )
    table = pd.DataFrame(rows).set_index("year")
    n, x = len(table), int(table["exceeded"].sum())
    power = {f"{lvl:g}": 1.0 - lvl**n for lvl in (0.99, 0.95, 0.9)}
    return BacktestResult(
        table=table,
        kupiec=kupiec_test(n, x, coverage),
        coverage=coverage,
        power_against=power,
        provenance={
            "seed": seed_of(root),
            "n_sims": int(n_sims),
            "threshold": float(threshold),
            "since": since,
            "start": start,
            "end": last,
            "measure": measure,
            "parameter_draws": int(parameter_draws),
        },
    )
