"""The statistics of a figure: intervals, tests of differences, effective bases.

All functions take proportions in 0..1 and return p-values two-sided; callers
scale to percentage points. Tests on weighted data use Kish effective bases.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import numpy as np

Z95 = 1.959963984540054  # the 97.5% normal quantile


def wilson(count: float, base: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for count/base, in percent; None for an empty base."""
    if base <= 0:
        return None
    p = count / base
    denom = 1 + z * z / base
    centre = (p + z * z / (2 * base)) / denom
    half = z * math.sqrt(p * (1 - p) / base + z * z / (4 * base * base)) / denom
    lower = 0.0 if count <= 0 else max(0.0, centre - half)  # exact ends: no float noise
    upper = 1.0 if count >= base else min(1.0, centre + half)
    return 100 * lower, 100 * upper


def _normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def two_proportion_z(p1: float, n1: float, p2: float, n2: float) -> float | None:
    """Pooled two-proportion z-test (as R's prop.test(correct = FALSE))."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return 1.0
    return _normal_p((p1 - p2) / math.sqrt(var))


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided Fisher's exact test of the 2x2 table (as R's fisher.test).

    The p-value sums the hypergeometric probabilities of every table with the
    same margins that is no more likely than the observed one (with R's relative
    tolerance of 1e-7 for ties). Exact log-probabilities via lgamma, so no
    scipy.stats import (half a second) is needed for the few small cells.
    """
    hits = x1 + x2
    lo, hi = max(0, hits - n2), min(hits, n1)

    def log_p(x: int) -> float:  # log P(X = x), X ~ Hypergeometric(n1 + n2, hits, n1)
        return _log_choose(n1, x) + _log_choose(n2, hits - x) - _log_choose(n1 + n2, hits)

    observed = log_p(x1)
    probs = np.exp(np.array([log_p(x) for x in range(lo, hi + 1)]))
    p = float(probs[probs <= math.exp(observed) * (1 + 1e-7)].sum())
    return min(1.0, p)


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def min_expected(p1: float, n1: float, p2: float, n2: float) -> float:
    """Smallest expected cell count of the 2x2 table under independence."""
    total = n1 + n2
    hits = p1 * n1 + p2 * n2
    return min(n * h / total for n in (n1, n2) for h in (hits, total - hits))


def proportion_test(p1: float, n1: float, p2: float, n2: float) -> tuple[str, float | None]:
    """z-test, or Fisher's exact test when an expected count is under 5."""
    if n1 <= 0 or n2 <= 0:
        return "z", None
    if min_expected(p1, n1, p2, n2) < 5:
        x1, x2 = round(p1 * n1), round(p2 * n2)
        return "fisher", fisher_exact(x1, round(n1), x2, round(n2))
    return "z", two_proportion_z(p1, n1, p2, n2)


def welch(m1: float, v1: float, n1: float, m2: float, v2: float, n2: float) -> float | None:
    """Welch's two-sample t-test from means, variances (n-1) and sizes."""
    if n1 < 2 or n2 < 2:
        return None
    a, b = v1 / n1, v2 / n2
    if a + b <= 0:
        return 1.0 if m1 == m2 else 0.0
    stat = (m1 - m2) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    return t_two_sided(stat, df)


def t_two_sided(t: float, df: float) -> float:
    """Two-sided p-value of Student's t with ``df`` (real) degrees of freedom:
    I_x(df/2, 1/2) with x = df / (df + t^2), the regularized incomplete beta.

    Computed here rather than imported: scipy.special costs a tenth of a second
    to import, more than a whole small run's tabulation. Tested against scipy.
    """
    if t == 0:
        return 1.0
    t2 = max(t * t, sys.float_info.min)  # a |t| under 1e-154 squares to 0: p is 1 there
    x, y = df / (df + t2), t2 / (df + t2)
    log_x, log_y = -math.log1p(t2 / df), math.log(t2) - math.log(df + t2)
    return min(1.0, _betainc(df / 2, 0.5, x, y, log_x, log_y))


def _betainc(a: float, b: float, x: float, y: float, log_x: float, log_y: float) -> float:
    """Regularized incomplete beta I_x(a, b), with y = 1 - x and the logs given
    exactly, by its continued fraction (modified Lentz), using
    I_x(a, b) = 1 - I_y(b, a) where that converges faster."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    log_front = _log_gamma_ratio(a, b) - math.lgamma(b) + a * log_x + b * log_y
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, y) / b


def _log_gamma_ratio(a: float, b: float) -> float:
    """log(Gamma(a + b) / Gamma(a)), without the cancellation of two large
    lgamma values when a is large (Stirling's series for the difference)."""
    if a < 50:
        return math.lgamma(a + b) - math.lgamma(a)

    def series(z: float) -> float:  # lgamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2)
        return 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5)

    return (a + b - 0.5) * math.log1p(b / a) + b * math.log(a) - b + series(a + b) - series(a)


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 1e-16
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        for num in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def nps_se(promoters: float, detractors: float, n: float) -> float:
    """Standard error of an NPS (as a proportion difference) from its shares."""
    return math.sqrt(max(0.0, promoters + detractors - (promoters - detractors) ** 2) / n)


def nps_z(p1: float, d1: float, n1: float, p2: float, d2: float, n2: float) -> float | None:
    """z-test of two NPS with SE sqrt((p + d - (p - d)^2) / n) per group."""
    if n1 <= 0 or n2 <= 0:
        return None
    se = math.sqrt(nps_se(p1, d1, n1) ** 2 + nps_se(p2, d2, n2) ** 2)
    if se == 0:
        return 1.0 if (p1 - d1) == (p2 - d2) else 0.0
    return _normal_p(((p1 - d1) - (p2 - d2)) / se)


def nps_adjusted_wald(
    promoters: float, detractors: float, n: float, z: float = Z95
) -> tuple[float, float] | None:
    """Adjusted-Wald NPS interval in points: add 3/4 to promoters and to
    detractors and 3/2 to n, then NPS' +- z * SE'."""
    if n <= 0:
        return None
    n2 = n + 1.5
    p, d = (promoters + 0.75) / n2, (detractors + 0.75) / n2
    half = z * nps_se(p, d, n2)
    return 100 * max(-1.0, p - d - half), 100 * min(1.0, p - d + half)


def adjust(p_values: Sequence[float | None], method: str) -> list[float | None]:
    """Multiple-comparison adjustment: ``none``, ``bonferroni`` or ``bh``."""
    known = [(i, p) for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = list(p_values)
    m = len(known)
    if method == "none" or m == 0:
        return out
    if method == "bonferroni":
        for i, p in known:
            out[i] = min(1.0, p * m)
        return out
    order = sorted(known, key=lambda ip: ip[1])
    running = 1.0
    for rank in range(m, 0, -1):
        i, p = order[rank - 1]
        running = min(running, p * m / rank)
        out[i] = running
    return out
