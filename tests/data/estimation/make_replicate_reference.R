# Reference numbers from R survey for three replicate/design-weight behaviours (issue 12):
#   1. raked replicate designs with mse = FALSE and mse = TRUE (the --weighting path of `surveymod estimate`);
#   2. design weights derived from the FPC alone (svydesign(fpc = ~fpc), no weights) or from prob;
#   3. svyquantile on replicate-weight designs (default interval.type = "mean": Woodruff interval from the
#      replicate variance of the share below the estimate) with Fay (rho 0.3), JK1, JKn and bootstrap weights.
# Run from the repository root:  Rscript tests/data/estimation/make_replicate_reference.R
# Writes (all in tests/data/estimation/):
#   r_replicate.csv     name,value (12 significant digits)
#   r_fpc_weights.csv   data,snum,design,weight: R's weights(design) row by row
#   apistrat_fay.csv    as.svrepdesign(dstrat, type = "Fay", fay.rho = 0.3) analysis weights as columns repw1..R
suppressMessages(library(survey))
out_dir <- "tests/data/estimation"
api <- "tests/data/api"
apistrat <- read.csv(file.path(api, "apistrat.csv"), stringsAsFactors = FALSE)
apiclus1 <- read.csv(file.path(api, "apiclus1.csv"), stringsAsFactors = FALSE)
apipop <- read.csv(file.path(api, "apipop.csv"), stringsAsFactors = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
putby <- function(prefix, b) {
  est <- coef(b); se <- SE(b); keys <- rownames(b)
  for (i in seq_along(keys)) { put(paste0(prefix, "_", keys[i]), est[i]); put(paste0(prefix, "_", keys[i], "_se"), se[i]) }
}
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = as.vector(table(apipop$stype)[c("E", "H", "M")]))
pop_sw <- data.frame(sch.wide = c("No", "Yes"), Freq = as.vector(table(apipop$sch.wide)[c("No", "Yes")]))
pop_aw <- data.frame(awards = c("No", "Yes"), Freq = as.vector(table(apipop$awards)[c("No", "Yes")]))
put("pop_awards_No", pop_aw$Freq[1]); put("pop_awards_Yes", pop_aw$Freq[2])
put("pop_schwide_No", pop_sw$Freq[1]); put("pop_schwide_Yes", pop_sw$Freq[2])

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)

# --- 1. replicates made from the design, then raked; mse FALSE and TRUE ---------------------------------------
for (mse in c(FALSE, TRUE)) {
  tag <- if (mse) "mse" else "nomse"
  jk <- as.svrepdesign(dclus1, type = "JK1", mse = mse)
  rk <- rake(jk, list(~stype, ~sch.wide), list(pop_stype, pop_sw), control = list(maxit = 100, epsilon = 1e-12))
  m <- svymean(~api00, rk); put(paste0("jk1rake_", tag, "_api00"), coef(m)); put(paste0("jk1rake_", tag, "_api00_se"), SE(m))
  t <- svytotal(~enroll, rk); put(paste0("jk1rake_", tag, "_enroll"), coef(t)); put(paste0("jk1rake_", tag, "_enroll_se"), SE(t))
  putby(paste0("jk1rake_", tag, "_api00_by_compimp"), svyby(~api00, ~comp.imp, rk, svymean))
  jkn <- as.svrepdesign(dstrat, type = "JKn", mse = mse)
  rk2 <- rake(jkn, list(~sch.wide, ~awards), list(pop_sw, pop_aw), control = list(maxit = 100, epsilon = 1e-12))
  m <- svymean(~api00, rk2); put(paste0("jknrake_", tag, "_api00"), coef(m)); put(paste0("jknrake_", tag, "_api00_se"), SE(m))
}

# --- 2. design weights from the FPC (or prob) alone ----------------------------------------------------------
rows <- list()
keep <- function(data, design, name) {
  rows[[length(rows) + 1]] <<- data.frame(data = data, snum = design$variables$snum, design = name,
                                          weight = sprintf("%.12g", weights(design)))
}
s_fpc <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)
keep("apistrat", s_fpc, "fpc")
apistrat$p <- 1 / apistrat$pw
s_prob <- svydesign(id = ~1, strata = ~stype, prob = ~p, fpc = ~fpc, data = apistrat)
keep("apistrat", s_prob, "prob")
c_fpc <- svydesign(id = ~dnum, fpc = ~fpc, data = apiclus1)
keep("apiclus1", c_fpc, "fpc")
c_rake <- rake(c_fpc, list(~stype, ~sch.wide), list(pop_stype, pop_sw), control = list(maxit = 100, epsilon = 1e-12))
keep("apiclus1", c_rake, "fpc_rake")
m <- svymean(~api00, c_rake); put("fpcrake_api00", coef(m)); put("fpcrake_api00_se", SE(m))
m <- svymean(~api00, s_fpc); put("fpcstrat_api00", coef(m)); put("fpcstrat_api00_se", SE(m))
jkn_fpc <- as.svrepdesign(s_fpc, type = "JKn")
m <- svymean(~api00, jkn_fpc); put("fpcstrat_jkn_api00_se", SE(m))
write.csv(do.call(rbind, rows), file.path(out_dir, "r_fpc_weights.csv"), row.names = FALSE, quote = FALSE)

