"""Books in TOML (errors name the file and key), the example book, the loss tables."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from riskmodel import DataError
from riskmodel.book import example_book, load_book, write_example_book
from riskmodel.book._example import example_book_text
from riskmodel.book.tables import has_parquet, write_tables

EXAMPLE = resources.files("riskmodel.books") / "example_book.toml"

GOOD = """
name = "t"
[[policies]]
name = "A"
profile = "example"
share = 0.5
premium = 1e8
[[policies]]
name = "B"
profile = "example"
assets = 3e11
[[policies.layers]]
attachment = 2e9
limit = 1e10
[[events]]
name = "vendor"
rate = 0.1
policies = "all"
probability = 0.5
fraction_of_assets = [0.01, 0.1]
[[events.exposures]]
policy = "B"
probability = 0.9
severity = {family = "lognormal", mu = 17.0, sigma = 1.0}
"""


def _write(tmp_path, text):
    p = tmp_path / "book.toml"
    p.write_text(text)
    return p


def test_a_book_file_builds_policies_and_events(tmp_path):
    book = load_book(_write(tmp_path, GOOD))
    a, b = book.policies
    assert a.share == 0.5 and a.premium == pytest.approx(1e8 * 0.006606)
    assert b.assets == pytest.approx(3e11 * 0.006606)
    assert b.program.layers[0].attachment == pytest.approx(2e9 * 0.006606)
    ev = book.events[0]
    assert [e.probability for e in ev.exposures] == [0.5, 0.9]
    assert ev.exposures[0].severity == (0.01, 0.1)
    assert type(ev.exposures[1].severity).__name__ == "LogNormal"


@pytest.mark.parametrize(
    ("old", "new", "key", "match"),
    [
        ("share = 0.5", "share = 1.5", "policies[0]", "share"),
        ("share = 0.5", "shares = 0.5", "policies[0].shares", "unknown key"),
        ('policies = "all"', 'policies = ["A", "C"]', "events[0].policies[1]", "unknown policy"),
        ("[0.01, 0.1]", "[0.2, 0.1]", "events[0].fraction_of_assets", "low <= high"),
        ("limit = 1e10", "limit = -1", "policies[1].layers[0].limit", "must be"),
        (
            'profile = "example"\nshare',
            'profile = "nope.toml"\nshare',
            "policies[0].profile",
            "no such",
        ),
        (
            'family = "lognormal"',
            'family = "gamma"',
            "events[0].exposures[0].severity.family",
            "one of",
        ),
        ("rate = 0.1", "", "events[0].rate", "required"),
    ],
)
def test_mistakes_name_the_file_and_the_key(tmp_path, old, new, key, match):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(DataError, match=match) as info:
        load_book(path)
    assert info.value.path == str(path) and info.value.column == key


def test_the_bundled_example_is_the_generators_output(tmp_path):
    assert EXAMPLE.read_text() == example_book_text(20)
    assert write_example_book(tmp_path / "b.toml", 20).read_text() == example_book_text(20)
    book = example_book()
    assert len(book.policies) == 20 and book.events[0].rate == 0.01
    assert any("assumption" in a for a in book.assumptions)


def test_loss_tables_add_up_and_skip_empty_years(tmp_path):
    r = example_book(8).simulate(3_000, rng=2, keep_losses=True)
    ylt, elt = r.year_loss_table(), r.event_loss_table()
    assert list(ylt.columns) == ["year", "policy", "event_type", "gross", "ceded"]
    assert list(elt.columns) == ["year", "event", "event_type", "policies", "gross", "ceded"]
    for t in (ylt, elt):
        by_year = t.groupby("year")["ceded"].sum()
        np.testing.assert_allclose(by_year.to_numpy(), r.annual[by_year.index - 1], rtol=1e-9)
        assert t["gross"].gt(0).all()
    empty = np.flatnonzero(r.raw.year_gross == 0) + 1
    assert len(empty) and not ylt["year"].isin(empty).any()
    assert elt.loc[elt["event_type"] == "vendor compromise", "policies"].max() >= 1
    names = write_tables(r, tmp_path, parquet=False)
    back = pd.read_csv(tmp_path / "year_loss_table.csv")
    assert names == ["year_loss_table.csv", "event_loss_table.csv"]
    np.testing.assert_allclose(back["ceded"], ylt["ceded"], rtol=1e-15)


def test_parquet_tables(tmp_path):
    pytest.importorskip("pyarrow")
    r = example_book(3).simulate(500, rng=2, keep_losses=True)
    write_tables(r, tmp_path, parquet=True)
    back = pd.read_parquet(tmp_path / "event_loss_table.parquet")
    assert len(back) == len(r.event_loss_table())


def test_parquet_without_pyarrow_says_how_to_get_it(tmp_path, monkeypatch):
    import riskmodel.book.tables as T

    monkeypatch.setattr(T, "has_parquet", lambda: False)
    r = example_book(2).simulate(100, rng=2, keep_losses=True)
    with pytest.raises(ModuleNotFoundError, match="riskmodel\\[parquet\\]"):
        T.write_tables(r, tmp_path, parquet=True)
    assert T.write_tables(r, tmp_path) == ["year_loss_table.csv", "event_loss_table.csv"]


def test_tables_need_the_losses():
    r = example_book(2).simulate(100, rng=2)
    with pytest.raises(ValueError, match="keep_losses=True"):
        r.year_loss_table()


def test_import_riskmodel_does_not_import_pyarrow_and_books_work_without_it(tmp_path):
    """``import riskmodel`` leaves pyarrow alone; with pyarrow unavailable (blocked in a fresh
    interpreter) a book simulates and writes its tables as CSV only."""
    import subprocess
    import sys

    code = (
        "import sys; import riskmodel; assert 'pyarrow' not in sys.modules; "
        "sys.modules['pyarrow'] = None; "
        "from riskmodel.book import example_book; from riskmodel.book.tables import "
        "write_tables, has_parquet; assert not has_parquet(); "
        "r = example_book(2).simulate(200, rng=1, keep_losses=True); "
        f"print(write_tables(r, {str(tmp_path)!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['year_loss_table.csv', 'event_loss_table.csv']"
    assert has_parquet() in (True, False)
