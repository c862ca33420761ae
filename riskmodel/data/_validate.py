"""Shared machinery that reads a user's CSV file and validates it row by row.

The readers (:func:`riskmodel.data.read_losses`, :func:`riskmodel.data.read_exposure`) are
built from the pieces here: :func:`read_table` reads the raw text with the line number of every
record, the ``parse_*`` functions turn one column into values and collect a :class:`Problem`
for each bad cell, and :func:`resolve` either raises a :class:`~riskmodel._errors.DataError`
for the first problem or drops the bad rows with one :class:`~riskmodel._errors.RiskModelWarning`.

Row numbers are 1-based line numbers in the file: the header is line 1 and the first data row
is line 2 (a record that spans several lines because of a quoted newline is numbered by its
first line).
"""

from __future__ import annotations

import csv
import math
import os
import re
import warnings
from collections import defaultdict
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel._errors import DataError, RiskModelWarning

from ._input import check_input_file

__all__ = [
    "STRING_DTYPE",
    "Problem",
    "RawTable",
    "assemble",
    "find_duplicate_keys",
    "find_duplicate_rows",
    "find_future_dates",
    "infer_column",
    "infer_series",
    "open_table",
    "parse_category",
    "parse_date",
    "parse_nonnegative",
    "parse_text",
    "parse_year",
    "read_table",
    "resolve",
]

#: The dtype pandas gives a column of text by default (object in pandas 2, ``str`` in pandas 3).
STRING_DTYPE = pd.Series(["text"]).dtype

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAN_TEXT = {"nan", "+nan", "-nan"}
_INF_TEXT = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
YEAR_RANGE = (1900, 2200)
_MAX_LISTED = 5


@dataclass(frozen=True)
class Problem:
    """One invalid cell (or row) of a file.

    Attributes
    ----------
    row : int
        1-based line number in the file (header = line 1).
    column : str or None
        Column at fault as named in the file; None for a problem with the whole row.
    reason : str
        Short, stable reason (``"negative value"``, ``"duplicate row"``...), used to group
        dropped rows.
    detail : str
        Full message with the offending value.
    """

    row: int
    column: str | None
    reason: str
    detail: str


@dataclass
class RawTable:
    """Text of a CSV file: header, records and the line where each record starts.

    Attributes
    ----------
    path : str
        File name as given by the caller.
    header : list of str
        Column names, stripped of surrounding white space.
    header_line : int
        Line number of the header (1 unless the file starts with blank lines).
    records : list of list of str
        Data records; a record with the wrong number of fields is padded or cut to the header
        length, and its row is listed in ``ragged``.
    lines : list of int
        1-based line number of each record.
    ragged : set of int
        Indices of records whose field count differs from the header's.
    problems : list of Problem
        Problems found while reading (wrong number of fields).
    """

    path: str
    header: list[str]
    header_line: int
    records: list[list[str]]
    lines: list[int]
    ragged: set[int]
    problems: list[Problem]

    def __len__(self) -> int:
        return len(self.records)

    def cells(self, column: str) -> Iterator[tuple[int, int, str]]:
        """Yield ``(index, line, text)`` for one column, skipping ragged records."""
        j = self.header.index(column)
        for i, (record, line) in enumerate(zip(self.records, self.lines, strict=True)):
            if i not in self.ragged:
                yield i, line, record[j]

    def require(self, columns: Sequence[str]) -> None:
        """Raise DataError naming the first required column the header lacks."""
        for name in columns:
            if name not in self.header:
                found = ", ".join(repr(h) for h in self.header)
                hint = ""
                if len(self.header) == 1 and ";" in self.header[0]:
                    hint = (
                        " (the file looks semicolon-separated; a comma-separated file is needed)"
                    )
                raise DataError(
                    f"required column {name!r} is missing; the header has {found}{hint}",
                    path=self.path,
                    row=self.header_line,
                    column=name,
                )


