"""cxsurvey init/describe on crafted current-format exports (JSON ImportIds), choice-text,
numeric and .sav exports, and bad input. Expected values are written out by hand."""

from __future__ import annotations

import csv
import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.codebook.build import build_codebook
from cxsurvey.codebook.draft import scalar
from cxsurvey.codebook.header import split_import_id
from cxsurvey.reading.header import parse_import_id

runner = CliRunner()


def _mc(qid, tag, text, selector, choices, recodes=None, **extra):
    return {
        "Element": "SQ",
        "Payload": {
            "QuestionID": qid,
            "DataExportTag": tag,
            "QuestionText": text,
            "QuestionType": "MC",
            "Selector": selector,
            "SubSelector": "TX",
            "Choices": {k: {"Display": v} for k, v in choices.items()},
            "ChoiceOrder": list(choices),
            "RecodeValues": recodes or [],
            **extra,
        },
    }


QSF = {
    "SurveyEntry": {"SurveyName": "Crafted <b>feedback</b> survey"},
    "SurveyElements": [
        {"Element": "BL", "Payload": []},
        _mc("QID1", "Q1", "How satisfied are you?", "SAVR",
            {"1": "Very <i>satisfied</i>", "2": "Satisfied", "3": "Dissatisfied", "4": "Don&#39;t know"},
            {"1": "5", "2": "4", "3": "1", "4": "9"}),
        _mc("QID2", "Q2", "Which channels did you use?", "MAVR",
            {"1": "Phone", "2": "Web", "3": "Other, please specify"}),
        _mc("QID3", "Q3", "How likely are you to recommend us?", "NPS",
            {str(i): str(i) for i in range(11)}),
        {"Element": "SQ", "Payload": {
            "QuestionID": "QID4", "DataExportTag": "Q4", "QuestionType": "Matrix",
            "Selector": "Likert", "SubSelector": "SingleAnswer",
            "QuestionText": "Rate each statement",
            "Choices": {"1": {"Display": "Fast"}, "2": {"Display": "Friendly"}, "3": {"Display": "Clear"}},
            "Answers": {"1": {"Display": "Strongly disagree"}, "2": {"Display": "Disagree"},
                        "3": {"Display": "Agree"}, "4": {"Display": "Strongly agree"},
                        "5": {"Display": "Not applicable"}},
            "RecodeValues": {"5": "-1"}}},
        _mc("QID5", "Q5", "Was the ${lm://Field/1} visit resolved?", "SAHR", {"1": "Yes", "2": "No"}),
        {"Element": "SQ", "Payload": {"QuestionID": "QID6", "DataExportTag": "Q6",
            "QuestionType": "TE", "Selector": "SL", "QuestionText": "Anything else?"}},
        {"Element": "SQ", "Payload": {"QuestionID": "QID7", "DataExportTag": "Q7",
            "QuestionType": "Slider", "Selector": "HSLIDER", "QuestionText": "Effort",
            "Choices": {"1": {"Display": "Effort"}}}},
    ],
}  # fmt: skip

