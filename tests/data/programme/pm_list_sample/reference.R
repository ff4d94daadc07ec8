# R survey reference for the policy and opinion makers' list-sample weighting (issue 25, indicator 3a).
# Data: pm_interviews.csv, the completed interviews of one simulated baseline study (surveymod demo, seed 2026):
# stratum (type of institution), list size N_h, design weight N_h / n_h of the issued sample, sex, and the
# respondent's 3a value (positive perception, 0/1; one missing).
# Design: stratified sample without replacement (fpc = N_h), calibrated (linear, GREG) to the list totals by stratum
# (620, 480, 350, 410, 140) and sex (1180 men, 820 women) - the totals of weights/perception_policymakers.yaml.
# Run: Rscript reference.R  (prints "name value" lines; tests/indicators/test_round3_pm_weighting_r.py pins them)
suppressMessages(library(survey))
d <- read.csv("pm_interviews.csv")
des <- svydesign(ids = ~1, strata = ~list_stratum, fpc = ~list_size, weights = ~dweight, data = d)
pop <- c(`(Intercept)` = 2000, `factor(list_stratum)2` = 480, `factor(list_stratum)3` = 350,
         `factor(list_stratum)4` = 410, `factor(list_stratum)5` = 140, `factor(sex)2` = 820)
f <- ~factor(list_stratum) + factor(sex)
cal <- calibrate(des, f, population = pop, calfun = "linear")
w <- weights(cal)
show <- function(name, x) cat(name, sprintf("%.15g", x), "\n")
for (i in c(1, 2, 3, 50, 357)) show(paste0("weight_row", i), w[i])
show("weight_min", min(w)); show("weight_max", max(w)); show("weight_sum", sum(w))
m <- svymean(~positive, cal, na.rm = TRUE)
show("taylor_mean", coef(m)); show("taylor_se", SE(m))
m0 <- svymean(~positive, des, na.rm = TRUE)  # before calibration: the design with the fpc only
show("design_mean", coef(m0)); show("design_se", SE(m0))
rcal <- calibrate(as.svrepdesign(des, type = "JKn"), f, population = pop, calfun = "linear")
mr <- svymean(~positive, rcal, na.rm = TRUE)
show("jkn_mean", coef(mr)); show("jkn_se", SE(mr))
