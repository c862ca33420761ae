"""backend="dask": groups of blocks as tasks on a 2-process LocalCluster, bit-identical to the
local thread pool (same seed, n_sims, block size), also after a worker is killed mid-run."""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from riskmodel.dependence import StudentTCopula
from riskmodel.engine import Simulation, _dask, simulate
from riskmodel.fit import fit_severity
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal
from riskmodel.uncertainty import FittedCategory

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")  # a dependency of distributed

# the test's own classes travel to the workers by value (they cannot import this module)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def model():
    fit = fit_severity(LogNormal(1.0, 0.8).sample(60, rng=1), "lognormal")
    cat = FittedCategory(fit, rate=3.0, log_rate_se=0.2)
    cats = {
        "hack": cat.point(),
        "fraud": (NegativeBinomial(2.0, 1.5), LogNormal(0.5, 1.2)),
        "ops": (Poisson(1.0), LogNormal(0.0, 1.0)),
    }
    corr = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    return LossModel(cats, dependence=StudentTCopula(corr, df=4.0), uncertainty={"hack": cat})


@pytest.fixture(scope="module")
def program():
    return InsuranceProgram(
        [
            Layer(attachment=5.0, limit=20.0, share=0.8, reinstatements=1),
            Layer(attachment=10.0, limit=30.0, per="aggregate", categories=["hack", "fraud"]),
        ]
    )


KW = {"rng": 11, "block_size": 2048, "parameter_uncertainty": True, "min_level": 0.95}
KW_NO_BLOCK = {"rng": 11, "parameter_uncertainty": True}


def assert_identical(a, b):
    """Every moment, retained tail year (with its parts) and quantile, exactly."""
    assert (a.layers is None) == (b.layers is None)
    for view in ("gross", "ceded", "net", "layers"):
        x, y = getattr(a, view), getattr(b, view)
        if x is None:
            continue
        assert x.categories == y.categories
        assert x.n == y.n
        assert x.mean == y.mean and x.var == y.var, view
        np.testing.assert_array_equal(x.cat_mean, y.cat_mean)
        np.testing.assert_array_equal(x.cat_var, y.cat_var)
        np.testing.assert_array_equal(x.tail, y.tail)
        np.testing.assert_array_equal(x.tail_parts, y.tail_parts)
        for p in (0.95, 0.99, 0.995, 0.999):
            assert x.quantile(p) == y.quantile(p)
            assert x.tvar(p) == y.tvar(p)
    assert a.reinstatement_premium == b.reinstatement_premium


@pytest.fixture(scope="module")
def local(model, program):
    return simulate(model, 120_000, program=program, **KW)


def test_equals_the_local_run_exactly(client, model, program, local):
    assert local.ceded.mean > 0  # the program cedes something: the test covers its views
    assert local.layers is not None and np.all(local.layers.cat_mean[1:] > 0)
    r = simulate(model, 120_000, program=program, backend="dask", client=client, **KW)
    assert_identical(local, r)
    assert r.provenance["backend"] == "dask"


def test_grouping_and_default_client_do_not_change_it(client, model, program, local, monkeypatch):
    # one block per task (many tasks, each with the floor of its submission) and the current
    # client found without being passed
    monkeypatch.setattr(_dask, "MAX_BLOCKS_PER_TASK", 1)
    r = simulate(model, 120_000, program=program, backend="dask", **KW)
    assert_identical(local, r)


def test_extension_matches_reserve_doubling(client, model, program):
    # what reserve(rel_tol=...) does: extend the same simulation block by block
    kw = {k: v for k, v in KW.items() if k != "min_level"}
    runs = []
    for backend, c in (("numba", None), ("dask", client)):
        sim = Simulation(model, program=program, max_sims=80_000, backend=backend, client=c, **kw)
        first = sim.extend(20_480).result()
        runs.append((first, sim.extend(80_000).result()))
    assert_identical(runs[0][0], runs[1][0])
    assert_identical(runs[0][1], runs[1][1])


def test_an_exchange_sized_model_equals_the_local_run_exactly(client, program):
    # a few losses a year: the blocks skip their years without one (engine.SPARSE_RATE)
    rare = LossModel(
        {
            "hack": (Poisson(0.02), LogNormal(2.0, 1.5)),
            "fraud": (Poisson(0.01), LogNormal(1.0, 1.0)),
            "ops": (Poisson(0.005), LogNormal(0.5, 1.0)),
        }
    )
    kw = {"rng": 12, "block_size": 2048, "min_level": 0.9, "program": program}
    local = simulate(rare, 60_000, **kw)
    assert local.ceded.mean > 0
    assert_identical(local, simulate(rare, 60_000, backend="dask", client=client, **kw))


