# Reference weights from R survey for tests/weighting/test_kalton.py (Kalton tables at full precision).
# Run from this folder: Rscript r_reference.R  -> writes kalton_r_weights.csv
# Mirrors cran survey tests/kalton.R (design without weights: base weight 1).
suppressMessages(library(survey))
ab <- expand.grid(a = factor(1:4), b = factor(1:3))
kaltonsample <- ab[rep(1:12, c(20,50,100,30,40,140,50,100,40,310,50,70)), ]
kaltonpop <- ab[rep(1:12, c(80,60,170,55,40,150,60,165,55,340,200,125)), ]
marginalpop <- colSums(model.matrix(~a + b, kaltonpop))
dkalton <- suppressWarnings(svydesign(id = ~1, data = kaltonsample))
drake <- rake(dkalton, list(~a, ~b), list(xtabs(~a, kaltonpop), xtabs(~b, kaltonpop)),
              control = list(epsilon = 1e-10, maxit = 1000))
dlinear <- calibrate(dkalton, ~a + b, marginalpop)
dlogit <- calibrate(dkalton, ~a + b, marginalpop, bounds = c(0.5, 2.2), calfun = "logit", epsilon = 1e-12)
cellw <- function(d) as.vector(svytable(~a + b, d) / xtabs(~a + b, kaltonsample))
out <- data.frame(a = ab$a, b = ab$b, rake = cellw(drake), linear = cellw(dlinear), logit = cellw(dlogit))
write.csv(out, "kalton_r_weights.csv", row.names = FALSE)
cat("R", as.character(packageVersion("survey")), "\n")
