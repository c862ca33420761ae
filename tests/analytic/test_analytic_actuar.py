"""Reference values from R's actuar: the Poisson-gamma example of its "risk" vignette and more.

Two kinds of reference, each marked beside its value:

* "vignette": numbers printed in the actuar "risk" vignette, *Risk and ruin theory features of
  actuar* (Dutang, Goulet & Pigeon), section 3, as shipped with actuar 3.3.2
  (doc/risk.pdf; Debian package r-cran-actuar). Printed to 4 significant digits.
* "script": tests/reference/actuar_aggregate.R run with actuar 3.3.2 on R 4.2.2, printing 17
  significant digits.
"""

import numpy as np
import pytest

from riskmodel.analytic import discretize, fft_compound, panjer
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.severity import Gamma, LogNormal

# script, section 1: discretize(pgamma(x, 2, 1), method = "unbiased", from = 0, to = 22,
# step = 0.5, lev = levgamma(x, 2, 1))
VIGNETTE_FX = [
    0.032653298563167121, 0.14197004990231976, 0.18001112554486776, 0.16613667084353745,
    0.13531157686829598, 0.10302297434136154, 0.075194837903314493, 0.053315915052442264,
    0.037012839313033119, 0.025285014657706828, 0.017056010599718174, 0.011388149659935731,
    0.0075399682042567306, 0.0049569776454054804, 0.0032393185534647095, 0.002105921872414207,
    0.0013629336659315427, 0.00087859674951040745, 0.00056439645682671014,
    0.00036142982937237278, 0.00023080669256136943, 0.00014702006735900497,
    9.3435319813206519e-05, 5.9257112114075028e-05, 3.7509577366812152e-05,
    2.3701944122045404e-05, 1.4952909249466018e-05, 9.4193378648022019e-06,
    5.925366520109776e-06, 3.722652178517194e-06, 2.3359848402293437e-06,
    1.4642056487268462e-06, 9.1681043823399477e-07, 5.7349612481161216e-07,
    3.5841025347593813e-07, 2.2379618158652193e-07, 1.3962672751333116e-07,
    8.7045767482862857e-08, 5.4226051648953444e-08, 3.3757177497761859e-08,
    2.1000876149201986e-08, 1.3056779657460993e-08, 8.1128836981747554e-09,
    5.0381037119962002e-09, 1.8103369914257428e-09
]  # fmt: skip
# script, section 1: diff(Fs) of aggregateDist("recursive", model.freq = "poisson",
# model.sev = fx, lambda = 10, x.scale = 0.5): P(S = 0), P(S = 0.5), ..., P(S = 71)
VIGNETTE_PMF = [
    6.2931292976656212e-05, 8.9343588043133869e-05, 0.00017670389707189724,
    0.00029539309098005842, 0.0004603634386290731, 0.00068110125902589279,
    0.00096619854724903486, 0.0013236165324459167, 0.0017603343146509205, 0.0022819874994158685,
    0.0028925672704413754, 0.0035941846348793386, 0.0043869032510472188, 0.0052686447850529361,
    0.0062351686276256564, 0.0072801247061398174, 0.0083951750769423652, 0.009570177357208335,
    0.010793420977180307, 0.012051905741101437, 0.013331651278995231, 0.014618025625598732,
    0.015896081329038546, 0.017150888104726054, 0.018367852031961566, 0.019533012557876667,
    0.020633310040062549, 0.021656818142707954, 0.022592937024637636, 0.023432544853364094,
    0.024168106689657035, 0.024793741166113603, 0.025305246596360614, 0.025700089175767313,
    0.025977356757405819, 0.026137682305440165, 0.02618314154725335, 0.026117129577196661,
    0.025944221225780106, 0.025670019919025011, 0.025300999536493923, 0.024844343457209806,
    0.02430778458430348, 0.023699449684938971, 0.023027710892616349, 0.022301046719713367,
    0.021527914418007343, 0.020716635049171823, 0.019875292168179733, 0.019011644599212174,
    0.018133053413853344, 0.01724642289049047, 0.016358154957043625, 0.015474116391470371,
    0.014599617875732242, 0.013739403866509632, 0.012897652156454156, 0.012077981949055029,
    0.011283469253715303, 0.010516668420610043, 0.00977963867251248, 0.0090739745483169026,
    0.008400839245977296, 0.007760999936854837, 0.0071548642152494211, 0.006582516942826592,
    0.0060437568448368428, 0.0055381323110034412, 0.0050649759467119191, 0.0046234375080713248,
    0.0042125149363244976, 0.0038310832821044538, 0.0034779213776222652, 0.0031517361747556358,
    0.0028511847191454382, 0.0025748937749485567, 0.0023214771521416185, 0.0020895508186413057,
    0.0018777459035088696, 0.001684719715703116, 0.0015091649158346875, 0.0013498169867652949,
    0.001205460153294141, 0.001074931902167826, 0.00095712625179787778, 0.00085099591689350232,
    0.00075555350719512906, 0.00066987189206046602, 0.0005930838541947477,
    0.00052438114666931502, 0.00046301305782947506, 0.00040828457900153115,
    0.00035955426027573347, 0.00031623183023432784, 0.00027777564644425892,
    0.0002436900349436508, 0.00021352256889351745, 0.00018686132909079189,
    0.00016333218217476426, 0.00014259610611815624, 0.00012434658697391647,
    0.00010830710583547934, 9.422873053880174e-05, 8.1887822759321878e-05,
    7.1083867801478325e-05, 6.1637431504822236e-05, 5.3388246259385907e-05,
    4.619342609351906e-05, 3.9925809129776081e-05, 3.4472424359553117e-05,
    2.973307862751671e-05, 2.5619058906936549e-05, 2.2051944353624399e-05,
    1.8962522218595291e-05, 1.6289801449694847e-05, 1.3980117694804389e-05,
    1.1986323410958955e-05, 1.0267056864422727e-05, 8.7860839584938762e-06,
    7.5117070328490079e-06, 6.4162350269803088e-06, 5.4755096790613561e-06,
    4.668482730494802e-06, 3.9768394171400763e-06, 3.3846638439068909e-06,
    2.8781421544121906e-06, 2.4452997172261216e-06, 2.0757688513376738e-06,
    1.7605839031495147e-06, 1.4920007635767642e-06, 1.2633381752940963e-06,
    1.0688384259750368e-06, 9.0354525304190436e-07, 7.6319699888218097e-07,
    6.4413325284979017e-07, 5.4321339803652506e-07, 4.5774564731427561e-07,
    3.8542530518007602e-07, 3.2428113023734399e-07, 2.7262879852829996e-07,
    2.2903058123624206e-07, 1.9226045235508961e-07, 1.6127393362534289e-07
]  # fmt: skip