# --- 3. quantiles on replicate-weight designs --------------------------------------------------------------------
putq <- function(prefix, q) {  # svyquantile on the whole design: estimate, SE, CI per probability
  for (v in names(q)) {
    tab <- q[[v]]
    for (p in rownames(tab)) {
      key <- paste0(prefix, "_q", p)
      put(key, tab[p, "quantile"]); put(paste0(key, "_se"), tab[p, 4])
      put(paste0(key, "_lo"), tab[p, 2]); put(paste0(key, "_hi"), tab[p, 3])
    }
  }
}
putqby <- function(prefix, b) {  # svyby(..., svyquantile): estimate and SE per domain
  est <- coef(b); se <- SE(b); keys <- rownames(b)
  for (i in seq_along(keys)) { put(paste0(prefix, "_", keys[i]), est[i]); put(paste0(prefix, "_", keys[i], "_se"), se[i]) }
}
quants <- function(prefix, des, by) {
  putq(prefix, svyquantile(~api00, des, quantiles = c(0.5, 0.25), ci = TRUE))
  putqby(paste0(prefix, "_q0.5_by_", by), svyby(~api00, as.formula(paste0("~", by)), des, svyquantile,
                                                  quantiles = 0.5, ci = TRUE))
  putqby(paste0(prefix, "_q0.25_by_", by), svyby(~api00, as.formula(paste0("~", by)), des, svyquantile,
                                                   quantiles = 0.25, ci = TRUE))
  put(paste0(prefix, "_degf"), degf(des))
}
# Fay, rho = 0.3 (BRR half-samples, strata of apistrat split into pairs of PSUs); saved as columns
fay <- as.svrepdesign(svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat), type = "Fay",
                      fay.rho = 0.3, compress = FALSE)
w <- unclass(weights(fay, type = "analysis")); attributes(w) <- list(dim = dim(w))
colnames(w) <- paste0("repw", seq_len(ncol(w)))
write.csv(cbind(apistrat[, c("snum", "stype", "sch.wide", "api00", "pw")], w), file.path(out_dir, "apistrat_fay.csv"),
          row.names = FALSE)
put("fay_strat_scale", fay$scale); put("fay_strat_nreps", ncol(w))
fay_cols <- read.csv(file.path(out_dir, "apistrat_fay.csv"), stringsAsFactors = FALSE)
fayd <- svrepdesign(data = fay_cols, repweights = "repw[0-9]+", weights = ~pw, type = "Fay", rho = 0.3,
                    combined.weights = TRUE, mse = FALSE)
quants("fay", fayd, "sch.wide")
# JK1 (apiclus1), JKn (apistrat) and bootstrap (apiclus1): the replicate columns made by make_reference.R
refs <- read.csv(file.path(out_dir, "r_reference.csv"), stringsAsFactors = FALSE)
rv <- function(name) refs$value[refs$name == name]
jk1 <- read.csv(file.path(out_dir, "apiclus1_jk1.csv"), stringsAsFactors = FALSE)
quants("jk1", svrepdesign(data = jk1, repweights = "repw[0-9]+", weights = ~pw, type = "JK1",
                          scale = rv("jk1_scale"), combined.weights = TRUE, mse = FALSE), "stype")
quants("jk1mse", svrepdesign(data = jk1, repweights = "repw[0-9]+", weights = ~pw, type = "JK1",
                             scale = rv("jk1_scale"), combined.weights = TRUE, mse = TRUE), "stype")
jkn <- read.csv(file.path(out_dir, "apistrat_jkn.csv"), stringsAsFactors = FALSE)
rs <- read.csv(file.path(out_dir, "apistrat_jkn_rscales.csv"))$rscales
quants("jkn", svrepdesign(data = jkn, repweights = "repw[0-9]+", weights = ~pw, type = "JKn", scale = 1,
                          rscales = rs, combined.weights = TRUE, mse = FALSE), "stype")
boot <- read.csv(file.path(out_dir, "apiclus1_boot.csv"), stringsAsFactors = FALSE)
quants("boot", svrepdesign(data = boot, repweights = "repw[0-9]+", weights = ~pw, type = "bootstrap",
                           scale = rv("boot_scale"), combined.weights = TRUE, mse = FALSE), "stype")

vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r_replicate.csv"), row.names = FALSE, quote = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
