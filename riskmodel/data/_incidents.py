"""Loss incidents: the bundled table and a validating reader for a user's own loss file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from . import _validate as v
from ._fast import fast_losses
from ._input import check_input_file

__all__ = ["CATEGORIES", "load_incidents", "read_losses"]

#: Largest single loss a loss file may hold, in USD: far above any loss on record (FTX's
#: 8.7bn), and small enough that sums of millions of them cannot overflow.
MAX_AMOUNT_USD = 1e15

#: Loss categories of the bundled data, in the order used for Categorical columns.
CATEGORIES: tuple[str, ...] = ("hack", "fraud", "operational")

_TEXT_COLUMNS = (
    "date_precision",
    "exchange",
    "country",
    "amount_status",
    "asset",
    "source",
    "confidence",
    "entity_type",
    "alt_amounts",
    "country_basis",
    "description",
    "defi_label",
)


def load_incidents(*, include_context: bool = False) -> pd.DataFrame:
    """Load the bundled table of loss incidents at crypto exchanges (2011-2025).

    One row per publicly reported hack, fraud or operational loss, with the loss in USD at the
    time of the incident and a public source for every row. See ``DATACARD.md`` in this
    package for the provenance and the known gaps.

    Parameters
    ----------
    include_context : bool, default False
        If False, only exchange-type venues (``cex`` is True: exchanges, brokers, P2P markets,
        derivatives venues; 129 rows). If True, also the 22 context rows (custodial wallets,
        payment processors, lenders, Ponzi schemes): 151 rows.

    Returns
    -------
    pandas.DataFrame
        Sorted by date, with a fresh RangeIndex. Columns:

        ========================  =====================================================
        ``date``                  datetime64[ns], disclosure date (not always the breach)
        ``date_precision``        ``"day"``, or ``"month"`` when only the month is known
                                  (``date`` is then the 1st)
        ``exchange``              venue name
        ``country``               country, or ``"unknown"``; see ``country_basis``
        ``category``              Categorical ``["hack", "fraud", "operational"]``
        ``amount_usd``            float64 loss in USD at the time; 0 = no loss (voided
                                  trades, data-only leak); NaN = amount not reported
        ``amount_status``         ``"reported"``, ``"no_loss"`` or ``"unknown"``
        ``asset``                 main asset lost, where known
        ``source``                public URL(s) or publication for the figure
        ``confidence``            ``"medium"`` or ``"low"``
        ``cex``                   bool, True for exchange-type venues
        ``entity_type``           kind of venue
        ``funds_returned_usd``    float64, often reimbursement by the venue; NaN unknown
        ``alt_amounts``           other sources' figures (amounts differ 10-50%)
        ``country_basis``         whether the country is stated or assumed from the HQ
        ``description``           what happened, curation notes
        ``defi_label``            the De.Fi REKT database's own label, where the row came
                                  from it
        ``source_row``            int64 line of the row in the compiled reference file
        ========================  =====================================================

    See Also
    --------
    read_losses : read and validate a user's own loss file.
    annual_counts : yearly counts above a reporting threshold.

    Notes
    -----
    Small and early losses are under-reported (model a reporting threshold as left
    truncation); FTX (USD 8.7bn customer shortfall) is about half of the exchange total and
    Thodex (USD 2bn) is disputed. One row (Coinroom, 2019) has an unknown amount.

    References
    ----------
    .. [1] De.Fi REKT database, public scrape in the GitHub repository
       ``liqtags/crypto-rekts`` (commit 39b2d7c), with each record's proof link.
    .. [2] B. Charoenwong and M. Bernardi, "A Decade of Cryptocurrency 'Hacks': 2011-2021",
       SSRN 3944435, 2022 (alternative amounts).

    Examples
    --------
    >>> from riskmodel.data import load_incidents
    >>> df = load_incidents()
    >>> len(df), bool(df["cex"].all())
    (129, True)
    >>> df["category"].value_counts().to_dict()
    {'hack': 104, 'fraud': 20, 'operational': 5}
    >>> len(load_incidents(include_context=True))
    151
    """
    if not isinstance(include_context, (bool, np.bool_)):
        raise TypeError(f"include_context: must be True or False, got {include_context!r}")
    with resources.files(__package__).joinpath("incidents.csv").open(encoding="utf-8") as f:
        df = pd.read_csv(
            f,
            dtype={name: str for name in _TEXT_COLUMNS}
            | {"category": str, "amount_usd": "float64", "funds_returned_usd": "float64"}
            | {"cex": "int64", "source_row": "int64", "date": str},
            keep_default_na=False,
            na_values=[""],
        )
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d").astype("datetime64[ns]")
    df["category"] = pd.Categorical(df["category"], categories=list(CATEGORIES))
    df["cex"] = df["cex"].astype(bool)
    if not include_context:
        df = df.loc[df["cex"]]
    df = df.reset_index(drop=True)
    df.attrs["riskmodel_source"] = "bundled"  # calibrate_industry's default window reads it
    return df


def read_losses(
    path: str | os.PathLike[str],
    *,
    on_invalid: Literal["raise", "drop"] = "raise",
    categories: Sequence[str] | None = CATEGORIES,
    amount_column: str = "amount_usd",
    date_column: str = "date",
    category_column: str = "category",
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read and validate a user's CSV file of individual losses.

    The file needs a date, a category and an amount column (names set by the ``*_column``
    arguments); other columns pass through. Every row is checked and every problem is
    reported with the file, the row and the column.

    Parameters
    ----------
    path : str or os.PathLike
        Comma-separated, UTF-8 text file with a header line.
    on_invalid : {"raise", "drop"}, default "raise"
        ``"raise"``: raise :class:`~riskmodel._errors.DataError` for the first invalid row.
        ``"drop"``: remove invalid rows and issue one
        :class:`~riskmodel._errors.RiskModelWarning` that counts them by reason and lists
        the first row numbers. An empty file or a missing column always raises.
    categories : sequence of str or None, default ("hack", "fraud", "operational")
        Allowed categories, matched case-insensitively; the output uses these spellings and
        this order for its Categorical. ``None`` accepts any non-empty names: the categories
        are the distinct names in the file (the first spelling of each, case-insensitively),
        sorted.
    amount_column, date_column, category_column : str
        Names of the required columns in the file. They are renamed to ``amount_usd``,
        ``date`` and ``category`` in the output.
    max_bytes : int, optional
        Largest file read, in bytes (default 2 GiB, or ``$RISKMODEL_MAX_INPUT_MB`` MiB); only
        regular files are read (not a device such as ``/dev/zero``, nor a pipe).

    Returns
    -------
    pandas.DataFrame
        One row per valid data row, in file order, typed like :func:`load_incidents`:
        ``date`` datetime64[ns], ``category`` Categorical, ``amount_usd`` float64. Other
        columns pass through: numeric if every non-empty cell is a number, text otherwise;
        empty cells are missing. ``df.attrs["dropped"]`` lists ``(row, column, reason)`` for
        every problem found (empty when nothing was dropped; ``column`` is None for a
        whole-row problem) and ``df.attrs["path"]`` is the file name.

    Raises
    ------
    DataError
        Empty file (no header, or no data rows), a required column missing, a repeated
        column name, or, with ``on_invalid="raise"``, the first invalid row: an empty or
        non-numeric amount (``1,000`` and ``$5M`` are not numbers), a negative or infinite
        amount, an amount above :data:`MAX_AMOUNT_USD` (1e15), an empty or unparseable date,
        a date after today (one day's grace for time zones), an empty or unknown category, a
        row with the
        wrong number of fields, or a row that repeats an earlier row exactly.
    FileNotFoundError
        If the file does not exist.

    Warns
    -----
    RiskModelWarning
        With ``on_invalid="drop"``, when rows were dropped.

    Notes
    -----
    Row numbers are 1-based line numbers in the file: the header is line 1, so the first data
    row is row 2, and they match what a text editor shows. Blank lines are skipped but still
    counted.

    Dates must be ISO 8601 (``2024-05-31``; ``2024-05`` means the 1st of the month;
    time-zone-aware times are converted to UTC). Amounts are plain decimal numbers, zero
    allowed (an incident without loss). A row that repeats an earlier row field for field is
    a duplicate; the first occurrence is kept.

    Examples
    --------
    >>> import pathlib, tempfile, warnings
    >>> from riskmodel.data import read_losses
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "losses.csv").write_text(
    ...     "date,category,amount_usd,exchange\\n"
    ...     "2024-05-31,hack,305000000,DMM Bitcoin\\n"
    ...     "2025-02-21,Hack,1.4e9,Bybit\\n"
    ...     "2025-05-15,insider,180000000,Coinbase\\n"
    ... )
    >>> read_losses(folder / "losses.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskmodel._errors.DataError: .../losses.csv, row 4, column category: category 'insider' is \
not one of 'hack', 'fraud', 'operational'
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     df = read_losses(folder / "losses.csv", on_invalid="drop")
    >>> print(str(caught[0].message).split(": ", 1)[1])  # doctest: +ELLIPSIS
    dropped 1 of 3 data rows as invalid: unknown category: 1 (row 4). Row numbers are ...
    >>> df[["date", "category", "amount_usd"]]
            date category    amount_usd
    0 2024-05-31     hack  3.050000e+08
    1 2025-02-21     hack  1.400000e+09
    >>> df.attrs["dropped"]
    [(4, 'category', 'unknown category')]
    """
    if categories is None:
        categories = _categories_in_file(path, category_column, max_bytes)
    categories = _check_categories(categories)
    required = [
        (date_column, "date"),
        (category_column, "category"),
        (amount_column, "amount_usd"),
    ]
    if on_invalid in ("raise", "drop") and len(dict(required)) == 3:
        check_input_file(path, max_bytes)
        df = fast_losses(os.fspath(path), required, categories, MAX_AMOUNT_USD)
        if df is not None:  # a valid file, read whole columns at a time
            return df
    raw, renames = v.open_table(path, required, on_invalid, max_bytes)
    problems: list[v.Problem] = []
    dates = v.parse_date(raw, date_column, problems)
    v.find_future_dates(raw, date_column, dates, problems)
    cats = v.parse_category(raw, category_column, categories, problems)
    amounts = v.parse_nonnegative(
        raw, amount_column, problems, what="amount", high=MAX_AMOUNT_USD, unit=" USD"
    )
    v.find_duplicate_rows(raw, problems)
    keep, dropped = v.resolve(raw, problems, on_invalid, stacklevel=2)
    parsed = {
        "date": pd.Series(dates[keep], dtype="datetime64[ns]"),
        "category": pd.Series(pd.Categorical(cats[keep], categories=list(categories))),
        "amount_usd": pd.Series(amounts[keep], dtype="float64"),
    }
    return v.assemble(raw, keep, dropped, renames, parsed)


def _categories_in_file(path, column: str, max_bytes: int | None) -> tuple[str, ...]:
    """The distinct non-empty names in ``column`` (first spelling, case-insensitively), sorted;
    ``("hack",)`` when there is none, so that the reader reports the empty cells itself."""
    check_input_file(path, max_bytes)
    try:
        col = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False)[column]
    except ValueError:  # the column is missing: the reader names it
        return CATEGORIES
    seen: dict[str, str] = {}
    for name in col.str.strip().unique():
        if name:
            seen.setdefault(name.casefold(), name)
    return tuple(sorted(seen.values())) or CATEGORIES


def _check_categories(categories: Sequence[str]) -> tuple[str, ...]:
    if isinstance(categories, str):
        raise TypeError("categories must be a sequence of strings, not a single string")
    cats = tuple(categories)
    if not cats or any(not isinstance(c, str) or not c.strip() for c in cats):
        raise ValueError(f"categories must be non-empty strings, got {categories!r}")
    folded = [c.casefold() for c in cats]
    if len(set(folded)) != len(folded):
        raise ValueError(f"categories repeat (case-insensitively): {categories!r}")
    return cats
