"""``riskmodel book``: the report folder, JSON output, errors."""

import json

import pandas as pd

from riskmodel.book import write_example_book
from riskmodel.cli import main


def test_book_command_writes_the_report_folder(tmp_path, capsys):
    book = write_example_book(tmp_path / "b.toml", 4)
    out = tmp_path / "rep"
    assert main(["book", str(book), str(out), "--n-sims", "3e3", "--seed", "5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["files"]) >= {
        "book.pdf",
        "book.json",
        "policies.csv",
        "return_periods.csv",
        "year_loss_table.csv",
        "event_loss_table.csv",
    }
    assert doc["provenance"]["seed"] == 5 and doc["summary"]["n_sims"] == 3000
    assert (out / "book.pdf").read_bytes()[:4] == b"%PDF"
    pol = pd.read_csv(out / "policies.csv", index_col="policy")
    assert len(pol) == 4
    assert abs(pol["expected_loss"].sum() - doc["summary"]["aal"]) < 1e-6 * doc["summary"]["aal"]
    # the same seed gives the same numbers
    assert main(["book", str(book), str(out), "--n-sims", "3000", "--seed", "5", "--json",
                 "--overwrite", "--no-tables"]) == 0  # fmt: skip
    again = json.loads(capsys.readouterr().out)
    assert again["summary"] == doc["summary"]
    assert "year_loss_table.csv" not in again["files"]


def test_book_command_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[policies]]\nname = "A"\nprofile = "example"\nshare = 2\n')
    assert main(["book", str(bad), str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "policies[0]" in err and err.count("\n") == 1
    assert main(["book", str(tmp_path / "missing.toml")]) == 2
