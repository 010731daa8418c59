"""Response-quality screening on a crafted export: each rule's exact count, the
flags in ``score``, the findings of ``check``, screening through
``source.include``, the report summary and the study-file rules."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.errors import StudyError
from cxsurvey.study import parse_study
from tests.conftest import render_export

COLUMNS = ["ResponseId", "Finished", "Duration (in seconds)", "g1", "g2", "g3", "g4", "g5",
           "Q_RelevantIDDuplicate", "Q_RecaptchaScore"]  # fmt: skip
ROWS = [
    # id    fin  secs   g1..g5 (9 = not applicable)  RelevantID  reCAPTCHA
    ["r1", "1", "600", "1", "2", "3", "4", "5", "false", "0.9"],
    ["r2", "1", "100", "3", "3", "3", "3", "3", "", "0.9"],  # speeder, straight-liner
    ["r3", "1", "500", "4", "4", "4", "4", "-99", "false", "0.3"],  # 4 answered: not straight; bot
    ["r4", "1", "700", "2", "2", "2", "2", "2", "true", "0.8"],  # straight-liner, duplicate
    ["r5", "1", "", "1", "2", "1", "2", "1", "false", ""],  # duration and score unknown
    ["r6", "1", "650", "5", "5", "5", "5", "5", "false", "0.5"],  # straight; 0.5 is no bot
    ["r1", "1", "620", "1", "2", "3", "4", "5", "false", "0.9"],  # r1 again: duplicate
    ["r8", "1", "290", "2", "3", "2", "3", "2", " TRUE ", "0.1"],  # speeder, duplicate, bot
    ["r9", "1", "300", "3", "4", "3", "4", "9", "false", "0.7"],  # speeder; 4 answered
    ["r10", "0", "10", "1", "1", "1", "1", "1", "true", "0.1"],  # unfinished: not judged
]
# Finished rows: 9. Known durations 100 290 300 500 600 620 650 700: median 550;
# 0.6 x 550 = 330, so r2, r8, r9 are speeders.
STUDY = """\
version: 1
study: Quality
source:
  include:
    - {column: Finished, in: [1]}
%s
  missing: [-99]
quality:
  speeders: {fraction: 0.6}
  straightliners: {questions: [grid], min_items: 5}
  duplicates: {}
  bots: {below: 0.5}
questions:
  grid:
    type: grid
    columns: {A: g1, B: g2, C: g3, D: g4, E: g5}
    options: {1: a, 2: b, 3: c, 4: d, 5: e}
    not_applicable: [9]
figures:
  - {id: grid, question: grid, stat: mean}
