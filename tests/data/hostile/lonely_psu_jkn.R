suppressMessages(library(survey))
d <- read.csv("lonely_psu.csv")
for (pol in c("certainty","remove","adjust","average")) {
  options(survey.lonely.psu=pol)
  des <- svydesign(ids=~psu, strata=~st, weights=~w, data=d, nest=TRUE)
  rd <- as.svrepdesign(des, type="JKn", mse=TRUE); x<-svymean(~y, rd)
  cat(pol, ncol(rd$repweights$weights), sprintf("%.10f", SE(x)), "\n")
}
