"""The output format follows the --out extension; a contradicting --format is an error;
smaller report defects (validate's summary, methods wording, gap footnotes)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.outputs.display import figure_notes
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT, small_study

RUN = CliRunner()


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("f.json", lambda p: json.loads(p.read_text())["figures"]),
        ("f.csv", lambda p: p.read_text().startswith("figure,row,column,value")),
        ("f.md", lambda p: p.read_text().startswith("## ")),
        ("f.xlsx", lambda p: p.read_bytes().startswith(b"PK")),
        ("f.txt", lambda p: "Senior executive owns CX" in p.read_text()),
    ],
)
def test_figures_format_follows_the_extension(tmp_path, name, check):
    out = tmp_path / name
    result = RUN.invoke(app, ["figures", str(SAMPLE_EXPORT), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert check(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["figures", "-f", "csv", "--out", "{d}/f.xlsx"], "--format csv does not match the .xlsx"),
        (["figures", "-f", "md", "--out", "{d}/f.json"], "name the file f.md"),
        (["figures", "--out", "{d}/f.pdf"], "cannot write .pdf files"),
        (["figures", "--out", "{d}/f.xls"], "write .xlsx"),
        (["report", "-f", "md", "--out", "{d}/r.html"], "--format md does not match the .html"),
        (["report", "--out", "{d}/r.pdf"], "print it to PDF from a browser"),
        (["report", "-f", "html", "--out", "{d}/r.md"], "name the file r.html"),
    ],
)
def test_a_mismatch_is_a_one_line_error_and_writes_nothing(tmp_path, args, message):
    args = [a.format(d=tmp_path) for a in args]
    result = RUN.invoke(app, [args[0], str(SAMPLE_EXPORT), *args[1:], "-q"])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_report_format_from_extension_and_unknown_names(tmp_path):
    md = tmp_path / "r.md"
    study = small_study(tmp_path, "senior_exec")
    args = ["report", str(SAMPLE_EXPORT), "--study", str(study), "--out", str(md), "-q"]
    assert RUN.invoke(app, args).exit_code == 0
    assert md.read_text().startswith("# ")
    plain = tmp_path / "figures.out"  # an unknown extension takes --format, else the default
    result = RUN.invoke(app, ["figures", str(SAMPLE_EXPORT), "-f", "csv", "-o", str(plain), "-q"])
    assert result.exit_code == 0 and plain.read_text().startswith("figure,row")


def test_validate_summary_counts_valid_and_invalid_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\nstudy: x\n")
    result = RUN.invoke(app, ["validate", str(DEFAULT_STUDY), str(bad)])
    assert result.exit_code == 1
    assert "1 file(s) valid, 1 invalid: 1 error(s)" in result.stderr
    result = RUN.invoke(app, ["validate", str(DEFAULT_STUDY)])
    assert result.exit_code == 0
    assert "1 file(s) valid, 0 invalid" in result.stderr


def test_gap_footnote_names_the_tests_it_used():
    study = cxsurvey.load_study(DEFAULT_STUDY)
    figs = {f.id: f for f in cxsurvey.figures(SAMPLE_EXPORT, study).figures}
    notes = " ".join(figure_notes(figs["maturity_competencies"]))
    assert "(Welch's t-test)." in notes and "test named per row" not in notes
    notes = " ".join(figure_notes(figs["barriers_by_group"]))
    tests = {r.gap.test for r in figs["barriers_by_group"].rows}
    names = {"z": "two-proportion z-test", "fisher": "Fisher's exact test"}
    assert all(names[t] in notes for t in tests)


def test_methods_count_rows_in_words_and_describe_period_changes(feedback_sample, tmp_path):
    from cxsurvey.outputs.report.context import report_context
    from cxsurvey.scoring.run import score

    export, study = feedback_sample
    scores = score(export, study)
    result = cxsurvey.figures(export, study)
    methods = " ".join(report_context(result, scores).methods)
    assert not re.search(r"\(1 rows\)|\(1 cells\)", methods)
    changes = sum(
        1
        for f in result.figures
        for r in f.rows
        for c in r.cells.values()
        if c.change is not None and c.change.p_value is not None
    )
    counted = sum(int(n) for n in re.findall(r"\((\d+) cells?\)", methods))
    assert counted == changes > 0
    assert "Trends (nps_by_month, csat_by_month)" in methods
    assert "no multiple-comparison adjustment" in methods
