"""Yearly incident counts above a reporting threshold, the input of frequency fitting."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from riskmodel._errors import DataError, RiskModelWarning

__all__ = ["annual_counts"]

_MAX_LISTED = 5


def annual_counts(
    incidents: pd.DataFrame,
    *,
    threshold: float = 1e6,
    since: int | None = None,
    until: int | None = None,
    categories: Sequence[str] | None = None,
    unknown_amount: Literal["warn", "ignore", "count"] = "warn",
) -> pd.DataFrame:
    """Count incidents with a loss at or above a threshold, per calendar year and category.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with ``date`` (datetime64), ``category`` and ``amount_usd`` columns, as
        returned by :func:`load_incidents` or :func:`read_losses`.
    threshold : float, default 1e6
        Count only losses with ``amount_usd >= threshold`` (USD). Use the same threshold as
        the severity fit: see Notes.
    since, until : int, optional
        First and last calendar year of the window, both included. Default: the first and
        the last year with any incident in ``incidents`` (whatever its amount or category).
        Every year of the window is a row, with zeros where nothing was counted.
    categories : sequence of str, optional
        Columns of the result, in this order. Default: the categories of a Categorical
        ``category`` column (so a category with no incident still gets a column of zeros),
        else the sorted distinct values. Incidents of other categories are not counted.
    unknown_amount : {"warn", "ignore", "count"}, default "warn"
        What to do with incidents in the window whose amount is missing (NaN): they cannot be
        compared with the threshold. ``"warn"``: leave them out and issue a
        :class:`~riskmodel._errors.RiskModelWarning` naming them; ``"ignore"``: leave them
        out silently; ``"count"``: count them as if above the threshold (an upper bound).

    Returns
    -------
    pandas.DataFrame
        Index ``year`` (int64, every year from ``since`` to ``until``), one int64 column per
        category (columns named ``category``). ``attrs`` records ``threshold``, ``since``,
        ``until`` and ``n_unknown_amount``.

    Raises
    ------
    DataError
        If a required column is missing or a date is missing.
    ValueError
        If ``threshold`` is negative or not finite, ``since > until``, or the window cannot
        be found because ``incidents`` is empty.

    Warns
    -----
    RiskModelWarning
        With ``unknown_amount="warn"``, when incidents with a missing amount fall in the
        window.

    Notes
    -----
    Frequency and severity must use the same threshold ``u``. With counts ``N_t`` of losses
    at or above ``u`` in year ``t`` and a severity ``F`` fitted to the same losses as a
    distribution left-truncated at ``u``,

    .. math:: f_u(x) = f(x) / S(u), \\quad x \\ge u,

    the compound annual loss above the threshold is ``sum_{i=1}^{N_t} X_i``. Counting at one
    threshold and fitting the severity at another (or not truncating it) mixes two different
    populations and biases the reserve. Public incident lists under-report small and early
    losses, so a threshold of USD 1 million or more, and a window starting where reporting
    becomes reliable, are usual choices.

    Zero-loss incidents (voided trades) are counted only when ``threshold`` is 0.

    Examples
    --------
    >>> from riskmodel.data import annual_counts, load_incidents
    >>> annual_counts(load_incidents(), threshold=10e6, since=2018, until=2020,
    ...               unknown_amount="ignore")  # doctest: +NORMALIZE_WHITESPACE
    category  hack  fraud  operational
    year
    2018         7      0            0
    2019         6      4            0
    2020         2      0            0

    A year without incidents is kept with zeros:

    >>> import pandas as pd
    >>> toy = pd.DataFrame({
    ...     "date": pd.to_datetime(["2019-03-01", "2019-07-01", "2022-01-05"]),
    ...     "category": pd.Categorical(["hack", "fraud", "hack"],
    ...                                categories=["hack", "fraud", "operational"]),
    ...     "amount_usd": [5e6, 2e5, 3e7],
    ... })
    >>> annual_counts(toy, threshold=1e6)  # doctest: +NORMALIZE_WHITESPACE
    category  hack  fraud  operational
    year
    2019         1      0            0
    2020         0      0            0
    2021         0      0            0
    2022         1      0            0
    """
    for name in ("date", "category", "amount_usd"):
        if name not in incidents.columns:
            raise DataError("column is missing from the incidents table", column=name)
    if unknown_amount not in ("warn", "ignore", "count"):
        raise ValueError(
            f"unknown_amount must be 'warn', 'ignore' or 'count', got {unknown_amount!r}"
        )
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not math.isfinite(threshold)
        or threshold < 0
    ):
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}")
    dates = pd.to_datetime(incidents["date"])
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(f"date is missing (position {row} of the table)", column="date")
    years = dates.dt.year.to_numpy(dtype=np.int64)
    since = _year(since, "since", years, np.min)
    until = _year(until, "until", years, np.max)
    if since > until:
        raise ValueError(f"since ({since}) is after until ({until})")
    cats = _categories(incidents["category"], categories)

    amounts = pd.to_numeric(incidents["amount_usd"]).to_numpy(dtype=np.float64)
    in_window = (years >= since) & (years <= until)
    selected = in_window & incidents["category"].isin(cats).to_numpy()
    unknown = selected & np.isnan(amounts)
    counted = selected & (amounts >= threshold)
    if unknown_amount == "count":
        counted |= unknown
    elif unknown_amount == "warn" and unknown.any():
        _warn_unknown(incidents.loc[unknown])

    n_years = until - since + 1
    category = incidents["category"].to_numpy()
    table = {
        c: np.bincount(years[counted & (category == c)] - since, minlength=n_years).astype(
            np.int64
        )
        for c in cats
    }
    out = pd.DataFrame(table, index=pd.RangeIndex(since, until + 1, name="year"))
    out.index = out.index.astype(np.int64)
    out.columns = pd.Index(cats, name="category")
    out.attrs.update(
        threshold=float(threshold),
        since=since,
        until=until,
        n_unknown_amount=int(unknown.sum()),
    )
    return out


def _year(value: int | None, name: str, years: np.ndarray, default) -> int:
    if value is None:
        if years.size == 0:
            raise ValueError(f"incidents is empty: give {name} explicitly")
        return int(default(years))
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole year, got {value!r}")
    return int(value)


def _categories(column: pd.Series, categories: Sequence[str] | None) -> list[str]:
    if categories is not None:
        if isinstance(categories, str):
            raise TypeError("categories must be a sequence of strings, not a single string")
        cats = list(categories)
        if len(set(cats)) != len(cats):
            raise ValueError(f"categories repeat: {cats!r}")
        return cats
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)
    return sorted(column.dropna().unique())


def _warn_unknown(rows: pd.DataFrame) -> None:
    labels = []
    for _, r in rows.head(_MAX_LISTED).iterrows():
        label = f"{r['date']:%Y-%m-%d} {r['category']}"
        if "exchange" in rows.columns and not pd.isna(r["exchange"]):
            label += f" {r['exchange']}"
        labels.append(label)
    etc = ", ..." if len(rows) > _MAX_LISTED else ""
    warnings.warn(
        f"{len(rows)} incident(s) in the window have no amount and are not counted "
        f"({'; '.join(labels)}{etc}); pass unknown_amount='ignore' to accept this or "
        "'count' to count them as above the threshold",
        RiskModelWarning,
        stacklevel=3,
    )
