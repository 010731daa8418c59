"""Display rounding shared by the terminal, Markdown and report renderers.

Percentages and NPS show whole numbers, means two decimals; values are never
rounded in JSON or CSV.
"""

from __future__ import annotations

from cxsurvey.tabulation.results import Cell, FigureResult, Gap


def _kind(stat: str, label: str) -> str:
    if stat == "nps" and label == "NPS":
        return "nps"
    return "mean" if stat == "mean" else "percent"


def display_value(value: float | None, kind: str) -> str:
    if value is None:
        return ""
    if kind == "mean":
        return f"{value:.2f}"
    if kind == "nps":
        return f"{value:+.0f}"
    return f"{value:.0f}%"


def display_cell(cell: Cell, stat: str, label: str) -> str:
    text = display_value(cell.value, _kind(stat, label))
    if cell.higher_than:
        text += " " + "".join(cell.higher_than)
    if cell.change is not None and cell.change.significant and cell.change.points is not None:
        text += (
            " ▲" if cell.change.points > 0 else " ▼"
        )  # a significant change from the last period
    if cell.small_base and cell.value is not None:
        text += " †"
    return text


def display_gap(gap: Gap | None, stat: str, label: str) -> str:
    if gap is None or gap.points is None:
        return ""
    kind = _kind(stat, label)
    text = f"{gap.points:+.2f}" if kind == "mean" else f"{gap.points:+.0f}"
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


def figure_notes(fig: FigureResult, warnings: bool = True) -> list[str]:
    """The footnotes of a figure's table: filter, gap or letter legend, warnings."""
    notes = []
    if fig.filter:
        notes.append(f"Filter: {fig.filter}.")
    if fig.by and len(fig.columns) == 3:
        notes.append(
            "Gap = first group minus second, in points; * significant at the chosen "
            "alpha (test named per row)."
        )
    if fig.letters:
        notes.append("Letters: the column is significantly higher than the lettered columns.")
    if any(c.change is not None for r in fig.rows for c in r.cells.values()):
        notes.append("▲ / ▼: a significant change from the previous period.")
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
    return f"export: {record['description']}; {describe_missing(record['missing'])}"
