"""The base class of every severity (single-loss) distribution.

A family subclass is a frozen dataclass of its parameters and implements a handful of
primitives in log space (``_logpdf``, ``_logcdf``, ``_logsf``, ``_ppf``, ``_isf``,
``_raw_moment``, and where it has closed forms ``_var``, ``_lev``, ``_support``). The base
class turns them into the public, vectorised methods, checks arguments, handles the support,
and gives truncation and capping. Primitives receive float arrays: ``_logpdf``/``_logsf``/
``_logcdf``/``_lev`` only points strictly inside the support (``_logpdf`` also its finite
ends), ``_ppf``/``_isf`` probabilities in [0, 1] (0 and 1 map to the ends of the support).
``_raw_moment`` returns ``inf`` for a moment that does not exist; the public methods warn.

A family declares itself in a :class:`~riskmodel.severity._spec.FamilySpec`, its ``spec``
class attribute: public name, parameters with their domains, analytic log-likelihood pieces
and compiled sampler; ``param_names`` and ``tail_param`` are taken from it. For maximum
likelihood the parameters map to an unconstrained vector (``_to_theta`` / ``_from_theta``;
``theta[i]`` is the transform of ``param_names[i]`` alone: the log of a positive parameter,
a real one as it is; derived from the spec unless a family overrides them), and each family
gives robust start values (``_start``, and ``_start_fixed`` when some fields are held
fixed); :meth:`Severity.with_fixed` derives a family with some fields held fixed.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping
from dataclasses import fields, replace
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from .._errors import InfiniteMomentWarning
from .._rng import RNGLike, as_generator
from ._math import log1mexp, quad_pieces
from ._spec import FamilySpec

__all__ = ["Severity"]


def _as_float_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN")
    return arr


def _out(arr: np.ndarray):
    """Return a Python float for 0-d results, the array otherwise."""
    return float(arr) if arr.ndim == 0 else arr


class Severity:
    """Frozen distribution of a single loss amount (a positive real number).

    Subclasses are frozen dataclasses whose fields are the parameters. All methods are
    vectorised over their first argument and return floats for scalar input.
    """

    #: the family's declaration (None for wrappers and composites); see ``_spec.FamilySpec``
    spec: ClassVar[FamilySpec | None] = None
    #: names of the parameters, in order (from ``spec``)
    param_names: ClassVar[tuple[str, ...]] = ()
    #: the parameter that governs the tail (for profile likelihood), if any (from ``spec``)
    tail_param: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        spec = cls.__dict__.get("spec")
        if spec is not None:  # a family declaring itself: its parameters come from the spec
            cls.param_names = spec.param_names
            cls.tail_param = spec.tail

    # ------------------------------------------------------------------ primitives
    def _support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def _logpdf(self, x: np.ndarray) -> np.ndarray:  # x inside the support
        raise NotImplementedError

    def _logsf(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _logcdf(self, x: np.ndarray) -> np.ndarray:
        return log1mexp(self._logsf(x))

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _isf(self, q: np.ndarray) -> np.ndarray:
        return self._ppf(1.0 - q)

    def _raw_moment(self, k: int) -> float:
        """E[X^k]; ``inf`` when it does not exist."""
        raise NotImplementedError

    def _partial_moment(self, k: int, lo: float, hi: float) -> float | None:
        """E[X^k; lo < X <= hi] in closed form, or ``None`` where the family has none.

        Wrappers (truncation, caps) use it to avoid numerical integration.
        """
        return None

    def _var(self) -> float:
        """Variance when the second moment is finite (families override with a closed form
        that avoids the cancellation in E[X^2] - E[X]^2)."""
        m1 = float(self._raw_moment(1))
        return max(float(self._raw_moment(2)) - m1 * m1, 0.0)

    def _lev(self, d: np.ndarray) -> np.ndarray:
        """E[min(X, d)] by numerical integration of the survival function (families override)."""
        lo, _ = self._support()
        out = np.empty_like(d)
        for i, di in enumerate(d.flat):
            # E[min(X, d)] = lo + integral of S over [lo, d]; S varies over many decades
            out.flat[i] = di if di <= lo else lo + quad_pieces(lambda t: float(self.sf(t)), lo, di)
        return out

    # ------------------------------------------------------------------ public API
    @property
    def params(self) -> dict[str, float]:
        """The parameters as a dict, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in self.param_names}

    def logpdf(self, x):
        """Log of the probability density at ``x`` (``-inf`` outside the support)."""
        x = _as_float_array(x, "x")
        lo, hi = self._support()
        inside = (x > lo) & (x < hi) | ((x == lo) & (lo > 0)) | ((x == hi) & np.isfinite(hi))
        out = np.full(x.shape, -np.inf)
        if inside.any():
            out[inside] = self._logpdf(x[inside])
        return _out(out)

    def pdf(self, x):
        """Probability density at ``x``."""
        return _out(np.exp(np.asarray(self.logpdf(x))))

    def logsf(self, x):
        """Log of the survival function P(X > x)."""
        x = _as_float_array(x, "x")
        lo, hi = self._support()
        out = np.where(x <= lo, 0.0, -np.inf)
        inside = (x > lo) & (x < hi)
        if inside.any():
            out[inside] = self._logsf(x[inside])
        return _out(out)

    def sf(self, x):
        """Survival function P(X > x), accurate far in the tail."""
        return _out(np.exp(np.asarray(self.logsf(x))))

    def logcdf(self, x):
        """Log of the distribution function P(X <= x)."""
        x = _as_float_array(x, "x")
        lo, hi = self._support()
        out = np.where(x <= lo, -np.inf, 0.0)
        inside = (x > lo) & (x < hi)
        if inside.any():
            out[inside] = self._logcdf(x[inside])
        return _out(out)

    def cdf(self, x):
        """Distribution function P(X <= x)."""
        return _out(np.exp(np.asarray(self.logcdf(x))))

    def ppf(self, q):
        """Quantile function: the smallest x with cdf(x) >= q."""
        q = _check_prob(q, "q")
        with np.errstate(over="ignore", divide="ignore"):  # beyond the double range: inf
            return _out(self._ppf(q))

    def isf(self, q):
        """Inverse survival function: x with sf(x) = q, without cancellation for small q."""
        q = _check_prob(q, "q")
        with np.errstate(over="ignore", divide="ignore"):  # beyond the double range: inf
            return _out(self._isf(q))

    def moment(self, k: int) -> float:
        """Raw moment E[X^k]; ``inf`` with an :class:`InfiniteMomentWarning` if it is infinite."""
        m = float(self._raw_moment(int(k)))
        if not math.isfinite(m):
            warnings.warn(
                f"{self!r}: moment of order {k} does not exist (infinite)",
                InfiniteMomentWarning,
                stacklevel=2,
            )
        return m

    def mean(self) -> float:
        """Expected loss E[X]; ``inf`` (with a warning) when the tail is too heavy."""
        m = float(self._raw_moment(1))
        if not math.isfinite(m):
            warnings.warn(
                f"{self!r}: the mean is infinite; cap the losses (dist.capped(limit)) "
                "to obtain finite moments",
                InfiniteMomentWarning,
                stacklevel=2,
            )
        return m

    def var(self) -> float:
        """Variance; ``inf`` (with a warning) when the second moment does not exist."""
        m2 = float(self._raw_moment(2))
        if not math.isfinite(m2):
            warnings.warn(
                f"{self!r}: the variance is infinite", InfiniteMomentWarning, stacklevel=2
            )
            return math.inf
        return float(self._var())

    def std(self) -> float:
        """Standard deviation (``inf`` with a warning when the variance is infinite)."""
        return math.sqrt(self.var())

    def lev(self, limit):
        r"""Limited expected value E[min(X, limit)]; finite for every finite limit.

        Notes
        -----
        :math:`E[\min(X, d)] = \int_0^d S(x)\,dx`. As d grows it tends to the mean (which may
        be infinite); ``lev(inf)`` is the mean, without the warning of :meth:`mean`.
        """
        d = _as_float_array(limit, "limit")
        if (d < 0).any():
            raise ValueError("limit: must be non-negative")
        lo, _ = self._support()
        out = d.copy()  # E[min(X, d)] = d for d at or below the lower end of the support
        inside = np.isfinite(d) & (d > lo)
        if inside.any():
            out[inside] = self._lev(d[inside])
        infinite = np.isinf(d)
        if infinite.any():
            out[infinite] = float(self._raw_moment(1))  # may be inf; no warning for a limit
        return _out(out)

    def sample(self, n: int, rng: RNGLike = None) -> np.ndarray:
        """Draw ``n`` independent losses, by inversion of uniforms through ``isf``.

        Parameters
        ----------
        n : int
            Number of draws.
        rng : int, Generator, SeedSequence or None
            Source of randomness (SPEC 7).
        """
        n = int(n)
        if n < 0:
            raise ValueError(f"n: must be non-negative, got {n}")
        u = as_generator(rng).random(n)
        # u in [0, 1); 1 - u in (0, 1] avoids isf(0) = inf
        with np.errstate(over="ignore", divide="ignore"):
            return np.asarray(self._isf(1.0 - u), dtype=float)

    # ------------------------------------------------------------------ wrappers
    def truncated(self, lower=None, upper=None) -> Severity:
        """This distribution conditioned on lower < X <= upper (reporting threshold, assets held).

        See :class:`riskmodel.severity.Truncated`.
        """
        from ._wrappers import Truncated

        return Truncated(self, lower=lower, upper=upper)

    def capped(self, limit: float) -> Severity:
        """min(X, limit): losses censored at ``limit`` (a point mass at the cap).

        See :class:`riskmodel.severity.Capped`.
        """
        from ._wrappers import Capped

        return Capped(self, limit=limit)

    # ------------------------------------------------------------------ fitting hooks
    #: fields held at fixed values by :meth:`with_fixed` (empty for an ordinary family)
    fixed_params: ClassVar[Mapping[str, float]] = MappingProxyType({})

    def _to_theta(self) -> np.ndarray:
        """Parameters mapped to an unconstrained real vector.

        ``theta[i]`` is the transform of ``param_names[i]`` alone (the log of a positive
        parameter, the parameter itself when unconstrained): :meth:`with_fixed` relies on it.
        By default the transforms declared in the family's ``spec``.
        """
        if self.spec is None:
            raise NotImplementedError(f"{type(self).__name__} declares no parameters to fit")
        return np.array([p.to_theta(getattr(self, p.name)) for p in self.spec.params])

    @classmethod
    def _from_theta(cls, theta: np.ndarray) -> Severity:
        """The distribution of an unconstrained vector (inverse of :meth:`_to_theta`)."""
        if cls.spec is None:
            raise NotImplementedError(f"{cls.__name__} declares no parameters to fit")
        params = cls.spec.params
        return cls(**{p.name: p.from_theta(t) for p, t in zip(params, theta, strict=True)})

    @classmethod
    def _start(cls, x: np.ndarray) -> Severity:
        """Robust start values from data ``x`` (positive losses)."""
        raise NotImplementedError

    @classmethod
    def _start_fixed(cls, x: np.ndarray, fixed: Mapping[str, float]) -> Severity:
        """Start values when the fields in ``fixed`` are held at the given values.

        Families whose start values depend on a fixed field (a threshold, a scale) override it.
        """
        return replace(cls._start(x), **fixed)

    @classmethod
    def with_fixed(cls, **values: float) -> type[Severity]:
        r"""This family with some fields held at fixed values, for fitting the others.

        Parameters
        ----------
        **values : float
            Field name and value, e.g. ``xm=1e7`` for a Pareto whose scale is the reporting
            threshold, or ``threshold=u`` for a generalized Pareto above ``u``.

        Returns
        -------
        type
            A subclass of this family whose ``param_names`` lists only the free parameters and
            whose ``fixed_params`` holds ``values``. Its ``_from_theta`` takes the free
            parameters only and returns an instance of the original family (so a fitted
            distribution is an ordinary ``Pareto``, say), with the fixed fields set exactly.
            The same arguments return the same class.

        Notes
        -----
        ``fit_severity(x, Pareto.with_fixed(xm=t), truncation=t)`` is the Hill estimator: the
        maximum-likelihood estimate of :math:`\alpha` with :math:`x_m = t` is
        :math:`n / \sum_i \log(x_i / t)`. A fixed parameter has standard error 0 and does not
        count in the AIC/BIC (the fit counts the free parameters).

        Examples
        --------
        >>> from riskmodel.severity import Pareto
        >>> fam = Pareto.with_fixed(xm=1e7)
        >>> fam.param_names, dict(fam.fixed_params)
        (('alpha',), {'xm': 10000000.0})
        """
        if cls.fixed_params:
            raise TypeError(f"{cls.__name__}: already has fixed fields; fix them all at once")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"{cls.__name__}.with_fixed: unknown field(s) {unknown}; known: {sorted(known)}"
            )
        if not values:
            raise ValueError(f"{cls.__name__}.with_fixed: give at least one field to fix")
        if all(p in values for p in cls.param_names):
            raise ValueError(f"{cls.__name__}.with_fixed: every parameter is fixed; none to fit")
        items = tuple(sorted((k, float(v)) for k, v in values.items()))
        return _fixed_family(cls, items)


