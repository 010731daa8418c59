"""The codebook (describe/init) reads, numbers and names an export exactly as the
reader does: one CSV read by position, one number rule, one layout name, one
input guard. Expected values are written out by hand."""

from __future__ import annotations

import json
import os

import pytest
import yaml
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.codebook.build import build_codebook
from cxsurvey.reading.export import export_layout

runner = CliRunner()


def _by_name(cb):
    return {e.name: e for e in cb.entries}


def _plain(tmp_path, text: str):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_spaced_column_name_keeps_cells_as_written(tmp_path):
    # "Code " (trailing space) used to miss pyarrow's column_types, so 007 became 7
    # and 1.50 became 1.5 in describe and init.
    path = _plain(
        tmp_path,
        "ResponseId,Code ,Score \nR1,007,1.50\nR2,007,2.25\nR3,012,1.50\nR4,012,1.50\n",
    )
    cb = build_codebook(path)
    entries = _by_name(cb)
    assert set(entries["Code"].seen) == {"007", "012"}
    assert set(entries["Score"].seen) == {"1.50", "2.25"}
    labels = {o.label: o.count for o in entries["Code"].options}
    assert labels == {"007": 2, "012": 2}


def test_seventeen_digit_codes_stay_distinct(tmp_path):
    # float64 holds 12345678901234567 and 12345678901234568 as the same number.
    rows = ["12345678901234567"] * 3 + ["12345678901234568"] * 2
    path = _plain(
        tmp_path,
        "ResponseId,Account\n" + "".join(f"R{i},{v}\n" for i, v in enumerate(rows)),
    )
    cb = build_codebook(path)
    opts = _by_name(cb)["Account"].options
    assert {str(o.code): o.count for o in opts} == {
        "12345678901234567": 3,
        "12345678901234568": 2,
    }
    out = tmp_path / "study.yaml"
    result = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = yaml.safe_load(out.read_text())
    codes = list(written["questions"]["Account"]["options"])
    assert codes == ["12345678901234567", "12345678901234568"]  # text codes compare exactly
    figures = runner.invoke(app, ["figures", str(path), "--study", str(out), "--format", "json"])
    assert figures.exit_code == 0, figures.output
    rows = json.loads(figures.stdout)["figures"][0]["rows"]
    assert [(r["label"], r["cells"]["Total"]["count"]) for r in rows] == [
        ("12345678901234567", 3),
        ("12345678901234568", 2),
    ]


@pytest.mark.parametrize("words", [("1_000", "2_000"), ("nan", "inf"), ("-inf", "NaN")])
def test_nan_inf_and_underscores_are_not_numbers(tmp_path, words):
    # The reader (reading.cells) reads these cells as text, so the draft's codes
    # must be that text: a code 1000 would match no cell written 1_000.
    a, b = words
    rows = [
        "ResponseId,Q1,Tier",
        "Response ID,Pick one,Tier",
        '{"ImportId":"_recordId"},{"ImportId":"QID1"},{"ImportId":"Tier"}',
        *(f"R{i},1,{v}" for i, v in enumerate([a, a, b, b, a])),
    ]
    path = _plain(tmp_path, "\n".join(rows) + "\n")
    entry = _by_name(build_codebook(path))["Tier"]
    assert entry.type == "embedded"
    assert [(o.code, o.count) for o in entry.options] == [(a, 3), (b, 2)]


def test_describe_names_the_layout_as_figures_do(tmp_path):
    path = _plain(tmp_path, "ResponseId;Q1\nR1;1\nR2;2\n")
    cb = build_codebook(path)
    assert cb.layout == export_layout(path).description
    assert cb.layout == "CSV with one header row, utf-8, semicolon-separated"


def test_init_refuses_out_hard_linked_to_the_export(tmp_path):
    path = _plain(tmp_path, "ResponseId,Q1\nR1,1\nR2,2\nR3,1\n")
    before = path.read_bytes()
    link = tmp_path / "link.yaml"
    os.link(path, link)
    result = runner.invoke(app, ["init", str(path), "--out", str(link), "--force"])
    assert result.exit_code == 2
    assert "--out is the export" in result.output
    assert path.read_bytes() == before


def test_init_refuses_out_onto_the_definition(tmp_path):
    path = _plain(tmp_path, "ResponseId,Q1\nR1,1\nR2,2\nR3,1\n")
    qsf = tmp_path / "survey.qsf"
    qsf.write_text('{"SurveyEntry": {"SurveyName": "s"}, "SurveyElements": []}')
    before = qsf.read_bytes()
    rel = os.path.relpath(qsf)
    result = runner.invoke(app, ["init", str(path), "--qsf", str(qsf), "--out", rel, "--force"])
    assert result.exit_code == 2
    assert "--out is the survey definition" in result.output
    assert qsf.read_bytes() == before


def test_definition_codes_count_cells_by_the_readers_number_rule():
    # A recode of 1000 matches the cells 1000 and 1000.0, never 1_000 (which the
    # reader reads as text): that cell is a value the definition does not list.
    from cxsurvey.codebook.from_definition import _options
    from cxsurvey.codebook.qsf import Choice

    notes: list[str] = []
    seen = {"1000": 2, "1000.0": 1, "1_000": 4, "7": 1}
    opts = _options([Choice("1", "Thousand", 1000), Choice("2", "Seven", 7)], seen, notes)
    assert [(o.code, o.count) for o in opts] == [(1000, 3), (7, 1)]
    assert notes == ["values in the export that the definition does not list: 1_000"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("007", 7),
        (" 1.50 ", 1.5),
        ("-99", -99),
        ("1e3", 1000),
        (str(2**53 - 1), 2**53 - 1),  # still exact in float64
        (str(2**53), str(2**53)),  # 2**53 and 2**53 + 1 are one float64
        ("12345678901234567", "12345678901234567"),
        ("nan", "nan"),
        ("Infinity", "Infinity"),
        ("1_000", "1_000"),
        ("0x1F", "0x1F"),
        ("", ""),
    ],
)
def test_one_number_rule_for_codes(text, code):
    import pyarrow as pa

    from cxsurvey.reading.cells import as_code, count_code, to_numbers

    assert as_code(text) == code and type(as_code(text)) is type(code)
    # the reader agrees: a text code is exactly what it cannot read as a number
    reader = to_numbers(pa.array([text.strip()], pa.string()))[0]
    if isinstance(code, str) and not text.strip().isdigit():
        assert reader != reader  # NaN
    assert count_code({text.strip(): 2}, code) == 2


def test_parquet_wording_is_read_once_by_the_reader(tmp_path):
    # the wording convert stores reaches both cxsurvey.read_header and describe
    import cxsurvey
    from tests.conftest import SAMPLE_EXPORT

    parquet = tmp_path / "export.parquet"
    converted = runner.invoke(app, ["convert", str(SAMPLE_EXPORT), "--out", str(parquet)])
    assert converted.exit_code == 0, converted.output
    csv_head, pq_head = cxsurvey.read_header(SAMPLE_EXPORT), cxsurvey.read_header(parquet)
    by_name = dict(zip(csv_head.names, csv_head.texts, strict=True))
    assert any(pq_head.texts)
    assert all(t == by_name[n] for n, t in zip(pq_head.names, pq_head.texts, strict=True) if t)
    cb = build_codebook(parquet)
    assert cb.layout.startswith("Parquet dataset")
    q8 = _by_name(cb)["Q8"]
    assert q8.text and q8.text == by_name["Q8"]