class _Slow(LogNormal):
    """LogNormal drawn through sample() (no compiled sampler) and slowly: runs last seconds."""

    def sample(self, size, rng=None):
        time.sleep(0.05)
        return super().sample(size, rng)


def test_worker_killed_mid_run_still_identical(client, model, program, monkeypatch):
    cats = dict(model.categories)
    cats["slow"] = (Poisson(0.5), _Slow(0.0, 1.0))
    corr = np.eye(4)
    corr[:3, :3] = model.copula.corr
    slow = LossModel(cats, dependence=StudentTCopula(corr, df=4.0), uncertainty=model.uncertainty)
    want = simulate(slow, 120_000, program=program, **KW)
    monkeypatch.setattr(_dask, "MAX_BLOCKS_PER_TASK", 2)  # many short tasks
    pids = client.run(os.getpid)  # worker address -> process id
    out = {}

    def run():
        out["r"] = simulate(slow, 120_000, program=program, backend="dask", client=client, **KW)

    t = threading.Thread(target=run)
    t.start()
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and t.is_alive() and time.monotonic() < deadline:
        busy = [a for a, keys in client.processing().items() if keys and a in pids]
        if busy:
            time.sleep(0.5)  # some tasks done, the victim in the middle of others
            victim = busy[0]
            os.kill(pids[victim], signal.SIGKILL)
            alive_at_kill = t.is_alive()
        time.sleep(0.02)
    t.join(timeout=300)
    assert victim is not None and alive_at_kill, "the worker was not killed during the run"
    assert_identical(want, out["r"])
    client.wait_for_workers(2, timeout=120)  # the nanny restarts it (for the next tests)
    assert pids[victim] not in client.run(os.getpid).values()


class _Exploding(LogNormal):
    """A severity without a compiled sampler whose draws fail once it has been called enough."""

    def sample(self, size, rng=None):
        if size > 3000:
            raise ValueError("too many draws asked of this test severity")
        return super().sample(size, rng)


def test_task_error_is_the_original_exception_with_its_block(client):
    m = LossModel({"a": (Poisson(1.0), _Exploding(0.0, 1.0))})
    with pytest.raises(ValueError, match=r"block \d+: too many draws"):
        simulate(m, 40_000, rng=1, block_size=4096, backend="dask", client=client)


def test_errors_without_a_client_or_with_a_wrong_backend(model):
    with pytest.raises(ValueError, match="only with backend='dask'"):
        simulate(model, 1000, rng=1, client=object())
    with pytest.raises(ValueError, match="'numba' or 'dask'"):
        simulate(model, 1000, rng=1, backend="ray")
    with pytest.raises(TypeError, match=r"dask\.distributed\.Client"):
        simulate(model, 1000, rng=1, backend="dask", client=object())


