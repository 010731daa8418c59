"""The statistics at their edges: empty and one-respondent groups, all-or-nothing
shares, the Fisher switch at an expected count of exactly 5, clamped intervals,
t beyond double range, adjustments that reach 1 (found by mutation testing;
docs/testing.md). Expected values by hand or from scipy."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sp

from cxsurvey.stats import classic as stats

Z = 1.959963984540054


def test_wilson_ends_are_exact_for_none_and_all():
    assert stats.wilson(1, 1) == (pytest.approx(100 / (1 + Z * Z), rel=1e-12), 100.0)
    assert stats.wilson(0, 7)[0] == 0.0 and stats.wilson(7, 7)[1] == 100.0
    low = (1 + Z * Z / 2 - Z * math.sqrt(1 * 9 / 10 + Z * Z / 4)) / (10 + Z * Z)
    assert stats.wilson(1, 10)[0] == pytest.approx(100 * low, rel=1e-12)  # 1 of 10: above 0


def test_two_proportion_z_with_one_respondent_per_group_and_with_no_difference():
    expected = sp.chi2_contingency([[1, 0], [0, 1]], correction=False).pvalue
    assert stats.two_proportion_z(1.0, 1, 0.0, 1) == pytest.approx(expected, rel=1e-12)
    assert stats.two_proportion_z(1.0, 10, 1.0, 20) == 1.0  # everyone said yes: no variance
    assert stats.two_proportion_z(0.5, 0, 0.5, 10) is None
    assert stats.two_proportion_z(0.5, 10, 0.5, 0) is None


def test_fisher_p_value_never_exceeds_one():
    # Summed in floats, these tables' probabilities come to 1.0000000000000004 and ...18.
    assert stats.fisher_exact(1, 1, 0, 1) == 1.0
    assert stats.fisher_exact(0, 1, 1, 3) == 1.0


def test_rare_failures_count_towards_the_smallest_expected_count():
    # 98% yes in both groups of 100: 4 "no" in all, expected 2 per group -> Fisher.
    assert stats.min_expected(0.98, 100, 0.98, 100) == pytest.approx(2.0, rel=1e-12)
    assert stats.proportion_test(0.98, 100, 0.98, 100)[0] == "fisher"


def test_the_z_test_is_used_from_an_expected_count_of_exactly_5():
    assert stats.min_expected(0.5, 10, 0.5, 10) == 5.0
    assert stats.proportion_test(0.5, 10, 0.5, 10)[0] == "z"
    assert stats.proportion_test(0.5, 11, 0.5, 11)[0] == "z"  # 5.5
    assert stats.proportion_test(0.4, 10, 0.4, 10)[0] == "fisher"  # 4


def test_proportion_test_on_empty_and_one_respondent_groups():
    assert stats.proportion_test(0.5, 0, 0.5, 10) == ("z", None)
    assert stats.proportion_test(0.5, 10, 0.5, 0) == ("z", None)
    assert stats.proportion_test(1.0, 1, 0.0, 1) == ("fisher", 1.0)


def test_welch_with_two_respondents_per_group_and_without_variance():
    a, b = [3.0, 5.0], [1.0, 2.0]
    expected = sp.ttest_ind(a, b, equal_var=False).pvalue
    got = stats.welch(4.0, 2.0, 2, 1.5, 0.5, 2)
    assert got == pytest.approx(expected, rel=1e-9)
    assert stats.welch(4.0, 2.0, 2, 1.5, 0.5, 1) is None
    assert stats.welch(4.0, 2.0, 1, 1.5, 0.5, 2) is None
    assert stats.welch(3.0, 0.0, 5, 3.0, 0.0, 5) == 1.0  # identical constant groups
    assert stats.welch(3.0, 0.0, 5, 4.0, 0.0, 5) == 0.0  # different constants


@pytest.mark.parametrize("df", [100.5, 120, 250])
def test_t_two_sided_where_the_gamma_ratio_switches_to_stirling(df):
    for t in (0.3, 1.0, 2.5):
        assert stats.t_two_sided(t, df) == pytest.approx(2 * sp.t.sf(t, df), rel=1e-12)


def test_t_two_sided_at_zero_one_and_beyond_double_range():
    assert stats.t_two_sided(0.0, 5) == 1.0
    assert stats.t_two_sided(1.0, 10) == pytest.approx(2 * sp.t.sf(1.0, 10), rel=1e-12)
    assert stats.t_two_sided(1e200, 10) == 0.0  # t squared overflows


def test_nps_z_with_one_respondent_per_group_and_without_variance():
    assert stats.nps_z(1.0, 0.0, 1, 0.0, 1.0, 1) == 0.0  # +100 vs -100, no variance
    assert stats.nps_z(1.0, 0.0, 1, 1.0, 0.0, 1) == 1.0  # the same NPS
    assert stats.nps_z(0.0, 1.0, 1, 0.0, 1.0, 1) == 1.0  # -100 both
    assert stats.nps_z(0.5, 0.2, 0, 0.5, 0.2, 10) is None
    assert stats.nps_z(0.5, 0.2, 10, 0.5, 0.2, 0) is None


def test_adjusted_wald_nps_interval_is_clamped_to_plus_minus_100():
    assert stats.nps_adjusted_wald(0, 0, 0) is None
    n2 = 1 + 1.5
    p, d = 1.75 / n2, 0.75 / n2
    half = Z * math.sqrt((p + d - (p - d) ** 2) / n2)
    assert stats.nps_adjusted_wald(1, 0, 1) == pytest.approx((100 * (p - d - half), 100.0))
    assert stats.nps_adjusted_wald(3, 0, 3)[1] == 100.0
    assert stats.nps_adjusted_wald(0, 3, 3)[0] == -100.0


def test_adjustments_never_exceed_one_and_none_changes_nothing():
    assert stats.adjust([0.01, 0.04], "none") == [0.01, 0.04]
    assert stats.adjust([0.6, 0.7], "bonferroni") == [1.0, 1.0]
    assert stats.adjust([], "bh") == []
