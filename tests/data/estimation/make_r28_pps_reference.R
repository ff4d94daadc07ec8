# Reference numbers from R survey for issue 28's without-replacement PPS variances: svydesign(pps = "brewer")
# (Brewer's approximation) and pps = "overton" (Overton's approximation to the joint inclusion probabilities), on
# R's data(election_pps) (40 US counties drawn with probability proportional to votes; exported here to
# tests/data/estimation/election_pps.csv with a row id and a pseudo-stratum `half` so that the stratified formulas
# are exercised too). Run from the repository root:  Rscript tests/data/estimation/make_r28_pps_reference.R
# Writes tests/data/estimation/r28_pps.csv (name,value at 12 significant digits).
suppressMessages(library(survey))
in_dir <- "tests/data/estimation"
out_dir <- if (length(commandArgs(TRUE))) commandArgs(TRUE)[1] else in_dir  # another folder: rerun and compare
data(election)
el <- election_pps[, c("County", "Bush", "Kerry", "Nader", "votes", "p")]
el$id <- seq_len(nrow(el))
el$half <- rep(1:2, length.out = nrow(el))
el$big <- as.integer(el$votes > 100000)
write.csv(el, file.path(out_dir, "election_pps.csv"), row.names = FALSE)
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
designs <- list(
  brewer = svydesign(id = ~1, fpc = ~p, data = el, pps = "brewer"),
  overton = svydesign(id = ~1, fpc = ~p, data = el, pps = "overton"),
  brewer_strat = svydesign(id = ~1, strata = ~half, fpc = ~p, data = el, pps = "brewer"),
  overton_strat = svydesign(id = ~1, strata = ~half, fpc = ~p, data = el, pps = "overton"),
  wr = svydesign(id = ~1, probs = ~p, data = el))
for (tag in names(designs)) {
  d <- designs[[tag]]
  t <- svytotal(~Bush + Kerry, d)
  put(paste0(tag, "_total_Bush"), coef(t)[1]); put(paste0(tag, "_total_Bush_se"), SE(t)[1])
  put(paste0(tag, "_total_Kerry_se"), SE(t)[2])
  m <- svymean(~Nader, d); put(paste0(tag, "_mean_Nader"), coef(m)); put(paste0(tag, "_mean_Nader_se"), SE(m))
  r <- svyratio(~Bush, ~votes, d); put(paste0(tag, "_ratio_se"), SE(r))
  b <- svyby(~Kerry, ~big, d, svytotal)
  put(paste0(tag, "_by_big1_se"), SE(b)[2]); put(paste0(tag, "_by_big0_se"), SE(b)[1])
  put(paste0(tag, "_df"), degf(d))
}
vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r28_pps.csv"), row.names = FALSE, quote = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
