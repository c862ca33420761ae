"""The family registry: every registered family's spec agrees with its class (transforms,
log-likelihood pieces, compiled sampler), names resolve, and a family defined and registered
in this file alone is fitted, simulated and passes the contract checks of every family."""

from __future__ import annotations

import dataclasses
import math
import pathlib
import re
import subprocess
import sys
import warnings
from typing import ClassVar

import numpy as np
import pytest
import test_dist_contract as contract  # the contract checks every distribution must pass

import riskmodel
from riskmodel.engine import _severity_fill as K
from riskmodel.engine._specs import severity_spec
from riskmodel.frequency import Poisson
from riskmodel.model import LossModel
from riskmodel.severity import (
    FAMILIES,
    FamilySpec,
    GeneralizedPareto,
    LogNormal,
    Param,
    Sampler,
    Severity,
    get_family,
    register_family,
)
from riskmodel.severity._families import _unregister_family, family_spec

BUILT_IN = sorted(FAMILIES.values(), key=lambda c: c.spec.name)


def _member(cls: type[Severity]) -> Severity:
    """A member of the family: its start values on a spread of positive losses."""
    return cls._start(np.geomspace(2.0, 1e6, 200))


# ----------------------------------------------------------------------------- names
@pytest.mark.parametrize("cls", BUILT_IN, ids=lambda c: c.spec.name)
def test_public_name_class_name_and_aliases_resolve(cls):
    spec = cls.spec
    assert FAMILIES[spec.name] is cls and spec.name == spec.name.lower()
    for name in (spec.name, spec.name.upper(), cls.__name__, *spec.aliases):
        assert get_family(name) is cls
    assert get_family(cls) is cls
    assert cls.param_names == spec.param_names and cls.tail_param == spec.tail


def test_unknown_names_suggest_the_closest_and_list_the_known():
    with pytest.raises(ValueError, match=r"did you mean 'lognormal'\?.*known: burr, gamma"):
        get_family("lognromal")
    with pytest.raises(ValueError, match="did you mean 'weibull'"):
        get_family("Weibul")
    with pytest.raises(ValueError, match="unknown family 'cauchy'; known"):
        get_family("cauchy")
    with pytest.raises(TypeError):
        get_family(3)


def test_parameter_names_are_listed_for_writing_and_reading_by_name():
    assert get_family("lognormal").param_names == ("mu", "sigma")
    assert [p.domain for p in get_family("gpd").spec.params] == ["real", "positive"]
    d = get_family("LogNormal")(**{"mu": 1.0, "sigma": 2.0})
    assert d == LogNormal(1.0, 2.0) and d.params == {"mu": 1.0, "sigma": 2.0}


def test_registration_rejects_clashes_and_classes_without_a_spec():
    @dataclasses.dataclass(frozen=True)
    class Clash(Severity):
        mu: float
        spec: ClassVar[FamilySpec] = FamilySpec(name="lognormal", params=(Param("mu", "real"),))

    with pytest.raises(ValueError, match="already registered"):
        register_family(Clash)

    @dataclasses.dataclass(frozen=True)
    class CodeClash(Severity):
        mu: float
        spec: ClassVar[FamilySpec] = FamilySpec(
            name="codeclash", params=(Param("mu", "real"),), sampler=Sampler(0, ("mu",))
        )

    with pytest.raises(ValueError, match="sampler code 0 is LogNormal's"):
        register_family(CodeClash)
    with pytest.raises(ValueError, match="with its own spec"):
        register_family(LogNormal.with_fixed(mu=1.0))
    assert "codeclash" not in FAMILIES and get_family("lognormal") is LogNormal


def test_subclasses_are_not_taken_for_their_family():
    @dataclasses.dataclass(frozen=True)
    class Shifted(LogNormal):
        def _isf(self, q):
            return 1.0 + super()._isf(q)

    assert family_spec(Shifted) is None and family_spec(LogNormal) is LogNormal.spec
    assert severity_spec(Shifted(0.0, 1.0))[0] == -1  # simulated by its own sample()