def open_table(
    path: str | os.PathLike[str],
    required: Sequence[tuple[str, str]],
    on_invalid: str,
    max_bytes: int | None = None,
) -> tuple[RawTable, dict[str, str]]:
    """Check the arguments, read the file and check its header.

    Parameters
    ----------
    path : str or os.PathLike
    required : sequence of (name in file, name in output)
        The required columns.
    on_invalid : str
        Checked to be ``"raise"`` or ``"drop"``.
    max_bytes : int, optional
        Largest file read (see :func:`read_table`).

    Returns
    -------
    raw : RawTable
    renames : dict
        File column name -> output column name, for the required columns.
    """
    if on_invalid not in ("raise", "drop"):
        raise ValueError(f"on_invalid must be 'raise' or 'drop', got {on_invalid!r}")
    renames = dict(required)
    if len(renames) != len(required):
        raise ValueError(f"the required column names must differ, got {list(renames)!r}")
    raw = read_table(path, max_bytes)
    raw.require(list(renames))
    for name in raw.header:
        if name in renames.values() and name not in renames:
            raise DataError(
                f"column {name!r} clashes with the output name of required column "
                f"{next(k for k, out in renames.items() if out == name)!r}",
                path=raw.path,
                row=raw.header_line,
                column=name,
            )
    return raw, renames


def assemble(
    raw: RawTable,
    keep: np.ndarray,
    dropped: list[tuple[int, str | None, str]],
    renames: dict[str, str],
    parsed: dict[str, pd.Series],
) -> pd.DataFrame:
    """Build the output in file column order: required columns renamed and typed.

    Other columns are typed by :func:`infer_column`. ``attrs`` gets ``dropped`` and ``path``.
    """
    kept = [r for r, k in zip(raw.records, keep, strict=True) if k]
    columns: dict[str, pd.Series] = {}
    for j, name in enumerate(raw.header):
        if name in renames:
            columns[renames[name]] = parsed[renames[name]].reset_index(drop=True)
        else:
            columns[name] = infer_column([r[j] for r in kept])
    df = pd.DataFrame(columns, index=pd.RangeIndex(len(kept)))
    df.attrs["dropped"] = dropped
    df.attrs["path"] = raw.path
    return df


def read_table(path: str | os.PathLike[str], max_bytes: int | None = None) -> RawTable:
    """Read a comma-separated UTF-8 file into a :class:`RawTable`.

    Blank lines are skipped. An empty file, a file with a header but no data rows, a repeated
    column name, undecodable text and malformed quoting raise :class:`DataError` at once.

    Parameters
    ----------
    path : str or os.PathLike
        The file: a regular file (not a device or pipe) of at most ``max_bytes``.
    max_bytes : int, optional
        Default :func:`riskmodel.data._input.max_bytes_default` (2 GiB).

    Returns
    -------
    RawTable
    """
    name = os.fspath(path)
    check_input_file(name, max_bytes)
    header: list[str] | None = None
    header_line = 0
    records: list[list[str]] = []
    lines: list[int] = []
    ragged: set[int] = set()
    problems: list[Problem] = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        previous_end = 0
        try:
            for fields in reader:
                start, previous_end = previous_end + 1, reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if header is None:
                    header, header_line = _clean_header(fields, name, start), start
                    continue
                if len(fields) != len(header):
                    problems.append(
                        Problem(
                            start,
                            None,
                            "wrong number of fields",
                            f"row has {len(fields)} fields, the header has {len(header)}",
                        )
                    )
                    ragged.add(len(records))
                    fields = (fields + [""] * len(header))[: len(header)]
                records.append(fields)
                lines.append(start)
        except UnicodeDecodeError as exc:
            raise DataError(f"file is not UTF-8 text ({exc.reason})", path=name) from exc
        except csv.Error as exc:
            raise DataError(f"malformed CSV: {exc}", path=name, row=reader.line_num) from exc
    if header is None:
        raise DataError("file is empty: no header line and no data rows", path=name)
    if not records:
        raise DataError(
            "file has a header but no data rows", path=name, row=header_line + 1, column=None
        )
    return RawTable(name, header, header_line, records, lines, ragged, problems)