"""


def _setup(tmp_path, screen: str = ""):
    export = tmp_path / "q.csv"
    export.write_text(render_export(COLUMNS, ROWS, "qualtrics"))
    text = STUDY % (f"    - {screen}" if screen else "")
    study_path = tmp_path / "q.yaml"
    study_path.write_text(text)
    return export, study_path, parse_study(text, str(study_path))


def test_each_rule_counts_exactly(tmp_path):
    export, _, study = _setup(tmp_path)
    q = cxsurvey.score(export, study).respondents["quality"]
    assert q["screened"] == 9
    assert q["flagged"] == {
        "speeder": 3, "straightliner": 3, "duplicate": 3, "bot": 2, "flagged": 7
    }  # fmt: skip
    assert q["excluded"] == 0  # flagged, but no filter screens them out
    assert q["rules"]["speeder"] == "'Duration (in seconds)' under 0.6 x the median 550 = 330"


def test_score_writes_the_flags_per_respondent(tmp_path):
    export, _, study = _setup(tmp_path)
    table = cxsurvey.score(export, study).table().to_pydict()
    assert table["ResponseId"] == ["r1", "r2", "r3", "r4", "r5", "r6", "r1", "r8", "r9"]
    assert table["quality.speeder"] == [0, 1, 0, 0, 0, 0, 0, 1, 1]
    assert table["quality.straightliner"] == [0, 1, 0, 1, 0, 1, 0, 0, 0]
    assert table["quality.duplicate"] == [0, 0, 0, 1, 0, 0, 1, 1, 0]
    assert table["quality.bot"] == [0, 0, 1, 0, 0, 0, 0, 1, 0]
    assert table["quality.flagged"] == [0, 1, 1, 1, 0, 1, 1, 1, 1]


@pytest.mark.parametrize(
    ("screen", "included", "ids"),
    [
        ("{column: quality.flagged, in: [0]}", 2, ["r1", "r5"]),
        ("{column: quality.bot, in: [0]}", 7, ["r1", "r2", "r4", "r5", "r6", "r1", "r9"]),
        ("{column: quality.speeder, not_in: [1]}", 6, ["r1", "r3", "r4", "r5", "r6", "r1"]),
    ],
)
def test_source_include_screens_by_flag(tmp_path, screen, included, ids):
    export, _, study = _setup(tmp_path, screen)
    result = cxsurvey.score(export, study)
    assert result.respondents["included"] == included
    assert result.respondents["quality"]["excluded"] == 9 - included
    assert result.table().column("ResponseId").to_pylist() == ids


def test_check_reports_each_rule_with_counts_and_examples(tmp_path):
    export, study_path, _ = _setup(tmp_path)
    out = CliRunner().invoke(app, ["check", "-s", str(study_path), str(export)])
    lines = [x for x in out.output.splitlines() if "quality:" in x]
    assert len(lines) == 4, out.output
    speed, straight, dup, bot = lines
    assert speed.startswith(f"{study_path}:9:13: warning: quality: ")
    assert "3 of 9 respondents flagged as speeder" in speed and "e.g. r2, r8, r9" in speed
    assert "1 could not be judged" in speed  # r5 has no duration
    assert (
        "3 of 9 respondents flagged as straightliner" in straight and "e.g. r2, r4, r6" in straight
    )
    assert "3 of 9 respondents flagged as duplicate" in dup and "e.g. r4, r1, r8" in dup
    assert "2 of 9 respondents flagged as bot" in bot and "1 could not be judged" in bot
    assert "screen them out with {column: quality.bot, in: [0]}" in bot


def test_check_after_screening_says_so_and_the_repeated_id_is_gone(tmp_path):
    export, study_path, _ = _setup(tmp_path, "{column: quality.flagged, in: [0]}")
    out = CliRunner().invoke(app, ["check", "-s", str(study_path), str(export)])
    assert out.exit_code == 0, out.output  # the second r1 is screened out: no duplicate-id error
    assert "all screened out by source.include" in out.output


def test_report_summary_says_how_many_were_screened_out_and_why(tmp_path):
    export, study_path, _ = _setup(tmp_path, "{column: quality.flagged, in: [0]}")
    report = tmp_path / "r.md"
    out = CliRunner().invoke(
        app, ["report", "-s", str(study_path), str(export), "-o", str(report), "-q"]
    )
    assert out.exit_code == 0, out.output
    text = report.read_text()
    assert "7 screened out by quality rules of 9 checked (7 flagged; speeder: 3, " in text
    assert "straightliner: 3, duplicate: 3, bot: 2" in text


def test_figures_json_carries_the_screening_counts(tmp_path):
    export, study_path, _ = _setup(tmp_path, "{column: quality.flagged, in: [0]}")
    out = CliRunner().invoke(app, ["figures", "-s", str(study_path), str(export), "-f", "json"])
    assert json.loads(out.stdout)["respondents"]["quality"]["excluded"] == 7


def test_a_missing_quality_column_names_the_rule(tmp_path):
    export, _, _ = _setup(tmp_path)
    text = STUDY.replace("  bots: {below: 0.5}", "  bots: {column: Q_Bot}") % ""
    with pytest.raises(Exception, match=r"Q_Bot.*quality\.bots"):
        cxsurvey.score(export, parse_study(text, "q.yaml"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("{questions: [grid], min_items: 5}", "{questions: [grid, other]}"),
         "quality.straightliners: 'other' is not a question or scale"),
        (("Finished, in: [1]}", "Finished, in: [1]}\n    - {column: quality.bots, in: [0]}"),
         "unknown quality flag 'quality.bots'"),
        (("  bots: {below: 0.5}\n", "\n"), "unknown quality flag 'quality.bot'"),
        (("stat: mean}", "stat: mean, filter: [{column: quality.flagged, in: [0]}]}"),
         "screen respondents out in source.include"),
        (("{fraction: 0.6}", "{fraction: 1.5}"), "fraction"),
        (("min_items: 5", "min_items: 1"), "min_items"),
    ],
)  # fmt: skip
def test_study_rules_for_quality(change, message):
    text = (STUDY % "    - {column: quality.bot, in: [0]}").replace(*change)
    with pytest.raises(StudyError) as info:
        parse_study(text, "q.yaml")
    problems = [str(p) for p in info.value.problems]
    assert any(message in p for p in problems), problems


def test_a_quality_flag_without_a_quality_section_is_an_error():
    text = (STUDY % "    - {column: quality.flagged, in: [0]}").replace(
        "quality:\n  speeders: {fraction: 0.6}\n  straightliners: {questions: [grid], "
        "min_items: 5}\n  duplicates: {}\n  bots: {below: 0.5}\n",
        "",
    )
    with pytest.raises(StudyError, match="the study has no `quality:` section"):
        parse_study(text, "q.yaml")


def test_a_duration_exactly_at_the_limit_is_no_speeder(tmp_path):
    # durations 50, 100, 300, 500: median 200, half of it 100 -> only 50 is under it
    rows = [[f"s{i}", "1", secs, "1", "2", "3", "4", "5", "false", "0.9"]
            for i, secs in enumerate(["50", "100", "300", "500"])]  # fmt: skip
    export = tmp_path / "edge.csv"
    export.write_text(render_export(COLUMNS, rows, "qualtrics"))
    text = (STUDY % "").replace("{fraction: 0.6}", "{fraction: 0.5}")
    table = cxsurvey.score(export, parse_study(text, "q.yaml")).table().to_pydict()
    assert table["quality.speeder"] == [1, 0, 0, 0]


# --- review finding 6: rows a rule cannot judge are counted where the numbers are used -----


def _unjudged_setup(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][9] = "high"  # r3: a bot score that is no number
    rows[2][8] = "Y"  # r3: a RelevantID flag neither true nor false
    rows[8][2] = "n/a"  # r9: a duration that is no number
    export = tmp_path / "q.csv"
    export.write_text(render_export(COLUMNS, rows, "qualtrics"))
    text = STUDY % "    - {column: quality.flagged, in: [0]}"
    study_path = tmp_path / "q.yaml"
    study_path.write_text(text)
    return export, study_path, parse_study(text, str(study_path))


def test_unjudged_rows_are_counted_in_the_score_summary(tmp_path):
    export, _, study = _unjudged_setup(tmp_path)
    q = cxsurvey.score(export, study).respondents["quality"]
    # speeder: r5 blank, r9 'n/a'; duplicate: r3 'Y' (blank is Qualtrics' "not a
    # duplicate"); bot: r3 'high', r5 blank
    assert q["unjudged"] == {"speeder": 2, "duplicate": 1, "bot": 2}
    # known durations 100 290 500 600 620 650 700: median 600, limit 360 -> r2, r8
    assert q["flagged"] == {
        "speeder": 2, "straightliner": 3, "duplicate": 3, "bot": 1, "flagged": 5
    }  # fmt: skip


def test_unjudged_rows_are_named_in_every_figure_and_in_score(tmp_path):
    export, study_path, study = _unjudged_setup(tmp_path)
    result = cxsurvey.figures(export, study)
    # r1, r3, r5, r9 are included (r3 and r9 are judged no bot / no speeder: unknown)
    assert result.respondents["included"] == 4
    warnings = result.figures[0].warnings
    expected = [
        "quality: 2 included respondent(s) could not be judged by the speeder rule "
        "(blank or not a number in 'Duration (in seconds)', e.g. respondent r5 (data row 5), "
        "respondent r9 (data row 9): 'n/a'); kept as not flagged",
        "quality: 1 included respondent(s) could not be judged by the duplicate rule "
        "(neither true nor false in 'Q_RelevantIDDuplicate', e.g. respondent r3 (data row 3): "
        "'Y'); kept as not flagged",
        "quality: 2 included respondent(s) could not be judged by the bot rule "
        "(blank or not a number in 'Q_RecaptchaScore', e.g. respondent r3 (data row 3): "
        "'high', respondent r5 (data row 5)); kept as not flagged",
    ]
    assert [w for w in warnings if w.startswith("quality:")] == expected
    out = CliRunner().invoke(app, ["score", "-s", str(study_path), str(export), "-f", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["respondents"]["quality"]["unjudged"] == {"speeder": 2, "duplicate": 1, "bot": 2}
    assert [w for w in data["export"]["warnings"] if w.startswith("quality:")] == expected
    out = CliRunner().invoke(
        app, ["score", "-s", str(study_path), str(export), "-o", str(tmp_path / "s.csv")]
    )
    summary = " ".join(out.output.split())
    assert "warning: quality: 1 included respondent(s) could not be judged by the duplicate" in (
        summary
    )


def test_check_counts_a_duplicate_flag_that_is_neither_true_nor_false(tmp_path):
    export, study_path, _ = _unjudged_setup(tmp_path)
    out = CliRunner().invoke(app, ["check", "-s", str(study_path), str(export)])
    (line,) = [x for x in out.output.splitlines() if "flagged as duplicate" in x]
    assert line.endswith("; 1 could not be judged (neither true nor false cell)")
