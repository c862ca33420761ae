"""The CLI settles the interpreter's heap before it simulates, in its own process only."""

import contextlib
import gc
import io
import json

import pytest

import riskmodel.cli as cli

ARGS = ["simulate", "--n-sims", "10000", "--seed", "4", "--json"]


def _run(**kw) -> dict:
    """The command's JSON, without its timings."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(ARGS, **kw) == 0
    text = out.getvalue()
    assert text.count('"elapsed_s"') == 1
    doc = json.loads(text)
    doc["simulation"]["provenance"].pop("elapsed_s")
    return doc


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # (a frozen test process would never collect what it froze)


def test_own_process_freezes_the_heap_and_gives_the_same_numbers(unfrozen):
    called_from_python = _run()
    assert gc.get_freeze_count() == 0  # the caller's heap left alone
    own = _run(own_process=True)
    assert gc.get_freeze_count() > 0
    assert own == called_from_python


def test_console_entry_runs_main_as_its_own_process(monkeypatch):
    seen = {}

    def fake_main(argv=None, *, own_process=False):
        seen.update(argv=argv, own_process=own_process)
        return 0

    monkeypatch.setattr(cli, "main", fake_main)
    assert cli.console() == 0
    assert seen == {"argv": None, "own_process": True}
