# Reference numbers from R survey for issue 28's comparisons within one survey: domain contrasts with the svyby
# covariance (svycontrast), svyttest, svychisq (Rao-Scott F and Chisq) and svyglm (linear, logistic), Taylor and
# replicate (JK1 weights of apiclus1_jk1_r28.csv). Run from the repository root:
#   Rscript tests/data/estimation/make_r28_compare_reference.R
# Inputs: tests/data/api/*.csv (R's data(api)) and R's data(nhanes) (exported to tests/data/estimation/nhanes.csv,
# R survey 4.1.1; a subset of NHANES 2009-10 shipped with the survey package).
# Writes tests/data/estimation/r28_compare.csv (name,value at 12 significant digits).
suppressMessages(library(survey))
in_dir <- "tests/data/estimation"
out_dir <- if (length(commandArgs(TRUE))) commandArgs(TRUE)[1] else in_dir  # another folder: rerun and compare
api <- "tests/data/api"
apistrat <- read.csv(file.path(api, "apistrat.csv"), stringsAsFactors = FALSE)
apiclus1 <- read.csv(file.path(api, "apiclus1.csv"), stringsAsFactors = FALSE)
data(nhanes)
write.csv(nhanes, file.path(out_dir, "nhanes.csv"), row.names = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
jk <- read.csv(file.path(in_dir, "apiclus1_jk1_r28.csv"), stringsAsFactors = FALSE)
jk1 <- svrepdesign(data = jk, repweights = "repw[0-9]+", weights = ~pw, type = "JK1", scale = 14 / 15,
                   rscales = rep(1, 15), mse = FALSE, combined.weights = TRUE)
dnh <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes)

# --- contrasts between domains (svyby covmat = TRUE, svycontrast) -------------------------------------------
contr <- function(prefix, b, a, c) {
  w <- numeric(length(coef(b))); w[match(a, rownames(b))] <- -1; w[match(c, rownames(b))] <- 1
  x <- svycontrast(b, w)
  put(paste0(prefix, "_diff"), coef(x)); put(paste0(prefix, "_se"), SE(x))
}
b <- svyby(~api00, ~stype, dclus1, svymean, covmat = TRUE)
contr("clus1_api00_E_H", b, "E", "H"); contr("clus1_api00_E_M", b, "E", "M"); contr("clus1_api00_H_M", b, "H", "M")
put("clus1_df", degf(dclus1))
b <- svyby(~I(as.numeric(sch.wide == "Yes")), ~stype, dstrat, svymean, covmat = TRUE)
x <- svycontrast(b, c(-1, 0, 1)); put("strat_schwide_E_M_diff", coef(x)); put("strat_schwide_E_M_se", SE(x))
b <- svyby(~api00, ~stype, jk1, svymean, covmat = TRUE)
x <- svycontrast(b, c(-1, 1, 0)); put("jk1_api00_E_H_diff", coef(x)); put("jk1_api00_E_H_se", SE(x))

# --- svyttest -----------------------------------------------------------------------------------------------
tt <- svyttest(api00 ~ comp.imp, dclus1)
put("tt_clus1_diff", tt$estimate); put("tt_clus1_t", tt$statistic); put("tt_clus1_df", tt$parameter)
put("tt_clus1_p", tt$p.value); put("tt_clus1_lo", tt$conf.int[1]); put("tt_clus1_hi", tt$conf.int[2])
tt <- svyttest(enroll ~ awards, dstrat)
put("tt_strat_diff", tt$estimate); put("tt_strat_t", tt$statistic); put("tt_strat_df", tt$parameter); put("tt_strat_p", tt$p.value)
tt <- svyttest(api00 ~ sch.wide, jk1)
put("tt_jk1_diff", tt$estimate); put("tt_jk1_t", tt$statistic); put("tt_jk1_df", tt$parameter); put("tt_jk1_p", tt$p.value)
tt <- svyttest(HI_CHOL ~ RIAGENDR, dnh)  # HI_CHOL has missing values
put("tt_nh_diff", tt$estimate); put("tt_nh_t", tt$statistic); put("tt_nh_df", tt$parameter); put("tt_nh_p", tt$p.value)

# --- svychisq -----------------------------------------------------------------------------------------------
chi <- function(prefix, f, des) {
  x <- svychisq(f, des); put(paste0(prefix, "_F"), x$statistic); put(paste0(prefix, "_ndf"), x$parameter[1])
  put(paste0(prefix, "_ddf"), x$parameter[2]); put(paste0(prefix, "_p"), x$p.value)
  x <- svychisq(f, des, statistic = "Chisq"); put(paste0(prefix, "_X2"), x$statistic); put(paste0(prefix, "_chisq_p"), x$p.value)
}
chi("chi_clus1", ~sch.wide + stype, dclus1)
chi("chi_strat", ~awards + stype, dstrat)
chi("chi_jk1", ~sch.wide + stype, jk1)
chi("chi_nh", ~race + agecat, dnh)
chi("chi_nh_hi", ~HI_CHOL + race, dnh)  # HI_CHOL has missing values

vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r28_compare.csv"), row.names = FALSE, quote = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
