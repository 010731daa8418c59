"""Sums over respondents -> the cells of a figure (bases, counts, values, errors).

A banner is a *slot* per respondent: 0 = kept by the figure's filter but in no
banner group, 1..k = banner group, k + 1 = filtered out. Each row groups its
base respondents into atoms (slot x answer) and takes per-atom sums with one
``np.bincount`` per sum (stats.design), so a row costs a few vectorised passes
whatever the number of respondents; Total is the sum of slots 0..k.

Every cell is a ratio estimate over its domain (column x base), with the design's
linearised standard error, design effect and effective base (stats.design):

- percent = 100 x weighted count / weighted base; NPS = the mean of a
  +100 / 0 / -100 score (= % promoters - % detractors); mean over the base.
- ``n`` counts respondents with a positive weight; ``base`` sums their weights
  (= n unweighted). A base of zero gives an empty cell (value None).
- Intervals: Wilson on n for a simple random sample (no weights, clusters or
  strata); otherwise the figure's ``interval`` method on the design variance.
- Small bases: n under ``small_base`` or, under a design, an effective base
  under it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cxsurvey.stats import classic as stats
from cxsurvey.stats.design import (
    Design,
    Presence,
    SlotSums,
    cluster_cov,
    linearised_cov,
    mean_atoms,
    percent_atoms,
    t_two_sided,
)
from cxsurvey.stats.intervals import mean_interval, proportion_interval
from cxsurvey.stats.raked_variance import raked_cov
from cxsurvey.tabulation.question_rows import PercentRow, QuestionRows
from cxsurvey.tabulation.results import Cell, Row

NPS_LABELS = ("Promoters", "Passives", "Detractors")


@dataclass
class ColumnSums:
    """The banner slots of a figure's respondents and the design they come from."""

    slot: np.ndarray  # intp per respondent, 0..k+1 (see the module doc)
    k: int
    design: Design
    small_base: int
    interval: str = "wilson"

    def __post_init__(self) -> None:
        self.slots = SlotSums(self.design, self.slot, self.k + 2)
        self._bases: dict[int, tuple] = {}

    def base_sums(self, base: np.ndarray) -> dict:
        """Sums over a base; option rows share their base, so it is summed once."""
        key = id(base)
        if key not in self._bases:
            self._bases[key] = (base, self.slots.over(base))  # keeps the id unique
        return self._bases[key][1]

    @property
    def weighted(self) -> bool:
        return self.design.weights is not None

    @property
    def classic(self) -> bool:
        return self.design.classic

    def member(self, per_slot: int) -> np.ndarray:
        """(atoms x columns) membership: column 0 Total (slots 0..k), column j slot j."""
        k = self.k
        m = np.zeros(((k + 1) * per_slot, k + 1))
        m[:, 0] = 1
        for j in range(1, k + 1):
            m[j * per_slot : (j + 1) * per_slot, j] = 1
        return m


@dataclass
class RowDesign:
    """A row's estimates, their covariance and domains: design-based pairwise
    tests of its columns, as R's ``svyttest(y ~ group, subset(design, ...))``."""

    columns: list[str]
    estimate: np.ndarray  # per column, in the cell's units
    cov: np.ndarray  # columns x columns, in the cell's units squared
    presence: Presence

    def test(self, x: str, y: str) -> tuple[str, float | None]:
        i, j = self.columns.index(x), self.columns.index(y)
        diff = self.estimate[i] - self.estimate[j]
        var = self.cov[i, i] + self.cov[j, j] - 2 * self.cov[i, j]
        df = self.presence.df(i, j) - 1  # svyglm: degf + 1 - 2 coefficients
        if not math.isfinite(diff) or df <= 0:
            return "design-t", None
        if var <= 0:
            return "design-t", None if diff == 0 else 0.0
        return "design-t", t_two_sided(diff / math.sqrt(var), df)


def _columns(x: np.ndarray, k: int) -> np.ndarray:
    """units x slots -> units x columns: Total (slots 0..k), then slots 1..k."""
    out = np.empty((len(x), k + 1))
    np.sum(x[:, : k + 1], axis=1, out=out[:, 0])
    out[:, 1:] = x[:, 1 : k + 1]
    return out


