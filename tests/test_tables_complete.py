"""Tables carry everything the JSON carries: terminal tables at 80 columns lose no
column, CSV and to_frame() carry letters, significance and period changes, and
XLSX (read back with openpyxl) keeps letters, ▲/▼ marks and number formats."""

from __future__ import annotations

import csv
import io
import re

import pytest
from rich.console import Console
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.outputs.display import cell_marks, display_cell
from cxsurvey.outputs.terminal.figure_table import figures_view
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT


@pytest.fixture(scope="module")
def practitioner():
    study = cxsurvey.load_study(DEFAULT_STUDY)
    return cxsurvey.figures(SAMPLE_EXPORT, study)


@pytest.fixture(scope="module")
def feedback(feedback_sample):
    path, study = feedback_sample
    return cxsurvey.figures(path, study)


def _render(result, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), highlight=False, color_system=None)
    console.print(figures_view(result, width))
    return console.file.getvalue()


def _only(result, *ids):
    from dataclasses import replace

    return replace(result, figures=[f for f in result.figures if f.id in ids])


@pytest.mark.parametrize("width", [80, 60, 120])
def test_terminal_tables_lose_no_column_at_any_width(practitioner, feedback, width):
    for result, ids in (
        (practitioner, ("stages_by_industry", "barriers_by_group", "maturity_competencies")),
        (feedback, ("nps_by_month", "csat_by_industry", "ces_mean_by_channel")),
    ):
        sub = _only(result, *ids)
        text = _render(sub, width)
        assert max(len(line) for line in text.splitlines()) <= width
        flat = " ".join(text.split())
        for fig in sub.figures:
            # every cell, in column order, on the lines of its row
            for row in fig.rows:
                cells = []
                for line in text.splitlines():
                    parts = [p.strip() for p in line.split("│")]
                    # a long label wraps: its first line carries the cells
                    if len(parts) > 1 and parts[0] and row.label.startswith(parts[0]):
                        cells += parts[1:]
                want = [display_cell(row.cells[c], fig.stat, row.label) for c in fig.columns]
                assert cells[: len(want)] == want, (fig.id, row.label)
            for col, letter in (fig.letters or {}).items():
                assert f"({letter})" in text
                assert f"{letter} = {col}" in flat  # the key, whatever the wrapping
            if not fig.letters:
                for col in fig.columns:
                    assert col in text, (fig.id, col)
    months = _only(feedback, "nps_by_month").figures[0].columns[1:]
    assert len(months) == 12


def test_terminal_table_splits_with_a_continued_title(practitioner):
    text = _render(_only(practitioner, "stages_by_industry"), 80)
    titles = [line for line in text.splitlines() if line.startswith("CX maturity by industry")]
    assert len(titles) >= 2
    assert titles[0].endswith(f"columns 1-{titles[0].split('-')[1].split()[0]} of 13")
    assert all(t.endswith("continued") for t in titles[1:])


def test_labels_are_not_read_as_markup(tmp_path):
    from dataclasses import replace

    study = cxsurvey.load_study(DEFAULT_STUDY)
    result = cxsurvey.figures(SAMPLE_EXPORT, study, ["senior_exec"])
    fig = result.figures[0]
    row = replace(fig.rows[0], label="[bold]Yes[/bold]")
    result = replace(result, figures=[replace(fig, title="[red]T[/red]", rows=[row])])
    text = _render(result, 80)
    assert "[bold]Yes[/bold]" in text and "[red]T[/red]" in text