NAMES = [
    "StartDate", "Status", "Finished", "ResponseId", "Q1", "Q2_1", "Q2_2", "Q2_3", "Q2_3_TEXT",
    "Q3", "Q3_NPS_GROUP", "Q4_1", "Q4_2", "Q4_3", "Q4_DO", "1_Q5", "2_Q5", "Q6", "Q7_1",
    "Q_timer_First Click", "region",
]  # fmt: skip
IDS = [
    {"ImportId": "startDate", "timeZone": "UTC"}, {"ImportId": "status"}, {"ImportId": "finished"},
    {"ImportId": "_recordId"}, {"ImportId": "QID1"}, {"ImportId": "QID2", "choiceId": "1"},
    {"ImportId": "QID2", "choiceId": "2"}, {"ImportId": "QID2", "choiceId": "3"},
    {"ImportId": "QID2_3_TEXT"}, {"ImportId": "QID3"}, {"ImportId": "QID3_NPS_GROUP"},
    {"ImportId": "QID4_1"}, {"ImportId": "QID4_2"}, {"ImportId": "QID4_3"}, {"ImportId": "QID4_DO"},
    {"ImportId": "1_QID5"}, {"ImportId": "2_QID5"}, {"ImportId": "QID6_TEXT"},
    {"ImportId": "QID7_1"}, {"ImportId": "QID8_FIRST_CLICK"}, {"ImportId": "region"},
]  # fmt: skip
ROWS = [
    ["2026-01-05 10:00:00", "0", "1", "R_1", "5", "1", "", "1", "fax", "10", "3", "4", "3", "-1", "1|2|3", "1", "2", "great", "3", "1.2", "North"],
    ["2026-01-06 10:00:00", "0", "1", "R_2", "4", "", "1", "", "", "6", "1", "1", "-99", "2", "2|1|3", "2", "", "", "5", "0.8", "South"],
    ["2026-01-07 10:00:00", "0", "1", "R_3", "9", "1", "1", "", "", "8", "2", "2", "2", "4", "3|2|1", "1", "1", "", "7", "2.0", "North"],
    ["2026-01-08 10:00:00", "1", "1", "R_4", "-99", "", "", "", "", "9", "3", "3", "4", "4", "1|2|3", "", "2", "ok", "2", "1.1", "South"],
    ["2026-01-09 10:00:00", "0", "0", "R_5", "1", "1", "", "", "", "0", "1", "", "", "", "1|2|3", "", "", "", "", "0.5", "West"],
]  # fmt: skip


def _text_of(name: str) -> str:
    """The question-text header Qualtrics writes: the question text, `` - item`` for items."""
    by_tag = {e["Payload"]["DataExportTag"]: e["Payload"] for e in QSF["SurveyElements"][1:]}
    base = name.split("_", 1)[1] if name[0].isdigit() else name
    tag, _, item = base.partition("_")
    payload = by_tag.get(tag)
    if payload is None:
        return f"{name} text"
    choice = payload.get("Choices", {}).get(item.split("_")[0], {}).get("Display", "")
    return f"{payload['QuestionText']} - {choice}" if choice else payload["QuestionText"]


def _write(tmp_path, rows=ROWS, names=NAMES, ids=IDS, texts=None):
    path = tmp_path / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        w.writerow(texts or [_text_of(n) for n in names])
        w.writerow([json.dumps(i) for i in ids])
        w.writerows(rows)
    qsf = tmp_path / "survey.qsf"
    qsf.write_text(json.dumps(QSF), encoding="utf-8")
    return path, qsf


def _by_name(cb):
    return {e.name: e for e in cb.entries}


def test_current_export_with_definition(tmp_path):
    path, qsf = _write(tmp_path)
    cb = build_codebook(path, qsf)
    q = _by_name(cb)
    assert cb.layout == "Qualtrics export (3 header rows), utf-8, comma-separated"
    assert cb.survey_name == "Crafted feedback survey"
    assert cb.missing == (-99,)
    # recode values, never positions; HTML stripped and entities decoded
    assert [(o.code, o.label, o.not_applicable) for o in q["Q1"].options] == [
        (5, "Very satisfied", False), (4, "Satisfied", False), (1, "Dissatisfied", False),
        (9, "Don't know", True),
    ]  # fmt: skip
    assert q["Q1"].type == "single" and q["Q1"].answered == 4  # -99 is not an answer
    assert q["Q2"].type == "multi"
    assert q["Q2"].choice_columns == ((1, "Q2_1"), (2, "Q2_2"), (3, "Q2_3"))
    assert q["Q2"].other_text == ("Q2_3_TEXT",)
    assert q["Q2"].answered == 4
    assert q["Q3"].type == "nps" and q["Q3"].columns == ("Q3",)
    assert q["Q4"].type == "grid"
    assert q["Q4"].items == (("Fast", "Q4_1"), ("Friendly", "Q4_2"), ("Clear", "Q4_3"))
    assert [o.code for o in q["Q4"].options] == [1, 2, 3, 4, -1]
    assert [o.code for o in q["Q4"].options if o.not_applicable] == [-1]
    assert q["Q5_loop1"].columns == ("1_Q5",) and q["Q5_loop2"].columns == ("2_Q5",)  # loop & merge
    assert q["Q5_loop2"].text == "Was the ${lm://Field/1} visit resolved? (loop 2)"
    assert q["Q7_1"].text == "Effort"  # a one-statement slider: not "Effort - Effort"
    assert q["Q6"].type == "text" and q["Q6"].columns == ("Q6",)
    assert q["Q7_1"].type == "numeric"
    kinds = {e.columns[0]: e.type for e in cb.entries}
    assert kinds["Q4_DO"] == "order"
    assert kinds["Q_timer_First Click"] == "timing"
    assert kinds["region"] == "embedded"
    assert kinds["Status"] == "metadata"


