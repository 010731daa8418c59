# The same LMG goldens with R's lm over all subsets (not run by the suite: R is
# not installed there; make_goldens.py made the committed lmg.json).
# Rscript tests/golden/drivers/lmg.R  ->  prints R² and the LMG shares.
d <- read.csv("tests/golden/drivers/data.csv")
preds <- c("x1", "x2", "x3", "x4")
r2 <- function(cols) {
  if (length(cols) == 0) return(0)
  summary(lm(reformulate(cols, "y"), data = d))$r.squared
}
p <- length(preds)
lmg <- sapply(preds, function(j) {
  others <- setdiff(preds, j)
  total <- 0
  for (size in 0:(p - 1)) {
    subsets <- if (size == 0) list(character(0)) else combn(others, size, simplify = FALSE)
    w <- factorial(size) * factorial(p - size - 1) / factorial(p)
    for (s in subsets) total <- total + w * (r2(c(s, j)) - r2(s))
  }
  total
})
print(r2(preds), digits = 15)
print(lmg, digits = 15)
