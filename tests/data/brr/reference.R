# Reference numbers for tests/weighting/test_brr_fay.py, from R survey 4.1.1 (R's own data sets scd and api).
# Run from this folder:  Rscript reference.R > reference.out
# It writes scd.csv, apiclus2_pairs.csv and R's replicate weights (r_*.csv) and prints every number the test uses.
suppressMessages(library(survey))
stopifnot(packageVersion("survey") == "4.1.1")
options(digits = 12)
p <- function(label, x) cat(sprintf("%-40s %s\n", label, paste(sprintf("%.12g", x), collapse = " ")))

## 1. scd (?svrepdesign): 3 strata (ESA) with 2 ambulance PSUs each, equal weights -------------------------
data(scd)
write.csv(scd, "scd.csv", row.names = FALSE)
scdnofpc <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
scdbrr <- as.svrepdesign(scdnofpc, type = "BRR")
scdfay <- as.svrepdesign(scdnofpc, type = "Fay", fay.rho = 0.5)
p("scd brr ncol", ncol(weights(scdbrr)))
p("scd brr scale", scdbrr$scale)
p("scd fay scale", scdfay$scale)
cat("scd brr analysis weights (rows = data rows, columns = replicates):\n")
print(weights(scdbrr, type = "analysis"))
cat("scd fay analysis weights:\n")
print(weights(scdfay, type = "analysis"))
p("scd taylor total arrests SE", SE(svytotal(~arrests, scdnofpc)))
p("scd brr total arrests", c(coef(svytotal(~arrests, scdbrr)), SE(svytotal(~arrests, scdbrr))))
p("scd fay total arrests", c(coef(svytotal(~arrests, scdfay)), SE(svytotal(~arrests, scdfay))))
p("scd brr mean alive", c(coef(svymean(~alive, scdbrr)), SE(svymean(~alive, scdbrr))))
p("scd fay mean alive", c(coef(svymean(~alive, scdfay)), SE(svymean(~alive, scdfay))))
p("scd brr ratio alive/arrests SE", SE(svyratio(~alive, ~arrests, scdbrr)))

## 2. apiclus2 districts paired into pseudo-strata ----------------------------------------------------------
# The 40 sampled districts in dnum order, paired 1-2, 3-4, ... into 20 strata (pair). Rows are sorted by pair,
# with the higher district number first in even pairs, so that a stratum's PSUs in data order are not always
# their sorted labels (R's brrweights takes them in data order).
data(api)
dn <- sort(unique(apiclus2$dnum))
d <- apiclus2[, c("snum", "dnum", "stype", "sch.wide", "api00", "api99", "meals", "pw")]
d$pair <- (match(d$dnum, dn) - 1) %/% 2 + 1
d <- d[order(d$pair, ifelse(d$pair %% 2 == 0, -d$dnum, d$dnum), d$snum), ]
write.csv(d, "apiclus2_pairs.csv", row.names = FALSE)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))

nums <- function(tag, des, tay) {
  p(paste(tag, "ncol"), ncol(weights(des)))
  p(paste(tag, "scale"), des$scale)
  p(paste(tag, "taylor total api00 SE"), SE(svytotal(~api00, tay)))
  p(paste(tag, "total api00"), c(coef(svytotal(~api00, des)), SE(svytotal(~api00, des))))
  p(paste(tag, "mean api00"), c(coef(svymean(~api00, des)), SE(svymean(~api00, des))))
  mse <- des; mse$mse <- TRUE
  p(paste(tag, "mean api00 SE mse"), SE(svymean(~api00, mse)))
  ps <- postStratify(des, ~stype, pop.types)
  p(paste(tag, "ps mean api00"), c(coef(svymean(~api00, ps)), SE(svymean(~api00, ps))))
  p(paste(tag, "ps total api00"), c(coef(svytotal(~api00, ps)), SE(svytotal(~api00, ps))))
  rk <- rake(des, list(~stype, ~sch.wide), list(pop.types, pop.schwide), control = list(maxit = 100, epsilon = 1e-10))
  p(paste(tag, "rake mean api00"), c(coef(svymean(~api00, rk)), SE(svymean(~api00, rk))))
  p(paste(tag, "rake mean meals"), c(coef(svymean(~meals, rk)), SE(svymean(~meals, rk))))
  invisible(NULL)
}
# 2a. first 15 pairs (30 districts): Hadamard order 16, a Sylvester matrix in both R and svy
d15 <- d[d$pair <= 15, ]
t15 <- svydesign(id = ~dnum, strata = ~pair, weights = ~pw, data = d15, nest = TRUE)
b15 <- as.svrepdesign(t15, type = "BRR")
f15 <- as.svrepdesign(t15, type = "Fay", fay.rho = 0.5)
write.csv(weights(b15, type = "analysis"), "r_brr15_weights.csv", row.names = FALSE)
write.csv(weights(f15, type = "analysis"), "r_fay15_weights.csv", row.names = FALSE)
nums("pairs15 brr", b15, t15)
nums("pairs15 fay", f15, t15)
# 2b. all 20 pairs: Hadamard order 24 (R's precooked matrix)
t20 <- svydesign(id = ~dnum, strata = ~pair, weights = ~pw, data = d, nest = TRUE)
b20 <- as.svrepdesign(t20, type = "BRR")
write.csv(weights(b20, type = "analysis"), "r_brr20_weights.csv", row.names = FALSE)
nums("pairs20 brr", b20, t20)

## 3. number of BRR replicates R makes for H strata of 2 PSUs -----------------------------------------------
hs <- c(1:36, 44:52, 72:76, 84:100)
ncols <- sapply(hs, function(h) suppressWarnings({
  x <- data.frame(s = rep(1:h, each = 2), p = rep(1:2, h))
  ncol(weights(as.svrepdesign(svydesign(ids = ~p, strata = ~s, data = x, nest = TRUE), type = "BRR")))
}))
cat("H:    ", hs, "\n")
cat("ncol: ", ncols, "\n")