def figure_rows(data: QuestionRows, sums: ColumnSums, columns: list[str]) -> list[Row]:
    if data.nps is not None:
        return _nps_rows(data, sums, columns)
    rows = []
    hits = {} if sums.classic else _disjoint_hit_sums(data.rows, sums)
    for r in data.rows:
        if isinstance(r, PercentRow):
            rows.append(_percent_row(r.label, r.hit, r.base, sums, columns, hits.get(id(r))))
        else:
            rows.append(_mean_row(r.label, r.values, sums, columns, "mean"))
    return rows


def _disjoint_hit_sums(rows, sums: ColumnSums) -> dict[int, dict]:
    """Hit sums of the percent rows sharing a base whose hits do not overlap (a
    question's options), in one pass per base rather than one per row."""
    groups: dict[int, list[PercentRow]] = {}
    for r in rows:
        if isinstance(r, PercentRow):
            groups.setdefault(id(r.base), []).append(r)
    out: dict[int, dict] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        base = members[0].base
        code = np.zeros(len(base), dtype=np.intp)
        taken = np.zeros(len(base), dtype=bool)
        chosen = []
        for r in members:
            hit = r.hit & base
            if (taken & hit).any():
                continue  # a net overlapping an option: summed on its own
            code[hit] = len(chosen)
            taken |= hit
            chosen.append(r)
        if len(chosen) < 2:
            continue
        split = sums.slots.over(taken, code=code, n_codes=len(chosen))
        for i, r in enumerate(chosen):
            out[id(r)] = {name: np.ascontiguousarray(a[:, :, i]) for name, a in split.items()}
    return out


def _percent_row(label, hit, base, sums: ColumnSums, columns, on_hits=None) -> Row:
    design, k = sums.design, sums.k
    on_base = sums.base_sums(base)
    if on_hits is None:
        on_hits = sums.slots.over(hit & base)
    bw, hw = _columns(on_base["w"], k), _columns(on_hits["w"], k)
    counts_by_unit = _columns(on_base["c"], k)
    bases, counts, n = bw.sum(axis=0), hw.sum(axis=0), counts_by_unit.sum(axis=0)
    safe = np.where(bases > 0, bases, 1)
    p = np.where(bases > 0, counts / safe, 0.0)
    if design.margins is not None:  # rim weights: residualised per respondent
        hits = np.tile([0.0, 1.0], k + 1)
        atom = np.where(base & (sums.slot <= k), 2 * sums.slot + (hit & base), -1)
        cov = raked_cov(design, atom, sums.member(2) * (hits[:, None] - p[None, :]) / safe)
    elif sums.slots.by_psu:  # PSU totals of the influence values, no atoms
        cov = cluster_cov(design, (hw - p * bw) / safe)
    else:
        agg = percent_atoms(on_base, on_hits, k, False)
        member = sums.member(2)
        hits = np.tile([0.0, 1.0], k + 1)
        cov = linearised_cov(design, agg, member * (hits[:, None] - p[None, :]) / safe)
    presence = Presence(design, counts_by_unit)
    cells = {}
    for j, col in enumerate(columns):
        if bases[j] <= 0:
            cells[col] = Cell(None, _num(0, sums), _num(0, sums), small_base=True, n=0)
            continue
        pj, var, nj = float(p[j]), max(0.0, float(cov[j, j])), round(n[j])
        srs = pj * (1 - pj) / (nj - 1) if nj > 1 else 0.0  # svyvar / n
        if sums.classic:
            ci = stats.wilson(pj * bases[j], bases[j])
        else:
            ci = proportion_interval(sums.interval, pj, var, nj, presence.df(j))
        if var <= 1e-24 * pj * (1 - pj):  # rounding: a share raked to its target
            var = 0.0  # SE 0, deff 0, effective base n (not n / 1e-33)
        deff = var / srs if srs > 0 else None
        eff = nj / deff if deff else float(nj)
        cells[col] = Cell(
            100 * pj,
            _num(counts[j], sums),
            _num(bases[j], sums),
            ci,
            eff,
            _small(nj, eff, sums),
            n=nj,
            se=100 * math.sqrt(var) if nj > 1 else None,
            deff=deff,
        )
    scaled = RowDesign(columns, 100 * p, 1e4 * cov, presence)
    return Row(label, cells, design=None if sums.classic else scaled)


