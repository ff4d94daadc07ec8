# Reference numbers from R `survey` for surveymod's estimation golden tests.
# Run from the repository root:  Rscript tests/data/estimation/make_reference.R
# Writes tests/data/estimation/r_reference.csv (name,value at 12 significant digits) and replicate-weight
# fixtures (R-generated replicate weights, so our code is tested on weights given as columns, like a user file).
suppressMessages(library(survey))
out_dir <- "tests/data/estimation"
api <- "tests/data/api"
apistrat <- read.csv(file.path(api, "apistrat.csv"), stringsAsFactors = FALSE)
apiclus1 <- read.csv(file.path(api, "apiclus1.csv"), stringsAsFactors = FALSE)
apiclus2 <- read.csv(file.path(api, "apiclus2.csv"), stringsAsFactors = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)

# --- Taylor, apistrat ---------------------------------------------------------------------------
m <- svymean(~api00, dstrat, deff = TRUE)
put("strat_mean_api00", coef(m)); put("strat_mean_api00_se", SE(m)); put("strat_mean_api00_deff", deff(m))
m <- svymean(~api00, dstrat, deff = "replace")
put("strat_mean_api00_deff_wr", deff(m))
t <- svytotal(~enroll, dstrat, deff = TRUE)
put("strat_total_enroll", coef(t)); put("strat_total_enroll_se", SE(t)); put("strat_total_enroll_deff", deff(t))
r <- svyratio(~api00, ~api99, dstrat, deff = TRUE)
put("strat_ratio", coef(r)); put("strat_ratio_se", SE(r)); put("strat_ratio_deff", deff(r))
b <- svyby(~api00, ~stype, dstrat, svymean, deff = TRUE)
bse <- setNames(as.vector(SE(b)), rownames(b)); best <- setNames(as.vector(coef(b)), rownames(b))
for (s in c("E", "H", "M")) {
  put(paste0("strat_by_stype_", s), best[s]); put(paste0("strat_by_stype_", s, "_se"), bse[s])
  put(paste0("strat_by_stype_", s, "_df"), degf(subset(dstrat, stype == s)))
}
p <- svyciprop(~I(sch.wide == "Yes"), dstrat, method = "logit")
put("strat_ciprop_p", coef(p)); put("strat_ciprop_se", SE(p))
put("strat_ciprop_logit_lo", attr(p, "ci")[1]); put("strat_ciprop_logit_hi", attr(p, "ci")[2])
p <- svyciprop(~I(sch.wide == "Yes"), dstrat, method = "beta")
put("strat_ciprop_beta_lo", attr(p, "ci")[1]); put("strat_ciprop_beta_hi", attr(p, "ci")[2])

# --- Taylor, apiclus1 (with and without FPC) -----------------------------------------------------
m <- svymean(~api00, dclus1)
put("clus1_mean_api00", coef(m)); put("clus1_mean_api00_se", SE(m))
ci <- confint(m, df = degf(dclus1)); put("clus1_mean_api00_t_lo", ci[1]); put("clus1_mean_api00_t_hi", ci[2])
dclus1_wr <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
m <- svymean(~api00, dclus1_wr, deff = "replace")
put("clus1wr_mean_api00", coef(m)); put("clus1wr_mean_api00_se", SE(m)); put("clus1wr_mean_api00_deff_wr", deff(m))
p <- svymean(~stype, dclus1, deff = TRUE)
for (s in c("E", "H", "M")) {
  k <- paste0("stype", s)
  put(paste0("clus1_prop_stype_", s), coef(p)[k]); put(paste0("clus1_prop_stype_", s, "_se"), SE(p)[k])
  put(paste0("clus1_prop_stype_", s, "_deff"), deff(p)[k])
}
p <- svyciprop(~I(ell == 0), dclus1, method = "beta")
put("clus1_ell0_p", coef(p)); put("clus1_ell0_se", SE(p))
put("clus1_ell0_beta_lo", attr(p, "ci")[1]); put("clus1_ell0_beta_hi", attr(p, "ci")[2])
p <- svyciprop(~I(ell == 0), dclus1, method = "logit")
put("clus1_ell0_logit_lo", attr(p, "ci")[1]); put("clus1_ell0_logit_hi", attr(p, "ci")[2])

# --- two-stage apiclus2 --------------------------------------------------------------------------
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
m <- svymean(~api00, dclus2); put("clus2_mean_api00", coef(m)); put("clus2_mean_api00_se", SE(m))
t <- svytotal(~enroll, dclus2, na.rm = TRUE); put("clus2_total_enroll", coef(t)); put("clus2_total_enroll_se", SE(t))
dclus2wr <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
m <- svymean(~api00, dclus2wr); put("clus2wr_mean_api00", coef(m)); put("clus2wr_mean_api00_se", SE(m))

# --- lonely PSU ---------------------------------------------------------------------------------
for (opt in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = opt)
  dl <- svydesign(id = ~1, strata = ~dnum, weights = ~pw, data = apiclus1)
  put(paste0("lonely_", opt, "_se"), SE(svymean(~api00, dl)))
}
options(survey.lonely.psu = "fail")

