"""The fast path of :func:`riskmodel.data.read_losses`: whole columns at once.

A valid file (the common case, and the only one that can be large in practice) is read by
pandas' C parser and validated column by column with vectorised checks that accept exactly
what the row-by-row reader of :mod:`._validate` accepts, and produce the same frame. Anything
else (a problem in any row, a record spanning lines, a row with the wrong number of fields,
text that is not UTF-8, a blank line before the header) returns ``None``, and the row-by-row
reader runs instead: it names the file, the row and the column of every problem, as before.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from . import _validate as v

__all__ = ["fast_losses", "field_counts"]

_CHUNK = 1 << 24
#: pandas 3 parses floats correctly rounded, as Python's float() (and deprecates the option);
#: pandas 2 does so only with float_precision="round_trip"
_PRECISE = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def field_counts(path: str) -> np.ndarray | None:
    """Fields on each physical line of a CSV file (quote-aware), or ``None`` if a quoted
    field spans lines (then lines and records differ)."""
    out: list[np.ndarray] = []
    parity = 0  # inside quotes at the start of the chunk
    carry = 0  # commas on the line that the previous chunk left unfinished
    tail = False  # that line has characters
    with open(path, "rb") as f:
        while buf := f.read(_CHUNK):
            a = np.frombuffer(buf, np.uint8)
            inside = np.bitwise_xor.accumulate(a == 34, dtype=np.uint8) ^ np.uint8(parity)
            outside = inside == 0
            nl = np.flatnonzero((a == 10) & outside)
            if np.any((a == 10) & ~outside):
                return None
            commas = np.flatnonzero((a == 44) & outside)
            upto = np.searchsorted(commas, nl)
            per_line = np.diff(upto, prepend=0) + 1
            if len(nl):
                per_line[0] += carry
                carry = len(commas) - int(upto[-1])
                tail = bool(nl[-1] < len(a) - 1)
            else:
                carry += len(commas)
                tail = tail or len(a) > 0
            out.append(per_line)
            parity = int(inside[-1])
    if tail:
        out.append(np.array([carry + 1]))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _header(path: str) -> list[str] | None:
    """The first line's fields, or ``None`` if it is blank or unreadable."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            fields = next(csv.reader(f), None)
    except (UnicodeDecodeError, csv.Error):
        return None
    if not fields or (len(fields) == 1 and not fields[0].strip()):
        return None
    return fields


def _canonical(col: pd.Series, fn) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` applied to each distinct value of ``col`` once: (codes, mapped uniques)."""
    codes, uniques = pd.factorize(col, use_na_sentinel=False)
    return codes, np.array([fn(u) for u in uniques], dtype=object)


def _repeats(rows: pd.DataFrame, date_codes, cat_codes, amounts: np.ndarray) -> bool:
    """Whether two rows may be equal: then the row-by-row reader must name them.

    Rows equal field for field have equal dates, categories and amounts, so only rows whose
    (date text, category text, amount) key repeats are compared in full (amounts as numbers,
    so rows such as 5e6 / 5000000 count as equal too and go to the row-by-row reader). A hash
    collision only sends the file to the row-by-row reader.
    """
    mix = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
    key = np.ascontiguousarray(amounts).view(np.uint64).copy()
    key ^= date_codes.astype(np.uint64) * mix[0]
    key ^= cat_codes.astype(np.uint64) * mix[1]
    maybe = pd.Series(key).duplicated(keep=False).to_numpy()
    if not maybe.any():
        return False
    full = pd.util.hash_pandas_object(rows[maybe], index=False)
    return bool(pd.Series(full).duplicated().any())


def fast_losses(
    path: str,
    required: list[tuple[str, str]],
    categories: tuple[str, ...],
    max_amount: float,
) -> pd.DataFrame | None:
    """The frame :func:`read_losses` returns for a valid file, or ``None`` (use the row-by-row
    reader) if the file has any problem or anything this path does not handle."""
    fields = _header(path)
    if fields is None:
        return None
    header = v._clean_header(fields, path, 1)
    names = dict(required)
    inverse = {out: name for name, out in names.items()}
    if any(n not in header for n in names) or any(
        h in names.values() and h not in names for h in header
    ):
        return None
    j_amount = header.index(inverse["amount_usd"])
    if j_amount == 0:
        return None
    counts = field_counts(path)
    if counts is None or len(counts) < 2:
        return None
    width = len(header)
    try:
        table = pd.read_csv(
            path,
            header=None,
            skiprows=1,
            names=list(range(width)),
            dtype={j: (float if j == j_amount else str) for j in range(width)},
            keep_default_na=False,
            na_values={j_amount: [""]},
            skip_blank_lines=False,
            encoding="utf-8-sig",
            **_PRECISE,
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):  # EmptyDataError too
        return None
    counts = counts[1:]
    if len(table) != len(counts):
        return None
    maybe_blank = np.flatnonzero(counts == 1)
    blank = np.zeros(len(counts), bool)
    blank[maybe_blank] = table[0].iloc[maybe_blank].str.strip().to_numpy() == ""
    if np.any((counts != width) & ~blank):
        return None  # a row with the wrong number of fields
    rows = table[~blank] if blank.any() else table
    if len(rows) == 0:
        return None
    parsed: dict[str, pd.Series] = {}
    # date: as parse_date, once per distinct text
    j_date = header.index(inverse["date"])
    codes, uniq = _canonical(rows[j_date], str.strip)
    j_cat = header.index(inverse["category"])
    cat_raw, cat_uniq = _canonical(rows[j_cat], str.strip)
    amounts = rows[j_amount].to_numpy(dtype=float)
    if _repeats(rows, codes, cat_raw, amounts):
        return None
    if (uniq == "").any():
        return None
    dates = pd.to_datetime(pd.Index(uniq), format="ISO8601", errors="coerce", utc=True)
    if dates.isna().any():
        return None
    try:
        dates = dates.tz_localize(None).astype("datetime64[ns]")
    except (OverflowError, ValueError):  # outside 1677-2262 (OutOfBoundsDatetime)
        return None
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    if (dates > today + pd.Timedelta(days=1)).any():
        return None
    parsed["date"] = pd.Series(dates.to_numpy()[codes], dtype="datetime64[ns]")
    # category: as parse_category, once per distinct text
    lookup = {c.casefold(): c for c in categories}
    canon = [lookup.get(u.casefold()) for u in cat_uniq]
    if any(c is None for c in canon):
        return None
    cat_codes = np.array([categories.index(c) for c in canon], dtype=np.int64)[cat_raw]
    parsed["category"] = pd.Series(
        pd.Categorical.from_codes(cat_codes, categories=list(categories))
    )
    # amount: parsed by read_csv with Python's string-to-float (it refuses text that is not a
    # decimal number, such as 1,000 or $5M; nan and inf are caught here); as parse_nonnegative
    if not (np.isfinite(amounts).all() and (amounts >= 0).all() and (amounts <= max_amount).all()):
        return None
    parsed["amount_usd"] = pd.Series(amounts, dtype="float64")
    columns: dict[str, pd.Series] = {}
    for j, name in enumerate(header):
        if name in names:
            columns[names[name]] = parsed[names[name]]
        else:
            columns[name] = v.infer_series(rows[j])
    df = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    df.attrs["dropped"] = []
    df.attrs["path"] = path
    return df