def test_nps_without_definition_by_its_group_sibling(tmp_path):
    path, _ = _write(tmp_path)
    cb = build_codebook(path)
    q = _by_name(cb)
    assert q["Q3"].type == "nps"
    # a numeric export without a definition: the codes seen, to be labelled
    assert q["Q1"].options_from == "observed codes"
    assert [o.code for o in q["Q1"].options] == [1, 4, 5, 9]
    assert q["Q2"].type == "multi" and [c for c, _ in q["Q2"].choice_columns] == [1, 2, 3]


def test_draft_of_current_export_validates_runs_and_keeps_key_order(tmp_path):
    path, qsf = _write(tmp_path)
    out = tmp_path / "study.yaml"
    result = runner.invoke(app, ["init", str(path), "--qsf", str(qsf), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "9 question(s), 7 figure(s) from 5 responses" in result.output
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert list(data) == ["version", "study", "source", "questions", "figures"]
    assert data["source"] == {
        "format": "auto",
        "id": "ResponseId",
        "include": [{"column": "Finished", "in": [1]}, {"column": "Status", "not_in": [1, 8]}],
        "missing": [-99],
    }
    assert data["questions"]["Q1"]["options"] == {
        5: "Very satisfied",
        4: "Satisfied",
        1: "Dissatisfied",
        9: "Don't know",
    }
    assert data["questions"]["Q1"]["not_applicable"] == [9]
    assert data["questions"]["Q5_loop1"]["options"] == {1: "Yes", 2: "No"}  # quoted, not booleans
    assert list(data["questions"]["Q4"]) == [
        "text",
        "type",
        "columns",
        "options",
        "not_applicable",
        "nets",
    ]
    # embedded data with a few repeating values: a single question to use as a banner
    assert data["questions"]["region"] == {
        "text": "region text",
        "type": "single",
        "column": "region",
        "options": {"North": "North", "South": "South", "West": "West"},
    }
    assert "region (3 options)" in text
    assert "# scales:" in text and "median_split: Q4_score" in text  # agreement battery template
    assert "Candidate banners" in text
    ids = [f["id"] for f in data["figures"]]
    assert ids == ["Q1", "Q2", "Q3", "Q4", "Q5_loop1", "Q5_loop2", "Q7_1"]
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output
    figs = runner.invoke(app, ["figures", str(path), "--study", str(out), "--format", "json"])
    assert figs.exit_code == 0, figs.output
    res = json.loads(figs.stdout)
    assert res["respondents"]["included"] == 3  # R_4 preview, R_5 unfinished
    q1 = next(f for f in res["figures"] if f["id"] == "Q1")
    cells = {r["label"]: r["cells"]["Total"] for r in q1["rows"]}
    # R_1 5, R_2 4, R_3 9 (don't know: out of the base)
    assert cells["Very satisfied"]["count"] == 1 and cells["Very satisfied"]["base"] == 2


def test_existing_out_is_never_overwritten_without_force(tmp_path):
    path, _ = _write(tmp_path)
    out = tmp_path / "study.yaml"
    out.write_text("mine\n")
    result = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_text() == "mine\n"
    again = runner.invoke(app, ["init", str(path), "--out", str(out), "--force"])
    assert again.exit_code == 0, again.output
    assert out.read_text().startswith("# Study file drafted")
    into_input = runner.invoke(app, ["init", str(path), "--out", str(path), "--force"])
    assert into_input.exit_code == 2 and "--out is the export" in into_input.output


def test_choice_text_export_takes_labels_as_codes(tmp_path):
    rows = [
        ["2026-01-05", "IP Address", "True", "R_1", "Very satisfied", "Phone", "", "", "", "10",
         "Promoter", "Agree", "Agree", "Not applicable", "", "Yes", "No", "", "3", "1", "N"],
        ["2026-01-06", "IP Address", "True", "R_2", "Satisfied", "", "Web", "", "", "6",
         "Detractor", "Disagree", "Agree", "Agree", "", "No", "", "", "4", "1", "S"],
        ["2026-01-07", "IP Address", "True", "R_3", "Satisfied", "Phone", "Web", "", "", "9",
         "Promoter", "Strongly agree", "Disagree", "Agree", "", "Yes", "Yes", "", "4", "1", "S"],
    ]  # fmt: skip
    path, qsf = _write(tmp_path, rows=rows)
    q = _by_name(build_codebook(path, qsf))
    assert [o.code for o in q["Q1"].options] == [
        "Very satisfied",
        "Satisfied",
        "Dissatisfied",
        "Don't know",
    ]
    assert q["Q4"].options[4].code == "Not applicable" and q["Q4"].options[4].not_applicable
    plain = _by_name(build_codebook(path))
    assert plain["Q1"].options_from == "observed labels"
    assert {o.code for o in plain["Q1"].options} == {"Very satisfied", "Satisfied"}
    out = tmp_path / "s.yaml"
    assert (
        runner.invoke(app, ["init", str(path), "--qsf", str(qsf), "--out", str(out)]).exit_code == 0
    )
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["source"]["include"] == [
        {"column": "Finished", "in": ["True"]},
        {"column": "Status", "not_in": ["Survey Preview", "Spam"]},
    ]
    figs = runner.invoke(app, ["figures", str(path), "--study", str(out), "--format", "json"])
    assert figs.exit_code == 0, figs.output
    q1 = next(f for f in json.loads(figs.stdout)["figures"] if f["id"] == "Q1")
    assert {r["label"]: r["cells"]["Total"]["count"] for r in q1["rows"]}["Satisfied"] == 2


def test_sav_value_labels_give_the_options(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    frame = pd.DataFrame(
        {"ResponseId": ["R_1", "R_2", "R_3"], "sat": [1.0, 2.0, 2.0], "q9_1": [1.0, None, 1.0],
         "q9_2": [None, 1.0, 1.0], "score": [3.5, 7.25, 1.0], "rec": [10.0, 7.0, 0.0]}
    )  # fmt: skip
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["Response ID", "Satisfaction", "Used - Phone", "Used - Web", "Score",
                       "How likely are you to recommend us?"],
        variable_value_labels={"sat": {1: "Happy", 2: "Unhappy", 3: "Don't know"},
                               "q9_1": {1: "Phone"}, "q9_2": {1: "Web"},
                               "rec": {0: "Not at all likely", 10: "Extremely likely"}},
    )  # fmt: skip
    q = _by_name(build_codebook(path))
    assert q["sat"].type == "single" and q["sat"].options_from == "sav labels"
    assert [(o.code, o.label, o.not_applicable) for o in q["sat"].options] == [
        (1, "Happy", False), (2, "Unhappy", False), (3, "Don't know", True)
    ]  # fmt: skip
    assert q["q9"].type == "multi" and q["q9"].choice_columns == ((1, "q9_1"), (2, "q9_2"))
    assert [o.label for o in q["q9"].options] == ["Phone", "Web"]
    assert q["score"].type == "numeric"
    assert q["rec"].type == "nps"  # 0-10 labelled only at its ends, "recommend" in its label
    out = tmp_path / "s.yaml"
    assert runner.invoke(app, ["init", str(path), "--out", str(out)]).exit_code == 0
    figs = runner.invoke(app, ["figures", str(path), "--study", str(out), "--format", "json"])
    assert figs.exit_code == 0, figs.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not a Qualtrics survey definition (not JSON)"),
        ('{"hello": 1}', "not a Qualtrics survey definition (no SurveyElements)"),
    ],
)
def test_a_file_that_is_not_a_definition_is_a_one_line_error(tmp_path, content, message):
    path, _ = _write(tmp_path)
    bad = tmp_path / "bad.qsf"
    bad.write_text(content)
    for command in ("init", "describe"):
        result = runner.invoke(
            app,
            [
                command,
                str(path),
                "--qsf",
                str(bad),
                "--out" if command == "init" else "--all",
                *([str(tmp_path / "o.yaml")] if command == "init" else []),
            ],
        )
        assert result.exit_code == 2, result.output
        assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_definition_of_another_survey_and_a_partly_matching_one(tmp_path):
    path, _ = _write(tmp_path)
    other = {"SurveyElements": [_mc("QID90", "Q90", "x", "SAVR", {"1": "a"})]}
    bad = tmp_path / "other.qsf"
    bad.write_text(json.dumps(other))
    result = runner.invoke(app, ["describe", str(path), "--qsf", str(bad)])
    assert result.exit_code == 2 and "shares no QIDs" in result.output
    partial = dict(
        QSF,
        SurveyElements=[
            e
            for e in QSF["SurveyElements"]
            if e["Payload"] == [] or e["Payload"]["QuestionID"] not in ("QID3", "QID4")
        ],
    )
    part = tmp_path / "partial.qsf"
    part.write_text(json.dumps(partial))
    cb = build_codebook(path, part)
    assert len(cb.warnings) == 1 and "QID3, QID4" in cb.warnings[0]
    q = _by_name(cb)
    assert q["Q1"].options_from == "definition" and q["Q4"].options_from == "observed codes"
    out = tmp_path / "s.yaml"
    result = runner.invoke(app, ["init", str(path), "--qsf", str(part), "--out", str(out)])
    assert result.exit_code == 0 and "QID3, QID4" in result.output


