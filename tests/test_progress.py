"""Progress bars: percentage, rate and time left on a terminal, one line elsewhere."""

from __future__ import annotations

import io

import numpy as np
import pytest

from riskmodel._progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def fake_clock(times):
    it = iter(times)
    return lambda: next(it)


def test_terminal_bar_shows_percentage_rate_and_time_left():
    out = Terminal()
    # start, two updates one second apart, close
    bar = Progress(100, "years", "simulating", stream=out, clock=fake_clock([0, 1, 2, 4]))
    bar.update(25)  # 25 years in 1 s: 25 years/s, 75 left -> 3 s
    bar.update(25)  # 50 in 2 s: 25 years/s, 50 left -> 2 s
    bar.update(50)  # done: not redrawn, the closing line says it
    bar.close()
    frames = out.getvalue().split("\r")[1:]
    assert frames[0].startswith("simulating  25% [=====>")
    assert "25/100 years, 25 years/s, 0:03 left" in frames[0]
    assert "50/100 years, 25 years/s, 0:02 left" in frames[1]
    assert frames[2].startswith("simulating 100% [====================] 100/100 years in 0:04")
    assert frames[2].endswith("(25 years/s)\033[K\n")
    assert len(frames) == 3


def test_redraws_are_rate_limited():
    out = Terminal()
    bar = Progress(10, "refits", stream=out, min_interval=1.0, clock=fake_clock([0, 0.5, 0.6]))
    bar.update()  # 0.5 s after the start: drawn (first redraw)
    bar.update()  # 0.1 s later: skipped
    assert out.getvalue().count("\r") == 1
    assert bar.done == 2


def test_not_a_terminal_gets_only_the_finished_line():
    out = io.StringIO()
    with Progress(3_000_000, "years", "simulating", stream=out, clock=fake_clock([0, 2])) as bar:
        for _ in range(3):
            bar.update(1_000_000)
    assert out.getvalue() == (
        "simulating 100% [====================] 3M/3M years in 0:02 (1.5M years/s)\n"
    )


def test_disabled_writes_nothing_and_an_error_leaves_no_finished_line():
    out = Terminal()
    with Progress(5, "refits", stream=out, enabled=False) as bar:
        bar.update(5)
    assert out.getvalue() == ""
    out = io.StringIO()
    with pytest.raises(RuntimeError), Progress(5, "refits", stream=out) as bar:
        raise RuntimeError("stop")
    assert out.getvalue() == ""


def test_long_runs_show_hours():
    out = io.StringIO()
    with Progress(1, "years", stream=out, clock=fake_clock([0, 3725])) as bar:
        bar.update()
    assert "in 1:02:05" in out.getvalue()


def test_simulate_reports_progress_on_stderr(capsys):
    from riskmodel import LossModel, simulate
    from riskmodel.frequency import Poisson
    from riskmodel.severity import LogNormal

    model = LossModel({"a": (Poisson(2.0), LogNormal(0.0, 1.0))})
    simulate(model, 70_000, rng=1, block_size=10_000, progress=True)
    err = capsys.readouterr().err
    assert err.startswith("simulating 100% [====================] 70,000/70,000 years in ")
    assert err.count("\n") == 1
    simulate(model, 70_000, rng=1, block_size=10_000)
    assert capsys.readouterr().err == ""


def test_gof_bootstrap_reports_progress(capsys):
    from riskmodel import fit_severity

    x = np.random.default_rng(3).lognormal(0.0, 1.0, 50)
    fit_severity(x, "lognormal").gof(n_boot=9, rng=2, progress=True)
    assert capsys.readouterr().err.startswith("bootstrap LogNormal 100% ")
    fit_severity(x, "lognormal").gof(n_boot=9, rng=2, n_jobs=2, progress=True)
    assert "9/9 refits" in capsys.readouterr().err