# ----------------------------------------------------------------------------- specs
@pytest.mark.parametrize("cls", BUILT_IN, ids=lambda c: c.spec.name)
def test_theta_follows_the_declared_transforms(cls):
    d = _member(cls)
    theta = d._to_theta()
    for t, prm in zip(theta, cls.spec.params, strict=True):
        value = getattr(d, prm.name)
        assert t == (math.log(value) if prm.transform == "log" else value)
    back = cls._from_theta(theta)
    assert type(back) is cls
    assert back.params == pytest.approx(d.params, rel=1e-12)


@pytest.mark.parametrize(
    "cls", [c for c in BUILT_IN if c.spec.loglik is not None], ids=lambda c: c.spec.name
)
@pytest.mark.parametrize("kind", ["logpdf", "logsf"])
def test_loglik_pieces_equal_the_distribution_and_their_scores_its_derivatives(cls, kind):
    d = _member(cls)
    kern = cls.spec.loglik
    x = np.asarray(d.isf(np.array([0.95, 0.7, 0.5, 0.2, 0.05, 1e-3])))
    value, score = getattr(kern, kind)(kern.params(d), x)
    np.testing.assert_allclose(value, getattr(d, kind)(x), rtol=1e-9, atol=1e-12)
    for i, name in enumerate(cls.param_names):
        v = getattr(d, name)
        h = 1e-6 * max(abs(v), 1e-3)
        up = getattr(dataclasses.replace(d, **{name: v + h}), kind)(x)
        dn = getattr(dataclasses.replace(d, **{name: v - h}), kind)(x)
        numeric = (up - dn) / (2 * h)
        np.testing.assert_allclose(score[i], numeric, rtol=2e-5, atol=1e-7 * np.abs(numeric).max())


@pytest.mark.parametrize(
    "cls", [c for c in BUILT_IN if c.spec.sampler is not None], ids=lambda c: c.spec.name
)
def test_compiled_sampler_code_and_row_invert_the_survival_function(cls):
    d = _member(cls)
    code, par = severity_spec(d)
    assert code == cls.spec.sampler.code
    q = np.array([0.999, 0.5, 0.1, 1e-4, 1e-10])
    compiled = np.array([K.sev_isf(code, par, qi) for qi in q])
    np.testing.assert_allclose(compiled, d.isf(q), rtol=1e-10)


def test_sampler_codes_are_unique_and_the_kernels_use_the_registry():
    codes = [c.spec.sampler.code for c in BUILT_IN if c.spec.sampler is not None]
    assert len(codes) == len(set(codes))
    assert K.LOGNORMAL == LogNormal.spec.sampler.code
    assert K.GPD == GeneralizedPareto.spec.sampler.code


def test_no_family_is_looked_up_by_its_class_name_outside_the_registry():
    names = "|".join(c.__name__ for c in BUILT_IN)
    # comparisons of a class name, and class names as dict keys or subscripts
    q = rf"""["']({names})["']"""
    lookup = re.compile(rf"__name__\s*==|==\s*{q}|{q}\s*:|\[\s*{q}\s*\]")
    root = pathlib.Path(riskmodel.__file__).parent
    hits = [
        f"{path.relative_to(root)}:{i}"
        for path in root.rglob("*.py")
        if path.name != "_families.py"
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if lookup.search(line) and "__main__" not in line and "__all__" not in line
    ]
    assert hits == []