def _cte(agg, p, upto=None):
    """actuar's CTE: E[S | S > VaR_p], from the masses on the grid (up to index ``upto``)."""
    x, g = agg.grid[:upto], agg.pmf[:upto]
    tail = x > agg.quantile(p)
    return float(x[tail] @ g[tail] / g[tail].sum())


@pytest.fixture(scope="module")
def vignette():
    """The vignette's model, computed here from the distribution objects."""
    fx = discretize(Gamma(shape=2.0, scale=1.0), h=0.5, n=45, method="unbiased")
    return fx, panjer(Poisson(10.0), fx, n=200)


def test_vignette_published_numbers(vignette):
    _, agg = vignette
    # vignette: quantile(Fs) and quantile(Fs, 0.999)
    levels = [0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999]
    published = [14.5, 19.5, 25.0, 30.5, 34.0, 37.0, 41.0, 43.5, 49.5]
    np.testing.assert_allclose(agg.quantile(levels), published, rtol=0, atol=1e-9)
    # vignette: VaR(Fs) = 30.5 34.0 41.0 and CTE(Fs) = 35.42 38.55 45.01 (levels .9 .95 .99)
    np.testing.assert_allclose(agg.quantile([0.9, 0.95, 0.99]), [30.5, 34.0, 41.0], atol=1e-9)
    ctes = [_cte(agg, p) for p in (0.9, 0.95, 0.99)]
    np.testing.assert_allclose(ctes, [35.42, 38.55, 45.01], atol=0.005)
    # vignette: mean(Fs) = 20 (E[N] E[X] = 10 * 2; the unbiased method keeps the mean)
    assert agg.mean() == pytest.approx(20.0, rel=1e-12)
    # vignette: diff(Fs), first eight masses, 4 significant digits
    published_pmf = [6.293e-05, 8.934e-05, 1.767e-04, 2.954e-04, 4.604e-04, 6.811e-04,
                     9.662e-04, 1.324e-03]  # fmt: skip
    np.testing.assert_allclose(agg.pmf[:8], published_pmf, rtol=6e-4)
    # vignette: summary(Fs) Max. 71.0 -- actuar stops where the cdf reaches 1 - 1e-6
    assert agg.quantile(1.0 - 1e-6) == 71.0


