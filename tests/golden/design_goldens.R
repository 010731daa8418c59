# Reproduces with R's survey package the numbers tests/test_design_golden.py checks
# against its independent Python computation. Run from this folder:
#   Rscript design_goldens.R
library(survey)  # >= 4.2 for svyciprop(method = "wilson")
options(digits = 15, survey.lonely.psu = "fail")

d <- read.csv("apistrat.csv", colClasses = c(cds = "character"))
d$rec <- pmin(pmax(d$meals %/% 10, 0), 10)
d$pw[c(4, 41, 121, 151)] <- 0   # zero weights (Python rows 3, 40, 120, 150)
d$sw <- as.numeric(d$sch.wide == "Yes")
d$ci <- as.numeric(d$comp.imp == "Yes")
d$score <- ifelse(d$rec >= 9, 100, ifelse(d$rec <= 6, -100, 0))
d$nps_cat <- ifelse(d$rec >= 9, "P", ifelse(d$rec <= 6, "D", "N"))
des <- svydesign(ids = ~dnum, strata = ~stype, weights = ~pw, data = d, nest = TRUE)
pos <- subset(des, pw > 0)  # cxsurvey's n and df count respondents with a positive weight

show <- function(formula, design) {
  m <- svymean(formula, design, deff = "replace")
  print(m); print(SE(m)); print(confint(m, df = degf(design)))
}
show(~sw, pos); show(~sw, subset(pos, yr.rnd == "Yes")); show(~sw, subset(pos, yr.rnd == "No"))
show(~api00, pos); show(~api00, subset(pos, awards == "Yes"))   # api_by_aw
show(~score, pos); show(~score, subset(pos, awards == "Yes"))   # rec_by_aw (NPS)
for (g in c("Yes", "No")) {
  s <- subset(pos, yr.rnd == g)
  print(svyciprop(~sw, s, method = "beta"))               # sw_by_yr
  print(svyciprop(~ci, s, method = "logit"))              # ci_by_yr
  print(svyciprop(~sw, subset(pos, comp.imp == g), method = "wilson"))  # sw_by_ci
}
print(svyttest(sw ~ yr.rnd, pos))                          # gaps
print(svyttest(ci ~ yr.rnd, pos))
print(svyttest(api00 ~ awards, pos))
print(svyttest(score ~ awards, pos))
print(svychisq(~sch.wide + yr.rnd, pos))                   # Rao-Scott F
print(svychisq(~comp.imp + yr.rnd, pos))
print(svychisq(~nps_cat + awards, pos))

# Raking (tests/test_weighting.py): apiclus1 to school type and sch.wide shares,
# starting from pw, as population totals scaled to sum(pw)
a <- read.csv("apiclus1.csv", colClasses = c(cds = "character"))
dclus <- svydesign(ids = ~dnum, weights = ~pw, data = a)
tot <- sum(a$pw)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018) / 6194 * tot)
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122) / 6194 * tot)
r <- rake(dclus, list(~stype, ~sch.wide), list(pop.types, pop.schwide),
          control = list(maxit = 100, epsilon = 1e-10))
print(weights(r))
print(svymean(~api00, r))
