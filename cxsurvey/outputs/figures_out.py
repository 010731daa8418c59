"""Write a ``FiguresResult`` as JSON (the spec's contract), tidy CSV, Markdown or XLSX.

Values are unrounded in JSON and CSV; Markdown and XLSX show display rounding
(XLSX keeps full precision in the cell and rounds with a number format). Text
cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import io
import json
from typing import IO

from cxsurvey.outputs.display import (
    base_row,
    display_cell,
    display_gap,
    export_line,
    figure_notes,
    header,
)
from cxsurvey.outputs.safe_names import sheet_names
from cxsurvey.outputs.safe_text import md_text, neutralise_text
from cxsurvey.tabulation.results import CSV_COLUMNS, FigureResult, FiguresResult


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
        + "".join(f", {n} scored on {s}" for s, n in r["scored"].items())
        + ".\n\n"
    )
    if result.export:
        out.write(md_text(export_line(result.export)) + ".\n\n")
    for fig in result.figures:
        out.write(figure_markdown(fig) + "\n")


def figures_xlsx(result: FiguresResult, out: IO[bytes]) -> None:
    from cxsurvey.extras import require

    xlsxwriter = require("xlsxwriter", "xlsx", "writing .xlsx")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    fmt = {
        "percent": book.add_format({"num_format": "0"}),
        "mean": book.add_format({"num_format": "0.00"}),
        "nps": book.add_format({"num_format": "+0;-0;0"}),
        "r2": book.add_format({"num_format": "0.000"}),  # key-driver units (Cell.unit)
        "share": book.add_format({"num_format": '0.0"%"'}),
        "share_ci": book.add_format({"num_format": '0.0"%"'}),
        "r": book.add_format({"num_format": "+0.00;-0.00;0.00"}),
    }
    p_fmt = book.add_format({"num_format": "0.0000"})
    index = book.add_worksheet("Index")
    index.write_row(0, 0, ["Sheet", "Figure", "Title", "Warnings"], bold)
    names = sheet_names([f.id for f in result.figures], taken=["Index"])
    for i, fig in enumerate(result.figures, start=1):
        name = names[fig.id]
        index.write_row(
            i,
            0,
            [
                neutralise_text(name),
                neutralise_text(fig.id),
                neutralise_text(fig.title),
                neutralise_text("; ".join(fig.warnings)),
            ],
        )
        sheet = book.add_worksheet(name)
        sheet.write(0, 0, neutralise_text(fig.title), bold)
        cols = fig.columns
        gap = fig.by is not None and len(cols) == 3
        sheet.write_row(2, 0, [neutralise_text(c) for c in ["", *cols]], bold)
        if gap:
            sheet.write_row(2, len(cols) + 1, ["Gap (points)", "Test", "p-value"], bold)
        sheet.write(3, 0, "Base", bold)
        for j, c in enumerate(cols, start=1):
            sheet.write_number(3, j, min((r.cells[c].base for r in fig.rows), default=0))
        for r, row in enumerate(fig.rows, start=4):
            sheet.write_string(r, 0, neutralise_text(row.label))
            row_fmt = fmt[
                "nps"
                if row.label == "NPS" and fig.stat == "nps"
                else ("mean" if fig.stat == "mean" else "percent")
            ]
            for j, c in enumerate(cols, start=1):
                value = row.cells[c].value
                if value is None:
                    sheet.write_blank(r, j, None)
                else:
                    sheet.write_number(r, j, value, fmt.get(row.cells[c].unit, row_fmt))
            if gap and row.gap is not None:
                if row.gap.points is not None:
                    sheet.write_number(r, len(cols) + 1, row.gap.points, row_fmt)
                sheet.write_string(r, len(cols) + 2, neutralise_text(row.gap.test))
                if row.gap.p_value is not None:
                    sheet.write_number(r, len(cols) + 3, row.gap.p_value, p_fmt)
        for k, note in enumerate(figure_notes(fig), start=len(fig.rows) + 5):
            sheet.write_string(k, 0, neutralise_text(note))
        sheet.set_column(0, 0, 42)
    book.close()
    out.write(buffer.getvalue())


TEXT_WRITERS = {"json": figures_json, "csv": figures_csv, "md": figures_markdown}
