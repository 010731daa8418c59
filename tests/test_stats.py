"""Statistical tests and intervals against independent implementations and known values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sp

from cxsurvey.stats import classic as stats


def test_wilson_matches_the_spec_example_and_formula():
    lo, hi = stats.wilson(73, 234)
    assert (round(lo, 1), round(hi, 1)) == (25.6, 37.4)  # the spec's JSON example
    # Known value: 8 of 10 -> (0.4902, 0.9433) (Wilson 1927; R's prop.test(correct=FALSE)).
    lo, hi = stats.wilson(8, 10)
    assert lo == pytest.approx(49.016, abs=1e-3) and hi == pytest.approx(94.332, abs=1e-3)
    assert stats.wilson(0, 0) is None


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(73, 234, 40, 200), (30, 60, 45, 70), (5, 100, 15, 120)]
)
def test_pooled_z_equals_chi_square_without_correction(x1, n1, x2, n2):
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    expected = sp.chi2_contingency(table, correction=False).pvalue
    assert stats.two_proportion_z(x1 / n1, n1, x2 / n2, n2) == pytest.approx(expected, rel=1e-9)


def test_fisher_used_for_small_expected_counts():
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value == 0.4857143
    test, p = stats.proportion_test(3 / 4, 4, 1 / 4, 4)
    assert test == "fisher" and p == pytest.approx(0.4857142857, rel=1e-9)
    test, _ = stats.proportion_test(0.5, 100, 0.4, 100)
    assert test == "z"


def test_welch_matches_scipy():
    a = np.array([3.2, 4.1, 5.0, 4.4, 3.9, 4.8])
    b = np.array([2.1, 3.3, 2.8, 3.9, 2.2])
    expected = sp.ttest_ind(a, b, equal_var=False).pvalue
    got = stats.welch(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b))
    assert got == pytest.approx(expected, rel=1e-9)


def test_fisher_exact_matches_scipy_over_many_tables():
    rng = np.random.default_rng(7)
    for _ in range(400):
        n1, n2 = (int(v) for v in rng.integers(1, 80, 2))
        x1, x2 = int(rng.integers(0, n1 + 1)), int(rng.integers(0, n2 + 1))
        expected = sp.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
        assert stats.fisher_exact(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("df", [1, 1.5, 2, 3.7, 10, 29.3, 49.9, 50.1, 1e3, 1e5, 2e6])
@pytest.mark.parametrize("t", [1e-4, 0.5, 1.96, 3, 8, 40])
def test_t_two_sided_matches_scipy(t, df):
    expected = 2 * sp.t.sf(t, df)
    assert stats.t_two_sided(t, df) == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert stats.t_two_sided(-t, df) == stats.t_two_sided(t, df)


def test_nps_z_by_hand():
    # Group 1: 50% promoters, 20% detractors, n 200; group 2: 30%, 30%, n 150.
    se1 = math.sqrt((0.5 + 0.2 - 0.3**2) / 200)
    se2 = math.sqrt((0.3 + 0.3 - 0.0) / 150)
    z = 0.3 / math.sqrt(se1**2 + se2**2)
    assert stats.nps_z(0.5, 0.2, 200, 0.3, 0.3, 150) == pytest.approx(2 * sp.norm.sf(z), rel=1e-9)


def test_adjusted_wald_nps_interval_by_hand():
    n2 = 100 + 1.5
    p, d = (50 + 0.75) / n2, (20 + 0.75) / n2
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / n2)
    lo, hi = stats.nps_adjusted_wald(50, 20, 100)
    assert lo == pytest.approx(100 * (p - d - half)) and hi == pytest.approx(100 * (p - d + half))


def test_adjustments():
    assert stats.adjust([0.01, 0.04, None], "bonferroni") == [0.02, 0.08, None]
    # Benjamini-Hochberg, as R's p.adjust(c(.01, .04, .03), "BH") = .03 .04 .04
    assert stats.adjust([0.01, 0.04, 0.03], "bh") == pytest.approx([0.03, 0.04, 0.04])
    assert stats.adjust([0.2], "none") == [0.2]


@pytest.mark.parametrize("t", [1e-155, 1e-200, 5e-324])
def test_t_so_small_its_square_underflows_has_p_one_not_a_math_error(t):
    assert stats.t_two_sided(t, 10) == pytest.approx(1.0, abs=1e-12)
    assert stats.t_two_sided(-t, 3.5) == pytest.approx(1.0, abs=1e-12)