@functools.cache
def _fixed_family(base: type[Severity], items: tuple[tuple[str, float], ...]) -> type[Severity]:
    """Build (once per arguments) the subclass returned by :meth:`Severity.with_fixed`."""
    fixed = dict(items)
    free = tuple(p for p in base.param_names if p not in fixed)
    free_idx = np.array([base.param_names.index(p) for p in free], dtype=int)
    # a valid instance supplies the unconstrained values of the fixed parameters
    template = replace(base._from_theta(np.zeros(len(base.param_names))), **fixed)
    theta_full = np.asarray(template._to_theta(), dtype=float)

    def _to_theta(self) -> np.ndarray:
        return np.asarray(base._to_theta(self), dtype=float)[free_idx]

    def _from_theta(cls, theta) -> Severity:
        full = theta_full.copy()
        full[free_idx] = theta
        return replace(base._from_theta(full), **fixed)

    def _start(cls, x) -> Severity:
        s = base._start_fixed(np.asarray(x, dtype=float), fixed)
        return cls(**{f.name: getattr(s, f.name) for f in fields(s) if f.init})

    label = ", ".join(f"{k}={v:g}" for k, v in items)
    name = f"{base.__name__}[{label}]"
    namespace = {
        "__module__": base.__module__,
        "__qualname__": name,
        "__doc__": f"{base.__name__} with {label} held fixed (see Severity.with_fixed).",
        "param_names": free,
        "tail_param": base.tail_param if base.tail_param in free else None,
        "fixed_params": MappingProxyType(fixed),
        "_to_theta": _to_theta,
        "_from_theta": classmethod(_from_theta),
        "_start": classmethod(_start),
    }
    return type(name, (base,), namespace)


def _init_params(
    obj: Severity, *, positive: tuple[str, ...] = (), finite: tuple[str, ...] = ()
) -> None:
    """Convert the named fields of a frozen family instance to float and validate them.

    Raises
    ------
    ValueError
        Naming the family, the parameter and its value, if a ``positive`` field is not a
        positive finite number or a ``finite`` field is not finite.
    """
    family = type(obj).__name__
    for name in (*positive, *finite):
        raw = getattr(obj, name)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{family}: {name} must be a real number, got {raw!r}") from None
        object.__setattr__(obj, name, value)
        if name in positive and not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{family}: {name} must be positive and finite, got {value}")
        if not math.isfinite(value):
            raise ValueError(f"{family}: {name} must be finite, got {value}")


def _check_prob(q, name: str) -> np.ndarray:
    q = _as_float_array(q, name)
    if ((q < 0) | (q > 1)).any():
        raise ValueError(f"{name}: probabilities must lie in [0, 1]")
    return q
