## Reference values for tests/analytic/test_analytic_actuar.py, computed with R's actuar.
##
## Run:  Rscript tests/reference/actuar_aggregate.R
## (Debian: apt-get install r-cran-actuar; the values in the test were produced with
##  actuar 3.3.2 on R 4.2.2.)  Every number is printed with 17 significant digits.
suppressMessages(library(actuar))
cat("# actuar", as.character(packageVersion("actuar")), "on", R.version.string, "\n")
p17 <- function(name, x) cat(name, "=", paste(sprintf("%.17g", x), collapse = ", "), "\n")

## 1. The Poisson-gamma example of the actuar "risk" vignette (section 3):
##    Gamma(2, 1) severity, unbiased discretisation on 0, 0.5, ..., 22; Poisson(10) count.
fx <- discretize(pgamma(x, 2, 1), method = "unbiased", from = 0, to = 22, step = 0.5,
                 lev = levgamma(x, 2, 1))
Fs <- aggregateDist("recursive", model.freq = "poisson", model.sev = fx, lambda = 10,
                    x.scale = 0.5)
p17("vignette_fx", fx)
p17("vignette_pmf", diff(Fs))           # starts with P(S = 0); knots 0, 0.5, ...
p17("vignette_knots_max", max(knots(Fs)))
p17("vignette_mean", mean(Fs))
p17("vignette_quantile", quantile(Fs, c(0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999)))
p17("vignette_VaR", VaR(Fs))             # levels 0.90, 0.95, 0.99
p17("vignette_CTE", CTE(Fs))             # E[S | S > VaR], levels 0.90, 0.95, 0.99

## 2. Discretisations of Gamma(2, 1) on 0, 0.5, ..., 5 by every method
p17("disc_upper", discretize(pgamma(x, 2, 1), method = "upper", from = 0, to = 5, step = 0.5))
p17("disc_lower", discretize(pgamma(x, 2, 1), method = "lower", from = 0, to = 5, step = 0.5))
p17("disc_rounding", discretize(pgamma(x, 2, 1), method = "rounding", from = 0, to = 5,
                                step = 0.5))
p17("disc_unbiased", discretize(pgamma(x, 2, 1), method = "unbiased", from = 0, to = 5,
                                step = 0.5, lev = levgamma(x, 2, 1)))

## 3. Negative binomial (size 2, prob 0.4: mean 3) with a lognormal(0, 1) severity rounded on
##    0, 0.1, ..., 59.9; cdf at chosen points and quantiles. The severity mass beyond 59.95
##    (2e-5) is dropped, so the aggregate never reaches 1 - tol and the recursion stops at maxit
##    (1000 points, up to 99.9) with a warning, silenced here; values up to 60 are unaffected.
fl <- discretize(plnorm(x, 0, 1), method = "rounding", from = 0, to = 60, step = 0.1)
Fnb <- suppressWarnings(aggregateDist("recursive", model.freq = "negative binomial",
                                      model.sev = fl, size = 2, prob = 0.4, x.scale = 0.1,
                                      maxit = 1000, tol = 1e-12))
p17("nb_fl_sum", sum(fl))
p17("nb_cdf_at", Fnb(c(0, 1, 2.5, 5, 10, 20, 40)))
p17("nb_quantile", quantile(Fnb, c(0.5, 0.9, 0.99, 0.999)))

## 4. Compound geometric (prob 0.2, i.e. P(N = k) = 0.2 * 0.8^k) with exponential(1) claims,
##    "lower" discretisation on 0, 0.05, ..., 100 (the ruin example of ?aggregateDist)
fe <- discretize(pexp(x, 1), method = "lower", from = 0, to = 100, step = 0.05)
Fg <- aggregateDist("recursive", model.freq = "geometric", model.sev = fe, prob = 0.2,
                    x.scale = 0.05, maxit = 100000, tol = 1e-12)
p17("geom_cdf_at", Fg(c(0, 1, 5, 10, 20)))
