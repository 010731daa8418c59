"""Sums over respondents -> the cells of a figure (bases, counts, values, intervals).

A banner is a *slot* per respondent: 0 = kept by the figure's filter but in no
banner group, 1..k = banner group, k + 1 = filtered out. Every sum a cell needs
is one weighted ``np.bincount`` over the slots, so a row costs one vectorised
pass whatever the number of respondents; Total is the sum of slots 0..k.

- percent = 100 x count / base, with a 95% Wilson interval; mean over the base,
  with the sample standard deviation; NPS = % promoters - % detractors, with an
  adjusted-Wald interval.
- With weights, counts and bases are weighted sums and each cell also reports its
  Kish effective base (sum w)^2 / sum w^2, which intervals and tests then use.
- A base of zero gives an empty cell (value None); a base under ``small_base``
  respondents (unweighted) is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cxsurvey.stats import classic as stats
from cxsurvey.tabulation.question_rows import MeanRow, PercentRow, QuestionRows
from cxsurvey.tabulation.results import Cell, Row

NPS_LABELS = ("Promoters", "Passives", "Detractors")


@dataclass
class ColumnSums:
    """Per-banner-column sums: ``sums(values)`` -> [Total, group 1, ..., group k]."""

    slot: np.ndarray  # intp per respondent, 0..k+1 (see the module doc)
    k: int
    weights: np.ndarray | None
    small_base: int
    _base_cache: dict[int, tuple] = field(default_factory=dict)

    @property
    def weighted(self) -> bool:
        return self.weights is not None

    def __post_init__(self) -> None:
        # For a few columns, counting a mask per column beats a bincount.
        self._members: list[np.ndarray | None] | None = None
        if self.k <= 4:
            kept = self.slot <= self.k
            self._members = [None if kept.all() else kept]
            self._members += [self.slot == j + 1 for j in range(self.k)]

    def __call__(self, values: np.ndarray) -> np.ndarray:
        if values.dtype == bool:
            if self._members is not None:
                return np.array(
                    [np.count_nonzero(values if m is None else values & m) for m in self._members],
                    dtype=float,
                )
            by_slot = np.bincount(self.slot[values], minlength=self.k + 2)
        else:
            by_slot = np.bincount(self.slot, weights=values, minlength=self.k + 2)
        return np.concatenate(([by_slot[: self.k + 1].sum()], by_slot[1 : self.k + 1]))

    def weighted_sum(self, mask: np.ndarray) -> np.ndarray:
        return self(mask if self.weights is None else mask * self.weights)

    def base(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(weighted base, unweighted base, sum of squared weights) of a base mask;
        option rows share their base, so it is summed once."""
        key = id(mask)
        if key not in self._base_cache:
            w = self.weights
            self._base_cache[key] = (
                mask,  # keeps the array alive so its id stays unique
                self.weighted_sum(mask),
                self(mask),
                None if w is None else self(mask * (w * w)),
            )
        return self._base_cache[key][1:]


def figure_rows(data: QuestionRows, sums: ColumnSums, columns: list[str]) -> list[Row]:
    if data.nps is not None:
        return _nps_rows(data, sums, columns)
    rows = []
    for r in data.rows:
        if isinstance(r, PercentRow):
            counts = sums.weighted_sum(r.hit)
            bases, raw, sww = sums.base(r.base)
            cells = {
                col: _percent_cell(counts[j], bases[j], raw[j], sww, j, sums)
                for j, col in enumerate(columns)
            }
        else:
            cells = _mean_cells(r, sums, columns)
        rows.append(Row(r.label, cells))
    return rows


def _num(x: float, weighted: bool) -> float:
    return float(x) if weighted else round(x)


def _percent_cell(count, base, raw, sww, j, sums: ColumnSums) -> Cell:
    weighted = sums.weighted
    if base <= 0:
        return Cell(None, _num(0, weighted), _num(0, weighted), small_base=True)
    n = float(base * base / sww[j]) if weighted else float(base)
    value = float(100.0 * count / base)
    return Cell(
        value,
        _num(count, weighted),
        _num(base, weighted),
        stats.wilson(value / 100 * n, n),
        n if weighted else None,
        bool(raw < sums.small_base),
    )


def _mean_cells(row: MeanRow, sums: ColumnSums, columns: list[str]) -> dict[str, Cell]:
    inb = ~np.isnan(row.values)
    x = np.where(inb, row.values, 0.0)
    w = np.ones(len(x)) if sums.weights is None else sums.weights
    wi = w * inb
    sw, sx, sxx = sums(wi), sums(wi * x), sums(wi * x * x)
    raw, sww = sums(inb), sums(wi * w)
    cells = {}
    for j, col in enumerate(columns):
        if sw[j] <= 0:
            cells[col] = Cell(None, 0, 0, small_base=True)
            continue
        mean = sx[j] / sw[j]
        n_eff = sw[j] ** 2 / sww[j] if sums.weighted else raw[j]
        # Sample variance with the n/(n-1) correction on the (effective) base.
        var = max(0.0, sxx[j] / sw[j] - mean * mean)
        sd = float(np.sqrt(var * n_eff / (n_eff - 1))) if n_eff > 1 else None
        cells[col] = Cell(
            float(mean),
            int(raw[j]),
            int(raw[j]),
            None,
            float(n_eff) if sums.weighted else None,
            bool(raw[j] < sums.small_base),
            sd,
        )
    return cells


def _nps_rows(data: QuestionRows, sums: ColumnSums, columns: list[str]) -> list[Row]:
    nps = data.nps
    passive = nps.base & ~nps.promoter & ~nps.detractor
    shares = QuestionRows(
        "percent",
        [
            PercentRow(label, hit, nps.base)
            for label, hit in zip(NPS_LABELS, (nps.promoter, passive, nps.detractor), strict=True)
        ],
    )
    rows = figure_rows(shares, sums, columns)
    cells = {}
    for col in columns:
        pro, det = rows[0].cells[col], rows[2].cells[col]
        if pro.value is None:
            cells[col] = Cell(None, pro.count, pro.base, small_base=True)
            continue
        n = pro.test_base
        p, d = pro.value / 100, det.value / 100
        ci = stats.nps_adjusted_wald(p * n, d * n, n)
        cells[col] = Cell(
            pro.value - det.value, pro.base, pro.base, ci, pro.effective_base, pro.small_base
        )
    return [*rows, Row("NPS", cells)]