# --- replicate weights given as columns -----------------------------------------------------------
save_reps <- function(rd, data, cols, file) {
  w <- unclass(weights(rd, type = "analysis")); attributes(w) <- list(dim = dim(w))
  colnames(w) <- paste0("repw", seq_len(ncol(w)))
  write.csv(cbind(data[, cols], w), file.path(out_dir, file), row.names = FALSE)
}
jk1 <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE)
save_reps(jk1, apiclus1, c("dnum", "stype", "api00", "enroll", "pw"), "apiclus1_jk1.csv")
put("jk1_scale", jk1$scale); put("jk1_rscale", jk1$rscales[1])
m <- svymean(~api00, jk1); put("jk1_mean_api00", coef(m)); put("jk1_mean_api00_se", SE(m))
b <- svyby(~api00, ~stype, jk1, svymean)
bse <- setNames(as.vector(SE(b)), rownames(b))
for (s in c("E", "H", "M")) put(paste0("jk1_by_stype_", s, "_se"), bse[s])
jk1m <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE, mse = FALSE)
put("jk1_mean_api00_se_nomse", SE(svymean(~api00, jk1m)))

jkn <- as.svrepdesign(dstrat, type = "JKn", compress = FALSE)
save_reps(jkn, apistrat, c("snum", "stype", "api00", "pw"), "apistrat_jkn.csv")
write.csv(data.frame(rscales = jkn$rscales), file.path(out_dir, "apistrat_jkn_rscales.csv"), row.names = FALSE)
put("jkn_scale", jkn$scale)
m <- svymean(~api00, jkn); put("jkn_mean_api00", coef(m)); put("jkn_mean_api00_se", SE(m))

set.seed(20240501)
bs <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50, compress = FALSE)
save_reps(bs, apiclus1, c("dnum", "stype", "api00", "enroll", "pw"), "apiclus1_boot.csv")
put("boot_scale", bs$scale)
m <- svymean(~api00, bs); put("boot_mean_api00_se", SE(m))
t <- svytotal(~enroll, bs); put("boot_total_enroll_se", SE(t))

data(scd)
scd$id <- seq_len(nrow(scd))
scddes <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
brr <- as.svrepdesign(scddes, type = "BRR", compress = FALSE)
save_reps(brr, scd, c("id", "ESA", "ambulance", "arrests", "alive"), "scd_brr.csv")
put("brr_scale", brr$scale)
m <- svymean(~arrests, brr); put("brr_mean_arrests", coef(m)); put("brr_mean_arrests_se", SE(m))
r <- svyratio(~alive, ~arrests, brr); put("brr_ratio", coef(r)); put("brr_ratio_se", SE(r))
fay <- as.svrepdesign(scddes, type = "Fay", fay.rho = 0.3, compress = FALSE)
save_reps(fay, scd, c("id", "ESA", "ambulance", "arrests", "alive"), "scd_fay.csv")
put("fay_scale", fay$scale)
m <- svymean(~arrests, fay); put("fay_mean_arrests", coef(m)); put("fay_mean_arrests_se", SE(m))
r <- svyratio(~alive, ~arrests, fay); put("fay_ratio", coef(r)); put("fay_ratio_se", SE(r))

# --- change between waves ---------------------------------------------------------------------------
apistrat$hi <- as.numeric(apistrat$api00 > 700)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
b <- svyby(~hi, ~yr.rnd, dstrat, svymean, covmat = TRUE)
d <- svycontrast(b, c(-1, 1)); put("panel_diff", coef(d)); put("panel_diff_se", SE(d))
pc <- svycontrast(b, quote((Yes - No) / No * 100)); put("panel_pct", coef(pc)); put("panel_pct_se", SE(pc))
# Independent waves: each wave its own design (baseline = awards No rows, endline = awards Yes rows), variances add.
d0 <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = subset(apistrat, awards == "No"), fpc = ~fpc)
d1 <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = subset(apistrat, awards == "Yes"), fpc = ~fpc)
m0 <- svymean(~hi, d0); m1 <- svymean(~hi, d1)
est <- c(coef(m0), coef(m1)); V <- diag(c(vcov(m0), vcov(m1)))
names(est) <- c("No", "Yes"); dimnames(V) <- list(names(est), names(est))
st <- structure(est, var = V, class = "svystat", statistic = "mean")
d <- svycontrast(st, c(-1, 1)); put("indep_base", est[1]); put("indep_end", est[2])
put("indep_base_se", sqrt(V[1, 1])); put("indep_end_se", sqrt(V[2, 2]))
put("indep_diff", coef(d)); put("indep_diff_se", SE(d))
pc <- svycontrast(st, quote((Yes - No) / No * 100)); put("indep_pct", coef(pc)); put("indep_pct_se", SE(pc))

# A true panel: the same schools measured twice (api99 -> api00), stacked with the school as the shared PSU.
w0 <- transform(apistrat, y = as.numeric(api99 > 700), wave = "0")
w1 <- transform(apistrat, y = as.numeric(api00 > 700), wave = "1")
dp <- svydesign(id = ~snum, strata = ~stype, weights = ~pw, fpc = ~fpc, data = rbind(w0, w1), nest = TRUE)
b <- svyby(~y, ~wave, dp, svymean, covmat = TRUE)
d <- svycontrast(b, c(-1, 1)); put("panel2_diff", coef(d)); put("panel2_diff_se", SE(d))
pc <- svycontrast(b, quote((`1` - `0`) / `0` * 100)); put("panel2_pct", coef(pc)); put("panel2_pct_se", SE(pc))

vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r_reference.csv"), row.names = FALSE, quote = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
