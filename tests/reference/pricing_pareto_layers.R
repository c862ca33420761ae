# Reference values of tests/pricing/test_pricing_layers.py (PUBLISHED): expected losses per loss
# in the layer 8000 xs 2000 of single-parameter Pareto severities, optionally truncated (the
# distribution conditioned on X <= truncation).
#
# Source: the CRAN package "Pareto" by Ulrich Riegel; the same numbers are asserted in the
# package's own tests, tests/testthat/test_functions_Pareto.R (repository cran/Pareto), from
# which they were copied. This script was not run here (no R on the build machine); run it to
# recheck them:  Rscript tests/reference/pricing_pareto_layers.R
library(Pareto)
options(digits = 17)
print(Pareto_Layer_Mean(8000, 2000, 2))                                   # 1600
print(Pareto_Layer_Mean(8000, 2000, 2, t = 1000))                         # 400
print(Pareto_Layer_Mean(8000, 2000, 2, t = 5000, truncation = 10000))     # 4666.66666666667
print(Pareto_Layer_Mean(8000, 2000, 1.5, t = 1000, truncation = 20000))   # 700.14314962210699
print(Pareto_Layer_Mean(8000, 2000, 1.5, t = 1000))                       # 781.75803033941929
