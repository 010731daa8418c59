"""The statistics of a figure: intervals, tests of differences, effective bases.

All functions take proportions in 0..1 and return p-values two-sided; callers
scale to percentage points. Tests on weighted data use Kish effective bases.
"""

from __future__ import annotations

import math
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
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def kish(weights: np.ndarray) -> float:
    """Kish effective sample size (sum w)^2 / sum w^2."""
    s2 = float(np.dot(weights, weights))
    return float(weights.sum()) ** 2 / s2 if s2 > 0 else 0.0


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
    """Two-sided Fisher's exact test of the 2x2 table (as R's fisher.test)."""
    from scipy.stats import fisher_exact as fisher

    return float(fisher([[x1, n1 - x1], [x2, n2 - x2]]).pvalue)


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
    from scipy.stats import t

    a, b = v1 / n1, v2 / n2
    if a + b <= 0:
        return 1.0 if m1 == m2 else 0.0
    stat = (m1 - m2) / math.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    return float(2 * t.sf(abs(stat), df))


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