def test_vignette_severity_and_masses_to_full_precision(vignette):
    fx, agg = vignette
    # all but the last severity mass: actuar ends its grid differently (see discretize)
    np.testing.assert_allclose(fx.pmf[:-1], VIGNETTE_FX[:-1], rtol=1e-12)
    # below 22 the last severity mass plays no part; above, the two end conventions move the
    # aggregate masses by at most 3.5e-10 (1.3e-5 of a mass of 2.6e-5)
    np.testing.assert_allclose(agg.pmf[:44], VIGNETTE_PMF[:44], rtol=1e-12)
    np.testing.assert_allclose(agg.pmf[:143], VIGNETTE_PMF, rtol=0, atol=4e-10)
    # with actuar's own severity masses, the recursion itself agrees to round-off
    exact = panjer(10.0, np.array(VIGNETTE_FX), h=0.5, n=143, tol=1.0)
    np.testing.assert_allclose(exact.pmf, VIGNETTE_PMF, rtol=1e-12)
    by_fft = fft_compound(10.0, np.array(VIGNETTE_FX), h=0.5, n=256)
    np.testing.assert_allclose(by_fft.pmf[:143], VIGNETTE_PMF, rtol=0, atol=2e-15)
    # script: mean(Fs) = 19.99993672552926, the mean over actuar's 143 points (to 71)
    assert float(exact.grid @ exact.pmf) == pytest.approx(19.99993672552926, rel=1e-12)
    # script: CTE(Fs), on actuar's 143 points
    ctes = [_cte(exact, p) for p in (0.9, 0.95, 0.99)]
    np.testing.assert_allclose(
        ctes, [35.418737572715429, 38.549200596087012, 45.010661905188734], rtol=1e-12
    )


def test_negative_binomial_lognormal_rounding():
    # script, section 3: NB(size 2, prob 0.4) = mean 3, shape 2; lognormal(0, 1) rounded on
    # 0, 0.1, ..., 59.9 (600 points)
    fl = discretize(LogNormal(0.0, 1.0), h=0.1, n=600, method="rounding")
    assert fl.pmf.sum() == pytest.approx(0.99997875549365811, rel=1e-13)  # script: sum(fl)
    x = [0, 1, 2.5, 5, 10, 20, 40]
    # script: Fnb(c(0, 1, 2.5, 5, 10, 20, 40))
    cdf_script = [0.16026315940822047, 0.28385054076854321, 0.45133482394847607,
                  0.64666945898502104, 0.85233004323136496, 0.9724826008214188,
                  0.99852569702163729]  # fmt: skip
    # the FFT's error is absolute, about sqrt(eps * max g * sqrt(n) * mass lost) (fft_compound)
    for agg, rtol, atol in (
        (panjer(NegativeBinomial(mean=3.0, shape=2.0), fl, tol=1.0), 1e-12, 0.0),
        (fft_compound(NegativeBinomial(mean=3.0, shape=2.0), fl, tol=1.0), 0.0, 1e-9),
    ):
        np.testing.assert_allclose(agg.cdf(x), cdf_script, rtol=rtol, atol=atol)
        # script: quantile(Fnb, c(0.5, 0.9, 0.99, 0.999))
        q = agg.quantile([0.5, 0.9, 0.99, 0.999])
        np.testing.assert_allclose(q, [3.1, 12.3, 26.5, 43.1], rtol=1e-12)


def test_geometric_exponential_lower_discretisation():
    # script, section 4: geometric(prob 0.2) count, i.e. NB shape 1 and mean 4, exponential(1)
    # severity by the "lower" method on 0, 0.05, ..., 100 (2001 points)
    fe = discretize(Gamma(shape=1.0, scale=1.0), h=0.05, n=2001, method="lower")
    agg = panjer(NegativeBinomial(mean=4.0, shape=1.0), fe, tol=1e-3)
    x = np.array([0.0, 1.0, 5.0, 10.0, 20.0])
    cdf_script = [0.20000000000000001, 0.34241649121190426, 0.69981110783043976,
                  0.88735828627251523, 0.98413980541066937]  # fmt: skip
    np.testing.assert_allclose(agg.cdf(x), cdf_script, rtol=1e-12)
    # and the "lower" discretisation bounds the exact cdf 1 - 0.8 exp(-0.2 x) from below
    exact = 1.0 - 0.8 * np.exp(-0.2 * x)
    assert (agg.cdf(x) <= exact + 1e-15).all()
