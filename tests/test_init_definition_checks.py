"""init/describe judge whether a survey definition belongs to the export, and check
its structure: the evidence (question text, values) and the rule are in
cxsurvey/codebook/evidence.py; the expected verdicts here are worked out by hand."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.codebook.build import build_codebook
from cxsurvey.codebook.evidence import text_matches, words
from tests.test_init_crafted import IDS, NAMES, QSF, ROWS, _write

ROOT = Path(__file__).parent.parent
QSFS = ROOT / "tests" / "fixtures" / "qsf"
runner = CliRunner()


@pytest.mark.parametrize(
    ("export", "qsf", "count"),
    [
        # single_mc's five questions against many_types' QID2-QID6: other texts and codes
        (QSFS / "single_mc" / "export_2016.csv", QSFS / "many_types" / "survey.qsf", "5 of 5"),
        # the sample's QID5 grid and QID6 against single_mc's QID5/QID6 texts
        (ROOT / "sample_data" / "cx_practitioner_sample.csv", QSFS / "single_mc" / "survey.qsf", "2 of 2"),
    ],
)  # fmt: skip
def test_a_definition_of_another_survey_is_refused(tmp_path, export, qsf, count):
    out = tmp_path / "w.yaml"
    for args in (["init", str(export), "--qsf", str(qsf), "--out", str(out)],
                 ["describe", str(export), "--qsf", str(qsf)]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        assert "belongs to another survey" in lines[0] and f"{count} questions" in lines[0]
    assert not out.exists()


@pytest.mark.parametrize(
    ("export_text", "definition", "agrees"),
    [
        ("How satisfied are you?", "How <b>satisfied</b> are you?", True),
        ("how SATISFIED are   you", "How satisfied are you?", True),
        ("Rate each statement - Fast", "Rate each statement", True),
        ("Rate each statement-Fast", "Rate each statement", True),
        ("This is a long question that was cut shor...-Item 1", "This is a long question that was cut short by the export", True),
        ("Click to write the question text", "Which fruit do you like?", False),
        ("CX maturity - Lead - Q5_1", "Click to write the question text", False),
        ("Rate", "Rate each statement", False),  # too short to be a cut-off prefix
    ],
)  # fmt: skip
def test_question_text_comparison(export_text, definition, agrees):
    from cxsurvey.codebook.qsf import strip_html

    assert text_matches(export_text, words(strip_html(definition))) is agrees


def test_one_edited_question_is_a_warning_naming_it(tmp_path):
    edited = copy.deepcopy(QSF)
    edited["SurveyElements"][5]["Payload"]["QuestionText"] = "Did we solve your problem?"
    path, qsf = _write(tmp_path)
    qsf.write_text(json.dumps(edited), encoding="utf-8")
    cb = build_codebook(path, qsf)
    # judged: Q1, Q2, Q3, Q4, Q5 (loop), Q6, Q7 by their text; Q5 disagrees
    (warning,) = [w for w in cb.warnings if "shares ids" in w]
    assert "1 of 7 questions" in warning and "Q5 (QID5)" in warning and "question text" in warning
    result = runner.invoke(app, ["init", str(path), "--qsf", str(qsf), "--out", str(tmp_path / "s.yaml")])  # fmt: skip
    assert result.exit_code == 0 and "Q5 (QID5)" in result.output


def _values_only(tmp_path, q1, q4, q5):
    """No question-text row to compare: the values are the only evidence."""
    rows = []
    for row in ROWS:
        row = list(row)
        row[NAMES.index("Q1")] = q1 if row[NAMES.index("Q1")] not in ("", "-99") else row[4]
        for name in ("Q4_1", "Q4_2", "Q4_3"):
            i = NAMES.index(name)
            row[i] = q4 if row[i] not in ("", "-99") else row[i]
        i = NAMES.index("2_Q5")
        row[i] = q5 if row[i] else row[i]
        rows.append(row)
    return _write(tmp_path, rows=rows, texts=[""] * len(NAMES), ids=IDS)


def test_values_the_definition_does_not_list_are_evidence(tmp_path):
    # judged by values: Q1 (codes 5 4 1 9), Q3 (0-10), Q4 (answers 1-4, -1), Q5 (1 2; two loops)
    path, qsf = _values_only(tmp_path, q1="77", q4="2", q5="1")
    cb = build_codebook(path, qsf)
    (warning,) = [w for w in cb.warnings if "shares ids" in w]
    assert "1 of 4 questions" in warning and "Q1 (QID1)" in warning and "values" in warning
    path, qsf = _values_only(tmp_path, q1="77", q4="8", q5="6")
    result = runner.invoke(app, ["describe", str(path), "--qsf", str(qsf)])
    assert result.exit_code == 2
    assert "3 of 4 questions it shares ids with" in result.output
    assert "other values" in result.output


def _damage(payload_edit=None, elements_edit=None):
    damaged = copy.deepcopy(QSF)
    if payload_edit:
        for element in damaged["SurveyElements"][1:]:
            payload_edit(element["Payload"])
    if elements_edit:
        elements_edit(damaged["SurveyElements"])
    return damaged


def _q1(edit):
    def apply(payload):
        if payload["QuestionID"] == "QID1":
            edit(payload)

    return apply


def _untyped(payload):
    payload["QuestionType"] = 7
    payload.pop("DataExportTag")


@pytest.mark.parametrize(
    ("damaged", "message"),
    [
        (_damage(_q1(lambda p: p.update(Choices=["Yes", "No"], RecodeValues="1,2"))),
         "QID1: Choices 1 is text ('Yes'), not an object"),
        (_damage(_q1(lambda p: p.update(RecodeValues="1,2"))),
         "QID1: RecodeValues is text ('1,2'), not a mapping of ids to codes"),
        (_damage(_untyped), "QID1: QuestionType is a number (7), not text"),
        (_damage(_q1(lambda p: p.update(ChoiceOrder="1,2"))),
         "QID1: ChoiceOrder is text ('1,2'), not a list of ids"),
        (_damage(_q1(lambda p: p.update(Choices={"1": "Yes"}))),
         "QID1: Choices 1 is text ('Yes'), not an object"),
        (_damage(_q1(lambda p: p.update(RecodeValues={"1": {"x": 1}}))),
         "QID1: RecodeValues 1 is an object, not a code"),
        (_damage(elements_edit=lambda e: e.append("SQ")),
         "SurveyElements entry 9 is text ('SQ'), not an object"),
        (_damage(elements_edit=lambda e: e.append({"Element": "SQ", "Payload": [1]})),
         "SurveyElements entry 9 (SQ): Payload is a list, not an object"),
    ],
)  # fmt: skip
def test_a_damaged_definition_is_a_one_line_error_naming_the_element(tmp_path, damaged, message):
    path, qsf = _write(tmp_path)
    qsf.write_text(json.dumps(damaged), encoding="utf-8")
    for args in (["describe", str(path), "--qsf", str(qsf)],
                 ["init", str(path), "--qsf", str(qsf), "--out", str(tmp_path / "s.yaml")]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "not a valid survey definition" in lines[0], result.output
        assert message in lines[0]
    assert not (tmp_path / "s.yaml").exists()


def test_the_real_definitions_pass_the_shape_check():
    from cxsurvey.codebook.qsf_shape import shape_problem

    for qsf in sorted(QSFS.glob("*/survey.qsf")):
        assert (
            shape_problem(json.loads(qsf.read_text(encoding="utf-8-sig"))["SurveyElements"]) is None
        )


def test_values_the_definition_does_not_list_are_a_warning_on_stderr(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][NAMES.index("Q1")] = "77"  # one of Q1's four answers: a minority, not refused
    path, qsf = _write(tmp_path, rows=rows)
    out = tmp_path / "s.yaml"
    result = runner.invoke(app, ["init", str(path), "--qsf", str(qsf), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.stderr.splitlines() if "does not list" in x]
    assert line.startswith("warning: ") and "1 question(s)" in line and "Q1 (77)" in line
    assert "values in the export that the definition does not list: 77" in out.read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("hello, this is not a deck\n", "not a survey export: one line of 2 column names and no responses"),
        ("hello this is not a deck\n", "not a survey export: one line of text and no responses"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_an_export_says_so(tmp_path, content, message):
    path = tmp_path / "notdeck.pptx"
    path.write_text(content)
    for args in (["describe", str(path)], ["init", str(path), "--out", str(tmp_path / "s.yaml")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert message in result.output and "header but no responses" not in result.output


def test_a_qualtrics_export_without_responses_still_says_header_but_no_responses(tmp_path):
    path, _ = _write(tmp_path, rows=[])
    result = runner.invoke(app, ["describe", str(path)])
    assert result.exit_code == 2 and "the export has a header but no responses" in result.output


def test_describe_json_lists_metadata_only_with_all(tmp_path):
    path, _ = _write(tmp_path)
    plain = json.loads(runner.invoke(app, ["describe", str(path), "--format", "json"]).stdout)
    every = json.loads(
        runner.invoke(app, ["describe", str(path), "--format", "json", "--all"]).stdout
    )
    kinds = {e["name"]: e["type"] for e in every["entries"]}
    hidden = {n for n, t in kinds.items() if t in ("metadata", "timing", "order", "derived")}
    # Status, Finished, ResponseId, StartDate, Q4_DO (display order), Q_timer (timing)
    assert len(hidden) == 6, hidden
    assert [e["name"] for e in plain["entries"]] == [
        e["name"] for e in every["entries"] if e["name"] not in hidden
    ]
