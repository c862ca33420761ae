"""The whole-column reader of valid files agrees with the row-by-row reader."""

from pathlib import Path

import pandas as pd
import pytest

import riskmodel.data._incidents as inc
from riskmodel.data import read_losses
from riskmodel.data._validate import infer_column, infer_series


@pytest.mark.parametrize(
    "cells",
    [
        ["1", "2.5", " 3 ", ""],
        ["a", "b", ""],
        ["1", "x"],
        ["", ""],
        [" 1e3", "-2", "+.5"],
        ["nan", "1"],
        ["inf"],
        ["1,000"],
        ["  ", "5"],
        ["abc", " d "],
        ["1"] * 1500 + ["x"],  # text after the first thousand cells
        [str(i) for i in range(3000)],
    ],
)
def test_infer_series_is_infer_column(cells):
    slow = infer_column(cells)
    fast = infer_series(pd.Series(cells, index=range(7, 7 + len(cells))))
    assert fast.dtype == slow.dtype
    pd.testing.assert_series_equal(fast, slow, check_index=False)
    assert isinstance(fast.index, pd.RangeIndex)


def _no_row_by_row(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the row-by-row reader ran")

    monkeypatch.setattr(inc.v, "open_table", refuse)


def test_rows_that_share_date_category_and_amount_stay_on_the_fast_path(tmp_path, monkeypatch):
    path = tmp_path / "l.csv"
    path.write_text(
        "date,category,amount_usd,exchange\n"
        "2024-01-02,hack,10,A\n"
        "2024-01-02,hack,10,B\n"  # same key, another exchange: not a repeated row
        "2024-02-03,fraud,7.5,A\n",
        encoding="utf-8",
    )
    _no_row_by_row(monkeypatch)
    df = read_losses(path)
    assert list(df["exchange"]) == ["A", "B", "A"]


def test_a_repeated_row_is_named_by_the_row_by_row_reader(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_text(
        "date,category,amount_usd,exchange\n"
        "2024-01-02,hack,10,A\n"
        "2024-02-03,fraud,7.5,A\n"
        "2024-01-02,hack,10,A\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"row 4.*repeats row 2"):
        read_losses(path)
    # equal as numbers, different as text: valid, and read all the same
    path.write_text(
        "date,category,amount_usd,exchange\n2024-01-02,hack,5e6,A\n2024-01-02,hack,5000000,A\n",
        encoding="utf-8",
    )
    assert list(read_losses(path)["amount_usd"]) == [5e6, 5e6]
