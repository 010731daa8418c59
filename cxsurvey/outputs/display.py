"""Display rounding shared by the terminal, Markdown, report, chart and slide renderers.

Percentages and NPS show whole numbers, means two decimals; values are never
rounded in JSON or CSV. Every displayed number goes through ``format_number``,
which rounds half away from zero as SPSS and Excel show numbers (12.5% -> 13%,
where Python's own formatting rounds half to even and shows 12%).
"""

from __future__ import annotations

from cxsurvey.numbers import format_number
from cxsurvey.tabulation.results import Cell, FigureResult, Gap

"""Binary floats are first rounded to this many decimals, so 0.285 (stored as
0.28499999999999998) rounds as the 0.285 it stands for."""


def value_kind(stat: str, label: str) -> str:
    if stat == "nps" and label == "NPS":
        return "nps"
    return "mean" if stat == "mean" else "percent"


def display_value(value: float | None, kind: str) -> str:
    if value is None:
        return ""
    decimals, sign, suffix = UNITS.get(kind, UNITS["percent"])
    return format_number(value, decimals, sign) + suffix


UNITS = {
    "percent": (0, False, "%"),
    "mean": (2, False, ""),
    "nps": (0, True, ""),
    "r2": (3, False, ""),
    "share": (1, False, "%"),
    "share_ci": (1, False, "%"),
    "r": (2, True, ""),
}
"""Decimals, sign and suffix of each kind of value; the last four are key-driver
cells (``Cell.unit``): shares of R², % of R², correlations."""
"""Display of key-driver cells (``Cell.unit``): shares of R², % of R², correlations.
``share_ci`` (the Shapley %) also shows its bootstrap interval, whole percents."""


def cell_marks(cell: Cell) -> str:
    """What a table shows beside a value: the letters of the columns it is
    significantly higher than, ▲/▼ for a significant change from the previous
    period, † for a small base."""
    marks = []
    if cell.higher_than:
        marks.append("".join(cell.higher_than))
    if cell.change is not None and cell.change.significant and cell.change.points is not None:
        marks.append("▲" if cell.change.points > 0 else "▼")
    if cell.small_base and cell.value is not None:
        marks.append("†")
    return " ".join(marks)


def display_cell(cell: Cell, stat: str, label: str) -> str:
    text = display_value(cell.value, cell.unit or value_kind(stat, label))
    if cell.unit == "share_ci" and cell.ci is not None:
        text += f" ({format_number(cell.ci[0])}-{format_number(cell.ci[1])})"
    marks = cell_marks(cell)
    return f"{text} {marks}" if marks else text


def display_gap(gap: Gap | None, stat: str, label: str) -> str:
    if gap is None or gap.points is None:
        return ""
    kind = value_kind(stat, label)
    text = format_number(gap.points, 2 if kind == "mean" else 0, sign=True)
    return text + (" *" if gap.significant else "")


def header(fig: FigureResult, compact: bool = False) -> list[str]:
    """Column headings; ``compact`` shows only the letters of a lettered banner."""
    cols = ["", *fig.columns]
    if fig.letters:
        cols = [
            "",
            "Total",
            *(fig.letters[c] if compact else f"{c} ({fig.letters[c]})" for c in fig.columns[1:]),
        ]
    if fig.by and len(fig.columns) == 3:
        cols.append("Gap")
    return cols


def base_row(fig: FigureResult) -> list[str]:
    """The 'Base' row: each column's base (the first row's; per-row bases differ for grids)."""
    bases = []
    for c in fig.columns:
        values = {r.cells[c].base for r in fig.rows}
        b = min(values) if values else 0
        text = f"{b:g}" if len(values) <= 1 else f"{min(values):g}-{max(values):g}"
        bases.append(text)
    extra = [""] if fig.by and len(fig.columns) == 3 else []
    return ["Base", *bases, *extra]


TEST_NAMES = {
    "z": "two-proportion z-test",
    "fisher": "Fisher's exact test",
    "welch": "Welch's t-test",
    "nps-z": "NPS z-test",
}


def gap_tests(fig: FigureResult) -> list[str]:
    """The names of the tests behind a figure's gaps, in a stable order."""
    used = {r.gap.test for r in fig.rows if r.gap is not None and r.gap.p_value is not None}
    return [TEST_NAMES.get(t, t) for t in sorted(used)]


def figure_words(fig: FigureResult) -> list[str]:
    """The question as asked (when the title is not already it) and what the
    values count (when more than a plain percent of the row's option)."""
    words = []
    if fig.wording and fig.wording != fig.title:
        words.append(f"Question: {fig.wording}")
    if fig.measure and fig.measure not in ("%", "Mean"):
        words.append(f"Values: {fig.measure}")
    return words


