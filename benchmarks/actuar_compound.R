## Compound Poisson(5)-LogNormal(0, 1) by R actuar's aggregateDist(method = "simulation").
##
## Run:  Rscript benchmarks/actuar_compound.R N_SIMS REPEATS SEED
## Prints one line per repeat, "elapsed <seconds>", timed inside R around aggregateDist alone,
## then "quantile <q>" (the 99.5% quantile of the last run, actuar's quantile() of the
## empirical aggregate cdf) and "version <actuar version> <R version>".
suppressPackageStartupMessages(library(actuar))
args <- commandArgs(trailingOnly = TRUE)
n <- as.numeric(args[1])
repeats <- as.integer(args[2])
set.seed(as.integer(args[3]))
for (r in seq_len(repeats)) {
  t <- system.time(
    Fs <- aggregateDist("simulation",
                        model.freq = expression(y = rpois(5)),
                        model.sev = expression(y = rlnorm(0, 1)),
                        nb.simul = n)
  )
  cat("elapsed", sprintf("%.6f", t[["elapsed"]]), "\n")
}
cat("quantile", sprintf("%.17g", quantile(Fs, 0.995)), "\n")
cat("version", as.character(packageVersion("actuar")), R.version$major, R.version$minor, "\n")
