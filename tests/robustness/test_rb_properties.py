"""Issue 15, class 6: property-based tests of the engine's invariants and fuzz tests of the
readers and the command line (hypothesis; bounded in examples and time so that they run in
the default suite).

Invariants, for any valid model and programme: 0 <= ceded <= gross per year and in every
summary, net = gross - ceded, quantiles monotone in p, the allocation adds up to the reserve,
results independent of the thread count. Readers and CLI: every generated input gives a
result, or a one-line error (exit 2) that names the file and the place.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskmodel.data._incidents as inc
from riskmodel import LossModel, reserve, simulate
from riskmodel._errors import DataError
from riskmodel.cli import main
from riskmodel.data import read_losses
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.insurance import InsuranceProgram, Layer, apply_program
from riskmodel.severity import GeneralizedPareto, LogNormal

FAST = settings(
    max_examples=12,
    deadline=None,  # the first example may compile kernels; the tests time themselves
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,  # CI runs the same examples every time
)
NAMES = ("hack", "fraud", "operational")


@st.composite
def models(draw):
    k = draw(st.integers(1, 3))
    cats = {}
    for name in NAMES[:k]:
        rate = draw(st.floats(0.0, 6.0))
        freq = (
            Poisson(rate)
            if draw(st.booleans())
            else NegativeBinomial(max(rate, 0.1), draw(st.floats(0.5, 5.0)))
        )
        if draw(st.booleans()):
            sev = LogNormal(draw(st.floats(0.0, 3.0)), draw(st.floats(0.1, 2.0)))
        else:
            sev = GeneralizedPareto(draw(st.floats(-0.3, 0.9)), draw(st.floats(0.5, 10.0)))
        cats[name] = (freq, sev)
    return LossModel(cats)


@st.composite
def programs(draw, names):
    """Valid programmes: per kind, a stacked tower (each layer attaches where the previous one
    ends, or higher) with any shares, on any subset of the categories."""
    layers = []
    for per in ("occurrence", "aggregate"):
        att = draw(st.floats(0.0, 20.0))
        for _ in range(draw(st.integers(0, 3))):
            limit = draw(st.one_of(st.floats(0.5, 30.0), st.just(math.inf)))
            share = draw(st.floats(0.05, 1.0))
            cover = draw(st.one_of(st.none(), st.lists(st.sampled_from(names), min_size=1)))
            extra = {}
            if per == "occurrence" and draw(st.booleans()):
                extra["reinstatements"] = draw(st.integers(0, 2))
                extra["agg_deductible"] = draw(st.floats(0.0, 5.0))
            layers.append(
                Layer(
                    att,
                    limit,
                    share=share,
                    per=per,
                    categories=cover and sorted(set(cover)),
                    **extra,
                )
            )
            if math.isinf(limit):
                break
            att += limit + draw(st.floats(0.0, 5.0))
    return InsuranceProgram(layers)


@st.composite
def model_and_program(draw):
    m = draw(models())
    return m, draw(programs(m.names))


@FAST
@given(model_and_program(), st.integers(0, 2**32 - 1))
def test_ceded_lies_between_0_and_gross_and_net_is_the_rest(mp, seed):
    m, prog = mp
    t0 = time.perf_counter()
    r = simulate(m, 3_000, rng=seed, program=prog, block_size=1024, min_level=0.5)
    g, c, n = r.gross, r.ceded, r.net
    tol = 1e-9 * max(g.mean, 1.0)
    assert -tol <= c.mean <= g.mean + tol
    assert abs(n.mean - (g.mean - c.mean)) <= tol
    assert np.all(c.cat_mean >= -tol) and np.all(c.cat_mean <= g.cat_mean + tol)
    assert (c.tail >= 0).all() and (n.tail >= 0).all()
    levels = [0.5, 0.75, 0.9, 0.99, 0.999]
    for view in (g, c, n):
        q = [view.quantile(p) for p in levels]
        assert q == sorted(q)
    for p in levels:  # ceded <= gross year by year, so their quantiles are ordered too
        assert r.quantile(p, of="ceded") <= r.quantile(p) + tol
        assert r.quantile(p, of="net") <= r.quantile(p) + tol
    assert time.perf_counter() - t0 < 60


@FAST
@given(model_and_program(), st.sampled_from(["var", "tvar"]), st.integers(0, 2**32 - 1))
def test_the_allocation_adds_up_to_the_reserve(mp, measure, seed):
    m, prog = mp
    r = reserve(m, 0.99, measure=measure, n_sims=4_000, rng=seed, program=prog, parameter_draws=0)
    parts = np.array(list(r.allocation.values()))
    assert set(r.allocation) == set(m.names) == set(r.allocation_se)
    assert np.all(np.isfinite(parts))
    assert abs(parts.sum() - r.reserve) <= 1e-9 * max(abs(r.reserve), 1.0)
    se = np.array(list(r.allocation_se.values()))
    assert np.all((se >= 0) | np.isnan(se))


@FAST
@given(model_and_program(), st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_the_thread_count(mp, seed):
    m, prog = mp
    kw = {"rng": seed, "program": prog, "block_size": 512, "min_level": 0.5}
    a, b = simulate(m, 2_000, n_threads=1, **kw), simulate(m, 2_000, n_threads=3, **kw)
    for of in ("gross", "ceded", "net"):
        va, vb = getattr(a, of), getattr(b, of)
        assert va.mean == vb.mean and np.array_equal(va.tail, vb.tail)


@FAST
@given(
    st.data(),
    st.integers(1, 50),
)
def test_apply_program_keeps_every_year_between_0_and_gross(data, n):
    names = ("a", "b")
    prog = data.draw(programs(names))
    k, lo = len(names), len(prog.occurrence)
    x = data.draw(st.lists(st.floats(0.0, 100.0), min_size=n * k, max_size=n * k))
    gross = np.array(x).reshape(n, k)
    occ = np.zeros((n, lo, k))
    for li, lay in enumerate(prog.occurrence):  # the layer's loss is at most the gross loss
        cover = prog.covers(lay, names)
        occ[:, li, :] = np.minimum(np.maximum(gross - lay.attachment, 0.0), lay.limit) * cover
    ceded, _ = apply_program(prog, gross, occ, names)
    assert (ceded >= 0).all() and (ceded <= gross).all()


# --- fuzz: readers and the command line ------------------------------------------------------

CELLS = {
    "date": [
        "2020-01-01",
        "2019-05",
        "2021-13-01",
        "",
        "2099-01-01",
        "1000-01-01",
        "yesterday",
        "2020-01-01T10:00:00+09:00",
        " 2020-02-02 ",
    ],
    "category": ["hack", "Fraud", " operational ", "insider", "", "HACK"],
    "amount_usd": [
        "5e6",
        "0",
        "-1",
        "1,000",
        "$5M",
        "inf",
        "nan",
        "1e308",
        "",
        "12.5",
        ".5",
        "1e999",
        "٣",
    ],
}


@st.composite
def csv_texts(draw):
    header = draw(st.permutations(["date", "category", "amount_usd"]))
    if draw(st.booleans()):
        header = [*header, "note"]
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 6))):
        row = [draw(st.sampled_from(CELLS.get(h, ["x", "", '"a,b"', "3"]))) for h in header]
        kind = draw(st.integers(0, 9))
        if kind == 0:
            row = row[:-1]  # short
        elif kind == 1:
            row = [*row, "extra"]
        line = ",".join(row)
        lines.append("" if kind == 2 else line)
        if kind == 3 and len(lines) > 1:
            lines.append(lines[-1])  # a duplicate
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
    if draw(st.integers(0, 9)) == 0:
        text = draw(st.text(max_size=60))  # anything at all
    return text


def _check_error(exc: DataError, path) -> None:
    msg = str(exc)
    assert "\n" not in msg and msg.startswith(str(path)), msg


@settings(FAST, max_examples=60)
@given(csv_texts())
def test_read_losses_gives_a_frame_or_an_error_naming_the_file_and_row(tmp_path, text):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    t0 = time.perf_counter()
    try:
        fast = read_losses(path)
    except DataError as exc:
        _check_error(exc, path)
        fast = exc
    real = inc.fast_losses
    inc.fast_losses = lambda *a, **k: None  # the row-by-row reader alone agrees
    try:
        slow = read_losses(path)
    except DataError as exc:
        slow = exc
    finally:
        inc.fast_losses = real
    if isinstance(fast, DataError):
        assert isinstance(slow, DataError) and str(slow) == str(fast)
    else:
        assert not isinstance(slow, DataError), str(slow)
        pd.testing.assert_frame_equal(fast, slow)
        assert len(fast) >= 1 and (fast["amount_usd"] >= 0).all()
    assert time.perf_counter() - t0 < 10


@settings(FAST, max_examples=15)
@given(
    st.sampled_from(["simulate", "reserve", "fit", "price", "report"]),
    st.lists(
        st.sampled_from(
            [
                "--n-sims",
                "1e13",
                "0",
                "-5",
                "abc",
                "--seed",
                "--threads",
                "--coverage",
                "1.5",
                "--profile",
                "/dev/zero",
                "--data",
                "",
                "--since",
                "2030",
                "--until",
                "1999",
                "--json",
                "--threshold",
                "-1",
                "nan",
                "--measure",
                "x",
            ]
        ),
        max_size=5,
    ),
)
def test_the_cli_answers_bad_arguments_with_one_line_and_exit_2(capsys, command, args):
    # each command line ends in a bad value, so that none starts a long run: whatever comes
    # before it, the answer is exit 2 and one line, never a traceback or exit 1
    t0 = time.perf_counter()
    argv = [command, *args, "--threshold", "-1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("riskmodel: error:") and err.count("\n") == 1, err
    assert time.perf_counter() - t0 < 30
