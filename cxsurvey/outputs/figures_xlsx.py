"""Write a ``FiguresResult`` as an XLSX workbook (the optional ``xlsx`` extra).

One sheet per figure laid out as the tables elsewhere: a header of column
labels with their letters, a Base row, a row per figure row. Values are numbers
with number formats (percentages as fractions with a ``0%`` format, so Excel
shows 42% and computes with 0.42; means ``0.00``; NPS ``+0``), each followed by
a narrow marks column carrying the letters of the columns the cell is
significantly higher than, ▲/▼ for a significant change from the previous
period and † for a small base. The header and row labels are frozen. An
``Index`` sheet lists the figures and a ``Data`` sheet holds every cell in the
tidy long form of ``figures --format csv`` (unrounded, p-values included).
"""

from __future__ import annotations

import io
from typing import IO

from cxsurvey.outputs.display import cell_marks, figure_notes, value_kind
from cxsurvey.outputs.safe_names import sheet_names
from cxsurvey.outputs.safe_text import neutralise_text
from cxsurvey.outputs.wording import base_text, question_wording
from cxsurvey.study.models import Study
from cxsurvey.tabulation.results import CSV_COLUMNS, FigureResult, FiguresResult

HEADER_ROW = 2  # 0: title, 1: question wording and bases, 2: column labels
NUMBER_FORMATS = {"percent": "0%", "mean": "0.00", "nps": "+0;-0;+0",
                  # key-driver units (Cell.unit): R², % of R², correlations
                  "r2": "0.000", "share": '0.0"%"', "share_ci": '0.0"%"', "r": "+0.00;-0.00;+0.00"}  # fmt: skip
GAP_FORMATS = {"percent": "+0;-0;+0", "mean": "+0.00;-0.00;+0.00", "nps": "+0;-0;+0"}


def figures_xlsx(result: FiguresResult, out: IO[bytes], study: Study | None = None) -> None:
    from cxsurvey.extras import require

    xlsxwriter = require("xlsxwriter", "xlsx", "writing .xlsx")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    styles = _styles(book)
    index = book.add_worksheet("Index")
    index.write_row(0, 0, ["Sheet", "Figure", "Title", "Warnings"], styles["bold"])
    index.set_column(0, 1, 24)
    index.set_column(2, 2, 50)
    index.set_column(3, 3, 80)
    index.freeze_panes(1, 0)
    names = sheet_names([f.id for f in result.figures], taken=["Index", "Data"])
    for i, fig in enumerate(result.figures, start=1):
        name = names[fig.id]
        index.write_url(i, 0, f"internal:'{name}'!A1", string=neutralise_text(name))
        index.write_row(
            i,
            1,
            [neutralise_text(fig.id), neutralise_text(fig.title), _text("; ".join(fig.warnings))],
        )
        _figure_sheet(book.add_worksheet(name), fig, styles, question_wording(fig, study))
    _data_sheet(book.add_worksheet("Data"), result, styles)
    book.close()
    out.write(buffer.getvalue())


def _text(value: str) -> str:
    return neutralise_text(value)


def _styles(book) -> dict:
    styles = {
        "bold": book.add_format({"bold": True}),
        "title": book.add_format({"bold": True, "font_size": 13}),
        "header": book.add_format(
            {"bold": True, "text_wrap": True, "align": "right", "valign": "bottom", "bottom": 1}
        ),
        "base": book.add_format({"italic": True, "font_color": "#555555", "bottom": 1}),
        "marks": book.add_format({"font_color": "#555555"}),
        "sig": book.add_format({"bold": True}),
        "note": book.add_format({"italic": True, "font_color": "#444444"}),
        "p": book.add_format({"num_format": "0.0000"}),
    }
    for kind, fmt in NUMBER_FORMATS.items():
        styles[kind] = book.add_format({"num_format": fmt})
    for kind, fmt in GAP_FORMATS.items():
        styles[f"gap-{kind}"] = book.add_format({"num_format": fmt})
    return styles


