"""Displayed numbers round half away from zero, as SPSS and Excel show them
(12.5% -> 13%, not Python's half-to-even 12%), from one function in
outputs/display.py; JSON and CSV values stay unrounded."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.numbers import format_number, round_half_up
from cxsurvey.outputs.charts.draw import value_text
from cxsurvey.outputs.display import display_value
from tests.conftest import render_export

RUN = CliRunner()

STUDY = """\
version: 1
study: Rounding study
source:
  id: id
questions:
  q:
    text: Which one?
    type: single
    column: q
    options: {1: Healthcare, 2: Retail, 3: Other}
figures:
  - {id: q_total, title: Industry, question: q}
"""
# 16 respondents: Healthcare 2/16 = 12.5%, Retail 6/16 = 37.5%, Other 8/16 = 50%
ROWS = [[f"r{i}", "1" if i < 2 else "2" if i < 8 else "3"] for i in range(16)]


@pytest.mark.parametrize(
    ("value", "decimals", "sign", "want"),
    [
        (12.5, 0, False, "13"),
        (37.5, 0, False, "38"),
        (0.285, 2, False, "0.29"),  # 0.28499999999999998 as a float: noise, not a value
        (2.675, 2, False, "2.68"),
        (100 * 2 / 16, 0, False, "13"),
        (12.4999, 0, False, "12"),
        (-12.5, 0, True, "-13"),  # half away from zero, as Excel's ROUND and SPSS
        (12.5, 0, True, "+13"),
        (-0.4, 0, True, "+0"),  # no negative zero
        (-0.4, 0, False, "0"),
        (0.0, 1, False, "0.0"),
        (1e-12, 3, False, "0.000"),
    ],
)
def test_format_number_rounds_half_away_from_zero(value, decimals, sign, want):
    assert format_number(value, decimals, sign=sign) == want


def test_round_half_up_is_a_decimal_and_survives_non_finite():
    assert str(round_half_up(0.285, 2)) == "0.29"
    assert format_number(float("nan")) == "nan"


def test_every_display_of_values_uses_it():
    assert display_value(12.5, "percent") == "13%"
    assert display_value(0.285, "mean") == "0.29"
    assert display_value(-12.5, "nps") == "-13"
    assert display_value(0.125, "r") == "+0.13"
    assert display_value(12.25, "share") == "12.3%"
    assert value_text(12.5, "percent", "AB") == "13% AB"
    assert value_text(0.285, "mean") == "0.29"
    assert value_text(2.5, "nps") == "+3"


@pytest.fixture
def rounding(tmp_path):
    export = tmp_path / "r.csv"
    export.write_text(render_export(["id", "q"], ROWS), encoding="utf-8")
    study = tmp_path / "r.yaml"
    study.write_text(STUDY, encoding="utf-8")
    return export, study


def _run(*args):
    result = RUN.invoke(app, [*map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def test_a_2_of_16_cell_shows_13_percent_in_every_output(rounding, tmp_path):
    export, study = rounding
    base = [export, "--study", study, "-q"]
    doc = json.loads(_run("figures", *base, "-f", "json").stdout)
    cells = {r["label"]: r["cells"]["Total"]["value"] for r in doc["figures"][0]["rows"]}
    assert cells["Healthcare"] == 12.5 and cells["Retail"] == 37.5  # JSON unrounded
    rows = list(csv.DictReader(io.StringIO(_run("figures", *base, "-f", "csv").stdout)))
    assert {r["row"]: r["value"] for r in rows}["Healthcare"] == "12.5"  # CSV unrounded
    table = _run("figures", *base, "-f", "table").stdout
    assert "13%" in table and "38%" in table and "12%" not in table
    md = _run("figures", *base, "-f", "md").stdout
    assert "| 13% † |" in md and "| 38% † |" in md  # † a small base
    html = tmp_path / "r.html"
    _run("report", *base, "--out", html)
    text = html.read_text(encoding="utf-8")
    assert ">13% †<" in text and ">38% †<" in text and ">12%" not in text
    assert "13%" in text.split("<svg", 1)[1].split("</svg>", 1)[0]  # the chart's label


def test_a_2_of_16_cell_shows_13_percent_on_the_slides_and_in_xlsx(rounding, tmp_path):
    pptx = pytest.importorskip("pptx")
    export, study = rounding
    deck = tmp_path / "r.pptx"
    _run("report", export, "--study", study, "-q", "--out", deck)
    prs = pptx.Presentation(str(deck))
    chart = next(sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart)
    series = chart.plots[0].series[0]
    assert list(series.values) == [12.5, 37.5, 50.0]  # the data sheet holds the values
    labels = [p.data_label.text_frame.text for p in series.points]
    assert labels == ["13%", "38%", "50%"]
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "r.xlsx"
    _run("figures", export, "--study", study, "-q", "--out", book)
    sheet = openpyxl.load_workbook(str(book))["q_total"]
    found = [c for row in sheet.iter_rows() for c in row if c.value == 0.125]
    assert found and found[0].number_format == "0%"  # Excel shows 0.125 as 13%


def test_a_letter_footnote_says_when_no_letter_is_drawn(rounding, tmp_path):
    """Three groups with the same answers: no column is higher than another, so the
    notes say so instead of explaining letters that appear nowhere."""
    export, study = rounding
    rows = [[*r, str(1 + i % 3)] for i, r in enumerate(ROWS * 3)]
    rows = [[f"r{i}", *r[1:]] for i, r in enumerate(rows)]
    export.write_text(render_export(["id", "q", "g"], rows), encoding="utf-8")
    study.write_text(
        STUDY.replace("figures:", "  g:\n    text: Group?\n    type: single\n    column: g\n"
                      "    options: {1: North, 2: South, 3: West}\nfigures:")
        + "  - {id: q_by_g, title: By region, question: q, by: g}\n",
        encoding="utf-8",
    )  # fmt: skip
    doc = json.loads(_run("figures", export, "--study", study, "-q", "-f", "json").stdout)
    fig = doc["figures"][1]
    assert fig["letters"] and not any(
        c.get("higher_than") for r in fig["rows"] for c in r["cells"].values()
    )
    md = _run("figures", export, "--study", study, "-q", "-f", "md").stdout
    assert "No column is significantly higher than another" in md
    assert "Letters: the column is significantly higher" not in md
    import cxsurvey
    from cxsurvey.outputs.charts.spec import chart_spec

    loaded = cxsurvey.load_study(study)
    result = cxsurvey.figures(export, loaded)
    spec = chart_spec(result.figures[1], loaded.study)
    assert "no group is significantly higher than another" in spec.footnote
    assert "A = North" in spec.footnote  # the key still names the lettered groups


def test_chart_and_xlsx_bases_are_respondents_not_weighted_sums():
    """Under weights a cell's base is a sum of weights; the 'n=' the reader sees is the
    number of respondents, never '192.481' or '1.23457e+06'."""
    from cxsurvey.outputs.wording import base_text, n_range
    from cxsurvey.tabulation.results import Cell, FigureResult, Row

    cells = {
        "Total": Cell(50.0, 96.2405, 192.481, n=117),
        "G1": Cell(40.0, 41.2888, 103.222, n=58),
    }
    fig = FigureResult(
        id="f", title="F", question="q", stat="percent", columns=["Total", "G1"],
        rows=[Row("Yes", cells)], by="seg",
    )  # fmt: skip
    assert n_range(fig, "Total") == "n=117"
    assert base_text(fig) == "Base: respondents who answered (Total n=117; G1 n=58)."
    big = Cell(50.0, 617283.5, 1234567.0, n=1234567)
    fig = FigureResult(
        id="g", title="G", question="q", stat="percent", by=None, columns=["Total"],
        rows=[Row("Yes", {"Total": big})],
    )  # fmt: skip
    assert base_text(fig) == "Base: respondents who answered (n=1234567)."