def _clean_header(fields: list[str], path: str, line: int) -> list[str]:
    header = [f.strip() or f"Unnamed: {j}" for j, f in enumerate(fields)]
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise DataError(
                "column name appears twice in the header", path=path, row=line, column=h
            )
        seen.add(h)
    return header


def parse_nonnegative(
    raw: RawTable,
    column: str,
    problems: list[Problem],
    *,
    what: str = "value",
    high: float = math.inf,
    unit: str = "",
) -> np.ndarray:
    """Parse a column of non-negative finite numbers.

    Empty cells and ``nan`` are "missing value"; text that is not a plain decimal number
    (``1,000``, ``$5M``) is "not a number"; ``inf`` is "not finite"; values below zero are
    "negative value"; values above ``high`` are "too large". Bad cells become NaN and add a
    :class:`Problem`.

    Returns
    -------
    numpy.ndarray
        float64 values, NaN where invalid.
    """
    out = np.full(len(raw), np.nan)
    for i, line, text in raw.cells(column):
        s = text.strip()
        low = s.lower()
        if not s or low in _NAN_TEXT:
            problems.append(Problem(line, column, "missing value", f"{what} is missing"))
        elif low in _INF_TEXT:
            problems.append(Problem(line, column, "not finite", f"{what} {text!r} is not finite"))
        elif not _NUMBER.fullmatch(s):
            problems.append(
                Problem(line, column, "not a number", f"{what} {text!r} is not a number")
            )
        else:
            x = float(s)
            if math.isinf(x):
                problems.append(
                    Problem(line, column, "not finite", f"{what} {text!r} is not finite")
                )
            elif x < 0:
                problems.append(
                    Problem(line, column, "negative value", f"{what} {text!r} is negative")
                )
            elif x > high:
                detail = f"{what} {text!r} exceeds {high:g}{unit}: check the units"
                problems.append(Problem(line, column, "too large", detail))
            else:
                out[i] = x
    return out


def parse_date(raw: RawTable, column: str, problems: list[Problem]) -> np.ndarray:
    """Parse a column of ISO 8601 dates (``YYYY-MM-DD``; ``YYYY-MM`` means the 1st).

    Time-zone-aware values are converted to UTC and made naive.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]`` values, NaT where invalid.
    """
    out = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    index, line_of, texts = [], [], []
    for i, line, text in raw.cells(column):
        s = text.strip()
        if not s:
            problems.append(Problem(line, column, "missing value", "date is missing"))
        else:
            index.append(i)
            line_of.append(line)
            texts.append(s)
    if not texts:
        return out
    # utc=True: naive times stay as they are, aware ones are converted to UTC
    parsed = pd.to_datetime(texts, format="ISO8601", errors="coerce", utc=True).tz_localize(None)
    for i, line, text, value in zip(index, line_of, texts, parsed, strict=True):
        detail = f"date {text!r} is not an ISO 8601 date (YYYY-MM-DD)"
        if not pd.isna(value):
            try:
                out[i] = value.as_unit("ns").to_datetime64()
                continue
            except (OverflowError, ValueError):  # OutOfBoundsDatetime is a ValueError
                detail = f"date {text!r} is outside the supported range (1677-2262)"
        problems.append(Problem(line, column, "unparseable date", detail))
    return out


def find_future_dates(
    raw: RawTable, column: str, dates: np.ndarray, problems: list[Problem]
) -> None:
    """Add a problem for every date after today (UTC, with one day's grace for time zones).

    A loss cannot have happened yet: one mistyped year (``2099``) would otherwise stretch the
    observation window and dilute every rate fitted from the file.
    """
    today = np.datetime64(pd.Timestamp.now(tz="UTC").tz_localize(None).normalize(), "ns")
    late = np.flatnonzero(dates > today + np.timedelta64(1, "D"))  # NaT compares False
    if not len(late):
        return
    lines = np.asarray(raw.lines)
    day = str(today.astype("datetime64[D]"))
    for i in late:
        text = raw.records[i][raw.header.index(column)].strip()
        detail = f"date {text!r} is after today ({day})"
        problems.append(Problem(int(lines[i]), column, "date in the future", detail))


