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
# Add a prefix here when the neutralised set grows (e.g. tab, carriage return, '＝').
TRIGGERS = {
    "equals": "=",
    "plus": "+",
    "minus": "-",
    "at": "@",
}
PAYLOADS = {name: f"{prefix}2+3*cmd|' /C calc'!A0" for name, prefix in TRIGGERS.items()}
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
    ids = [r["id"] for r in rows]
    assert _neutralised(PAYLOADS[trigger]) in ids, (trigger, ids)
    assert PAYLOADS[trigger] not in ids


@pytest.mark.parametrize("trigger", NAMES)
def test_figures_csv_neutralises_formula_prefix_in_row_and_column_labels(outputs, trigger):
    with open(outputs["csv"], encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    payload, safe = PAYLOADS[trigger], _neutralised(PAYLOADS[trigger])
    rows = {r["row"] for r in records}
    columns = {r["column"] for r in records}
    assert safe in rows and safe in columns, (trigger, rows, columns)
    assert payload not in rows and payload not in columns
    # Every figure has 4 rows x (Total + 4 columns); no record was split or merged.
    assert len(records) == len(NAMES) * 4 * 5


def _xlsx_texts(path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    return [c for c in cells if c.value is not None and isinstance(c.value, str)]


def _shown_text(cell) -> str:
    """What a spreadsheet shows: an apostrophe prefix, or the quote-prefix style
    (Excel's own way to mark text that looks like a formula), both count as safe."""
    return cell.value if not cell.quotePrefix else "'" + cell.value


@pytest.mark.parametrize("trigger", NAMES)
def test_xlsx_cells_neutralise_formula_prefix_in_titles_rows_and_columns(outputs, trigger):
    cells = _xlsx_texts(outputs["xlsx"])
    assert all(c.data_type == "s" for c in cells)  # text, never a stored formula
    payload, safe = PAYLOADS[trigger], _neutralised(PAYLOADS[trigger])
    shown = [_shown_text(c) for c in cells]
    # The figure's title (its sheet and the index), 4 row labels and 4 column headers.
    assert shown.count(safe) >= 2 + len(NAMES) * 2, (trigger, shown)
    assert payload not in shown
    assert not any(s.startswith(TRIGGERS[trigger]) for s in shown)


@pytest.mark.parametrize("trigger", NAMES)
def test_markdown_keeps_each_prefixed_label_as_one_literal_table_cell(outputs, trigger):
    # Markdown is read by people and renderers, not run by spreadsheets: a label is
    # shown verbatim (or neutralised), inside its own cell, never splitting the row.
    text = outputs["md"].read_text(encoding="utf-8")
    payload = PAYLOADS[trigger].replace("|", "\\|")
    lines = [ln for ln in text.splitlines() if ln.startswith(("| " + payload, "| '" + payload))]
    assert len(lines) == len(NAMES), (trigger, lines)  # its row in each figure
    for line in lines:
        cells = line.replace("\\|", "").split("|")[1:-1]
        assert len(cells) == 1 + 5 + 0, line  # label, Total and 4 columns (no gap: 4 groups)
