"""Whole-table tests of a figure (``test: rao-scott``): rows x banner groups.

The rows must be categories every base respondent falls in exactly one of (a
single-choice question's options, bands, bins that do not overlap, NPS
categories). Rows sharing one base form a table; nets that overlap the options
are left out (the first disjoint rows are kept); a grid gives one table per
item. Respondents in no banner group are not in the table.
"""

from __future__ import annotations

import numpy as np

from cxsurvey.stats.design import Design
from cxsurvey.stats.rao_scott import rao_scott
from cxsurvey.tabulation.question_rows import PercentRow, QuestionRows
from cxsurvey.tabulation.results import TableTest


def table_tests(
    data: QuestionRows, slot: np.ndarray, k: int, design: Design, alpha: float
) -> tuple[list[TableTest], str | None]:
    """The Rao-Scott tests of the figure's tables, and a warning when it has none."""
    if k < 2:
        return [], "test: rao-scott needs a banner (`by`) with two or more groups"
    if data.nps is not None:
        nps = data.nps
        passive = nps.base & ~nps.promoter & ~nps.detractor
        tables = [(None, nps.base, [nps.promoter, passive, nps.detractor])]
    else:
        tables = _tables([r for r in data.rows if isinstance(r, PercentRow)])
    if not tables:
        return [], (
            "test: rao-scott needs rows that are categories of one answer (not a mean, "
            "not a multi-select); no test computed"
        )
    col = np.where((slot >= 1) & (slot <= k), slot - 1, -1)
    out = []
    for scope, base, hits in tables:
        row = np.full(len(slot), -1, dtype=np.intp)
        for i, hit in enumerate(hits):
            row[hit & base] = i
        result = rao_scott(design, row, col, len(hits), k)
        if result is None:
            out.append(TableTest("rao-scott", scope, None, None, None, None, False))
        else:
            out.append(
                TableTest(
                    "rao-scott",
                    scope,
                    result.statistic,
                    result.ndf,
                    result.ddf,
                    result.p_value,
                    result.p_value < alpha,
                )
            )
    return out, None


def _tables(rows: list[PercentRow]) -> list[tuple[str | None, np.ndarray, list[np.ndarray]]]:
    groups: dict[int, list[PercentRow]] = {}
    for r in rows:
        groups.setdefault(id(r.base), []).append(r)
    tables = []
    for members in groups.values():
        base = members[0].base
        covered = np.zeros(len(base), dtype=bool)
        hits = []
        for r in members:
            if not (covered & r.hit).any():
                hits.append(r.hit)
                covered |= r.hit
        if len(hits) >= 2 and np.array_equal(covered, base):
            label = members[0].label
            scope = label.split(": ")[0] if len(groups) > 1 else None
            tables.append((scope, base, hits))
    return tables
