"""95% intervals of a proportion from its design-based variance, as R's
``svyciprop(~y, design, method = ...)`` on the cell's domain.

``p`` is in 0..1, ``var`` its linearised variance, ``n`` the respondents (with a
positive weight) of the domain, ``df`` its design degrees of freedom (``degf``).
A proportion of exactly 0 or 1 has a zero variance, where R's effective base is
undefined (NaN); cxsurvey then uses n as the effective base, which keeps the exact
0% or 100% end and gives the other end of the binomial interval on n.
"""

from __future__ import annotations

import math

METHODS = ("wilson", "beta", "logit")
DEFAULT_DESIGN_METHOD = "beta"  # see docs/figures.md for why


def _t(df: float) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def _n_eff(p: float, var: float, n: float) -> float:
    return p * (1 - p) / var if var > 0 and 0 < p < 1 else n


def proportion_interval(
    method: str, p: float, var: float, n: float, df: float
) -> tuple[float, float] | None:
    """The interval in percent, or None when the domain has no degrees of freedom."""
    if n <= 0 or df <= 0:
        return None
    if method == "logit" and 0 < p < 1 and var > 0:
        half = _t(df) * math.sqrt(var) / (p * (1 - p))
        logit = math.log(p / (1 - p))
        return 100 * _expit(logit - half), 100 * _expit(logit + half)
    if method == "wilson":
        n_eff = _n_eff(p, var, n)
        t = _t(df)
        denom = 1 + t * t / n_eff
        centre = p + t * t / (2 * n_eff)
        root = math.sqrt(4 * n_eff * p * (1 - p) + t * t)
        lower = 0.0 if p <= 0 else (centre - t / (2 * n_eff) * root) / denom
        upper = 1.0 if p >= 1 else (centre + t / (2 * n_eff) * root) / denom
        return 100 * lower, 100 * upper
    # Korn-Graubard (svyciprop method "beta"); logit at 0% or 100% falls back here
    from scipy.stats import beta, t

    if n < 2:
        return None
    n_eff = _n_eff(p, var, n) * (t.ppf(0.025, n - 1) / t.ppf(0.025, df)) ** 2
    if n_eff > 1e24:  # SE below 1e-12 of sqrt(p(1 - p)): a share raked to its target
        return 100 * p, 100 * p
    lower = 0.0 if p <= 0 else float(beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1))
    upper = 1.0 if p >= 1 else float(beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p)))
    # beta quantiles with huge parameters lose the last digits: keep p inside
    return 100 * min(lower, p), 100 * max(upper, p)


def mean_interval(mean: float, se: float, df: float) -> tuple[float, float] | None:
    """mean +- t(df) SE: R's ``confint(svymean(...), df = degf(design))``."""
    if df <= 0:
        return None
    half = _t(df) * se
    return mean - half, mean + half


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))