def test_describe_json_and_table(tmp_path):
    path, qsf = _write(tmp_path)
    result = runner.invoke(app, ["describe", str(path), "--qsf", str(qsf), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layout"].startswith("Qualtrics") and data["delimiter"] == ","
    q2 = next(e for e in data["entries"] if e["name"] == "Q2")
    assert q2["choice_columns"][0] == {"code": 1, "column": "Q2_1"} and q2["answered"] == 4
    table = runner.invoke(app, ["describe", str(path), "--format", "table"])
    assert table.exit_code == 0
    assert "layout: Qualtrics export (3 header rows), utf-8, comma-separated;" in table.output
    assert "nps" in table.output


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('{"ImportId":"QID3","choiceId":"2"}', ("QID3", None, None, ("2",), "")),
        ('{"ImportId":"QID4_1_TEXT"}', ("QID4", None, None, ("1",), "TEXT")),
        ('{"ImportId":"1_QID5_2"}', ("QID5", "1", None, ("2",), "")),
        ('{"ImportId":"QID7#2_3"}', ("QID7", None, "2", ("3",), "")),
        ('{"ImportId":"QID3_NPS_GROUP"}', ("QID3", None, None, (), "NPS_GROUP")),
        ('{"ImportId":"QID9_PAGE_SUBMIT"}', ("QID9", None, None, (), "PAGE_SUBMIT")),
        ("{'ImportId': 'QID11#1-2-1-TEXT'}", ("QID11", None, "1", ("2", "1"), "TEXT")),
        ("{'ImportId': 'QID44-1-3'}", ("QID44", None, None, ("1", "3"), "")),
        ('{"ImportId":"startDate","timeZone":"UTC"}', (None, None, None, (), "")),
    ],
)
def test_import_ids_of_both_formats(cell, expected):
    iid = split_import_id(*parse_import_id(cell))
    assert (iid.qid, iid.loop, iid.sbs, iid.parts, iid.suffix) == expected


