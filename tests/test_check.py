"""``cxsurvey check``: every finding of a study against a crafted export."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export
from tests.test_figures import QUESTIONS, _export


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _study(tmp_path, text=TINY_STUDY + QUESTIONS):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def _body(result, study):
    return [line.removeprefix(f"{study}:") for line in result.stdout.splitlines()]


def test_invalid_codes_ranges_and_a_thin_split_are_warnings(tmp_path):
    export, _ = _export(tmp_path)
    study = _study(tmp_path)
    result = run("check", export, "--study", study)
    assert result.exit_code == 0, result.output
    assert _body(result, study) == [
        "12:15: warning: column 'a2': 1 code(s) outside the scale's values ('6' (1x); e.g. "
        "respondent r5 (data row 5)); they count as unanswered",
        "26:30: warning: column 'sq' (sq): 1 response(s) have codes outside the options ('7' "
        "(1x); e.g. respondent r5 (data row 5)); figures exclude them from the base",
        "28:29: warning: column 'mq' (mq): 1 response(s) hold codes that are not options ('4' "
        "(1x); e.g. respondent r7 (data row 7)); figures exclude them from the base",
        "30:32: warning: column 'num' (num): 1 response(s) are not numbers within 0-100 ('150' "
        "(1x); e.g. respondent r4 (data row 4)); figures exclude them from the base",
        "31:28: warning: column 'nps' (rec): 1 response(s) are not whole numbers 0-10 ('11' "
        "(1x); e.g. respondent r7 (data row 7)); figures exclude them from the base",
        "23:6: warning: segment 'g': fewer than 10 respondents in Leaders (n=4), Laggards "
        "(n=1); its gaps will not be reliable",
    ]
    assert run("check", export, "--study", study, "--strict").exit_code == 1


def test_missing_columns_are_all_reported_at_their_keys(tmp_path):
    export, _ = _export(tmp_path)
    text = (
        (TINY_STUDY + QUESTIONS)
        .replace("column: sq,", "column: sqq,")
        .replace("B: [b1, b2]", "B: [b1, b22]")
    )
    study = _study(tmp_path, text)
    result = run("check", export, "--study", study, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    assert [(p["line"], p["column"], p["severity"], p["message"]) for p in doc["problems"]] == [
        (13, 15, "error", f"column 'b22' (scales.s) is not in {export}; closest: 'b2'"),
        (
            26,
            30,
            "error",
            f"column 'sqq' (questions.sq, needed by figures 'sq', 'sq_filtered', 'num_by_sq') "
            f"is not in {export}; closest: 'sq'",
        ),
    ]


def _tiny(tmp_path, rows=TINY_ROWS, study_text=TINY_STUDY):
    export = tmp_path / "tiny.csv"
    export.write_text(render_export(TINY_COLUMNS, rows))
    return export, _study(tmp_path, study_text)


def test_text_in_a_scale_item_and_duplicate_ids_are_errors(tmp_path):
    rows = [list(r) for r in TINY_ROWS]
    rows[1][2] = "n/a"  # r2's a1
    rows[3][0] = "r1"  # r4 reuses r1's id
    export, study = _tiny(tmp_path, rows)
    result = run("check", export, "--study", study)
    assert result.exit_code == 1
    out = result.stdout
    assert (
        f"{study}:12:11: error: column 'a1': 1 cell(s) are text that is neither a code nor a "
        "label of the scale ('n/a' (1x); e.g. respondent r2 (data row 2)); fix the export or "
        "the scale's values, or list them under source.missing if they mean not answered"
    ) in out
    assert (
        f"{export}: error: 1 respondent id(s) in column 'id' occur more than once ('r1' (data "
        "rows 1, 4)); every row counts, so 1 response(s) may be counted more than once: remove "
        "duplicate responses or set source.id"
    ) in out


def test_filters_that_exclude_everyone_are_errors(tmp_path):
    text = TINY_STUDY.replace("{column: Finished, in: [1]}", "{column: Finished, in: [7]}")
    export, study = _tiny(tmp_path, study_text=text)
    result = run("check", export, "--study", study)
    assert result.exit_code == 1
    assert result.stdout.startswith(
        f"{study}:6:5: error: {export}: source.include keeps none of the 8"
    )

    text = TINY_STUDY + "figures:\n  - {id: f, question: s, filter: [{column: a1, min: 9}]}\n"
    export, study = _tiny(tmp_path, study_text=text)
    result = run("check", export, "--study", study)
    assert result.exit_code == 1
    assert "25:34: error: figure 'f': its filter excludes every included respondent" in (
        _body(result, study)
    )


def test_an_item_nobody_answered_is_a_warning(tmp_path):
    rows = [[*r[:6], "", r[7]] for r in TINY_ROWS]  # b2 blank everywhere
    export, study = _tiny(tmp_path, rows)
    result = run("check", export, "--study", study)
    assert f"{study}:13:15: warning: column 'b2': nobody answered this item" in result.stdout