def test_csv_and_frame_carry_letters_significance_and_changes(feedback):
    frame = feedback.to_frame()
    by_key = {(r.figure, r.row, r.column): r for r in frame.itertuples()}
    seen_change = seen_letters = 0
    for fig in feedback.figures:
        for row in fig.rows:
            for col, cell in row.cells.items():
                rec = by_key[(fig.id, row.label, col)]
                if fig.letters:
                    assert rec.letter == fig.letters.get(col)
                    want = None if cell.higher_than is None else "".join(cell.higher_than)
                    assert (rec.higher_than or None) == (want or None) or rec.higher_than == want
                    seen_letters += bool(cell.higher_than)
                if cell.change is not None:
                    assert rec.change_points == cell.change.points
                    assert rec.change_p_value == cell.change.p_value
                    assert rec.change_significant == cell.change.significant
                    assert rec.change_test == cell.change.test
                    seen_change += 1
                else:
                    assert rec.change_points is None or rec.change_points != rec.change_points
    assert seen_change > 0 and seen_letters > 0
    units = {(r.figure, r.row): r.unit for r in frame.itertuples()}
    assert units[("nps_by_month", "NPS")] == "nps"
    assert units[("nps_by_month", "Promoters")] == "percent"
    assert units[("ces_mean_by_channel", fb_row(feedback, "ces_mean_by_channel"))] == "mean"

    out = io.StringIO()
    from cxsurvey.outputs.figures_out import figures_csv

    figures_csv(feedback, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    trend = [r for r in rows if r["figure"] == "nps_by_month" and r["row"] == "NPS"]
    fig = next(f for f in feedback.figures if f.id == "nps_by_month")
    nps = next(r for r in fig.rows if r.label == "NPS")
    for rec in trend:
        change = nps.cells[rec["column"]].change
        if change is None:
            assert rec["change_points"] == ""
        else:
            assert float(rec["change_points"]) == change.points
            assert rec["change_significant"] == str(change.significant)
    lettered = [r for r in rows if r["figure"] == "csat_by_channel" and r["column"] != "Total"]
    csat = next(f for f in feedback.figures if f.id == "csat_by_channel")
    for rec in lettered:
        cell = csat.rows[0].cells[rec["column"]] if rec["row"] == csat.rows[0].label else None
        if cell is not None:
            assert rec["letter"] == csat.letters[rec["column"]]
            assert rec["higher_than"] == "".join(cell.higher_than)


def test_paired_gap_columns_in_csv(practitioner):
    frame = practitioner.to_frame()
    fig = next(f for f in practitioner.figures if f.id == "barriers_by_group")
    sub = frame[frame.figure == fig.id]
    for row in fig.rows:
        recs = sub[sub.row == row.label]
        assert set(recs.gap_test) == {row.gap.test}
        assert set(recs.gap_significant) == {row.gap.significant}


def test_xlsx_keeps_letters_marks_and_formats(feedback_sample, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    export, _ = feedback_sample
    out = tmp_path / "fb.xlsx"
    result = CliRunner().invoke(
        app, ["figures", str(export), "--study", "feedback", "-f", "xlsx", "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    figs = cxsurvey.figures(export, feedback_sample[1])
    assert book.sheetnames == ["Index", *(f.id for f in figs.figures), "Data"]
    for fig in figs.figures:
        sheet = book[fig.id]
        assert sheet.freeze_panes == "B4"
        header = [c.value for c in sheet[3]]
        marks = any(cell_marks(c) for r in fig.rows for c in r.cells.values())
        step = 2 if marks else 1
        for j, col in enumerate(fig.columns):
            letter = (fig.letters or {}).get(col)
            assert header[1 + j * step] == (f"{col} ({letter})" if letter else col)
            assert sheet.column_dimensions[_col(1 + j * step)].width >= 8
        assert sheet.column_dimensions["A"].width >= 12
        for i, row in enumerate(fig.rows, start=5):
            assert sheet.cell(i, 1).value == row.label
            for j, col in enumerate(fig.columns):
                cell = row.cells[col]
                got = sheet.cell(i, 2 + j * step)
                kind = "mean" if fig.stat == "mean" else "percent"
                if fig.stat == "nps" and row.label == "NPS":
                    kind = "nps"
                if kind == "percent":
                    assert got.number_format == "0%"
                    assert got.value == pytest.approx(cell.value / 100, abs=1e-15)
                else:  # xlsxwriter writes 16 significant digits
                    assert got.number_format == {"mean": "0.00", "nps": "+0;-0;+0"}[kind]
                    assert got.value == pytest.approx(cell.value, rel=1e-15)
                if marks:
                    assert (sheet.cell(i, 3 + j * step).value or "") == cell_marks(cell)
    # ▲/▼ survive: the monthly NPS figure has significant changes in this sample
    trend = book["nps_by_month"]
    texts = {c.value for row in trend.iter_rows() for c in row if isinstance(c.value, str)}
    assert any("▲" in t or "▼" in t for t in texts)
    lettered = book["csat_by_channel"]
    texts = {c.value for row in lettered.iter_rows() for c in row if isinstance(c.value, str)}
    assert any(re.fullmatch(r"[A-H]+( †)?", t) for t in texts)
    assert any(t.startswith("Key: A = Email") for t in texts)
    data = list(book["Data"].iter_rows(values_only=True))
    assert list(data[0]) == list(figs.to_frame().columns)
    assert len(data) - 1 == len(figs.records())


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def fb_row(result, fig_id: str) -> str:
    return next(f for f in result.figures if f.id == fig_id).rows[0].label


def test_notes_print_one_per_line_not_as_escaped_newlines():
    from tests.conftest import SAMPLE_EXPORT

    result = CliRunner().invoke(
        app, ["figures", str(SAMPLE_EXPORT), "-f", "table", "--figure", "stages_by_industry"]
    )
    assert result.exit_code == 0, result.output
    assert "\\n" not in result.stdout
    lines = result.stdout.splitlines()
    assert any(line.startswith("Letters: significantly higher") for line in lines)
    assert any(line.startswith("Key: A = Financial services") for line in lines)
