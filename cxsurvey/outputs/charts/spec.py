"""What a figure's chart shows, as plain data (no plotting library needed).

The chart kind follows the figure:

- ``stacked``: a band distribution (``S.band``) or an NPS figure: one 100%
  bar per column (Total, or each banner group), one segment per band (or
  detractors, passives, promoters);
- ``bars``: a Total-only figure: one horizontal bar per row, in the figure's
  row order (already sorted when the figure says ``sort: desc``);
- ``paired``: a two-group banner (leaders and laggards): two bars per row, the
  gap labelled and significant gaps marked;
- ``grouped``: a banner of three to eight groups: one bar per group per row,
  each value followed by the letters of the groups it is significantly higher
  than;
- ``ranked``: a banner of more than eight groups: small multiples, one panel per
  row, the groups sorted by value and named on their own bars (so no group has
  to be matched to a legend colour), the Total as a reference line;
- ``trend``: a date banner (``period``): one line per row over the periods (the
  NPS line for NPS figures), ▲/▼ on significant changes from the previous period.

Means use the same kinds with the scale's (or question's) range on the axis.
Every spec carries the question wording and a "Base: ...  Source: ..." footer.
Tests check charts by this data and by the drawn artists, not by pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cxsurvey.outputs.display import any_letter_drawn, cell_marks, format_number, gap_tests
from cxsurvey.outputs.wording import base_text, n_range, question_wording, source_text
from cxsurvey.study import models
from cxsurvey.study.checks import score_range
from cxsurvey.study.variables import resolve_variable
from cxsurvey.tabulation.results import FigureResult

# Okabe & Ito's colour-blind-safe palette, ordered so that neighbouring series
# also differ in lightness (their grey levels: 87, 162, 106, 213, 119, 158, 0, 151).
DEFAULT_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#F0E442",
    "#D55E00",
    "#56B4E9",
    "#000000",
    "#CC79A7",
)
MAX_GROUPED = 8  # more banner groups than this are drawn as ranked small multiples


@dataclass(frozen=True)
class Series:
    name: str  # legend: the banner column (or band, or row for trends)
    values: list[float | None]  # one per category; None for an empty cell
    marks: list[str] = field(default_factory=list)  # per category: letters, ▲/▼, *


@dataclass(frozen=True)
class ChartSpec:
    figure_id: str
    kind: str  # stacked | bars | paired | grouped | ranked | trend
    title: str
    stat: str  # percent | mean | nps
    categories: list[str]  # bar rows: figure rows; columns for stacked; periods for trends
    series: list[Series]
    axis: tuple[float, float]
    bases: dict[str, str]  # legend/category name -> "n=..." text
    gaps: list[str] = field(default_factory=list)  # per category, paired charts only
    significant: list[bool] = field(default_factory=list)
    footnote: str = ""  # what the marks mean, the filter, small bases
    wording: str = ""  # the question as asked
    footer: str = ""  # "Base: ... Source: ..."
    palette: tuple[str, ...] = DEFAULT_PALETTE
    letters: dict[str, str] = field(default_factory=dict)  # group -> letter
    total: list[float | None] = field(default_factory=list)  # per category (ranked)

    def label(self, name: str) -> str:
        """A legend or category name with its letter and its base."""
        letter = self.letters.get(name)
        text = f"{name} ({letter})" if letter else name
        base = self.bases.get(name)
        return f"{text} ({base})" if base else text


def chart_spec(
    fig: FigureResult, study: models.Study | None = None, source: str | None = None
) -> ChartSpec:
    if fig.drivers is not None:
        from cxsurvey.outputs.charts.quadrant import quadrant_spec

        return quadrant_spec(fig)
    bases = {col: _base_text(fig, col) for col in fig.columns}
    palette = tuple(study.palette) if study is not None and study.palette else DEFAULT_PALETTE
    common = {
        "wording": _wording(fig, study),
        "footer": base_text(fig) + " " + source_text(source or _study_title(fig, study)),
        "palette": palette,
    }
    if _is_trend(fig, study):
        return _trend(fig, study, bases, common)
    if fig.question.endswith(".band") or fig.stat == "nps":
        return _stacked(fig, bases, common)
    groups = fig.columns[1:] or ["Total"]
    if len(groups) == 1:
        kind = "bars"
    elif len(groups) == 2:
        kind = "paired"
    else:
        kind = "grouped" if len(groups) <= MAX_GROUPED else "ranked"
    rows = fig.rows
    series = [
        Series(g, [r.cells[g].value for r in rows], [chart_marks(r.cells[g]) for r in rows])
        for g in groups
    ]
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
            text = format_number(gap.points, 2 if fig.stat == "mean" else 0, sign=True)
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
        letters=dict(fig.letters or {}),
        total=[r.cells["Total"].value for r in rows] if "Total" in fig.columns else [],
        **common,
    )


def chart_marks(cell) -> str:
    """Letters and ▲/▼ (small-base daggers stay in the tables and the footnote)."""
    return cell_marks(cell).replace("†", "").strip()


def _wording(fig: FigureResult, study: models.Study | None) -> str:
    """The question's wording, unless the title already is that wording."""
    wording = question_wording(fig, study)
    return "" if wording.strip() == fig.title.strip() else wording


