"""Exposure: the bundled Japanese market aggregates and a validating reader for user volumes."""

from __future__ import annotations

import os
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from . import _validate as v

__all__ = ["load_exposure", "read_exposure"]

_TEXT_COLUMNS = (
    "period",
    "period_type",
    "level",
    "scope",
    "metric",
    "kind",
    "unit",
    "qualifier",
    "reported_value",
    "reported_unit",
    "source",
    "notes",
)


def load_exposure() -> pd.DataFrame:
    """Load the bundled exposure figures for the Japanese crypto-exchange market.

    Aggregate trading volumes reported by the Japan Virtual and Crypto assets Exchange
    Association (JVCEA) for fiscal years 2014-2017 and several months of 2018-2021, numbers of
    registered exchange operators and of accounts, customer deposits, and one day of
    per-exchange 24-hour volumes (2018-09-11). Every row keeps its public source.
    Per-exchange annual volumes are not public: pass your own to :func:`read_exposure`.

    Returns
    -------
    pandas.DataFrame
        One row per figure, sorted by ``period_start``. Columns:

        ==================  ===========================================================
        ``period``          label: ``FY2017`` (April-March), ``2017``, ``2019-08``,
                            ``2018-09-11``
        ``period_type``     ``fiscal_year``, ``calendar_year``, ``month``, ``day`` or
                            ``report_date`` (figure as of a report's date)
        ``period_start``    datetime64[ns], first day of the period
        ``period_end``      datetime64[ns], last day of the period
        ``level``           ``market`` (all exchanges / JVCEA members) or ``exchange``
        ``scope``           who is covered (``JVCEA members``, an exchange's name...)
        ``metric``          ``spot_volume``, ``margin_volume`` (margin, credit and
                            futures), ``total_volume``, ``volume_24h``, ``accounts``,
                            ``active_accounts``, ``active_traders``,
                            ``registered_operators``, ``customer_deposits``,
                            ``customer_deposits_crypto``
        ``kind``            ``flow`` (summed over the period) or ``stock`` (level)
        ``value``           float64 in base units: JPY or a count
        ``unit``            ``JPY`` or ``count``
        ``approximate``     bool, True when the source gives ``~`` or ``>`` (a bound)
        ``qualifier``       ``"~"``, ``">"`` or missing
        ``reported_value``  the figure as the source wrote it
        ``reported_unit``   its unit (``JPY 100m`` = oku-yen) where given separately
        ``from_notes``      bool, True if the figure was in the notes of another row
        ``source``          public URL
        ``notes``           context from the source
        ``source_row``      int64 line in the compiled reference file
        ==================  ===========================================================

    See Also
    --------
    read_exposure : read and validate a user's own (year, exchange, volume) file.

    Notes
    -----
    Volumes are flows over the period (a month, or a fiscal year April-March), in JPY at the
    prices of the time; margin volume dominates after 2016 (about 80% of FY2017). Convert a
    fiscal year to a calendar year only with care: FY2017 ends in March 2018.

    References
    ----------
    .. [1] Japan Virtual and Crypto assets Exchange Association (JVCEA), figures presented to
       the FSA study group on virtual currency exchange business, 2018-04-10.
    .. [2] Financial Services Agency of Japan, working-group report of 2025-12-10, as cited
       by Nomura Research Institute (nri.com, 2025-12-18).

    Examples
    --------
    >>> from riskmodel.data import load_exposure
    >>> ex = load_exposure()
    >>> fy = ex[(ex["period_type"] == "fiscal_year") & (ex["metric"] == "spot_volume")]
    >>> (fy.set_index("period")["value"] / 1e12).round(3).to_dict()
    {'FY2014': 0.002, 'FY2015': 0.061, 'FY2016': 1.547, 'FY2017': 12.714}
    """
    with resources.files(__package__).joinpath("japan_exposure.csv").open(encoding="utf-8") as f:
        df = pd.read_csv(
            f,
            dtype={name: str for name in _TEXT_COLUMNS}
            | {"period_start": str, "period_end": str, "value": "float64"}
            | {"approximate": "int64", "from_notes": "int64", "source_row": "int64"},
            keep_default_na=False,
            na_values=[""],
        )
    for name in ("period_start", "period_end"):
        df[name] = pd.to_datetime(df[name], format="%Y-%m-%d").astype("datetime64[ns]")
    for name in ("approximate", "from_notes"):
        df[name] = df[name].astype(bool)
    return df


