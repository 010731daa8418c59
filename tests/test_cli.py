"""The command line through typer's CliRunner: outputs, messages, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxsurvey import __version__
from cxsurvey.cli import app
from tests.conftest import SAMPLE_EXPORT, TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export
from tests.recount import included_rows

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "100"})


def test_version_and_help():
    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"cxsurvey {__version__}"
    for cmd in ([], ["score"], ["sample"]):
        result = run(*cmd, "--help")
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_score_default_study_on_sample_to_stdout():
    result = run("score", SAMPLE_EXPORT, "--quiet")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:2] == ["ResponseId", "maturity.Lead"]
    assert list(rows[0])[-1] == "cx_group"
    assert len(rows) == len(included_rows()) == 231  # recounted with the csv module
    assert {r["cx_group"] for r in rows} == {"CX leaders", "CX laggards", ""}


def test_score_json_to_file_with_summary(tmp_path, tiny_study, tiny_export):
    out = tmp_path / "scores.json"
    result = run("score", tiny_export, "--study", tiny_study, "--out", out, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "median s = 5.5" in result.output and "Leaders 4, Laggards 1" in result.output
    doc = json.loads(out.read_text())
    assert doc["respondents"] == {"read": 8, "included": 7, "scored": {"s": 5}}
    assert doc["segments"]["g"] == {
        "scale": "s",
        "median": 5.5,
        "sizes": {"Leaders": 4, "Laggards": 1},
    }
    assert doc["columns"] == ["id", "s.A", "s.B", "s", "s.band", "g"]
    assert doc["rows"][3] == {
        "id": "r4",
        "s.A": None,
        "s.B": None,
        "s": None,
        "s.band": None,
        "g": None,
    }
    assert len(doc["data_sha256"]) == 64 and len(doc["config_sha256"]) == 64


def test_score_csv_neutralises_formula_text(tmp_path, tiny_study):
    rows = [["=cmd|' /C calc'!A0", *TINY_ROWS[0][1:]]]
    export = tmp_path / "e.csv"
    export.write_text(render_export(TINY_COLUMNS, rows))
    result = run("score", export, "--study", tiny_study, "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("\"'=cmd")


def _error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "export not found"),
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file, not a CSV"),
        (b"PK\x03\x04\x14\x00\x06\x00", "zip or Excel (.xlsx) file"),
        (b"id,Finished,a1,a2,a3,b1,b2\n", "a header but no responses"),
        (b"id,Finished,a1,a2,a3,b1,b2\nr1,1,5,\xff\xfe\xfa,3,3,3\n", "not valid utf-8"),
    ],
)
def test_bad_exports(tmp_path, tiny_study, content, message):
    export = tmp_path / "export.csv"
    if content is not None:
        export.write_bytes(content)
    out = tmp_path / "out.csv"
    line = _error(run("score", export, "--study", tiny_study, "--out", out))
    assert message in line and str(export) in line
    assert not out.exists()


def test_missing_column_names_closest(tmp_path, tiny_study):
    export = tmp_path / "e.csv"
    export.write_text(render_export([("b_2" if c == "b2" else c) for c in TINY_COLUMNS], TINY_ROWS))
    line = _error(run("score", export, "--study", tiny_study))
    assert "column 'b2' (used by scales.s) is not in the export; closest: 'b_2'" in line


def test_non_numeric_scale_code_names_cell(tmp_path, tiny_study):
    rows = [list(r) for r in TINY_ROWS]
    rows[2][5] = "often"
    export = tmp_path / "e.csv"
    export.write_text(render_export(TINY_COLUMNS, rows, "qualtrics"))
    line = _error(run("score", export, "--study", tiny_study))
    assert (
        "column 'b1', respondent r3 (data row 3): 'often' is neither a code nor a label "
        "of scale 's'"
    ) in line


def test_unknown_encoding(tmp_path, tiny_export):
    study = tmp_path / "s.yaml"
    study.write_text(TINY_STUDY.replace("  id: id\n", "  id: id\n  encoding: klingon\n"))
    line = _error(run("score", tiny_export, "--study", study))
    assert (
        line == f"{study}:5:13: error: unknown encoding 'klingon'; use e.g. utf-8, "
        "utf-16, cp1252 or auto"
    )


def test_invalid_yaml_has_line_and_column(tmp_path, tiny_export):
    study = tmp_path / "s.yaml"
    study.write_text("version: 1\nstudy: x\nscales: {a: [1, 2}\n")
    line = _error(run("score", tiny_export, "--study", study))
    assert line.startswith(f"{study}:3:18: error: invalid YAML")


def test_unknown_key_suggests_nearest(tmp_path, tiny_export):
    study = tmp_path / "s.yaml"
    study.write_text(TINY_STUDY.replace("    group_score: mean", "    group_scor: mean"))
    line = _error(run("score", tiny_export, "--study", study))
    assert (
        line == f"{study}:14:5: error: scales.s: unknown key 'group_scor'; did you mean "
        "'group_score'?"
    )


def test_every_study_problem_reported_at_once(tmp_path, tiny_export):
    study = tmp_path / "s.yaml"
    study.write_text(
        TINY_STUDY.replace("group_score: mean", "group_scor: mean").replace("from: 5}", "from: 1}")
        + "figures:\n  - {id: f, question: nope}\n"
    )
    result = run("score", tiny_export, "--study", study)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{study}:14:5: error: scales.s: unknown key 'group_scor'; did you mean 'group_score'?",
        f"{study}:20:28: error: scale 's': band 'Mid' starts at 1, not above the previous "
        "band's 2; list bands in increasing order of `from`",
        f"{study}:25:23: error: figure 'f': unknown question 'nope'",
    ]


def test_debug_shows_traceback(tmp_path, tiny_study):
    result = run("--debug", "score", tmp_path / "missing.csv", "--study", tiny_study)
    assert result.exit_code == 2 and "Traceback" in result.output


def test_input_is_never_modified(tmp_path, tiny_study, tiny_export):
    before = tiny_export.read_bytes(), tiny_study.read_bytes()
    assert run("score", tiny_export, "--study", tiny_study, "-o", tmp_path / "o.csv").exit_code == 0
    assert (tiny_export.read_bytes(), tiny_study.read_bytes()) == before


def test_failed_run_keeps_previous_output(tmp_path, tiny_study):
    out = tmp_path / "o.csv"
    out.write_text("previous")
    _error(run("score", tmp_path / "nope.csv", "--study", tiny_study, "-o", out))
    assert out.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv", "tiny.yaml"]  # no temp file


def test_sample_is_deterministic(tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert run("sample", "--out", a, "--rows", "50", "--seed", "3").exit_code == 0
    assert run("sample", "--out", b, "--rows", "50", "--seed", "3").exit_code == 0
    assert run("sample", "--out", c, "--rows", "50", "--seed", "4").exit_code == 0
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_bundled_sample_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "s.csv"
    assert run("sample", "--out", out, "--rows", "260", "--seed", "2026").exit_code == 0
    assert out.read_bytes() == Path(SAMPLE_EXPORT).read_bytes()
