"""annual_counts: explicit year window, zeros kept, the threshold is inclusive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel._errors import DataError, RiskModelWarning
from riskmodel.data import CATEGORIES, annual_counts, load_incidents


def incidents(dates, categories, amounts, exchanges=None) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(dates),
            "category": pd.Categorical(categories, categories=list(CATEGORIES)),
            "amount_usd": np.asarray(amounts, dtype=float),
        }
    )
    if exchanges is not None:
        df["exchange"] = exchanges
    return df


@pytest.fixture
def toy() -> pd.DataFrame:
    return incidents(
        ["2015-03-01", "2015-06-01", "2018-01-01", "2018-12-31", "2019-05-05"],
        ["hack", "fraud", "hack", "hack", "operational"],
        [1e6, 999_999.0, 5e7, 2e6, 0.0],
    )


def test_zero_years_kept_and_threshold_inclusive(toy: pd.DataFrame) -> None:
    out = annual_counts(toy, threshold=1e6)
    assert list(out.index) == [2015, 2016, 2017, 2018, 2019]
    assert out.index.name == "year" and out.index.dtype == np.int64
    assert list(out.columns) == ["hack", "fraud", "operational"]
    assert out.columns.name == "category"
    assert (out.dtypes == np.int64).all()
    assert out["hack"].tolist() == [1, 0, 0, 2, 0]  # 1e6 itself counts
    assert out["fraud"].tolist() == [0, 0, 0, 0, 0]  # 999,999 < 1e6
    assert out["operational"].tolist() == [0, 0, 0, 0, 0]
    assert out.attrs["threshold"] == 1e6


def test_threshold_moves_counts(toy: pd.DataFrame) -> None:
    assert int(annual_counts(toy, threshold=0).to_numpy().sum()) == 5  # zero loss included
    assert int(annual_counts(toy, threshold=1e7).to_numpy().sum()) == 1


def test_explicit_window(toy: pd.DataFrame) -> None:
    out = annual_counts(toy, threshold=1e6, since=2013, until=2016)
    assert list(out.index) == [2013, 2014, 2015, 2016]
    assert out["hack"].tolist() == [0, 0, 1, 0]
    single = annual_counts(toy, threshold=1e6, since=2018, until=2018)
    assert single.loc[2018, "hack"] == 2


def test_categories_argument_and_plain_strings(toy: pd.DataFrame) -> None:
    out = annual_counts(toy, threshold=0, categories=["operational", "hack", "insider"])
    assert list(out.columns) == ["operational", "hack", "insider"]
    assert out["insider"].sum() == 0
    plain = toy.assign(category=toy["category"].astype(str))
    assert list(annual_counts(plain, threshold=0).columns) == ["fraud", "hack", "operational"]


def test_unknown_amounts(toy: pd.DataFrame) -> None:
    df = pd.concat(
        [toy, incidents(["2016-02-02"], ["fraud"], [np.nan], exchanges=["Coinroom"])],
        ignore_index=True,
    )
    with pytest.warns(RiskModelWarning, match="2016-02-02 fraud Coinroom"):
        warned = annual_counts(df)
    assert warned.loc[2016, "fraud"] == 0
    assert warned.attrs["n_unknown_amount"] == 1
    assert annual_counts(df, unknown_amount="ignore").equals(warned)
    assert annual_counts(df, unknown_amount="count").loc[2016, "fraud"] == 1
    # outside the window there is nothing to warn about (warnings are errors in the suite)
    assert annual_counts(df, since=2018, until=2019).attrs["n_unknown_amount"] == 0


def test_bundled_data_totals() -> None:
    df = load_incidents()
    for threshold in (0.0, 1e6, 1e8):
        counts = annual_counts(df, threshold=threshold, unknown_amount="ignore")
        assert int(counts.to_numpy().sum()) == int((df["amount_usd"] >= threshold).sum())
    counts = annual_counts(df, threshold=1e6, unknown_amount="ignore")
    assert (counts.index.min(), counts.index.max()) == (2011, 2025)
    assert len(counts) == 15


def test_errors(toy: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="threshold"):
        annual_counts(toy, threshold=-1)
    with pytest.raises(ValueError, match="threshold"):
        annual_counts(toy, threshold=float("nan"))
    with pytest.raises(ValueError, match="after until"):
        annual_counts(toy, since=2020, until=2019)
    with pytest.raises(ValueError, match="whole year"):
        annual_counts(toy, since=2015.5)
    with pytest.raises(DataError, match="amount_usd"):
        annual_counts(toy.drop(columns="amount_usd"))
    with pytest.raises(ValueError, match="empty"):
        annual_counts(toy.iloc[:0])
    with pytest.raises(ValueError, match="unknown_amount"):
        annual_counts(toy, unknown_amount="drop")