def read_exposure(
    path: str | os.PathLike[str],
    *,
    on_invalid: Literal["raise", "drop"] = "raise",
    year_column: str = "year",
    exchange_column: str = "exchange",
    volume_column: str = "volume",
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read and validate a user's CSV file of yearly exposure per exchange.

    The file needs a year, an exchange and a volume column (trading volume, or any other
    non-negative exposure measure in one unit); other columns pass through. The checks and
    the error reporting are those of :func:`read_losses`.

    Parameters
    ----------
    path : str or os.PathLike
        Comma-separated, UTF-8 text file with a header line.
    on_invalid : {"raise", "drop"}, default "raise"
        ``"raise"``: raise :class:`~riskmodel._errors.DataError` for the first invalid row.
        ``"drop"``: remove invalid rows with one :class:`~riskmodel._errors.RiskModelWarning`
        that counts them by reason. An empty file or a missing column always raises.
    year_column, exchange_column, volume_column : str
        Names of the required columns in the file; renamed to ``year``, ``exchange`` and
        ``volume`` in the output.
    max_bytes : int, optional
        Largest file read, in bytes (default 2 GiB, or ``$RISKMODEL_MAX_INPUT_MB`` MiB); only
        regular files are read (not a device such as ``/dev/zero``, nor a pipe).

    Returns
    -------
    pandas.DataFrame
        One row per valid data row, in file order: ``year`` int64, ``exchange`` text,
        ``volume`` float64, then the other columns. ``df.attrs["dropped"]`` lists
        ``(row, column, reason)`` for every problem found and ``df.attrs["path"]`` is the
        file name.

    Raises
    ------
    DataError
        Empty file, a required column missing, or (with ``on_invalid="raise"``) the first
        invalid row: an empty, non-numeric, negative or infinite volume, a year that is not
        a whole number from 1900 to 2200, an empty exchange name, the wrong number of
        fields, or a (year, exchange) pair that repeats an earlier row.

    Warns
    -----
    RiskModelWarning
        With ``on_invalid="drop"``, when rows were dropped.

    Notes
    -----
    Row numbers are 1-based line numbers in the file (header = line 1, first data row = 2).
    Exchange names are compared after stripping surrounding white space, case-sensitively.
    For a (year, exchange) duplicate the first row is kept.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from riskmodel.data import read_exposure
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "volumes.csv"
    >>> _ = path.write_text("year,exchange,volume\\n2023,A,1.5e12\\n2024,A,2.0e12\\n")
    >>> read_exposure(path)
       year exchange        volume
    0  2023        A  1.500000e+12
    1  2024        A  2.000000e+12
    """
    raw, renames = v.open_table(
        path,
        [(year_column, "year"), (exchange_column, "exchange"), (volume_column, "volume")],
        on_invalid,
        max_bytes,
    )
    problems: list[v.Problem] = []
    years = v.parse_year(raw, year_column, problems)
    exchanges = v.parse_text(raw, exchange_column, problems, what="exchange")
    volumes = v.parse_nonnegative(raw, volume_column, problems, what="volume")
    keys = [
        None if np.isnan(y) or e is None else (int(y), e)
        for y, e in zip(years, exchanges, strict=True)
    ]
    v.find_duplicate_keys(raw, keys, ["year", "exchange"], problems)
    keep, dropped = v.resolve(raw, problems, on_invalid, stacklevel=2)
    parsed = {
        "year": pd.Series(years[keep].astype(np.int64)),
        "exchange": pd.Series(list(exchanges[keep]), dtype=v.STRING_DTYPE),
        "volume": pd.Series(volumes[keep], dtype="float64"),
    }
    return v.assemble(raw, keep, dropped, renames, parsed)
