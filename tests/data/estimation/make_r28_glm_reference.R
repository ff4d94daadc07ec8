# Reference numbers from R survey for issue 28's regression (svyglm): linear and logistic (quasibinomial), Taylor
# (apistrat, apiclus1, apiclus2 two-stage, raked apiclus1, nhanes with missing values) and replicate (JK1 weights of
# apiclus1_jk1_r28.csv). Run from the repository root:  Rscript tests/data/estimation/make_r28_glm_reference.R
# Inputs: tests/data/api/*.csv (R's data(api)), tests/data/estimation/nhanes.csv (R's data(nhanes)).
# Writes tests/data/estimation/r28_glm.csv (name,value at 12 significant digits).
suppressMessages(library(survey))
in_dir <- "tests/data/estimation"
out_dir <- if (length(commandArgs(TRUE))) commandArgs(TRUE)[1] else in_dir  # another folder: rerun and compare
api <- "tests/data/api"
apistrat <- read.csv(file.path(api, "apistrat.csv"), stringsAsFactors = FALSE)
apiclus1 <- read.csv(file.path(api, "apiclus1.csv"), stringsAsFactors = FALSE)
apiclus2 <- read.csv(file.path(api, "apiclus2.csv"), stringsAsFactors = FALSE)
nhanes <- read.csv(file.path(in_dir, "nhanes.csv"), stringsAsFactors = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
keep <- function(prefix, m) {
  s <- summary(m)$coefficients
  for (i in seq_len(nrow(s))) {
    term <- rownames(s)[i]
    put(paste0(prefix, "|", term, "|est"), s[i, 1]); put(paste0(prefix, "|", term, "|se"), s[i, 2])
    put(paste0(prefix, "|", term, "|p"), s[i, 4])
  }
  put(paste0(prefix, "|df"), m$df.residual)
}
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
jk <- read.csv(file.path(in_dir, "apiclus1_jk1_r28.csv"), stringsAsFactors = FALSE)
jk1 <- svrepdesign(data = jk, repweights = "repw[0-9]+", weights = ~pw, type = "JK1", scale = 14 / 15,
                   rscales = rep(1, 15), mse = FALSE, combined.weights = TRUE)
dnh <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes)
apiclus1$yes <- as.numeric(apiclus1$sch.wide == "Yes")
apistrat$yes <- as.numeric(apistrat$awards == "Yes")
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
jk$yes <- as.numeric(jk$awards == "Yes")
jk1 <- update(jk1, yes = as.numeric(awards == "Yes"))

# R's glm stops at a relative deviance change of 1e-8 and returns the working weights of the step before; a
# tighter epsilon gives the converged fit, which surveymod's IRLS reaches (docs/estimation.md).
tight <- glm.control(epsilon = 1e-14, maxit = 100)
keep("strat_lin", svyglm(api00 ~ ell + meals + mobility, dstrat))
keep("clus1_lin", svyglm(api00 ~ ell + meals + stype, dclus1))
keep("clus2_lin", svyglm(api00 ~ ell + meals, dclus2))
keep("strat_logit", svyglm(yes ~ api99 + stype, dstrat, family = quasibinomial(), control = tight))
keep("clus1_logit", svyglm(yes ~ ell + meals, dclus1, family = quasibinomial(), control = tight))
keep("jk1_lin", svyglm(api00 ~ enroll + stype, jk1))
keep("jk1_logit", svyglm(yes ~ api00, jk1, family = quasibinomial(), control = tight))
keep("nh_logit", svyglm(HI_CHOL ~ agecat + RIAGENDR, dnh, family = quasibinomial(), control = tight))
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_sw <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
rk <- rake(dclus1, list(~stype, ~sch.wide), list(pop_stype, pop_sw), control = list(maxit = 100, epsilon = 1e-12))
keep("rake_lin", svyglm(api00 ~ ell + meals, rk))

vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r28_glm.csv"), row.names = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