def _mean_row(label, values, sums: ColumnSums, columns, kind: str) -> Row:
    design, k = sums.design, sums.k
    inb = ~np.isnan(values)
    on_base = sums.slots.over(inb, values)
    bw, yw = _columns(on_base["w"], k), _columns(on_base["wy"], k)
    counts_by_unit = _columns(on_base["c"], k)
    bases, totals, n = bw.sum(axis=0), yw.sum(axis=0), counts_by_unit.sum(axis=0)
    squares = _columns(on_base["wyy"], k).sum(axis=0)
    safe = np.where(bases > 0, bases, 1)
    mean = totals / safe
    if design.margins is not None:  # rim weights: residualised per respondent
        member = sums.member(1)
        atom = np.where(inb & (sums.slot <= k), sums.slot, -1)
        cov = raked_cov(design, atom, -member * mean / safe, values, member / safe)
    elif sums.slots.by_psu:
        cov = cluster_cov(design, (yw - mean * bw) / safe)
    else:
        agg = mean_atoms(on_base, k, False)
        member = sums.member(1)
        cov = linearised_cov(design, agg, -member * mean / safe, member / safe)
    presence = Presence(design, counts_by_unit)
    cells = {}
    for j, col in enumerate(columns):
        nj = round(n[j])
        if bases[j] <= 0:
            cells[col] = Cell(None, _num(0, sums), _num(0, sums), small_base=True, n=0)
            continue
        var = max(0.0, float(cov[j, j]))
        # svyvar: the weighted variance with the n / (n - 1) correction on respondents
        spread = max(0.0, float(squares[j] / bases[j] - mean[j] ** 2))
        s2 = spread * nj / (nj - 1) if nj > 1 else None
        deff = var / (s2 / nj) if s2 else None
        eff = nj / deff if deff else float(nj)
        ci = None
        if kind == "nps":
            if sums.classic:
                p, d = _shares(values, inb, sums, j)
                ci = stats.nps_adjusted_wald(p * bases[j], d * bases[j], bases[j])
            else:
                ci = mean_interval(mean[j], math.sqrt(var), presence.df(j))
        elif not sums.classic:
            ci = mean_interval(mean[j], math.sqrt(var), presence.df(j))
        cells[col] = Cell(
            float(mean[j]),
            _num(bases[j], sums),
            _num(bases[j], sums),
            ci,
            eff,
            _small(nj, eff, sums),
            None if kind == "nps" or s2 is None else math.sqrt(s2),
            n=nj,
            se=math.sqrt(var) if nj > 1 else None,
            deff=deff,
        )
    scaled = RowDesign(columns, mean, cov, presence)
    return Row(label, cells, design=None if sums.classic else scaled)


def _shares(values, inb, sums: ColumnSums, j: int) -> tuple[float, float]:
    """Unweighted promoter and detractor shares of column j (classic NPS interval)."""
    in_col = inb & ((sums.slot <= sums.k) if j == 0 else (sums.slot == j))
    counts = sums.design.counts  # respondents per row (aggregated rows)
    if counts is not None:
        n = counts[in_col].sum()
        return counts[in_col & (values > 0)].sum() / n, counts[in_col & (values < 0)].sum() / n
    n = np.count_nonzero(in_col)
    return (
        np.count_nonzero(in_col & (values > 0)) / n,
        np.count_nonzero(in_col & (values < 0)) / n,
    )


def _num(x: float, sums: ColumnSums) -> float:
    return float(x) if sums.weighted else round(x)


def _small(n: int, eff: float, sums: ColumnSums) -> bool:
    return bool(n < sums.small_base or (not sums.classic and eff < sums.small_base))


def _nps_rows(data: QuestionRows, sums: ColumnSums, columns: list[str]) -> list[Row]:
    nps = data.nps
    passive = nps.base & ~nps.promoter & ~nps.detractor
    rows = [
        _percent_row(label, hit, nps.base, sums, columns)
        for label, hit in zip(NPS_LABELS, (nps.promoter, passive, nps.detractor), strict=True)
    ]
    score = np.where(nps.base, 100.0 * nps.promoter - 100.0 * nps.detractor, np.nan)
    return [*rows, _mean_row("NPS", score, sums, columns, "nps")]
