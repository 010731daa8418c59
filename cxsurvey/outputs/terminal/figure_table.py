"""One rich table per figure for the terminal."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from cxsurvey.outputs.display import (
    base_row,
    display_cell,
    display_gap,
    drivers_notes,
    export_line,
    header,
)
from cxsurvey.outputs.terminal.console import plain
from cxsurvey.tabulation.results import FigureResult, FiguresResult


def figure_table(fig: FigureResult) -> Table:
    # Labels are data, never rich markup: every text from the study or export is a Text.
    table = Table(
        title=Text.assemble(plain(fig.title), plain(f"  ({fig.id})", "dim")),
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    compact = fig.letters is not None and len(fig.columns) > 5
    cols = header(fig, compact)
    for i, col in enumerate(cols):
        table.add_column(
            plain(col),
            justify="left" if i == 0 else "right",
            overflow="fold",
            min_width=12 if i == 0 else 5,
            max_width=48 if i == 0 else 16,
        )
    table.add_row(*(plain(c) for c in base_row(fig)), style="dim", end_section=True)
    for row in fig.rows:
        cells = [plain(display_cell(row.cells[c], fig.stat, row.label)) for c in fig.columns]
        gap = []
        if fig.by and len(fig.columns) == 3:
            text = display_gap(row.gap, fig.stat, row.label)
            gap = [Text(text, style="bold" if row.gap and row.gap.significant else "")]
        table.add_row(plain(row.label), *cells, *gap)
    notes = []
    if fig.filter:
        notes.append(f"filter: {fig.filter}")
    if fig.by and len(fig.columns) == 3:
        notes.append("gap = first group - second; * p < alpha")
    if fig.letters:
        legend = ", ".join(f"{v} = {k}" for k, v in fig.letters.items()) if compact else ""
        notes.append(
            "letters: significantly higher than that column" + (f" ({legend})" if legend else "")
        )
    if any(c.small_base for r in fig.rows for c in r.cells.values()):
        notes.append("† small base")
    notes += [n.rstrip(".") for n in drivers_notes(fig)]
    notes += [f"warning: {w}" for w in fig.warnings]
    table.caption = plain("; ".join(notes)) if notes else None
    table.caption_justify = "left"
    return table


def figures_view(result: FiguresResult) -> Group:
    r = result.respondents
    head = Text(
        f"{result.study}: {r['read']} read, {r['included']} included"
        + "".join(f", {n} scored on {s}" for s, n in r["scored"].items()),
        style="bold",
    )
    parts: list = [head]
    if result.export:
        parts.append(plain(export_line(result.export)))
    for fig in result.figures:
        parts += [Text(""), figure_table(fig)]
    return Group(*parts)