def _study_title(fig: FigureResult, study: models.Study | None) -> str:
    return study.study if study is not None else fig.id


def _is_trend(fig: FigureResult, study: models.Study | None) -> bool:
    if study is not None and fig.by is not None:
        q = study.questions.get(fig.by)
        if q is not None:
            return isinstance(q, models.Date)
    return any(c.change is not None for r in fig.rows for c in r.cells.values())


def _trend(fig: FigureResult, study, bases: dict[str, str], common: dict) -> ChartSpec:
    periods = fig.columns[1:]
    rows = [r for r in fig.rows if r.label == "NPS"] if fig.stat == "nps" else fig.rows
    series = [
        Series(
            r.label, [r.cells[p].value for p in periods], [chart_marks(r.cells[p]) for p in periods]
        )
        for r in rows
    ]
    values = [v for s in series for v in s.values if v is not None]
    if fig.stat == "mean":
        axis = _mean_axis(fig, study, values)
    elif fig.stat == "nps":
        axis = (-100.0, 100.0)
    else:
        axis = (0.0, 100.0)
    return ChartSpec(
        fig.id,
        "trend",
        fig.title,
        fig.stat,
        list(periods),
        series,
        axis,
        bases,
        footnote=_footnote(fig, "trend"),
        **common,
    )


def _stacked(fig: FigureResult, bases: dict[str, str], common: dict) -> ChartSpec:
    rows = [r for r in fig.rows if r.label != "NPS"]
    if fig.stat == "nps":  # detractors first, so the bar reads left (bad) to right (good)
        order = ["Detractors", "Passives", "Promoters"]
        rows = sorted(rows, key=lambda r: order.index(r.label))
    columns = fig.columns  # Total, then each banner group
    gap_marks = len(columns) == 3 and fig.by is not None
    series = []
    for r in rows:
        marks = [chart_marks(r.cells[c]) for c in columns]
        if gap_marks and r.gap is not None and r.gap.significant:
            marks = ["", "*", "*"]  # the two groups differ significantly on this band
        series.append(Series(r.label, [r.cells[c].value for c in columns], marks))
    categories = list(columns)
    if fig.stat == "nps":
        nps = next(r for r in fig.rows if r.label == "NPS")
        categories = [_nps_category(c, nps.cells[c], fig.letters or {}) for c in columns]
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
        letters=dict(fig.letters or {}),
        **common,
    )


def _nps_category(column: str, cell, letters: dict[str, str]) -> str:
    """'Retail (D) (NPS +3 HL)': the column, its letter, its NPS and what it beats."""
    name = f"{column} ({letters[column]})" if column in letters else column
    if cell.value is None:
        return name
    marks = chart_marks(cell)
    return f"{name} (NPS {format_number(cell.value, sign=True)}{' ' + marks if marks else ''})"


def _base_text(fig: FigureResult, column: str) -> str:
    return n_range(fig, column)


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
    tests = gap_tests(fig)
    if kind == "paired":
        parts.append(
            "Gap = first group minus second; * significant"
            + (f" ({', '.join(tests)})." if tests else ".")
        )
    if kind == "stacked" and fig.by is not None and len(fig.columns) == 3:
        parts.append(
            "* the two groups differ significantly on this segment"
            + (f" ({', '.join(tests)})." if tests else ".")
        )
    if fig.letters and kind in ("grouped", "ranked", "stacked"):
        key = ", ".join(f"{v} = {k}" for k, v in fig.letters.items())
        parts.append(
            f"Letters: significantly higher than the group with that letter ({key})."
            if any_letter_drawn(fig)
            else f"Letters identify the groups ({key}); no group is significantly higher "
            "than another."
        )
    if kind == "trend":
        parts.append("▲ / ▼: a significant change from the previous period.")
    small = [w for w in fig.warnings if w.startswith("small base")]
    if small:
        parts.append(small[0][0].upper() + small[0][1:] + ".")
    return " ".join(parts)
