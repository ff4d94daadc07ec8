# Reference numbers for calibration-aware Taylor SEs and replicate degrees of freedom (R survey 4.1.1).
# Run from the repository root:  Rscript tests/data/estimation/make_calibrated_reference.R
# Writes tests/data/estimation/r_calibrated.csv (name,value); tests/estimation/test_calibrated.py reads it.
suppressMessages(library(survey))
apiclus1 <- read.csv("tests/data/api/apiclus1.csv", stringsAsFactors = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
putby <- function(prefix, b) {
  est <- coef(b); se <- SE(b); keys <- rownames(b)
  for (i in seq_along(keys)) { put(paste0(prefix, "_", keys[i]), est[i]); put(paste0(prefix, "_", keys[i], "_se"), se[i]) }
}
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_sw <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))

# raking on stype and sch.wide
rk <- rake(dclus1, list(~stype, ~sch.wide), list(pop_stype, pop_sw), control = list(maxit = 100, epsilon = 1e-12))
putby("rake_api00_by_compimp", svyby(~api00, ~comp.imp, rk, svymean))
m <- svymean(~awards, rk); put("rake_awards_No", coef(m)[["awardsNo"]]); put("rake_awards_No_se", SE(m)[["awardsNo"]])
r <- svyratio(~api00, ~api99, rk); put("rake_ratio", coef(r)); put("rake_ratio_se", SE(r))
putby("rake_enroll_total_by_stype", svyby(~enroll, ~stype, rk, svytotal))

# post-stratification on stype, domains of sch.wide
ps <- postStratify(dclus1, ~stype, pop_stype)
putby("ps_api00_by_schwide", svyby(~api00, ~sch.wide, ps, svymean))

# linear calibration on stype and api99
cal <- calibrate(dclus1, ~stype + api99, c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069))
putby("cal_api00_by_compimp", svyby(~api00, ~comp.imp, cal, svymean))

# bounded logit calibration on stype
lg <- calibrate(dclus1, ~stype, c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018), calfun = "logit",
                bounds = c(0.5, 2))
m <- svymean(~api00, lg); put("logit_api00", coef(m)); put("logit_api00_se", SE(m))

# raking then trimming (trimWeights keeps the raking record)
tr <- trimWeights(rk, lower = 30, upper = 60)
putby("trim_api00_by_compimp", svyby(~api00, ~comp.imp, tr, svymean))

# replicate degrees of freedom: rank of the (domain's) replicate weights minus 1
jk <- as.svrepdesign(dclus1, type = "JK1")
put("jk1_degf", degf(jk))
for (s in c("E", "H", "M")) put(paste0("jk1_degf_", s), degf(subset(jk, stype == s)))

# quantiles by domain (qrule "math", Woodruff interval "mean"), plain and raked designs
apistrat <- read.csv("tests/data/api/apistrat.csv", stringsAsFactors = FALSE)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
putq <- function(prefix, b) {
  # SE = (Woodruff upper - lower) / (2 qt(0.975, degf(domain))); confint() of svyby would be est -+ 1.96 SE
  est <- coef(b); se <- SE(b); keys <- rownames(b)
  for (i in seq_along(keys)) { put(paste0(prefix, "_", keys[i]), est[i]); put(paste0(prefix, "_", keys[i], "_se"), se[i]) }
}
putq("q50_api00_clus1_by_stype", svyby(~api00, ~stype, dclus1, svyquantile, quantiles = 0.5, ci = TRUE))
putq("q25_api00_strat_by_schwide", svyby(~api00, ~sch.wide, dstrat, svyquantile, quantiles = 0.25, ci = TRUE))
putq("q50_api00_rake_by_compimp", svyby(~api00, ~comp.imp, rk, svyquantile, quantiles = 0.5, ci = TRUE))

out <- data.frame(name = names(ref), value = sprintf("%.12g", unlist(ref)))
write.csv(out, "tests/data/estimation/r_calibrated.csv", row.names = FALSE, quote = FALSE)
print(out)
