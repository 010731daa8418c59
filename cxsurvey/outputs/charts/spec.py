"""What a figure's chart shows, as plain data (no plotting library needed).

The chart kind follows the figure:

- ``stacked``: a band distribution (``S.band``) or an NPS figure: one 100%
  bar per column (Total, or each banner group), one segment per band (or
  detractors, passives, promoters);
- ``bars``: a Total-only figure: one horizontal bar per row, in the figure's
  row order (already sorted when the figure says ``sort: desc``);
- ``paired``: a two-group banner (leaders and laggards): two bars per row, the
  gap labelled and significant gaps marked;
- ``grouped``: a banner of three or more groups: one bar per group per row.

Means use the same kinds with the scale's (or question's) range on the axis.
Tests check charts by this data and by the drawn bars, not by pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxsurvey.study import models
from cxsurvey.study.checks import score_range
from cxsurvey.study.variables import resolve_variable
from cxsurvey.tabulation.results import FigureResult


@dataclass(frozen=True)
class Series:
    name: str  # legend: the banner column (or band, for stacked charts)
    values: list[float | None]  # one per category; None for an empty cell


@dataclass(frozen=True)
class ChartSpec:
    figure_id: str
    kind: str  # stacked | bars | paired | grouped
    title: str
    stat: str  # percent | mean | nps
    categories: list[str]  # bar rows: figure rows, or columns for stacked charts
    series: list[Series]
    axis: tuple[float, float]
    bases: dict[str, str]  # legend/category name -> "n=..." text
    gaps: list[str] = field(default_factory=list)  # per category, paired charts only
    significant: list[bool] = field(default_factory=list)
    footnote: str = ""

    def label(self, name: str) -> str:
        """A legend or category name with its base."""
        base = self.bases.get(name)
        return f"{name} ({base})" if base else name


def chart_spec(fig: FigureResult, study: models.Study | None = None) -> ChartSpec:
    if fig.drivers is not None:
        from cxsurvey.outputs.charts.quadrant import quadrant_spec

        return quadrant_spec(fig)
    bases = {col: _base_text(fig, col) for col in fig.columns}
    if fig.question.endswith(".band") or fig.stat == "nps":
        return _stacked(fig, bases)
    groups = fig.columns[1:] or ["Total"]
    kind = "bars" if len(groups) == 1 else ("paired" if len(groups) == 2 else "grouped")
    rows = fig.rows
    series = [Series(g, [r.cells[g].value for r in rows]) for g in groups]
    values = [v for s in series for v in s.values if v is not None]
    axis = _mean_axis(fig, study, values) if fig.stat == "mean" else (0.0, 100.0)
    gaps, significant = [], []
    if kind == "paired":
        for r in rows:
            gap = r.gap
            if gap is None or gap.points is None:
                gaps.append("")
                significant.append(False)
                continue
            text = f"{gap.points:+.2f}" if fig.stat == "mean" else f"{gap.points:+.0f}"
            gaps.append(text + ("*" if gap.significant else ""))
            significant.append(gap.significant)
    return ChartSpec(
        fig.id,
        kind,
        fig.title,
        fig.stat,
        [r.label for r in rows],
        series,
        axis,
        bases,
        gaps,
        significant,
        _footnote(fig, kind),
    )


def _stacked(fig: FigureResult, bases: dict[str, str]) -> ChartSpec:
    rows = [r for r in fig.rows if r.label != "NPS"]
    if fig.stat == "nps":  # detractors first, so the bar reads left (bad) to right (good)
        order = ["Detractors", "Passives", "Promoters"]
        rows = sorted(rows, key=lambda r: order.index(r.label))
    columns = fig.columns  # Total, then each banner group
    series = [Series(r.label, [r.cells[c].value for c in columns]) for r in rows]
    categories = list(columns)
    if fig.stat == "nps":
        nps = next(r for r in fig.rows if r.label == "NPS")
        categories = [
            f"{c} (NPS {nps.cells[c].value:+.0f})" if nps.cells[c].value is not None else c
            for c in columns
        ]
        bases = {cat: bases[c] for cat, c in zip(categories, columns, strict=True)}
    return ChartSpec(
        fig.id,
        "stacked",
        fig.title,
        fig.stat,
        categories,
        series,
        (0.0, 100.0),
        bases,
        footnote=_footnote(fig, "stacked"),
    )


def _base_text(fig: FigureResult, column: str) -> str:
    bases = {r.cells[column].base for r in fig.rows}
    if not bases:
        return ""
    lo, hi = min(bases), max(bases)
    return f"n={lo:g}" if lo == hi else f"n={lo:g}-{hi:g}"


def _mean_axis(fig: FigureResult, study: models.Study | None, values: list[float]):
    top = max(values, default=1.0)
    if study is None:
        return (0.0, top * 1.1 or 1.0)
    var = resolve_variable(fig.question, study)
    if var is None:
        return (0.0, top * 1.1 or 1.0)
    if var.scale is not None:
        scale = study.scales[var.scale]
        if var.kind == "scale":
            return score_range(scale)
        codes = [float(v) for v in scale.values if isinstance(v, int | float)]
        if scale.group_score == "sum":
            sizes = [len(items) for items in scale.groups.values()]
            return (min(codes) * min(sizes), max(codes) * max(sizes))
        return (min(codes), max(codes))
    q = var.question
    if isinstance(q, models.Numeric):
        return (float(q.range[0]), float(q.range[1])) if q.range else (0.0, top * 1.1 or 1.0)
    if isinstance(q, models.Nps):
        return (0.0, 10.0)
    codes = [float(c) for c in q.options if isinstance(c, int | float)]
    return (min(codes), max(codes)) if codes else (0.0, top * 1.1 or 1.0)


def _footnote(fig: FigureResult, kind: str) -> str:
    parts = []
    if fig.filter:
        parts.append(f"Filter: {fig.filter}.")
    if kind == "paired":
        tests = sorted(
            {r.gap.test for r in fig.rows if r.gap is not None and r.gap.p_value is not None}
        )
        names = {"z": "two-proportion z-test", "fisher": "Fisher's exact test",
                 "welch": "Welch's t-test", "nps-z": "NPS z-test"}  # fmt: skip
        parts.append(
            "Gap = first group minus second; * significant ("
            + ", ".join(names[t] for t in tests)
            + ")."
        )
    if kind == "grouped" and fig.letters:
        parts.append("Letters in the table mark significant differences between groups.")
    small = [w for w in fig.warnings if w.startswith("small base")]
    if small:
        parts.append(small[0][0].upper() + small[0][1:] + ".")
    return " ".join(parts)
