"""Significance between banner columns: the gap of a two-group banner and the
column letters of a banner of three or more groups.

- Two groups: every row gets the gap (first group minus second: high - low for a
  median split) and a two-sided test: pooled two-proportion z-test, Fisher's exact
  test when an expected count is under 5, Welch's t-test for means, a z-test for
  NPS; under a design (weights, clusters or strata) the design-based t-test of
  the difference of the two domain estimates on the design degrees of freedom
  (R's svyttest), never Fisher.
- Three or more groups: columns are lettered A, B, C...; a cell lists the letters
  of the columns it is significantly higher than (same tests, pairwise), after
  the ``adjust`` correction over the row's pairs.
"""

from __future__ import annotations

import string
from dataclasses import replace
from itertools import combinations, pairwise

from cxsurvey.stats import classic as stats
from cxsurvey.tabulation.results import Gap, Row


def compare_columns(
    rows: list[Row], columns: list[str], stat: str, alpha: float, adjust: str, trend: bool = False
) -> tuple[list[Row], dict[str, str] | None]:
    """Rows with their gap (two groups), letters (three or more) or, for periods of a
    date (``trend``), each period's change from the previous one; and the letters."""
    groups = columns[1:]
    if trend:
        return [_with_changes(r, groups, stat, alpha, rows) for r in rows], None
    if len(groups) == 2:
        return [_with_gap(r, groups, stat, alpha, rows) for r in rows], None
    if len(groups) < 2:
        return rows, None
    letters = dict(zip(groups, column_letters(len(groups)), strict=True))
    return [_with_letters(r, groups, letters, stat, alpha, adjust, rows) for r in rows], letters


def column_letters(k: int) -> list[str]:
    """A..Z, then AA, AB... for banners with more than 26 groups."""
    abc = string.ascii_uppercase
    return [abc[i] if i < 26 else abc[i // 26 - 1] + abc[i % 26] for i in range(k)]


def _row_stat(row: Row, stat: str) -> str:
    if stat == "nps" and row.label == "NPS":
        return "nps"
    return "mean" if stat == "mean" else "percent"


def _pair_test(row: Row, x: str, y: str, stat: str, rows: list[Row]) -> tuple[str, float | None]:
    """The test of columns x and y of a row and its two-sided p-value: under a
    design (weights, clusters or strata) always the design-based t-test."""
    a, b = row.cells[x], row.cells[y]
    if row.design is not None:
        return ("design-t", None) if a.value is None or b.value is None else row.design.test(x, y)
    if a.value is None or b.value is None:
        return ("welch" if stat == "mean" else "z"), None
    if stat == "mean":
        if a.sd is None or b.sd is None:
            return "welch", None
        return "welch", stats.welch(a.value, a.sd**2, a.test_base, b.value, b.sd**2, b.test_base)
    if stat == "nps":  # from the promoter and detractor shares of each column
        by_label = {r.label: r for r in rows}
        pro, det = by_label["Promoters"].cells, by_label["Detractors"].cells
        return "nps-z", stats.nps_z(
            pro[x].value / 100,
            det[x].value / 100,
            a.test_base,
            pro[y].value / 100,
            det[y].value / 100,
            b.test_base,
        )
    return stats.proportion_test(a.value / 100, a.test_base, b.value / 100, b.test_base)


def _with_gap(row: Row, groups: list[str], stat: str, alpha: float, rows: list[Row]) -> Row:
    hi, lo = groups
    a, b = row.cells[hi], row.cells[lo]
    test, p = _pair_test(row, hi, lo, _row_stat(row, stat), rows)
    points = None if a.value is None or b.value is None else a.value - b.value
    return replace(row, gap=Gap(points, test, p, p is not None and p < alpha))


def _with_letters(
    row: Row,
    groups: list[str],
    letters: dict[str, str],
    stat: str,
    alpha: float,
    adjust: str,
    rows: list[Row],
) -> Row:
    pairs = list(combinations(groups, 2))
    row_stat = _row_stat(row, stat)
    adjusted = stats.adjust([_pair_test(row, x, y, row_stat, rows)[1] for x, y in pairs], adjust)
    higher: dict[str, list[str]] = {g: [] for g in groups}
    for (x, y), p in zip(pairs, adjusted, strict=True):
        if p is None or p >= alpha:
            continue
        winner, loser = (x, y) if row.cells[x].value > row.cells[y].value else (y, x)
        higher[winner].append(loser)
    cells = dict(row.cells)
    for g in groups:  # letters in column order
        mine = [letters[h] for h in groups if h in higher[g]]
        cells[g] = replace(cells[g], higher_than=tuple(mine))
    return replace(row, cells=cells)


def _with_changes(row: Row, periods: list[str], stat: str, alpha: float, rows: list[Row]) -> Row:
    """Each period's change from the one before (a planned comparison per pair of
    neighbours, so no multiple-comparison adjustment), with the same tests as gaps."""
    cells = dict(row.cells)
    row_stat = _row_stat(row, stat)
    for prev, cur in pairwise(periods):
        a, b = row.cells[cur], row.cells[prev]
        test, p = _pair_test(row, cur, prev, row_stat, rows)
        points = None if a.value is None or b.value is None else a.value - b.value
        cells[cur] = replace(a, change=Gap(points, test, p, p is not None and p < alpha))
    return replace(row, cells=cells)
