"""Rich tables of figures for the terminal, never wider than the console.

A banner too wide for the console is split over several tables (the row labels
repeated in each, a "continued" title on the next ones) rather than cropped, so
no column, month or letter key is ever lost. Column headings wrap over a few
lines; a lettered banner's key is also printed in full under the table.
Labels are data: never parsed as rich markup, control characters made visible.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text

from cxsurvey.outputs.display import (
    base_row,
    display_cell,
    display_gap,
    drivers_notes,
    export_line,
    figure_words,
    window_clause,
)
from cxsurvey.outputs.safe_text import visible
from cxsurvey.outputs.terminal.console import plain
from cxsurvey.tabulation.results import FigureResult, FiguresResult

SEPARATOR = 3  # " │ " between columns (no outer edge, no edge padding)
HEADER_WRAP = 14  # a heading wraps to this width unless its cells are wider
STUB_MIN = 14


def _heading(fig: FigureResult, column: str) -> str:
    letter = (fig.letters or {}).get(column)
    return f"{column} ({letter})" if letter else column


def _width(texts: list[str], heading: str) -> int:
    content = max((cell_len(t) for t in texts), default=1)
    longest_word = max((cell_len(w) for w in heading.split()), default=1)
    return max(content, min(cell_len(heading), max(HEADER_WRAP, content)), min(longest_word, 20))


def _chunks(widths: list[int], room: int) -> list[list[int]]:
    """Column indices grouped so that each group fits in ``room`` characters, as
    evenly as the fewest groups allow (no lone last column)."""
    fewest = _greedy(widths, room)
    for narrower in range(max(widths, default=0) + SEPARATOR, room):
        balanced = _greedy(widths, narrower)
        if len(balanced) == len(fewest):
            return balanced
    return fewest


def _greedy(widths: list[int], room: int) -> list[list[int]]:
    chunks: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, w in enumerate(widths):
        need = w + SEPARATOR
        if current and used + need > room:
            chunks.append(current)
            current, used = [], 0
        current.append(i)
        used += need
    if current:
        chunks.append(current)
    return chunks


def figure_tables(fig: FigureResult, width: int = 80) -> list[tuple[Text, Table]]:
    """The figure as one titled table, or several parts when its banner is wide."""
    gap = fig.by is not None and len(fig.columns) == 3
    headings = [visible(_heading(fig, c)) for c in fig.columns] + (["Gap"] if gap else [])
    bases = base_row(fig)[1:]
    body: list[list[Text]] = []
    for row in fig.rows:
        cells = [Text(display_cell(row.cells[c], fig.stat, row.label)) for c in fig.columns]
        if gap:
            text = display_gap(row.gap, fig.stat, row.label)
            cells.append(Text(text, style="bold" if row.gap and row.gap.significant else ""))
        body.append(cells)
    widths = [
        _width([bases[j], *(r[j].plain for r in body)], headings[j]) for j in range(len(headings))
    ]
    labels = [visible(r.label) for r in fig.rows]
    stub = max((cell_len(x) for x in ["Base", *labels]), default=4)
    stub = min(stub, max(STUB_MIN, width // 3))
    chunks = _chunks(widths, max(width - stub, 1))
    tables = []
    for k, chunk in enumerate(chunks):
        title = plain(fig.title, "bold") + plain(f"  ({fig.id})", "dim")
        if len(chunks) > 1:
            first, last = chunk[0] + 1, chunk[-1] + 1
            title += Text(
                f"  columns {first}-{last} of {len(headings)}" + ("" if k == 0 else ", continued"),
                style="dim",
            )
        table = Table(show_edge=False, pad_edge=False)
        table.add_column("", justify="left", overflow="fold", width=stub)
        for j in chunk:
            table.add_column(
                Text(headings[j], justify="right"),
                justify="right",
                overflow="fold",
                width=widths[j],
            )
        table.add_row(Text("Base"), *(Text(bases[j]) for j in chunk), style="dim", end_section=True)
        for label, cells in zip(labels, body, strict=True):
            table.add_row(Text(label), *(cells[j] for j in chunk))
        tables.append((title, table))
    return tables


def figure_view(fig: FigureResult, width: int = 80) -> list:
    """The figure's tables, then its notes (filter, tests, letter key, warnings)."""
    parts: list = []
    for i, (title, table) in enumerate(figure_tables(fig, width)):
        # The question's wording and what the values count, under the first title.
        words = [plain(w, "dim") for w in figure_words(fig)] if i == 0 else []
        parts += [Text(""), title, *words, table]
    notes = _notes(fig)
    if notes:
        parts.append(plain("\n".join(notes), "dim"))
    return parts


def _notes(fig: FigureResult) -> list[str]:
    notes = []
    if fig.filter:
        notes.append(f"Filter: {fig.filter}")
    if fig.by and len(fig.columns) == 3:
        notes.append("Gap = first group - second, in points; * significant at the chosen alpha")
    if fig.letters:
        notes.append("Letters: significantly higher than the lettered column")
        notes.append("Key: " + ", ".join(f"{v} = {k}" for k, v in fig.letters.items()))
    if any(c.change is not None for r in fig.rows for c in r.cells.values()):
        notes.append("▲ / ▼: a significant change from the previous period")
    if any(c.small_base and c.value is not None for r in fig.rows for c in r.cells.values()):
        notes.append("† small base")
    notes += [n.rstrip(".") for n in drivers_notes(fig)]
    notes += [t.describe() for t in fig.table_tests]
    notes += [f"Warning: {w}" for w in fig.warnings]
    return notes


def figure_table(fig: FigureResult, width: int | None = None) -> Group:
    """One figure as a renderable: its tables and notes, ``width`` columns at most
    (unbounded by default: nothing is split)."""
    return Group(*figure_view(fig, width or 1_000_000))


def figures_view(result: FiguresResult, width: int = 80) -> Group:
    r = result.respondents
    head = plain(
        f"{result.study}: {r['read']} read, {r['included']} included"
        + window_clause(r)
        + "".join(f", {n} scored on {s}" for s, n in r["scored"].items()),
        "bold",
    )
    parts: list = [head]
    if result.export:
        parts.append(plain(export_line(result.export)))
    for fig in result.figures:
        parts += figure_view(fig, width)
    return Group(*parts)
