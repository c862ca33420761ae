"""The research notebooks run from scratch, and what they report agrees with the library.

Every notebook in ``notebooks/`` ends with a code cell tagged ``key-numbers`` that prints a
JSON object of the numbers its text reports. For each notebook this test

1. executes a fresh copy of ``notebooks/`` (data files included) with nbclient in a temporary
   directory, on the ``python3`` kernel, with a time limit per cell;
2. reads the key numbers from the fresh run and checks them against the library, computed
   here independently (and against published values where the notebook reproduces them);
3. reads the key numbers stored in the committed notebook and checks that they equal the
   fresh ones, so the committed outputs cannot go stale when the library changes.

After a change that moves the numbers, re-execute the notebooks in place (outputs included)
and commit them::

    python tests/test_notebooks.py            # all notebooks
    python tests/test_notebooks.py 04_reserve_japan

Needs the ``nbclient``, ``nbformat`` and ``ipykernel`` packages (the ``notebooks`` extra);
skipped without them.

``notebooks/requirements.lock`` pins the environment that executes them (every package the
package and the kernel need, at exact versions). The suite prints the installed versions that
differ from the pins at the end of its run (a report, never a failure: newer versions are
expected to work, but the committed outputs were made with the pins). After re-executing the
notebooks in a new environment, rewrite the pins::

    python tests/test_notebooks.py --lock
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import platform
import re
import shutil
import sys
import time
from importlib import metadata

import numpy as np
import pytest
from packaging.requirements import Requirement

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
REFERENCE = pathlib.Path(__file__).resolve().parent / "reference"
NAMES = (
    "01_incident_data",
    "02_severity",
    "03_frequency",
    "04_reserve_japan",
    "05_pricing",
    "06_validation",
    "07_backtest",
    "08_book",
)
LOCK = NOTEBOOKS / "requirements.lock"
# what executes the notebooks: the package and the kernel stack (the closure of their
# requirements is pinned)
LOCK_ROOTS = ("riskmodel", "nbclient", "nbformat", "ipykernel")
VERSION_REPORT = "notebook_version_differences"  # read by tests/conftest.py
CELL_TIMEOUT = 300  # seconds per cell; each notebook takes well under a minute in all
KEY_TAG = "key-numbers"
# committed outputs against a fresh run: equal up to floating-point differences between
# platforms (the simulations are seeded and do not depend on the thread count)
DRIFT_RTOL = 1e-6


# --------------------------------------------------------------------------- running
def _execute(path: pathlib.Path, workdir: pathlib.Path):
    """Execute the notebook at ``path`` in ``workdir``; return the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return nb


def _key_numbers(nb) -> dict:
    """The JSON printed by the notebook's cell tagged ``key-numbers``."""
    cells = [c for c in nb.cells if KEY_TAG in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise AssertionError(f"expected one cell tagged {KEY_TAG!r}, found {len(cells)}")
    text = "".join(
        o.get("text", "")
        for o in cells[0].get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )
    if not text.strip():
        raise AssertionError(f"the {KEY_TAG!r} cell has no output: was the notebook executed?")
    return json.loads(text)


def _assert_same(committed, fresh, where: str = "") -> None:
    """Recursive equality, floats to DRIFT_RTOL."""
    if isinstance(fresh, dict):
        assert isinstance(committed, dict), where
        assert committed.keys() == fresh.keys(), f"{where}: keys differ"
        for k in fresh:
            _assert_same(committed[k], fresh[k], f"{where}.{k}")
    elif isinstance(fresh, list):
        assert isinstance(committed, list) and len(committed) == len(fresh), where
        for i, (a, b) in enumerate(zip(committed, fresh, strict=True)):
            _assert_same(a, b, f"{where}[{i}]")
    elif isinstance(fresh, float) and not isinstance(committed, bool):
        assert committed == pytest.approx(fresh, rel=DRIFT_RTOL, abs=1e-12, nan_ok=True), (
            f"{where}: committed {committed!r}, fresh run {fresh!r}; re-execute the notebooks "
            "(python tests/test_notebooks.py) and commit them"
        )
    else:
        assert committed == fresh, f"{where}: committed {committed!r}, fresh run {fresh!r}"


# --------------------------------------------------------------------------- environment
def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: pathlib.Path = LOCK) -> tuple[str, dict[str, str]]:
    """The Python version and the ``name==version`` pins of a lock file."""
    python, pins = "", {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("# python:"):
            python = line.split(":", 1)[1].strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)", line)
        if not match:
            raise ValueError(f"{path}, line {number}: expected name==version, got {raw!r}")
        pins[_canonical(match[1])] = match[2]
    return python, pins


