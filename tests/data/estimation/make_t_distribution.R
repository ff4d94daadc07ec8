# Reference values of Student t quantiles and tail probabilities from R (stats::qt, stats::pt), for
# tests/estimation/test_tdist.py. Run from the repository root:
#   Rscript tests/data/estimation/make_t_distribution.R
# R's qt is not used in the far tails (p < 1e-12), where it is itself inexact (e.g. qt(1e-300, 1.5) is 1.5% off:
# pt of it gives 9.85e-301); there the test checks pt(our quantile) instead.
dfs <- c(1, 1.5, 2, 2.5, 3, 4, 5, 7.3, 10, 19.9, 20, 29, 30, 49, 50, 100, 333, 1000, 1960, 1e4, 99999, 1e5, 1e6, 1e7)
ps <- c(1e-12, 1e-6, 1e-3, 0.025, 0.05, 0.1, 0.3, 0.4999, 0.6, 0.9, 0.975, 0.999, 1 - 1e-9)
ts <- c(0.001, 0.5, 1, 1.96, 2.5, 5, 10, 40, 1e3)
q <- expand.grid(p = ps, df = dfs)
q$what <- "quantile"; q$x <- q$p; q$value <- qt(q$p, q$df)
t <- expand.grid(t = ts, df = dfs)
t$what <- "upper_tail"; t$x <- t$t; t$value <- pt(t$t, t$df, lower.tail = FALSE)
out <- rbind(q[, c("what", "df", "x", "value")], t[, c("what", "df", "x", "value")])
write.csv(format(out, digits = 17), "tests/data/estimation/r_t_distribution.csv", row.names = FALSE, quote = FALSE)
cat(R.version.string, "\n")
