# Reference numbers from R survey for issue 28 (mismatches: replicate logit CIs, df with missing values, deff Inf,
# categorical totals). Run from the repository root:  Rscript tests/data/estimation/make_r28_reference.R
# Inputs: the CSV copies of R's data(api) in tests/data/api/. Writes (tests/data/estimation/):
#   r28_reference.csv         name,value (12 significant digits)
#   apiclus1_jk1_r28.csv      as.svrepdesign(dclus1, "JK1", compress = FALSE) analysis weights repw1..15 + columns
#   apistrat_jkn_r28.csv      as.svrepdesign(dstrat, "JKn", compress = FALSE) analysis weights repw1..200 + columns
suppressMessages(library(survey))
in_dir <- "tests/data/estimation"
out_dir <- if (length(commandArgs(TRUE))) commandArgs(TRUE)[1] else in_dir  # another folder: rerun and compare
api <- "tests/data/api"
apistrat <- read.csv(file.path(api, "apistrat.csv"), stringsAsFactors = FALSE)
apiclus1 <- read.csv(file.path(api, "apiclus1.csv"), stringsAsFactors = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
apiclus1$one <- 1
apistrat$one <- 1
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
cols <- c("dnum", "snum", "stype", "api00", "enroll", "awards", "sch.wide", "acs.k3", "one", "pw")
save_reps <- function(rd, data, file) {
  w <- unclass(weights(rd, type = "analysis")); attributes(w) <- list(dim = dim(w))
  colnames(w) <- paste0("repw", seq_len(ncol(w)))
  write.csv(cbind(data[, cols], w), file.path(out_dir, file), row.names = FALSE)
}
ciprop <- function(prefix, f, des) {
  p <- svyciprop(f, des, method = "logit")
  put(paste0(prefix, "_p"), coef(p)); put(paste0(prefix, "_lo"), attr(p, "ci")[1]); put(paste0(prefix, "_hi"), attr(p, "ci")[2])
  put(paste0(prefix, "_df"), degf(des))
}

# --- 1. logit CIs of proportions on replicate designs (svyciprop -> svyglm quasibinomial on the replicates) ----
jk1 <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE)  # mse = FALSE (R default)
save_reps(jk1, apiclus1, "apiclus1_jk1_r28.csv")
put("jk1_scale", jk1$scale)
jk1m <- as.svrepdesign(dclus1, type = "JK1", compress = FALSE, mse = TRUE)
for (d in list(list("jk1", jk1), list("jk1mse", jk1m))) {
  tag <- d[[1]]; des <- d[[2]]
  ciprop(paste0(tag, "_awards_yes"), ~I(awards == "Yes"), des)
  ciprop(paste0(tag, "_awards_no"), ~I(awards == "No"), des)
  for (s in c("E", "H", "M")) ciprop(paste0(tag, "_schwide_yes_", s), ~I(sch.wide == "Yes"), subset(des, stype == s))
}
jkn <- as.svrepdesign(dstrat, type = "JKn", compress = FALSE)
save_reps(jkn, apistrat, "apistrat_jkn_r28.csv")
write.csv(data.frame(rscales = jkn$rscales), file.path(out_dir, "apistrat_jkn_r28_rscales.csv"), row.names = FALSE)
ciprop("jkn_awards_yes", ~I(awards == "Yes"), jkn)
ciprop("jkn_schwide_yes_H", ~I(sch.wide == "Yes"), subset(jkn, stype == "H"))

# --- 2. degrees of freedom of the design subset to non-missing values -----------------------------------------
put("strat_acsk3_df", degf(subset(dstrat, !is.na(acs.k3))))
m <- svymean(~acs.k3, dstrat, na.rm = TRUE); put("strat_acsk3", coef(m)); put("strat_acsk3_se", SE(m))
put("clus1_acsk3_df", degf(subset(dclus1, !is.na(acs.k3))))
for (s in c("E", "M")) put(paste0("clus1_acsk3_", s, "_df"), degf(subset(dclus1, !is.na(acs.k3) & stype == s)))
put("jk1_acsk3_df", degf(subset(jk1, !is.na(acs.k3))))
put("jkn_acsk3_df", degf(subset(jkn, !is.na(acs.k3))))
q <- svyquantile(~acs.k3, subset(dclus1, !is.na(acs.k3)), 0.5, ci = TRUE)
put("clus1_acsk3_median", coef(q)); put("clus1_acsk3_median_se", SE(q))
put("clus1_acsk3_median_lo", confint(q)[1]); put("clus1_acsk3_median_hi", confint(q)[2])
ciprop("clus1_acsk3_gt20", ~I(acs.k3 > 20), subset(dclus1, !is.na(acs.k3)))

# --- 3. design effect Inf where the SRS variance is 0 ----------------------------------------------------------
t <- svytotal(~one, dclus1, deff = TRUE)
put("clus1_total_one", coef(t)); put("clus1_total_one_se", SE(t)); put("clus1_total_one_deff", deff(t))

# --- 4. totals of a categorical variable (svytotal(~factor)) ----------------------------------------------------
t <- svytotal(~stype, dclus1, deff = TRUE)
for (s in c("E", "H", "M")) {
  put(paste0("clus1_total_stype_", s), coef(t)[paste0("stype", s)]); put(paste0("clus1_total_stype_", s, "_se"), SE(t)[paste0("stype", s)])
  put(paste0("clus1_total_stype_", s, "_deff"), deff(t)[paste0("stype", s)])
}
b <- svyby(~awards, ~stype, dstrat, svytotal)
bse <- setNames(as.vector(as.matrix(SE(b))), names(coef(b)))
for (s in c("E", "H", "M")) for (a in c("No", "Yes")) {
  put(paste0("strat_total_awards_", a, "_", s), coef(b)[paste0(s, ":awards", a)])
  put(paste0("strat_total_awards_", a, "_", s, "_se"), bse[paste0(s, ":awards", a)])
}
t <- svytotal(~stype, jk1)
se <- setNames(as.vector(SE(t)), names(coef(t))); for (s in c("E", "H", "M")) put(paste0("jk1_total_stype_", s, "_se"), se[paste0("stype", s)])

vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r28_reference.csv"), row.names = FALSE, quote = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
