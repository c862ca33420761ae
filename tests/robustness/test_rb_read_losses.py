"""Issue 15, class 5: the fast path of ``read_losses`` returns exactly what the row-by-row
reader returns, and leaves every file with a problem to it (so that errors keep naming the
file, the row and the column). Timing: ``benchmarks/bench_read_losses.py``."""

from __future__ import annotations

import pandas as pd
import pytest

import riskmodel.data._incidents as inc
from riskmodel._errors import DataError
from riskmodel.data import read_losses
from riskmodel.data._fast import field_counts

VALID = {
    "plain": "date,category,amount_usd\n2020-01-01,hack,5e6\n2021-02-03,Fraud,1234.5\n",
    "crlf, extra columns": (
        "date,category,amount_usd,exchange,n\r\n2020-01-01,hack,5e6,A,1\r\n"
        "2021-02-03,fraud,0,B,2.5\r\n2022-03-04,operational,.5,,\r\n"
    ),
    "quotes, blank lines, bom": (
        '\ufeffdate,category,amount_usd,note\n2020-01-01,hack,7,"a, b"\n\n'
        '2020-01-02, HACK ," 8 ","say ""hi"""\n   \n2020-02,fraud,+9.,x\n'
    ),
    "time zones, months": (
        "category,date,amount_usd\nhack,2020-01-01T23:00:00+02:00,1e3\nfraud,2019-05,2e3\n"
    ),
    "no final newline": "date,category,amount_usd\n2020-01-01,hack,5e6",
}


def _slow(path, **kw):
    real = inc.fast_losses
    inc.fast_losses = lambda *a, **k: None
    try:
        return read_losses(path, **kw)
    finally:
        inc.fast_losses = real


@pytest.mark.parametrize("name", list(VALID))
def test_the_fast_path_gives_the_row_by_row_readers_frame(tmp_path, name, monkeypatch):
    path = tmp_path / "losses.csv"
    path.write_bytes(VALID[name].encode("utf-8"))
    taken = []
    real = inc.fast_losses
    monkeypatch.setattr(inc, "fast_losses", lambda *a, **k: taken.append(1) or real(*a, **k))
    fast = read_losses(path)
    monkeypatch.undo()
    slow = _slow(path)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.attrs == slow.attrs
    assert (
        taken
        and real(
            str(path),
            [("date", "date"), ("category", "category"), ("amount_usd", "amount_usd")],
            inc.CATEGORIES,
            inc.MAX_AMOUNT_USD,
        )
        is not None
    )


@pytest.mark.parametrize(
    "text",
    [
        "date,category,amount_usd\n2020-01-01,hack,5e6\n2020-01-01,hack,5e6\n",  # duplicate
        "date,category,amount_usd\n2020-01-01,hack,5e6,extra\n",  # ragged
        "date,category,amount_usd\n2020-01-01,hack\n",  # short
        "date,category,amount_usd\n2020-01-01,hack,1,000\n",
        "date,category,amount_usd\n2020-01-01,hack,nan\n",
        'date,category,amount_usd\n2020-01-01,hack,"5\n6"\n',  # a record over two lines
        "date,category,amount_usd\n2020-13-01,hack,5\n",
        "date,category,amount_usd\n2020-01-01,insider,5\n",
        "\ndate,category,amount_usd\n2020-01-01,hack,5\n",  # header on line 2
    ],
)
def test_files_the_fast_path_leaves_to_the_row_by_row_reader(tmp_path, text):
    path = tmp_path / "losses.csv"
    path.write_text(text)
    required = [("date", "date"), ("category", "category"), ("amount_usd", "amount_usd")]
    fast = inc.fast_losses(str(path), required, inc.CATEGORIES, inc.MAX_AMOUNT_USD)
    if text.startswith("\n"):
        assert fast is None
        assert len(read_losses(path)) == 1
        return
    assert fast is None
    with pytest.raises(DataError, match=r"losses\.csv, row \d"):
        read_losses(path)


def test_field_counts_are_quote_aware_across_chunks(tmp_path, monkeypatch):
    import riskmodel.data._fast as F

    monkeypatch.setattr(F, "_CHUNK", 7)  # chunk borders inside quotes and lines
    path = tmp_path / "x.csv"
    path.write_text('a,b,c\n"x,y",2,3\n\n4,"5,6,7",8\n9,10')
    assert field_counts(path).tolist() == [3, 3, 1, 3, 2]
    path.write_text('a,b\n"x\ny",2\n')
    assert field_counts(path) is None