def environment_closure(roots=LOCK_ROOTS) -> dict[str, str]:
    """Installed versions of ``roots`` and everything they require here (roots' own
    packages excluded: riskmodel is the checkout)."""
    from packaging.markers import default_environment

    env = {**default_environment(), "extra": ""}
    found: dict[str, str] = {}
    todo = list(roots)
    while todo:
        name = _canonical(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            found[name] = ""
            continue
        found[name] = dist.version
        for text in dist.requires or ():
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate(env):
                todo.append(req.name)
    found.pop("riskmodel", None)
    return found


def version_differences(path: pathlib.Path = LOCK) -> list[str]:
    """One line per pinned package installed at another version (or not at all), and one
    for another Python version; empty when the environment matches the pins."""
    python, pins = read_pins(path)
    out = []
    here = platform.python_version()
    if python and here != python:
        out.append(f"python: pinned {python}, running {here}")
    for name, pinned in sorted(pins.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            out.append(f"{name}: pinned {pinned}, installed {installed}")
    for name, installed in sorted(environment_closure().items()):
        if name not in pins:
            out.append(f"{name}: not pinned, installed {installed or 'missing'}")
    return out


def write_lock(path: pathlib.Path = LOCK) -> int:
    """Write the pins of the running environment."""
    versions = environment_closure()
    missing = sorted(name for name, v in versions.items() if not v)
    if missing:
        print(f"not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    lines = [
        "# The environment that executes the committed notebooks: the packages riskmodel and",
        "# the notebook kernel need (the closure of the requirements of "
        + ", ".join(LOCK_ROOTS)
        + "),",
        "# at the versions with which the test suite re-executed the notebooks and",
        "# reproduced their committed numbers.",
        "#",
        "# Reproduce them:",
        "#   python3 -m venv .venv && . .venv/bin/activate",
        "#   pip install -r notebooks/requirements.lock && pip install --no-deps -e .",
        "#   python tests/test_notebooks.py   # re-executes them in place",
        "# Rewrite after re-executing them elsewhere: python tests/test_notebooks.py --lock",
        "# The test suite prints the installed versions that differ from these pins.",
        f"# python: {platform.python_version()}",
        f"# platform: {platform.system()} {platform.machine()}",
        *(f"{name}=={version}" for name, version in sorted(versions.items())),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(versions)} pins to {path}")
    return 0


# --------------------------------------------------------------------------- checks
def _check_01(key: dict) -> None:
    from riskmodel import fit_severity
    from riskmodel.data import annual_counts, load_incidents

    inc = load_incidents()
    assert key["n_incidents"] == len(inc) == 129
    assert key["n_by_category"] == {"hack": 104, "fraud": 20, "operational": 5}
    counts = annual_counts(inc, threshold=1e6, since=2014, unknown_amount="ignore").sum()
    assert key["n_at_least_1m_since_2014"] == {c: int(v) for c, v in counts.items()}
    amounts = inc["amount_usd"].dropna()
    assert key["n_below_1m"] == int(((amounts > 0) & (amounts < 1e6)).sum())
    assert key["largest_loss_usd"] == amounts.max() == 8.7e9
    assert key["largest_share"] == pytest.approx(amounts.max() / amounts.sum(), rel=1e-12)
    year = inc["date"].dt.year
    x = inc.loc[(inc["category"] == "hack") & (inc["amount_usd"] >= 1e6) & (year >= 2014)]
    fit = fit_severity(x["amount_usd"], "lognormal", truncation=1e6)
    for name, value in fit.params.items():
        assert key["hack_lognormal_truncated"][name] == pytest.approx(value, rel=1e-9)
    assert key["hack_p_below_1m"] == pytest.approx(float(fit.dist.cdf(1e6)), rel=1e-9)
    # the notebook's point: ignoring the threshold gives a lighter tail (smaller sigma)
    assert key["hack_lognormal_naive"]["sigma"] < key["hack_lognormal_truncated"]["sigma"]


def _check_02(key: dict) -> None:
    from riskmodel import LossModel, compare_severity, fit_severity
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.data import load_incidents
    from riskmodel.engine import simulate
    from riskmodel.fit import fit_pot
    from riskmodel.frequency import Poisson

    inc = load_incidents()
    year = inc["date"].dt.year
    hack = inc["category"] == "hack"
    x = inc.loc[hack & (inc["amount_usd"] >= 1e6) & (year >= 2014), "amount_usd"].to_numpy()
    cmp = compare_severity(x, ["lognormal", "weibull", "burr", "loggamma"], truncation=1e6)
    assert key["hack_best_family"] == cmp.best.family
    # the calibration's hack family is the notebook's best-ranked one (the selection rule's
    # choice, its goodness of fit passing), and its lognormal is the calibration's lognormal
    assert calibrate_industry().categories["hack"].family == key["hack_best_family"].lower()
    cal_params = calibrate_industry(severity="lognormal").categories["hack"].severity_fit.params
    for name, value in cal_params.items():
        assert key["hack_lognormal_params"][name] == pytest.approx(value, rel=1e-9)
    hk = inc.loc[hack & (inc["amount_usd"] > 0), "amount_usd"].to_numpy()
    pot = fit_pot(hk, key["pot_threshold"])
    assert key["pot_n_exceed"] == pot.n_exceed == 47
    assert key["pot_xi"] == pytest.approx(pot.xi, rel=1e-9)
    lo, hi = key["pot_xi_profile_ci"]
    assert (lo, hi) == pytest.approx(pot.profile_interval(0.95), rel=1e-6)
    assert lo < 1 < hi  # "an infinite mean cannot be ruled out"
    gpd = fit_severity(x, "gpd", truncation=1e6)
    assert key["gpd_from_1m_xi"] == pytest.approx(gpd.params["xi"], rel=1e-9)
    assert key["gpd_from_1m_xi"] > 1  # the infinite-mean example
    assert key["gpd_lev_1bn"] == pytest.approx(float(gpd.dist.lev(1e9)), rel=1e-9)
    capped = LossModel({"hack": (Poisson(x.size / 12), gpd.dist.capped(1e9))})
    sim = simulate(capped, 500_000, rng=2026, min_level=0.99)
    assert key["industry_hack_var995_gpd_capped_1bn"] == pytest.approx(
        sim.quantile(0.995), rel=1e-9
    )
    # the tail shape orders the uncapped 99.5% quantiles
    v = key["industry_hack_var995_uncapped"]
    assert v["lognormal"] < v["spliced GPD(0.81)"] < v["GPD(1.12) from 1M"]


def _check_03(key: dict) -> None:
    from riskmodel import fit_frequency
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.data import annual_counts, load_incidents
    from riskmodel.profile import example_profile

    counts = annual_counts(load_incidents(), threshold=1e6, since=2014, unknown_amount="ignore")
    trend = fit_frequency(counts["hack"], family="poisson", trend="linear")
    assert key["hack_trend"] == pytest.approx(trend.params["trend"], rel=1e-9)
    assert key["hack_trend_se"] == pytest.approx(trend.se["trend"], rel=1e-9)
    assert key["hack_rate_2026_trend"] == pytest.approx(trend.predict(year=2026).mean(), rel=1e-9)
    assert key["hack_rate_flat"] == pytest.approx(counts["hack"].mean(), rel=1e-12)
    profile = example_profile()
    rates = profile.rate_table(calibrate_industry())
    assert key["volume_share"] == pytest.approx(profile.volume_share, rel=1e-12)
    for c in rates.index:
        assert key["scaled_rate"][c] == pytest.approx(rates.at[c, "prior_rate"], rel=1e-9)
        assert key["credibility_weight"][c] == pytest.approx(
            rates.at[c, "credibility_weight"], rel=1e-9
        )
        assert key["credibility_rate"][c] == pytest.approx(rates.at[c, "rate"], rel=1e-9)


def _check_04(key: dict) -> None:
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.profile import example_profile
    from riskmodel.reserving import reserve
    from riskmodel.standard_formulas import compare_standard_formulas

    profile = example_profile()
    model, program, _ = profile.build_model(calibrate_industry())
    assert key["usd_per_jpy"] == profile.usd_per_unit
    results = {}
    for p in (0.995, 0.999):
        r = reserve(model, p, program=program, rng=key["seed"], n_sims=key["n_sims"])
        results[f"{p:g}"] = r
        got = key["reserve"][f"{p:g}"]
        assert got["gross_usd"] == pytest.approx(r.gross_reserve, rel=1e-9)
        assert got["net_usd"] == pytest.approx(r.reserve, rel=1e-9)
        assert got["net_ci_usd"] == pytest.approx(list(r.ci), rel=1e-9)
        assert got["credit_usd"] == pytest.approx(r.credit, rel=1e-9)
        assert sum(got["allocation_usd"].values()) == pytest.approx(r.reserve, rel=1e-9)
        assert got["net_ci_usd"][0] <= got["net_usd"] <= got["net_ci_usd"][1]
    table = compare_standard_formulas(
        profile, {f"{100 * float(p):g}%": r for p, r in results.items()}
    )
    for name, amount in table["amount"].items():
        assert key["standard_formulas_jpy"][name] == pytest.approx(amount, rel=1e-9)
    sens = key["net995_jpy_bn_sensitivity"]
    base = key["reserve"]["0.995"]["net_usd"] / profile.usd_per_unit / 1e9
    assert sens["base (as above)"] == pytest.approx(base, rel=1e-12)
    # the notebook's reading: more volume assumed worldwide -> a smaller share -> less reserve
    assert sens["global volume USD 4tn"] > base > sens["global volume USD 10tn"]


def _check_05(key: dict) -> None:
    from riskmodel import Layer
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.pricing import price_tower
    from riskmodel.profile import example_profile

    model, _, _ = example_profile().build_model(calibrate_industry())
    first = Layer(5e6, 5e6, categories=("hack", "operational"))
    row = price_tower(
        model,
        [first],
        principles=("wang", "cost_of_capital"),
        n_sims=400_000,
        rng=key["seed"],
    ).iloc[0]
    # each layer of a tower is simulated on its own with the same seed, so the first layer
    # priced alone gives the tower's numbers exactly
    assert key["tower_expected_loss"]["5M xs 5M"] == pytest.approx(row["expected_loss"], rel=1e-9)
    assert key["tower_premium_wang"]["5M xs 5M"] == pytest.approx(row["premium_wang"], rel=1e-9)
    assert key["tower_premium_cost_of_capital"]["5M xs 5M"] == pytest.approx(
        row["premium_cost_of_capital"], rel=1e-9
    )
    # the common shock keeps the book's expected loss (within Monte Carlo error) ...
    m, se = key["book_ceded_mean"], key["book_ceded_mean_se"]
    diff = m["common shock"] - m["independent"]
    assert abs(diff) < 4 * math.hypot(se["common shock"], se["independent"])
    # ... and fattens its tail
    for what in ("book_ceded_var999", "book_ceded_tvar995", "book_exchanges_hit_worst_0_1pct"):
        assert key[what]["common shock"] > key[what]["independent"], what
    premium = key["book_premium_cost_of_capital"]
    assert premium["common shock"] > premium["independent"]


def _check_06(key: dict) -> None:
    import pandas as pd

    from riskmodel.fit import fit_pot

    # the notebook's copy of the Danish data is the reference file
    copy = NOTEBOOKS / "data" / "danish.csv"
    assert copy.read_bytes() == (REFERENCE / "danish.csv").read_bytes()
    danish = pd.read_csv(REFERENCE / "danish.csv")["loss_mdkk"].to_numpy()
    assert key["danish_n"] == danish.size == 2167
    # McNeil (1997), ASTIN Bulletin 27(1), sect. 5: GPD fits above 10 and 20, three figures
    for u, xi, sigma, n_exceed in ((10.0, 0.497, 6.98, 109), (20.0, 0.684, 9.63, 36)):
        got = key[f"danish_pot{u:g}"]
        pot = fit_pot(danish, u)
        assert got["n_exceed"] == pot.n_exceed == n_exceed
        assert got["xi"] == pytest.approx(pot.xi, rel=1e-9)
        assert got["sigma"] == pytest.approx(pot.sigma, rel=1e-9)
        assert got["xi"] == pytest.approx(xi, abs=5e-4)
        assert got["sigma"] == pytest.approx(sigma, abs=1e-2)
    # McNeil, Frey & Embrechts (2005), Quantitative Risk Management, sect. 7.2: u = 10
    assert key["danish_var99"] == pytest.approx(27.3, abs=0.05)
    assert key["danish_es99"] == pytest.approx(58.2, abs=0.05)
    # actuar "risk" vignette (actuar 3.3.2, doc/risk.pdf, sect. 3): quantiles of the
    # compound Poisson(10)-Gamma(2, 1) on a 0.5 grid, and CTE at 0.9, 0.95, 0.99
    published = [14.5, 19.5, 25.0, 30.5, 34.0, 37.0, 41.0, 43.5, 49.5]
    assert key["actuar_quantiles"] == published
    np.testing.assert_allclose(key["actuar_cte"], [35.42, 38.55, 45.01], atol=0.005)
    assert key["actuar_sim_within_ci"] is True
    # the simulation agrees with the exact grid quantiles to a few percent (the notebook shows
    # the order-statistic intervals, which contain them)
    for name, (exact, simulated) in key["fft_vs_sim"].items():
        assert simulated == pytest.approx(exact, rel=0.05), name


def _check_07(key: dict) -> None:
    from riskmodel.backtesting import kupiec_test
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.data import load_incidents
    from riskmodel.reserving import reserve

    inc = load_incidents()
    year = inc["date"].dt.year
    assert key["years"] == list(range(2019, int(year.max()) + 1))
    assert key["fit_until"] == [y - 1 for y in key["years"]]
    for y, actual in zip(key["years"], key["actual_usd"], strict=True):
        want = inc.loc[(year == y) & (inc["amount_usd"] >= 1e6), "amount_usd"].sum()
        assert actual == pytest.approx(want, rel=1e-12)
    # the first forecast is reserve() on the 2014-2018 window with the first child seed
    cal = calibrate_industry(inc, until=2018)
    seq = np.random.SeedSequence(key["seed"], spawn_key=(0,))
    r = reserve(cal.model, key["coverage"], rng=seq, n_sims=key["n_sims"], parameter_draws=0)
    assert key["reserve_usd"][0] == pytest.approx(r.reserve, rel=1e-9)
    exceeded = [a > r for a, r in zip(key["actual_usd"], key["reserve_usd"], strict=True)]
    assert key["exceeded"] == exceeded
    k = kupiec_test(len(exceeded), sum(exceeded), key["coverage"])
    for name, value in k.items():
        assert key["kupiec"][name] == pytest.approx(value, rel=1e-12), name
    n = len(exceeded)
    assert key["power_against"]["0.95"] == pytest.approx(1 - 0.95**n, rel=1e-12)
    ratios = [a / r for a, r in zip(key["actual_usd"], key["reserve_usd"], strict=True)]
    assert key["max_actual_to_reserve"] == pytest.approx(max(ratios), rel=1e-12)


def _check_08(key: dict) -> None:
    from riskmodel.book import Book, example_book

    book = example_book(key["policies"])
    assert len(book.events[0].exposures) == key["exposed"]
    runs = {
        "with vendor": book.simulate(key["n_sims"], rng=key["seed"]),
        "without": Book(book.policies, []).simulate(key["n_sims"], rng=key["seed"]),
    }
    for name, r in runs.items():  # seeded: the same numbers whatever the thread count
        assert key["aal"][name] == pytest.approx(r.aal()[0], rel=1e-9)
        assert key["capital"][name] == pytest.approx(r.capital(0.99), rel=1e-9)
    # the shared event adds its own expected loss ...
    a, se = key["aal"], key["aal_se"]
    noise = 4 * math.hypot(se["with vendor"], se["without"])
    rise_mean = (a["with vendor"] - a["without"]) / a["without"]
    assert rise_mean > -noise / a["without"]
    # ... and moves the tail more, in proportion, and the capital far more
    q, cap = key["loss_1_in_200"], key["capital"]
    assert q["with vendor"] / q["without"] - 1 > rise_mean
    assert cap["with vendor"] / cap["without"] - 1 > 2 * rise_mean
    change = key["price_change_median_pct"]
    assert change["vendor"] > change["no vendor"]
    assert key["removed"]["capital"] < 0 < key["added"]["capital"]


CHECKS = {
    "01_incident_data": _check_01,
    "02_severity": _check_02,
    "03_frequency": _check_03,
    "04_reserve_japan": _check_04,
    "05_pricing": _check_05,
    "06_validation": _check_06,
    "07_backtest": _check_07,
    "08_book": _check_08,
}


# --------------------------------------------------------------------------- tests
def test_every_notebook_is_tested():
    on_disk = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert on_disk == sorted(NAMES) == sorted(CHECKS)


def test_pins_cover_what_runs_the_notebooks(record_property):
    python, pins = read_pins()
    assert re.fullmatch(r"3\.\d+\.\d+", python), "the lock file names no Python version"
    # the kernel stack and every direct requirement of the package are pinned
    direct = {
        _canonical(Requirement(r).name)
        for r in metadata.requires("riskmodel") or ()
        if Requirement(r).marker is None
    }
    missing = (direct | set(LOCK_ROOTS[1:])) - set(pins)
    assert not missing, f"not pinned in notebooks/requirements.lock: {sorted(missing)}"
    # what differs from the pins is printed at the end of the run (tests/conftest.py):
    # a report, never a failure
    record_property(VERSION_REPORT, version_differences())


def test_version_report_names_what_differs(tmp_path):
    lock = tmp_path / "requirements.lock"
    numpy_now = metadata.version("numpy")
    lock.write_text(
        "# python: 3.0.1\nNumPy==0.0.1\nno_such.package-here==1.0\n"
        f"SciPy=={metadata.version('scipy')}\n",
        encoding="utf-8",
    )
    lines = version_differences(lock)
    assert lines[0] == f"python: pinned 3.0.1, running {platform.python_version()}"
    # names compare in canonical form (NumPy is numpy); an equal version is not reported
    assert f"numpy: pinned 0.0.1, installed {numpy_now}" in lines
    assert not any(line.startswith("scipy:") for line in lines)
    assert "no-such-package-here: pinned 1.0, installed not installed" in lines
    assert "pandas: not pinned, installed " + metadata.version("pandas") in lines
    lock.write_text("numpy>=1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: expected name==version"):
        read_pins(lock)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_matches_the_library(name, tmp_path, monkeypatch):
    pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat

    # jupyter_core warns about its path migration unless told which paths to use
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    fresh = _key_numbers(_execute(work / f"{name}.ipynb", work))
    CHECKS[name](fresh)
    committed = _key_numbers(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4))
    _assert_same(committed, fresh, name)


# --------------------------------------------------------------------------- regenerate
def main(argv: list[str]) -> int:
    """Execute notebooks in place, keeping their outputs (all of them by default)."""
    import nbformat

    if argv == ["--lock"]:
        return write_lock()
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    names = argv or list(NAMES)
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        print(f"unknown notebooks {unknown}; known: {', '.join(NAMES)}", file=sys.stderr)
        return 2
    total = 0.0
    for name in names:
        path = NOTEBOOKS / f"{name}.ipynb"
        t0 = time.perf_counter()
        nb = _execute(path, NOTEBOOKS)
        elapsed = time.perf_counter() - t0
        total += elapsed
        nbformat.write(nb, path)
        print(f"{name}: {elapsed:.1f} s")
    print(f"total: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
