"""Formula injection: every trigger prefix in every text output, read back as a user would.

A spreadsheet runs a cell that starts with a formula trigger; cxsurvey writes such
text with a leading apostrophe (OWASP, "CSV injection"). The trigger table below
is the contract: adding a prefix to the neutralised set is one line here.

Text reaches the outputs from the data (respondent ids in the score CSV) and from
the study file (option labels as rows and banner columns, figure titles), so both
paths are covered for each prefix.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import render_export

# Each prefix a spreadsheet treats as the start of a formula -> a label using it.
# OWASP's list (CSV injection); add a prefix here when the neutralised set grows.
TRIGGERS = {
    "equals": "=",
    "plus": "+",
    "minus": "-",
    "at": "@",
    "tab": "\t",
    "carriage_return": "\r",
    "fullwidth_equals": "\uff1d",
    "fullwidth_plus": "\uff0b",
    "fullwidth_minus": "\uff0d",
    "fullwidth_at": "\uff20",
}
PAYLOADS = {name: f"{prefix}2+3*cmd|' /C calc'!A0 {name}" for name, prefix in TRIGGERS.items()}
NAMES = list(TRIGGERS)


def _neutralised(text: str) -> str:
    return "'" + text


def _study() -> str:
    options = {i + 1: PAYLOADS[n] for i, n in enumerate(NAMES)}
    figures = "\n".join(
        f"  - {{id: f_{n}, title: {json.dumps(PAYLOADS[n])}, question: q, by: b}}" for n in NAMES
    )
    return f"""version: 1
study: Injection
source: {{id: id}}
scales:
  s:
    values: {{1: a, 2: b, 3: c}}
    groups: {{G: [x]}}
questions:
  q: {{type: single, column: q, options: {json.dumps(options)}}}
  b: {{type: single, column: b, options: {json.dumps(options)}}}
figures:
{figures}
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The score CSV, figures CSV, XLSX and Markdown of one export whose respondent
    ids and study labels start with every trigger."""
    tmp = tmp_path_factory.mktemp("injection")
    rows = [[PAYLOADS[n], str(i % 3 + 1), str(i + 1), str(i + 1)] for i, n in enumerate(NAMES)]
    export = tmp / "export.csv"
    export.write_text(render_export(["id", "x", "q", "b"], rows), encoding="utf-8")
    study = tmp / "study.yaml"
    study.write_text(_study(), encoding="utf-8")
    runner = CliRunner()
    out = {}
    score = runner.invoke(app, ["score", str(export), "--study", str(study), "-q"])
    assert score.exit_code == 0, score.output
    out["score_csv"] = score.stdout
    for fmt in ("csv", "md", "xlsx"):
        path = tmp / f"figures.{fmt}"
        result = runner.invoke(
            app, ["figures", str(export), "--study", str(study), "-f", fmt, "-o", str(path)]
        )
        assert result.exit_code == 0, result.output
        out[fmt] = path
    return out


@pytest.mark.parametrize("trigger", NAMES)
def test_score_csv_neutralises_formula_prefix_in_respondent_ids(outputs, trigger):
    rows = list(csv.DictReader(io.StringIO(outputs["score_csv"])))
    got = rows[NAMES.index(trigger)]["id"]
    # Neutralised, or (a leading tab or CR trimmed on reading) no longer a trigger at all.
    assert not got.startswith(TRIGGERS[trigger]), (trigger, got)
    assert got.removeprefix("'").strip() == PAYLOADS[trigger].strip()
    if got.startswith("'"):
        assert got == _neutralised(PAYLOADS[trigger])


@pytest.mark.parametrize("trigger", NAMES)
def test_figures_csv_neutralises_formula_prefix_in_row_and_column_labels(outputs, trigger):
    with open(outputs["csv"], encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    payload, safe = PAYLOADS[trigger], _neutralised(PAYLOADS[trigger])
    rows = {r["row"] for r in records}
    columns = {r["column"] for r in records}
    assert safe in rows and safe in columns, (trigger, rows, columns)
    assert payload not in rows and payload not in columns
    # Every figure has a row per label x (Total + a column per label); none split or merged.
    assert len(records) == len(NAMES) * len(NAMES) * (len(NAMES) + 1)


def _xlsx_texts(path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    return [c for c in cells if c.value is not None and isinstance(c.value, str)]


def _shown_text(cell) -> str:
    """What a spreadsheet shows: an apostrophe prefix, or the quote-prefix style
    (Excel's own way to mark text that looks like a formula), both count as safe.
    A carriage return is stored as OOXML's escape ``_x000D_`` (Excel decodes it), or
    read by XML as a line feed."""
    text = cell.value if not cell.quotePrefix else "'" + cell.value
    return _xml_newlines(text)


def _xml_newlines(text: str) -> str:
    return text.replace("_x000D_", "\r").replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("trigger", NAMES)
def test_xlsx_cells_neutralise_formula_prefix_in_titles_rows_and_columns(outputs, trigger):
    cells = _xlsx_texts(outputs["xlsx"])
    assert all(c.data_type == "s" for c in cells)  # text, never a stored formula
    payload, safe = (_xml_newlines(t) for t in (PAYLOADS[trigger], _neutralised(PAYLOADS[trigger])))
    shown = [_shown_text(c) for c in cells]
    # The figure's title (its sheet and the index), 4 row labels and 4 column headers.
    assert shown.count(safe) >= 2 + len(NAMES) * 2, (trigger, shown)
    assert payload not in shown
    assert not any(s.startswith(_xml_newlines(TRIGGERS[trigger])) for s in shown)


def _markdown_rows(text: str) -> list[list[str]]:
    """Each table row of a Markdown document as the text of its cells, as a
    CommonMark renderer with tables reads them (escapes resolved)."""
    markdown_it = pytest.importorskip("markdown_it")
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    rows, row = [], None
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append("".join(c.content for c in token.children or [] if c.type == "text"))
        elif token.type == "tr_close":
            rows.append(row)
            row = None
    return rows


@pytest.mark.parametrize("trigger", NAMES)
def test_markdown_keeps_each_prefixed_label_as_one_literal_table_cell(outputs, trigger):
    # Markdown is read by people and renderers, not run by spreadsheets: a label is
    # shown verbatim (or neutralised), inside its own cell, never splitting the row.
    rows = [[" ".join(c.split()) for c in r] for r in _markdown_rows(outputs["md"].read_text())]
    # Line breaks fold to spaces and cells are trimmed (a tab or CR prefix is not kept).
    shown = {" ".join(t.split()) for t in (PAYLOADS[trigger], _neutralised(PAYLOADS[trigger]))}
    mine = [r for r in rows if r and r[0] in shown]
    assert len(mine) == len(NAMES), (trigger, rows[:8])  # its row in each figure
    assert all(len(r) == 2 + len(NAMES) for r in mine)  # label, Total, a column per label