def parse_category(
    raw: RawTable, column: str, categories: Sequence[str], problems: list[Problem]
) -> np.ndarray:
    """Parse a column of category labels, matched case-insensitively to ``categories``.

    Returns
    -------
    numpy.ndarray
        object array of the canonical spelling from ``categories``, None where invalid.
    """
    lookup = {c.casefold(): c for c in categories}
    out = np.full(len(raw), None, dtype=object)
    allowed = ", ".join(repr(c) for c in categories)
    for i, line, text in raw.cells(column):
        s = text.strip()
        if not s:
            problems.append(Problem(line, column, "missing value", "category is missing"))
        elif s.casefold() not in lookup:
            problems.append(
                Problem(
                    line,
                    column,
                    "unknown category",
                    f"category {text!r} is not one of {allowed}",
                )
            )
        else:
            out[i] = lookup[s.casefold()]
    return out


def parse_year(raw: RawTable, column: str, problems: list[Problem]) -> np.ndarray:
    """Parse a column of calendar years: whole numbers from 1900 to 2200 (``2019.0`` is accepted).

    Returns
    -------
    numpy.ndarray
        float64 years (whole numbers), NaN where invalid.
    """
    out = np.full(len(raw), np.nan)
    for i, line, text in raw.cells(column):
        s = text.strip()
        if not s:
            problems.append(Problem(line, column, "missing value", "year is missing"))
        elif not _INTEGER.fullmatch(s):
            problems.append(
                Problem(line, column, "not a year", f"year {text!r} is not a whole number")
            )
        elif not YEAR_RANGE[0] <= int(float(s)) <= YEAR_RANGE[1]:
            problems.append(
                Problem(
                    line,
                    column,
                    "year out of range",
                    f"year {text!r} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}",
                )
            )
        else:
            out[i] = int(float(s))
    return out


def parse_text(
    raw: RawTable, column: str, problems: list[Problem], *, what: str = "value"
) -> np.ndarray:
    """Parse a column of required, non-empty text (stripped of surrounding white space).

    Returns
    -------
    numpy.ndarray
        object array of strings, None where missing.
    """
    out = np.full(len(raw), None, dtype=object)
    for i, line, text in raw.cells(column):
        s = text.strip()
        if not s:
            problems.append(Problem(line, column, "missing value", f"{what} is missing"))
        else:
            out[i] = s
    return out


def find_duplicate_rows(raw: RawTable, problems: list[Problem]) -> None:
    """Add a problem for every record that repeats an earlier record field for field."""
    first: dict[tuple[str, ...], int] = {}
    for i, (record, line) in enumerate(zip(raw.records, raw.lines, strict=True)):
        if i in raw.ragged:
            continue
        key = tuple(record)
        if key in first:
            problems.append(
                Problem(line, None, "duplicate row", f"row repeats row {first[key]} exactly")
            )
        else:
            first[key] = line


def find_duplicate_keys(
    raw: RawTable,
    keys: Sequence[Hashable | None],
    names: Sequence[str],
    problems: list[Problem],
) -> None:
    """Add a problem for every record whose key repeats an earlier record's key.

    Parameters
    ----------
    keys : sequence
        One key per record; None for records whose key columns are invalid (skipped).
    names : sequence of str
        Names of the key columns, for the message.
    """
    first: dict[Hashable, int] = {}
    label = f"({', '.join(names)})"
    for key, line in zip(keys, raw.lines, strict=True):
        if key is None:
            continue
        if key in first:
            problems.append(
                Problem(
                    line,
                    None,
                    "duplicate key",
                    f"{label} = {key!r} repeats row {first[key]}",
                )
            )
        else:
            first[key] = line


