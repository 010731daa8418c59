"""Write a ``FiguresResult`` as JSON (the spec's contract), tidy CSV or Markdown
(XLSX: ``figures_xlsx``).

Values are unrounded in JSON and CSV; Markdown and XLSX show display rounding
(XLSX keeps full precision in the cell and rounds with a number format). Text
cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import json
from typing import IO

from cxsurvey.outputs.display import (
    base_row,
    display_cell,
    display_gap,
    export_line,
    figure_notes,
    header,
    window_clause,
)
from cxsurvey.outputs.figures_xlsx import figures_xlsx
from cxsurvey.outputs.safe_text import md_text, neutralise_text
from cxsurvey.tabulation.results import CSV_COLUMNS, FigureResult, FiguresResult

__all__ = ["TEXT_WRITERS", "figures_csv", "figures_json", "figures_markdown", "figures_xlsx"]


def figures_json(result: FiguresResult, out: IO[str]) -> None:
    json.dump(result.to_dict(), out, ensure_ascii=False, indent=1, allow_nan=False)
    out.write("\n")


def figures_csv(result: FiguresResult, out: IO[str]) -> None:
    out.write(",".join(_csv_field(c) for c in CSV_COLUMNS) + "\n")
    for rec in result.records():
        out.write(",".join(_csv_field(_csv_value(v)) for v in rec.values()) + "\n")


def _csv_value(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, str):
        return neutralise_text(v)
    return repr(float(v)) if isinstance(v, float) else v


def _csv_field(v: object) -> str:
    """RFC 4180 quoting of every field with a comma, quote, CR or LF (the csv module
    leaves a lone CR unquoted when rows end in LF, and a spreadsheet splits the row)."""
    text = str(v)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def figure_markdown(fig: FigureResult) -> str:
    cols = header(fig)
    lines = [
        f"### {md_text(fig.title)}",
        "",
        "| " + " | ".join(md_text(c) for c in cols) + " |",
        "|" + "|".join([":---"] + ["---:"] * (len(cols) - 1)) + "|",
        "| " + " | ".join(md_text(c) for c in base_row(fig)) + " |",
    ]
    for row in fig.rows:
        cells = [display_cell(row.cells[c], fig.stat, row.label) for c in fig.columns]
        gap = (
            [display_gap(row.gap, fig.stat, row.label)] if fig.by and len(fig.columns) == 3 else []
        )
        lines.append("| " + " | ".join([md_text(row.label), *cells, *gap]) + " |")
    notes = figure_notes(fig)
    if notes:
        lines += ["", *(f"*{md_text(n)}*  " for n in notes)]
    return "\n".join(lines) + "\n"


def figures_markdown(result: FiguresResult, out: IO[str]) -> None:
    r = result.respondents
    out.write(
        f"## {md_text(result.study)}\n\nRespondents: {r['read']} read, {r['included']} included"
        + md_text(window_clause(r))
        + "".join(f", {n} scored on {s}" for s, n in r["scored"].items())
        + ".\n\n"
    )
    if result.export:
        out.write(md_text(export_line(result.export)) + ".\n\n")
    for fig in result.figures:
        out.write(figure_markdown(fig) + "\n")


TEXT_WRITERS = {"json": figures_json, "csv": figures_csv, "md": figures_markdown}