def _figure_sheet(sheet, fig: FigureResult, styles: dict, wording: str) -> None:
    sheet.write(0, 0, _text(fig.title), styles["title"])
    sheet.write(1, 0, _text(" ".join(filter(None, [wording, base_text(fig)]))))
    marks = any(cell_marks(c) for r in fig.rows for c in r.cells.values())
    step = 2 if marks else 1
    letters = fig.letters or {}
    sheet.write(HEADER_ROW, 0, "", styles["header"])
    for j, col in enumerate(fig.columns):
        label = f"{col} ({letters[col]})" if col in letters else col
        sheet.write(HEADER_ROW, 1 + j * step, _text(label), styles["header"])
        if marks:
            sheet.write(HEADER_ROW, 2 + j * step, "", styles["header"])
    gap_col = 1 + len(fig.columns) * step
    gap = fig.by is not None and len(fig.columns) == 3
    if gap:
        for k, text in enumerate(["Gap (points)", "Sig.", "Test", "p-value"]):
            sheet.write(HEADER_ROW, gap_col + k, text, styles["header"])
    base_row = HEADER_ROW + 1
    sheet.write(base_row, 0, "Base", styles["base"])
    for j, col in enumerate(fig.columns):
        bases = [r.cells[col].base for r in fig.rows]
        sheet.write_number(base_row, 1 + j * step, min(bases, default=0), styles["base"])
        if marks:
            sheet.write_blank(base_row, 2 + j * step, None, styles["base"])
    for k in range(4 if gap else 0):
        sheet.write_blank(base_row, gap_col + k, None, styles["base"])
    for r, row in enumerate(fig.rows, start=base_row + 1):
        sheet.write_string(r, 0, _text(row.label))
        kind = value_kind(fig.stat, row.label)
        for j, col in enumerate(fig.columns):
            cell = row.cells[col]
            unit = cell.unit or kind
            if cell.value is None:
                sheet.write_blank(r, 1 + j * step, None)
            else:
                value = cell.value / 100 if unit == "percent" else cell.value
                sheet.write_number(r, 1 + j * step, value, styles[unit])
            if marks and cell_marks(cell):
                sheet.write_string(r, 2 + j * step, cell_marks(cell), styles["marks"])
        if gap and row.gap is not None:
            if row.gap.points is not None:
                sheet.write_number(r, gap_col, row.gap.points, styles[f"gap-{kind}"])
            if row.gap.significant:
                sheet.write_string(r, gap_col + 1, "*", styles["sig"])
            sheet.write_string(r, gap_col + 2, neutralise_text(row.gap.test))
            if row.gap.p_value is not None:
                sheet.write_number(r, gap_col + 3, row.gap.p_value, styles["p"])
    first_note = base_row + len(fig.rows) + 2
    for k, note in enumerate(figure_notes(fig), start=first_note):
        sheet.write_string(k, 0, _text(note), styles["note"])
    if letters:
        key = "Key: " + ", ".join(f"{v} = {c}" for c, v in letters.items())
        sheet.write_string(first_note + len(figure_notes(fig)), 0, _text(key), styles["note"])
    label_width = max((len(r.label) for r in fig.rows), default=10)
    sheet.set_column(0, 0, min(max(label_width, 12), 60) + 2)
    for j, col in enumerate(fig.columns):
        words = max((len(w) for w in col.split()), default=4)
        sheet.set_column(1 + j * step, 1 + j * step, max(8, min(words + 2, 18)))
        if marks:
            width = max((len(cell_marks(r.cells[col])) for r in fig.rows), default=1)
            sheet.set_column(2 + j * step, 2 + j * step, max(2, width + 1))
    if gap:
        sheet.set_column(gap_col, gap_col + 3, 9)
    sheet.set_row(HEADER_ROW, 32)
    sheet.freeze_panes(base_row, 1)


def _data_sheet(sheet, result: FiguresResult, styles: dict) -> None:
    sheet.write_row(0, 0, CSV_COLUMNS, styles["bold"])
    for r, rec in enumerate(result.records(), start=1):
        for c, value in enumerate(rec.values()):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, _text(value))
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            else:
                sheet.write_number(r, c, value)
    sheet.set_column(0, 2, 22)
    sheet.set_column(3, len(CSV_COLUMNS) - 1, 12)
    sheet.freeze_panes(1, 3)
    sheet.autofilter(0, 0, max(len(result.records()), 1), len(CSV_COLUMNS) - 1)
