"""Far-tail reference values of the severity families, computed with mpmath at 50 digits.

Run ``python tests/reference/severity_mpmath.py`` (needs ``mpmath``, not a dependency of
riskmodel) and paste its output into ``tests/severity/test_dist_reference.py``. Every value is a
closed form evaluated in arbitrary precision, independent of riskmodel's code:

- log S and S for survival probabilities between 1e-15 and below the double range,
- x = isf(q) for q = 1e-300 (S^-1 solved by the closed form or by mpmath's root finder).
"""

from __future__ import annotations

import mpmath as mp

mp.mp.dps = 50


def lognormal_logsf(mu, sigma, x):
    z = (mp.log(x) - mu) / sigma
    return mp.log(mp.ncdf(-z))


def gpd_logsf(xi, sigma, u, x):
    return -mp.log1p(xi * (x - u) / sigma) / xi


def pareto_logsf(alpha, xm, x):
    return -alpha * mp.log(x / xm)


def lomax_logsf(alpha, scale, x):
    return -alpha * mp.log1p(x / scale)


def burr_logsf(c, k, scale, x):
    return -k * mp.log1p((x / scale) ** c)


def weibull_logsf(shape, scale, x):
    return -((x / scale) ** shape)


def gamma_logsf(shape, scale, x):
    return mp.log(mp.gammainc(shape, x / scale, mp.inf, regularized=True))


def loglogistic_logsf(shape, scale, x):
    return -mp.log1p((x / scale) ** shape)


def loggamma_logsf(shape, rate, x):
    return mp.log(mp.gammainc(shape, rate * mp.log(x), mp.inf, regularized=True))


CASES = [
    # (constructor expression in riskmodel, x, log S(x) in mpmath)
    ("LogNormal(0.0, 1.0)", mp.e**8, lambda x: lognormal_logsf(0, 1, x)),
    ("LogNormal(0.0, 1.0)", mp.e**20, lambda x: lognormal_logsf(0, 1, x)),
    ("LogNormal(0.0, 1.0)", mp.e**37, lambda x: lognormal_logsf(0, 1, x)),
    ("LogNormal(0.0, 1.0)", mp.e**40, lambda x: lognormal_logsf(0, 1, x)),
    ("GeneralizedPareto(0.25, 2.0)", mp.mpf("1e20"), lambda x: gpd_logsf(0.25, 2, 0, x)),
    ("GeneralizedPareto(1e-13, 1.0)", mp.mpf(600), lambda x: gpd_logsf(mp.mpf("1e-13"), 1, 0, x)),
    ("GeneralizedPareto(0.5, 1.0, 1e6)", mp.mpf("1e150"), lambda x: gpd_logsf(0.5, 1, 10**6, x)),
    ("Pareto(1.5, 1.0)", mp.mpf("1e200"), lambda x: pareto_logsf(1.5, 1, x)),
    ("Lomax(2.5, 10.0)", mp.mpf("1e60"), lambda x: lomax_logsf(2.5, 10, x)),
    ("Burr(2.0, 1.5, 1.0)", mp.mpf("1e50"), lambda x: burr_logsf(2, 1.5, 1, x)),
    ("Weibull(0.5, 1.0)", mp.mpf("1e5"), lambda x: weibull_logsf(0.5, 1, x)),
    ("Weibull(0.5, 1.0)", mp.mpf("4.5e5"), lambda x: weibull_logsf(0.5, 1, x)),
    ("Gamma(2.5, 1.0)", mp.mpf(40), lambda x: gamma_logsf(2.5, 1, x)),
    ("Gamma(2.5, 1.0)", mp.mpf(680), lambda x: gamma_logsf(2.5, 1, x)),
    ("Gamma(2.5, 1.0)", mp.mpf(900), lambda x: gamma_logsf(2.5, 1, x)),
    ("LogLogistic(2.0, 1.0)", mp.mpf("1e150"), lambda x: loglogistic_logsf(2, 1, x)),
    ("LogGamma(3.0, 2.0)", mp.mpf("1e140"), lambda x: loggamma_logsf(3, 2, x)),
    ("LogGamma(3.0, 2.0)", mp.mpf("1e200"), lambda x: loggamma_logsf(3, 2, x)),
]

ISF_CASES = [
    # (label, log S in mpmath as a function of x, a bracket for the root)
    ("LogNormal(0.0, 1.0)", lambda x: lognormal_logsf(0, 1, x), (mp.e**30, mp.e**45)),
    ("GeneralizedPareto(0.25, 2.0)", lambda x: gpd_logsf(0.25, 2, 0, x), (1e70, 1e80)),
    ("Lomax(2.5, 10.0)", lambda x: lomax_logsf(2.5, 10, x), (1e110, 1e130)),
    ("Burr(2.0, 1.5, 1.0)", lambda x: burr_logsf(2, 1.5, 1, x), (1e90, 1e110)),
    ("Weibull(0.5, 1.0)", lambda x: weibull_logsf(0.5, 1, x), (1e5, 1e6)),
    ("Gamma(2.5, 1.0)", lambda x: gamma_logsf(2.5, 1, x), (600, 800)),
    ("LogLogistic(2.0, 1.0)", lambda x: loglogistic_logsf(2, 1, x), (1e140, 1e160)),
    ("LogGamma(3.0, 2.0)", lambda x: loggamma_logsf(3, 2, x), (1e100, 1e200)),
]


def main() -> None:
    print("# (distribution, x, log S(x))")
    for label, x, logsf in CASES:
        x = mp.mpf(float(x))  # the double the test passes, exactly
        print(f"    ({label!r}, {float(x)!r}, {mp.nstr(logsf(x), 17)}),")
    print("# (distribution, q, isf(q))")
    target = mp.log(mp.mpf("1e-300"))
    for label, logsf, (a, b) in ISF_CASES:
        # solve in log x: log S is monotone, so bisection (anderson) is safe
        root = mp.findroot(
            lambda t, f=logsf: f(mp.e**t) - target, (mp.log(a), mp.log(b)), solver="anderson"
        )
        print(f"    ({label!r}, 1e-300, {mp.nstr(mp.e**root, 17)}),")


if __name__ == "__main__":
    main()