def test_no_current_client_says_how_to_start_one(model):
    # in a fresh interpreter: the module's client is the current one here
    code = (
        "import riskmodel as rm\n"
        "from riskmodel.frequency import Poisson\n"
        "from riskmodel.severity import LogNormal\n"
        "m = rm.LossModel({'a': (Poisson(1.0), LogNormal(0.0, 1.0))})\n"
        "try:\n"
        "    rm.simulate(m, 1000, rng=1, backend='dask')\n"
        "except RuntimeError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "no Dask client" in out and "LocalCluster(n_workers=2)" in out and "--dask" in out


def test_import_riskmodel_does_not_import_dask():
    code = "import sys, riskmodel, riskmodel.engine; print('dask' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "False"


def test_reserve_price_and_gof_pass_the_cluster_on(client, model, program):
    from riskmodel.pricing import price_tower
    from riskmodel.reserving import reserve

    kw = {"rng": 5, "block_size": 4096, "parameter_uncertainty": True}
    on = {"backend": "dask", "client": client}
    # rel_tol doubling: 8,192 -> 16,384 -> ... until the interval is tight or max_sims
    a = reserve(model, 0.99, program=program, n_sims=8192, rel_tol=0.02, max_sims=65_536, **kw)
    b = reserve(
        model, 0.99, program=program, n_sims=8192, rel_tol=0.02, max_sims=65_536, **kw, **on
    )
    assert a.n_sims > 8192  # it doubled at least once
    assert (a.reserve, a.ci, a.n_sims, a.allocation) == (b.reserve, b.ci, b.n_sims, b.allocation)

    layers = [program.layers[0], Layer(attachment=2.0, limit=10.0)]
    ta = price_tower(model, layers, n_sims=20_000, **kw)
    tb = price_tower(model, layers, n_sims=20_000, **kw, **on)
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(ta, tb)

    fit = model.uncertainty["hack"].severity_fit
    ga = fit.gof(n_boot=40, rng=3)
    gb = fit.gof(n_boot=40, rng=3, **on)
    np.testing.assert_array_equal(ga.boot, gb.boot)
    assert ga.pvalues == gb.pvalues


@pytest.mark.slow  # two interpreters and a cluster start: about a minute on a busy machine
def test_cli_reserve_on_a_local_cluster_prints_the_same_reserve():
    def run(*extra):
        out = subprocess.run(
            [sys.executable, "-m", "riskmodel", "reserve", "--n-sims", "20000", *extra],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        return [ln for ln in out.stdout.splitlines() if "n_sims" not in ln]  # (wall time)

    local = run()
    dask = run("--dask", "local:2", "--progress")
    assert any("reserve          USD" in ln for ln in local)
    assert local == dask


def test_cli_rejects_a_bad_dask_option():
    out = subprocess.run(
        [sys.executable, "-m", "riskmodel", "reserve", "--dask", "local:0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "local:N needs a positive number" in out.stderr


def test_a_group_returns_the_tail_its_blocks_would_merge_to(model, program):
    # in process, no cluster: a group of blocks compacting its own top m on the way (m small)
    from riskmodel._rng import as_seed_sequence
    from riskmodel.engine._tail import Tail

    sim = Simulation(model, program=program, max_sims=10_240, block_size=1024, **KW_NO_BLOCK)
    m, sizes = 300, [1024] * 10
    blocks, tails = _dask.run_group(sim.plan, as_seed_sequence(11), 0, sizes, {}, m)
    for name in ("gross", "net", "layers"):
        k = sim.plan.width(name)  # the layers view: retained and one part per layer
        merged = Tail(m, k)
        for b in range(10):
            out, _ = sim._block(b, 1024)
            mom, vals, parts, zeros = out[name]
            assert mom.mean.tolist() == blocks[b][0][name].mean.tolist()
            merged.add(vals, parts, zeros)
        group = Tail(m, k)
        group.add(*tails[name])
        assert len(tails[name][0]) == m
        (v1, p1), (v2, p2) = merged.final(), group.final()
        np.testing.assert_array_equal(v1(), v2())
        np.testing.assert_array_equal(p1(), p2())


@pytest.mark.slow  # two reports (calibration, reserve, curve, bootstrap, layer prices)
def test_report_on_the_cluster_has_the_same_numbers(client, tmp_path):
    from riskmodel.report import write_report

    kw = {"profile": "example", "n_sims": 20_000, "gof_boot": 10, "seed": 3}
    a = write_report(tmp_path / "local", **kw)
    b = write_report(tmp_path / "dask", backend="dask", client=client, **kw)
    assert b.reserve.provenance["backend"] == b.simulation.provenance["backend"] == "dask"
    assert a.reserve.reserve == b.reserve.reserve and a.reserve.ci == b.reserve.ci
    for name in ("fits.csv", "layer_prices.csv", "reserve_curve.csv", "allocation.csv"):
        assert (a.path / name).read_text() == (b.path / name).read_text(), name


def test_a_book_on_the_cluster_equals_the_local_run(client):
    from riskmodel.book import example_book

    book = example_book(8)
    local = book.simulate(30_000, rng=5, block_size=4096, keep_losses=True)
    remote = book.simulate(
        30_000, rng=5, block_size=4096, keep_losses=True, backend="dask", client=client
    )
    for field in ("year_ceded", "year_occ", "year_gross", "pol_sums", "rec_year", "rec_pol"):
        np.testing.assert_array_equal(getattr(local.raw, field), getattr(remote.raw, field))
    np.testing.assert_array_equal(local.raw.loss_x, remote.raw.loss_x)
    assert remote.provenance["backend"] == "dask"
    # a candidate policy replays the run's shared events, on the cluster too
    smaller = book.without(book.names[0])
    cand = book.policy(book.names[0])
    a = smaller.simulate(30_000, rng=5, block_size=4096).add(cand)
    b = smaller.simulate(30_000, rng=5, block_size=4096, backend="dask", client=client).add(cand)
    assert a.to_dict() == b.to_dict()
    with pytest.raises(ValueError, match="backend"):
        book.simulate(100, rng=1, backend="gpu")
