# Reference numbers from R survey for issue 28's weighting items: bounded linear calibration (calibrate(calfun =
# "linear", bounds =), R's grake; needs the MASS package) and raking to a count margin beside a share margin whose
# counts are the shares of the count margin's total. Run from the repository root:
#   Rscript tests/data/estimation/make_r28_weighting_reference.R
# Input: tests/data/api/apiclus1.csv (R's data(api)). Writes tests/data/estimation/r28_weighting.csv (name,value).
suppressMessages(library(survey))
in_dir <- "tests/data/estimation"
out_dir <- if (length(commandArgs(TRUE))) commandArgs(TRUE)[1] else in_dir  # another folder: rerun and compare
apiclus1 <- read.csv(file.path("tests/data/api", "apiclus1.csv"), stringsAsFactors = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)

# bounded linear calibration to stype counts and the api99 total, g within [0.7, 1.6] (86 schools at a bound)
pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
cal <- calibrate(dclus1, ~stype + api99, pop, calfun = "linear", bounds = c(0.7, 1.6), epsilon = 1e-10, maxit = 100)
g <- weights(cal) / weights(dclus1)
put("blin_g_min", min(g)); put("blin_g_max", max(g)); put("blin_at_bounds", sum(abs(g - 0.7) < 1e-9 | abs(g - 1.6) < 1e-9))
m <- svymean(~api00, cal); put("blin_api00", coef(m)); put("blin_api00_se", SE(m))
t <- svytotal(~enroll, cal); put("blin_enroll", coef(t)); put("blin_enroll_se", SE(t))
write.csv(data.frame(snum = apiclus1$snum, weight = sprintf("%.15g", weights(cal))),
          file.path(out_dir, "r28_bounded_linear_weights.csv"), row.names = FALSE, quote = FALSE)

# raking: stype as counts (total 6194), sch.wide as shares 0.2 / 0.8 of that total
stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
sw <- data.frame(sch.wide = c("No", "Yes"), Freq = c(0.2, 0.8) * 6194)
rk <- rake(dclus1, list(~stype, ~sch.wide), list(stype, sw), control = list(maxit = 100, epsilon = 1e-12))
m <- svymean(~api00, rk); put("share_rake_api00", coef(m)); put("share_rake_api00_se", SE(m))
t <- svytotal(~enroll, rk); put("share_rake_enroll", coef(t)); put("share_rake_enroll_se", SE(t))

vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r28_weighting.csv"), row.names = FALSE, quote = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
