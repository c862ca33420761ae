"""compare_severity: ranking, failed families kept, goodness-of-fit columns, bundled data."""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from riskmodel.fit._compare import compare_severity
from riskmodel.severity import LogNormal, Severity
from riskmodel.severity._pareto import Lomax


@dataclass(frozen=True)
class _Broken(Severity):
    """A family whose start values cannot be computed."""

    a: float = 1.0
    param_names: ClassVar[tuple[str, ...]] = ("a",)

    @classmethod
    def _start(cls, x):
        raise ValueError("no start values for this family")


def test_ranks_by_aic_and_keeps_failures():
    x = LogNormal(14.0, 1.8).truncated(lower=1e6).sample(600, rng=1)
    cmp = compare_severity(x, ["lognormal", Lomax, "pareto", _Broken], truncation=1e6)
    t = cmp.table
    assert list(t.index[:1]) == ["lognormal"]
    assert t["rank"].tolist() == [1, 2, 3, 4]
    assert t.loc["lognormal", "delta_aic"] == 0.0
    assert (t.loc[t.converged, "aic"].diff().dropna() >= 0).all()
    assert t.index[-1] == "_Broken"
    assert not t.loc["_Broken", "converged"]
    assert "no start values" in t.loc["_Broken", "message"]
    assert np.isnan(t.loc["_Broken", "aic"])
    assert cmp.fits["_Broken"] is None
    assert cmp.best.family == "LogNormal"
    assert t.loc["pareto", "k"] == 1 and t.loc["pareto", "tail_param"] == "alpha"
    assert "_Broken" in cmp.summary()
    rows = cmp.to_dict()["table"]
    assert rows[0]["family"] == "lognormal"


def test_gof_columns_and_bic():
    x = LogNormal(14.0, 1.8).truncated(lower=1e6).sample(300, rng=2)
    cmp = compare_severity(
        x, ["lognormal", "pareto"], truncation=1e6, gof=29, rng=3, criterion="bic"
    )
    for c in ("ks", "ks_p", "cvm_p", "ad_p", "adup_p"):
        assert c in cmp.table
    assert cmp.table.loc["pareto", "ad_p"] < 0.1
    assert cmp.gof["lognormal"].n_boot == 29
    again = compare_severity(x, ["lognormal", "pareto"], truncation=1e6, gof=29, rng=3)
    assert again.table.loc["lognormal", "ad_p"] == cmp.table.loc["lognormal", "ad_p"]


def test_argument_checks():
    x = LogNormal(0.0, 1.0).sample(50, rng=4)
    with pytest.raises(ValueError, match="criterion"):
        compare_severity(x, ["lognormal"], criterion="hqic")
    with pytest.raises(ValueError, match="repeated"):
        compare_severity(x, ["lognormal", "lognormal"])


def test_every_registered_family_on_the_bundled_incidents():
    """Per-category fits of the bundled exchange losses >= USD 1M since 2014."""
    from riskmodel.data import load_incidents

    df = load_incidents()
    sel = (df.date.dt.year >= 2014) & (df.amount_usd >= 1e6)
    hacks = df.loc[sel & (df.category == "hack"), "amount_usd"].to_numpy()
    cmp = compare_severity(hacks, truncation=1e6)
    t = cmp.table
    assert len(t) >= 9  # every registered family appears, fitted or not
    assert t.converged.sum() >= 7
    # heavy tail: the pure Pareto above USD 1M is the worst; the lognormal is competitive
    assert t.index[t.converged][-1] == "pareto"
    assert t.loc["lognormal", "delta_aic"] < 2
