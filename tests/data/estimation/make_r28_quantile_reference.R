# Reference numbers from R survey for issue 28's replicate quantile interval: svyquantile(interval.type =
# "quantile") (the quantile recomputed with every replicate weight; R repCI) on the JK1 weights of
# apiclus1_jk1_r28.csv and the bootstrap weights of apiclus1_boot.csv, overall and by stype.
# Run from the repository root:  Rscript tests/data/estimation/make_r28_quantile_reference.R
# Writes tests/data/estimation/r28_quantile.csv (name,value at 12 significant digits).
suppressMessages(library(survey))
in_dir <- "tests/data/estimation"
out_dir <- if (length(commandArgs(TRUE))) commandArgs(TRUE)[1] else in_dir  # another folder: rerun and compare
ref <- list()
put <- function(name, value) ref[[name]] <<- unname(value)
jk <- read.csv(file.path(in_dir, "apiclus1_jk1_r28.csv"), stringsAsFactors = FALSE)
jk1 <- svrepdesign(data = jk, repweights = "repw[0-9]+", weights = ~pw, type = "JK1", scale = 14 / 15,
                   rscales = rep(1, 15), mse = FALSE, combined.weights = TRUE)
bs <- read.csv(file.path(in_dir, "apiclus1_boot.csv"), stringsAsFactors = FALSE)
boot <- svrepdesign(data = bs, repweights = "repw[0-9]+", weights = ~pw, type = "bootstrap", mse = TRUE,
                    combined.weights = TRUE)  # R's default scale 1/(R-1)
for (d in list(list("jk1", jk1), list("boot", boot))) {
  tag <- d[[1]]; des <- d[[2]]
  for (p in c(0.25, 0.5)) {
    q <- suppressWarnings(svyquantile(~api00, des, p, interval.type = "quantile"))
    key <- paste0(tag, "_q", p)
    put(key, coef(q)); put(paste0(key, "_se"), SE(q))
    put(paste0(key, "_lo"), confint(q)[1]); put(paste0(key, "_hi"), confint(q)[2])
  }
  b <- suppressWarnings(svyby(~api00, ~stype, des, svyquantile, quantiles = 0.5, interval.type = "quantile"))
  est <- setNames(as.vector(coef(b)), rownames(b)); se <- setNames(as.vector(SE(b)), rownames(b))
  for (s in c("E", "H", "M")) { put(paste0(tag, "_by_", s), est[s]); put(paste0(tag, "_by_", s, "_se"), se[s]) }
}
vals <- unlist(ref)
write.csv(data.frame(name = names(vals), value = trimws(formatC(vals, digits = 12, format = "g"))),
          file.path(out_dir, "r28_quantile.csv"), row.names = FALSE, quote = FALSE)
cat("R survey", as.character(packageVersion("survey")), "- wrote", length(vals), "values\n")