def test_the_severity_layer_does_not_import_fitting():
    code = (
        "import sys, riskmodel.severity; "
        "print([m for m in sys.modules if m.startswith('riskmodel.fit')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    root = pathlib.Path(riskmodel.__file__).parent / "severity"
    assert not [
        p.name
        for p in root.glob("*.py")
        if re.search(r"from \.\.fit|import riskmodel\.fit", p.read_text())
    ]


# ----------------------------------------------------------------------------- a toy family
@dataclasses.dataclass(frozen=True)
class Exponential(Severity):
    """Exponential with mean ``scale``: S(x) = exp(-x / scale). Nothing but this class and the
    one line ``register_family(Exponential)`` makes it a family."""

    scale: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="exponential", params=(Param("scale", "positive"),), tail="scale"
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", float(self.scale))
        if not (self.scale > 0 and math.isfinite(self.scale)):
            raise ValueError(f"Exponential: scale must be positive and finite, got {self.scale}")

    def _logpdf(self, x):
        return -math.log(self.scale) - x / self.scale

    def _logsf(self, x):
        return -x / self.scale

    def _ppf(self, q):
        return -self.scale * np.log1p(-q)

    def _isf(self, q):
        return -self.scale * np.log(q)

    def _raw_moment(self, k: int) -> float:
        return math.factorial(k) * self.scale**k

    @classmethod
    def _start(cls, x):
        return cls(scale=float(np.mean(x)))


@pytest.fixture
def toy():
    register_family(Exponential)
    yield Exponential
    _unregister_family("exponential")


def test_toy_family_is_found_by_name(toy):
    assert FAMILIES["exponential"] is toy and get_family("Exponential") is toy
    assert toy.param_names == ("scale",) and toy.tail_param == "scale"


def test_toy_family_is_fitted_with_truncation_and_censoring(toy):
    x = toy(10.0).sample(4000, rng=1)
    fit = riskmodel.fit_severity(x, "exponential")
    # the MLE is the sample mean, with standard error mean / sqrt(n) (Fisher information)
    assert fit.converged and fit.family == "Exponential"
    assert fit.params["scale"] == pytest.approx(np.mean(x), rel=1e-6)
    assert fit.se["scale"] == pytest.approx(np.mean(x) / math.sqrt(x.size), rel=1e-3)
    # memoryless: above a reporting threshold t the MLE is the mean excess
    t = 15.0
    above = x[x > t]
    fit_t = riskmodel.fit_severity(above, "exponential", truncation=t)
    assert fit_t.params["scale"] == pytest.approx(np.mean(above - t), rel=1e-6)
    # censored at c: the MLE is the total exposure over the number of exact losses
    c = 20.0
    cens = riskmodel.fit_severity(np.minimum(x, c), "exponential", cap=c)
    assert cens.params["scale"] == pytest.approx(np.minimum(x, c).sum() / np.sum(x < c), rel=1e-6)
    with warnings.catch_warnings():  # families that do not suit these losses may not converge
        warnings.simplefilter("ignore")
        table = riskmodel.compare_severity(x).table  # every registered family, the toy too
    # the gamma nests the exponential: its maximised likelihood is at least as high
    assert table.loc["exponential", "loglik"] == pytest.approx(fit.loglik, rel=1e-12)
    assert table.loc["gamma", "loglik"] >= fit.loglik - 1e-6


def test_toy_family_is_simulated_through_the_generic_path(toy):
    assert severity_spec(toy(10.0))[0] == -1  # no compiled sampler: its own sample()
    model = LossModel({"toy": (Poisson(2.0), toy(10.0)), "ln": (Poisson(1.0), LogNormal(1, 1))})
    r = riskmodel.simulate(model, 50_000, rng=3)
    want = 2.0 * 10.0 + 1.0 * math.exp(1.5)
    assert abs(r.gross.mean - want) < 4 * r.gross.mean_se


@pytest.mark.parametrize("dist", [Exponential(10.0), Exponential(2.0).truncated(lower=3.0)])
def test_toy_family_passes_the_contract(toy, dist):
    contract.test_cdf_plus_sf_is_one(dist)
    contract.test_isf_inverts_sf_and_ppf_inverts_cdf(dist)
    contract.test_logpdf_is_log_of_the_cdf_derivative(dist)
    contract.test_pdf_integrates_to_one(dist)
    contract.test_lev_increasing_bounded_and_equal_to_integral_of_sf(dist)
    contract.test_lev_tends_to_the_mean(dist)
    contract.test_mean_and_var_against_numerical_integration(dist)
    contract.test_sample_passes_seeded_ks_test(dist)
    contract.test_sample_is_reproducible_from_the_seed(dist)
    test_theta_follows_the_declared_transforms(toy)


def test_sampler_codes_stay_below_the_spliced_code():
    from riskmodel.severity._spec import SPLICED_CODE, Sampler

    with pytest.raises(ValueError, match="reserve"):
        Sampler(code=SPLICED_CODE, fields=("mu",))
    with pytest.raises(ValueError, match="must lie in"):
        Sampler(code=-1, fields=("mu",))