def any_letter_drawn(fig: FigureResult) -> bool:
    """Whether any cell of a lettered figure is significantly higher than another column."""
    return any(c.higher_than for r in fig.rows for c in r.cells.values())


def figure_notes(fig: FigureResult, warnings: bool = True) -> list[str]:
    """The footnotes of a figure's table: the question's wording and what the
    values count, filter, gap or letter legend, warnings."""
    notes = [f"{w}." if not w.endswith((".", "?", "!")) else w for w in figure_words(fig)]
    if fig.filter:
        notes.append(f"Filter: {fig.filter}.")
    if fig.by and len(fig.columns) == 3:
        tests = gap_tests(fig)
        notes.append(
            "Gap = first group minus second, in points; * significant at the chosen alpha"
            + (f" ({', '.join(tests)})." if tests else ".")
        )
    if fig.letters:
        notes.append(
            "Letters: the column is significantly higher than the lettered columns."
            if any_letter_drawn(fig)
            else "No column is significantly higher than another (no letters to show)."
        )
    if any(c.change is not None for r in fig.rows for c in r.cells.values()):
        notes.append("▲ / ▼: a significant change from the previous period.")
    notes += drivers_notes(fig)
    notes += [t.describe() + "." for t in fig.table_tests]
    if warnings:
        notes += [f"Warning: {w}" for w in fig.warnings]
    return notes


def describe_missing(codes: list) -> str:
    """``missing codes: -99 (Qualtrics' "seen but not answered"), 98`` for summaries."""
    if not codes:
        return "missing codes: none (blank cells only)"
    shown = []
    for code in codes:
        text = f"{code:g}" if isinstance(code, int | float) and not isinstance(code, bool) else code
        if text == "-99":
            text += ' (Qualtrics\' "seen but not answered")'
        shown.append(str(text))
    return "missing codes: " + ", ".join(shown)


def export_line(record: dict) -> str:
    """One line on how the export was read: layout, encoding, delimiter, missing codes."""
    if not record:
        return ""
    line = f"export: {record['description']}; {describe_missing(record['missing'])}"
    if record.get("partitions"):
        p = record["partitions"]
        line += f"; read {p['read']} of {p['of']} partitions (--since/--until)"
    engine = record.get("engine")
    if engine and (engine["name"] != "memory" or engine.get("note")):
        line += "; " + (engine.get("note") or f"aggregated by {engine['name']}")
        agg = engine.get("aggregates")
        if agg and agg.get("cache") and agg.get("files", 0) > 1:
            line += f" ({agg['computed']} of {agg['files']} files computed, {agg['reused']} from the cache)"
    return line


def window_text(window: dict | None) -> str:
    """``--since/--until: dated 2026-03-01 to 2026-03-31 in 'submitted' (Europe/Berlin);
    excluded 120 dated outside, 3 undated``: how the window restricted the respondents
    ('' without one)."""
    if not window:
        return ""
    span = f"{window['since'] or 'any day'} to {window['until'] or 'any day'}"
    return (
        f"--since/--until: dated {span} in {window['question']!r} ({window['timezone']}); "
        f"excluded {window['outside']} dated outside, {window['undated']} undated"
    )


def window_clause(respondents: dict) -> str:
    """``, dated ...`` for a respondents line; '' without a window."""
    text = window_text(respondents.get("window"))
    return f" ({text})" if text else ""


def drivers_notes(fig: FigureResult) -> list[str]:
    """How a key-drivers figure was computed, in words (empty for other figures)."""
    d = fig.drivers
    if d is None:
        return []
    r2 = f"R² = {format_number(d.r2, 3)}"
    if d.r2_ci:
        lo, hi = (format_number(v, 3) for v in d.r2_ci)
        r2 += f" ({d.level:.0%} interval {lo}-{hi})"
    weighted = f", weighted base {d.weighted_base:g}" if d.weighted_base is not None else ""
    outcome = d.outcome_label
    if d.yes_no:
        outcome += " (1 = yes, 0 = any other answer: a linear probability model)"
    notes = [
        f"Outcome: {outcome}; n = {d.n} respondents who answered the outcome and "
        f"every predictor{weighted} ({d.excluded} left out: listwise deletion); {r2}.",
        "Shapley: the predictor's share of R² by the exact Shapley (LMG) decomposition over "
        "all predictor subsets; Johnson: Johnson's (2000) relative weight; both sum to R² "
        "(% columns: as a share of R²). r: correlation with the outcome. Mean: performance.",
    ]
    if d.replicates:
        notes.append(
            f"Intervals: {d.level:.0%} bootstrap percentile intervals from {d.replicates} "
            f"resamples of respondents (seed {d.seed}); shown in brackets for Shapley %, "
            "for every column in JSON and CSV."
        )
    return notes
