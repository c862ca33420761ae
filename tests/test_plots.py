"""Every plot returns its Axes on the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from riskmodel import plots
from riskmodel.fit import fit_severity
from riskmodel.fit._compare import compare_severity
from riskmodel.severity import LogNormal


@pytest.fixture(scope="module")
def fit():
    x = LogNormal(14.0, 2.0).truncated(lower=1e6).sample(300, rng=1)
    return fit_severity(x, "lognormal", truncation=1e6)


@pytest.mark.parametrize("kind", ["qq", "pp", "survival", "density"])
def test_fit_plots_return_axes(fit, kind):
    ax = fit.plot(kind)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.has_data()
    plt.close(ax.figure)


def test_plots_draw_on_a_given_axes(fit):
    fig, axs = plt.subplots(1, 2)
    assert plots.qq_plot(fit, ax=axs[0]) is axs[0]
    assert plots.pp_plot(fit, ax=axs[1]) is axs[1]
    plt.close(fig)


def test_qq_with_per_loss_thresholds_uses_the_pit():
    x = LogNormal(14.0, 2.0).truncated(lower=1e6).sample(200, rng=2)
    t = np.where(np.arange(200) % 2 == 0, 1e6, np.minimum(x, 2e6))
    f = fit_severity(x, "lognormal", truncation=t)
    ax = plots.qq_plot(f)
    assert "PIT" in ax.get_title()
    plt.close(ax.figure)


def test_survival_plot_of_a_comparison(fit):
    cmp = compare_severity(fit.losses, ["lognormal", "lomax"], truncation=1e6)
    ax = cmp.plot()
    assert len(ax.get_lines()) == 3  # data and two fitted curves
    plt.close(ax.figure)


def test_evt_plots_return_axes(tmp_path):
    x = LogNormal(14.0, 2.0).sample(500, rng=3)
    for ax in (
        plots.mean_excess_plot(x),
        plots.hill_plot(x, k_max=200),
        plots.hill_plot(x, param="xi"),
        plots.stability_plot(x, min(x) * np.array([1.0, 3.0, 10.0])),
    ):
        assert isinstance(ax, matplotlib.axes.Axes) and ax.has_data()
        plt.close(ax.figure)
    ax = plots.mean_excess_plot(x)
    plots.save_figure(ax, tmp_path / "me.png")
    assert (tmp_path / "me.png").stat().st_size > 1000


def test_bad_kind(fit):
    with pytest.raises(ValueError, match="kind"):
        fit.plot("violin")
    with pytest.raises(ValueError, match="param"):
        plots.hill_plot(fit.losses, param="beta")


@pytest.mark.parametrize("insured", [False, True])
def test_exceedance_plot_ends_at_the_largest_simulated_total(insured):
    # a heavy tail whose order-statistic band and axis used to run far beyond the data
    from riskmodel.frequency import Poisson
    from riskmodel.insurance import InsuranceProgram, Layer
    from riskmodel.model import LossModel
    from riskmodel.reserving import reserve

    m = LossModel({"a": (Poisson(0.5), LogNormal(15.0, 4.0))})
    program = InsuranceProgram([Layer(1e7, 1e9)]) if insured else None
    r = reserve(m, 0.99, rng=2, n_sims=20_000, program=program)
    ax = r.plot()
    top = max(r.simulation.gross.tail[0], r.simulation.net.tail[0])
    assert ax.get_xlim()[1] <= top * (1 + 1e-12)
    for coll in ax.collections:  # the shaded bands
        for path in coll.get_paths():
            assert path.vertices[:, 0].max() <= top * (1 + 1e-12)
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        if line.get_linestyle() == "-":  # the curves (not the reserve markers)
            assert x.max() <= top * (1 + 1e-12)
    plt.close(ax.figure)