def resolve(
    raw: RawTable,
    problems: list[Problem],
    on_invalid: str,
    *,
    stacklevel: int,
) -> tuple[np.ndarray, list[tuple[int, str | None, str]]]:
    """Raise for the first problem, or mark the rows to drop and warn once.

    Parameters
    ----------
    raw : RawTable
    problems : list of Problem
        Problems found by the parsers (the reader's own are added here).
    on_invalid : {"raise", "drop"}
    stacklevel : int
        Passed to :func:`warnings.warn` so the warning points at the user's call.

    Returns
    -------
    keep : numpy.ndarray of bool
        Records to keep.
    dropped : list of (row, column, reason)
        Every problem, in file order.

    Raises
    ------
    DataError
        If ``on_invalid="raise"`` and there is any problem: it names the file, the row and
        the column of the first one, and says how many other rows are invalid.
    """
    order = {name: j for j, name in enumerate(raw.header)}
    everything = sorted(
        [*raw.problems, *problems],
        key=lambda p: (p.row, -1 if p.column is None else order[p.column]),
    )
    keep = np.ones(len(raw), dtype=bool)
    if not everything:
        return keep, []
    bad_rows = sorted({p.row for p in everything})
    if on_invalid == "raise":
        first = everything[0]
        more = len(bad_rows) - 1
        suffix = (
            f" ({more} more invalid row{'s' if more > 1 else ''} in this file; "
            "on_invalid='drop' drops invalid rows with a warning)"
            if more
            else ""
        )
        raise DataError(first.detail + suffix, path=raw.path, row=first.row, column=first.column)
    index_of_line = {line: i for i, line in enumerate(raw.lines)}
    keep[[index_of_line[r] for r in bad_rows]] = False
    rows_by_reason: dict[str, dict[int, None]] = defaultdict(dict)  # ordered sets of rows
    for p in everything:
        rows_by_reason[p.reason][p.row] = None
    parts = []
    for reason, row_set in sorted(rows_by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows = list(row_set)
        listed = ", ".join(str(r) for r in rows[:_MAX_LISTED])
        etc = ", ..." if len(rows) > _MAX_LISTED else ""
        parts.append(f"{reason}: {len(rows)} (row{'s' if len(rows) > 1 else ''} {listed}{etc})")
    warnings.warn(
        f"{raw.path}: dropped {len(bad_rows)} of {len(raw)} data rows as invalid: "
        + "; ".join(parts)
        + ". Row numbers are file lines (header = line 1); see DataFrame.attrs['dropped'].",
        RiskModelWarning,
        stacklevel=stacklevel + 1,
    )
    return keep, [(p.row, p.column, p.reason) for p in everything]


def infer_column(values: Sequence[str]) -> pd.Series:
    """Type a pass-through column: numbers if every non-empty cell is a number, else text.

    Empty cells become missing values (NaN, or the string dtype's missing value).
    """
    stripped = [v.strip() for v in values]
    filled = [v for v in stripped if v]
    if filled and all(_NUMBER.fullmatch(v) for v in filled):
        return pd.to_numeric(pd.Series([v if v else np.nan for v in stripped], dtype=object))
    return pd.Series([v if v.strip() else None for v in values], dtype=STRING_DTYPE)


def infer_series(col: pd.Series) -> pd.Series:
    """:func:`infer_column` of a column of strings, whole-column (the fast reader's).

    Text is detected at the first distinct non-empty value that is not a number, without a
    Python loop over the rows; the number test runs on distinct values only.
    """
    text = col.astype(STRING_DTYPE)
    stripped = text.str.strip()
    empty = (stripped == "").to_numpy(dtype=bool, na_value=True)
    filled = stripped[~empty]
    # a text column shows itself in its first cells: no need to list its distinct values
    head = filled.iloc[:1000].to_numpy(dtype=object)
    numeric = len(head) > 0 and all(_NUMBER.fullmatch(u) for u in head)
    if numeric and all(_NUMBER.fullmatch(u) for u in pd.unique(filled)):
        return pd.to_numeric(pd.Series(stripped.to_numpy(dtype=object)).where(~empty, np.nan))
    return text.where(~empty, None).reset_index(drop=True)