@given(st.text(max_size=40))
def test_labels_read_back_exactly(text):
    assert yaml.safe_load(f"k: {scalar(text)}")["k"] == text


def test_bundled_sample_without_definition_and_its_scale_template(tmp_path):
    from tests.conftest import SAMPLE_EXPORT

    out = tmp_path / "s.yaml"
    result = runner.invoke(app, ["init", str(SAMPLE_EXPORT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    q = data["questions"]
    assert q["Q13"]["type"] == "multi" and q["Q13"]["column"] == "Q13"  # one cell: "1,3"
    assert q["Q24"]["type"] == "text"  # QID24_TEXT: text entry, however repetitive
    assert q["Q5"]["options"] == {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
    # uncommenting the drafted scale and segment gives a study that validates and scores
    start = text.index("# scales:")
    block = text[start : text.index("\n\n", start)]
    uncommented = "\n".join(line[2:] for line in block.splitlines())
    edited = text.replace(block, uncommented).replace(
        "figures:\n", "figures:\n  - {id: split, question: Q8, by: Q5_split}\n", 1
    )
    out.write_text(edited, encoding="utf-8")
    assert "Lead: [Q5_1, Q5_2, Q5_3]" in edited
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    figs = runner.invoke(
        app, ["figures", str(SAMPLE_EXPORT), "--study", str(out), "--format", "json"]
    )
    assert figs.exit_code == 0, figs.output
    split = next(f for f in json.loads(figs.stdout)["figures"] if f["id"] == "split")
    assert split["columns"] == ["Total", "High scorers", "Low scorers"]


def test_readme_new_user_path_runs(tmp_path, monkeypatch):
    import shlex

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your own survey", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [
        ln.split("#")[0].strip() for ln in section.splitlines() if ln.startswith("cxsurvey ")
    ]
    assert [c.split()[1] for c in commands] == ["describe", "init", "figures"]
    path, _ = _write(tmp_path)  # survey.qsf beside it, as the README names it
    monkeypatch.chdir(tmp_path)
    for command in commands:
        args = [a.replace("export.csv", path.name) for a in shlex.split(command)[1:]]
        result = runner.invoke(app, [*args, "--format", "json"] if args[0] != "init" else args)
        assert result.exit_code == 0, (command, result.output)


def test_encoding_option_for_exports_without_bom(tmp_path):
    path = tmp_path / "cp.csv"
    rows = [["ResponseId", "Q1"], ["Response ID", "Café rating"],
            ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}'], ["R_1", "1"], ["R_2", "2"]]  # fmt: skip
    with open(path, "w", encoding="cp1252", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "s.yaml"
    failed = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert failed.exit_code == 2 and "not valid utf-8" in failed.output and not out.exists()
    result = runner.invoke(app, ["init", str(path), "--encoding", "cp1252", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["source"]["encoding"] == "cp1252"
    assert data["questions"]["Q1"]["text"] == "Café rating"
    figs = runner.invoke(app, ["figures", str(path), "--study", str(out), "--format", "json"])
    assert figs.exit_code == 0, figs.output


def test_parquet_export(tmp_path):
    from tests.conftest import SAMPLE_EXPORT

    parquet = tmp_path / "export.parquet"
    converted = runner.invoke(app, ["convert", str(SAMPLE_EXPORT), "--out", str(parquet)])
    assert converted.exit_code == 0, converted.output
    q = _by_name(build_codebook(parquet))
    assert q["Q5"].type == "grid" and len(q["Q5"].items) == 20
    assert q["Q8"].type == "single" and [o.code for o in q["Q8"].options] == [1, 2, 3]
    out = tmp_path / "s.yaml"
    assert runner.invoke(app, ["init", str(parquet), "--out", str(out)]).exit_code == 0
    figs = runner.invoke(app, ["figures", str(parquet), "--study", str(out), "--format", "json"])
    assert figs.exit_code == 0, figs.output


def test_hostile_labels_and_names_stay_data(tmp_path):
    """Newlines, YAML syntax and comment markers in the export never become YAML structure."""
    names = ["ResponseId", "Q1", "Q2\nevil: 1"]
    ids = [{"ImportId": "_recordId"}, {"ImportId": "QID1"}, {"ImportId": "QID2"}]
    texts = ["id", "Pick one:\nversion: 2 # not a key", "x"]
    rows = [
        ["R_1", "a: b\nfigures: []", "x"],
        ["R_2", "a: b\nfigures: []", "y"],
        ["R_3", "- no", "x"],
    ]
    path, _ = _write(tmp_path, rows=rows, names=names, ids=ids, texts=texts)
    out = tmp_path / "s.yaml"
    result = runner.invoke(app, ["init", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["version"] == 1 and len(data["figures"]) >= 1
    assert data["questions"]["Q1"]["text"] == "Pick one: version: 2 # not a key"  # one line
    assert set(data["questions"]["Q1"]["options"].values()) == {"a: b\nfigures: []", "- no"}
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


def test_nps_with_recoded_scale_is_not_drafted_as_nps(tmp_path):
    """An NPS selector whose codes are 1-11 would give wrong promoters: drafted as single."""
    recoded = json.loads(json.dumps(QSF))
    nps = next(
        e
        for e in recoded["SurveyElements"]
        if e["Payload"] and e["Payload"]["QuestionID"] == "QID3"
    )
    nps["Payload"]["RecodeValues"] = {str(i): str(i + 1) for i in range(11)}
    path, qsf = _write(tmp_path)
    qsf.write_text(json.dumps(recoded), encoding="utf-8")
    q3 = _by_name(build_codebook(path, qsf))["Q3"]
    assert q3.type == "single" and [o.code for o in q3.options] == list(range(1, 12))
    assert "codes are not 0-10" in q3.notes[-1]


def test_a_question_left_out_of_the_draft_is_named_with_its_reason(tmp_path):
    path, qsf = _write(tmp_path)
    changed = json.loads(json.dumps(QSF))
    q2 = next(
        e
        for e in changed["SurveyElements"]
        if e["Payload"] and e["Payload"]["QuestionID"] == "QID2"
    )
    q2["Payload"]["Choices"] = {"9": {"Display": "Fax"}}  # no longer the export's choices
    qsf.write_text(json.dumps(changed), encoding="utf-8")
    out = tmp_path / "s.yaml"
    result = runner.invoke(app, ["init", str(path), "--qsf", str(qsf), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Q2" not in yaml.safe_load(text)["questions"]
    assert (
        "#   Q2 (multi, Q2_1, Q2_2, Q2_3): column Q2_1: no choice of the definition matches it"
        in text
    )


def test_describe_table_shows_control_characters_instead_of_sending_them(tmp_path):
    rows = [
        ["R_1", "\x1b[31mred", "x"],
        ["R_2", "\x1b[31mred", "y"],
        ["R_3", "[bold]b[/bold]", "x"],
    ]
    names = ["ResponseId", "Q1", "Q2"]
    ids = [{"ImportId": "_recordId"}, {"ImportId": "QID1"}, {"ImportId": "QID2"}]
    path, _ = _write(tmp_path, rows=rows, names=names, ids=ids)
    result = runner.invoke(app, ["describe", str(path), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "\x1b[31m" not in result.output and "\\x1b[31mred" in result.output
    assert "[bold]b[/bold]" in result.output  # shown as written, not read as markup


def test_a_rare_minus_99_among_many_values_is_still_missing(tmp_path):
    """Summaries keep the 200 most frequent values; -99 is counted from all cells."""
    rows = [[f"R_{i}", str(i * 1.5)] for i in range(300)] + [["R_x", "-99"]]
    names = ["ResponseId", "Q1"]
    ids = [{"ImportId": "_recordId"}, {"ImportId": "QID1"}]
    path, _ = _write(tmp_path, rows=rows, names=names, ids=ids)
    cb = build_codebook(path)
    q1 = _by_name(cb)["Q1"]
    assert q1.type == "numeric" and q1.answered == 300
    assert cb.missing == (-99,)
