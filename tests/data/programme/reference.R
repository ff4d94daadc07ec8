# R survey reference numbers for tests/indicators/test_programme.py; run from this folder: Rscript reference.R
suppressMessages(library(survey))
s <- read.csv("../api/apistrat.csv"); c1 <- read.csv("../api/apiclus1.csv")
ds <- svydesign(id=~1, strata=~stype, weights=~pw, data=s, fpc=~fpc)
dc <- svydesign(id=~dnum, weights=~pw, data=c1, fpc=~fpc)
a <- svymean(~I(api00>700), ds); b <- svymean(~I(api00>700), dc)
e0 <- coef(a)[2]; e1 <- coef(b)[2]; v0 <- vcov(a)[2,2]; v1 <- vcov(b)[2,2]
cat(sprintf("base %.10f %.10f\nend %.10f %.10f\n", e0, sqrt(v0), e1, sqrt(v1)))
cat(sprintf("diff %.10f %.10f\n", e1-e0, sqrt(v0+v1)))
pct <- 100*(e1/e0-1); g0 <- -100*e1/e0^2; g1 <- 100/e0
cat(sprintf("pct %.10f %.10f\n", pct, sqrt(g0^2*v0+g1^2*v1)))
sb <- svyby(~I(api00>700), ~sch.wide, ds, svymean); print(sb)
m <- svymean(~api00, ds); cat(sprintf("mean %.10f %.10f\n", coef(m), SE(m)))
ci <- confint(svyciprop(~I(api00>700), ds, method="logit")); cat(sprintf("logit %.8f %.8f\n", ci[1], ci[2]))
