"""cxsurvey init on public survey definitions paired with exports of the same survey.

The expected question types, columns, codes and labels are read here from the
.qsf with ``json`` (and the export's header with ``csv``), independently of
cxsurvey.codebook: a choice's code is its RecodeValues entry when set, else its
id; labels are the display text without markup.
"""

from __future__ import annotations

import ast
import csv
import html
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.codebook.build import build_codebook

FIXTURES = Path(__file__).parent / "fixtures" / "qsf"
PAIRS = [
    ("many_types", "export_2016.csv"),
    ("many_types", "legacy.csv"),
    ("side_by_side", "export_2016.csv"),
    ("no_basis", "export_2016.csv"),
    ("no_basis", "legacy.csv"),
    ("multi_mc", "export_2016.csv"),
    ("single_mc", "export_2016.csv"),
    ("single_mc", "legacy.csv"),
    ("text_entry", "export_2016.csv"),
    ("matrix_multi", "export_2016.csv"),
    ("matrix_single", "export_2016.csv"),
]
runner = CliRunner()


def _text(raw) -> str:
    if not isinstance(raw, str):
        return ""
    no_tags = re.sub(r"<[^>]+>", " ", raw)
    return " ".join(html.unescape(no_tags).split())


def _mapping(x):
    return {str(k): v for k, v in x.items()} if isinstance(x, dict) else {}


def _coded(choices, order, recodes):
    ids = [str(i) for i in order] if order else list(choices)
    out = []
    for cid in ids:
        code = recodes.get(cid, cid)
        code = int(code) if re.fullmatch(r"-?\d+", str(code)) else code
        out.append((code, _text(choices[cid].get("Display"))))
    return out


def _definition(folder):
    data = json.loads((FIXTURES / folder / "survey.qsf").read_text(encoding="utf-8"))
    return {
        e["Payload"]["QuestionID"]: e["Payload"]
        for e in data["SurveyElements"]
        if e["Element"] == "SQ"
    }


def _export_qids(path: Path) -> dict[str, set[str]]:
    """QID -> export columns, from the ImportId row (2016 layout only)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [r for _, r in zip(range(3), csv.reader(fh), strict=False)]
    names, ids = rows[0], rows[2]
    counts = {n: names.count(n) for n in names}
    out: dict[str, set[str]] = {}
    for name, cell in zip(names, ids, strict=True):
        iid = ast.literal_eval(cell)["ImportId"]
        m = re.match(r"(QID\d+)", iid)
        if m and not iid.endswith("TEXT"):  # a repeated name is named by its ImportId
            out.setdefault(m.group(1), set()).add(name if counts[name] == 1 else iid)
    return out


def _expected(payload, sub=None):
    """(type, options) the definition implies for a question or a side-by-side column."""
    q = sub or payload
    qtype, sel, subsel = q["QuestionType"], q.get("Selector"), q.get("SubSelector")
    recodes = _mapping(q.get("RecodeValues"))
    if qtype == "MC":
        kind = "multi" if sel in ("MAVR", "MAHR", "MACOL", "MSB") else "single"
        return kind, _coded(_mapping(q["Choices"]), q.get("ChoiceOrder"), recodes)
    if qtype == "Matrix":
        answers = _coded(_mapping(q["Answers"]), q.get("AnswerOrder"), recodes)
        if sel == "TE":
            return "text", []
        return ("multi" if subsel == "MultipleAnswer" else "grid"), answers
    if qtype == "Slider":
        return "numeric", []
    if qtype == "TE":
        return "text", []
    return None, []


# Legacy exports carry no QIDs: a question the user renamed in Qualtrics
# (VariableNaming, ChoiceDataExportTags) matches no export tag. docs/init.md: such
# columns are classified from the data and a warning names them; a renamed
# side-by-side becomes one "other" entry with a note. Listed here one by one, so
# that any change in what is matched shows up.
LEGACY_RENAMED_UNMATCHED = {("many_types", "legacy.csv"): {"QID47", "QID48", "QID49", "QID50"}}
LEGACY_RENAMED_NOT_TABULATED = {("many_types", "legacy.csv"): {"QID40"}}


def _in_survey(folder) -> set[str]:
    """QIDs placed in a block other than the trash (the ones an export can hold)."""
    data = json.loads((FIXTURES / folder / "survey.qsf").read_text(encoding="utf-8"))
    out: set[str] = set()
    for e in data["SurveyElements"]:
        if e["Element"] != "BL":
            continue
        blocks = e["Payload"].values() if isinstance(e["Payload"], dict) else e["Payload"]
        for b in blocks:
            if b.get("Type") != "Trash":
                out |= {x["QuestionID"] for x in b.get("BlockElements", [])
                        if x.get("Type") == "Question"}  # fmt: skip
    return out


def _check(e, kind, options, where):
    """One entry against the type and (code, label) options the definition implies."""
    assert e.type == kind, (*where, e.name, e.type, kind)
    if kind in ("single", "grid"):
        assert [(o.code, o.label) for o in e.options] == options, (*where, e.name)
    elif kind == "multi":
        assert sorted((o.code, o.label) for o in e.options) == sorted(options), (*where, e.name)
        assert len(e.choice_columns) == len(options) or e.column, (*where, e.name)
    else:
        assert e.options == (), (*where, e.name)


@pytest.mark.parametrize(("folder", "export"), PAIRS)
def test_every_question_matches_the_definition(folder, export):
    path = FIXTURES / folder / export
    cb = build_codebook(path, FIXTURES / folder / "survey.qsf")
    definition = _definition(folder)
    by_qid: dict[str, list] = {}
    for e in cb.entries:
        if e.qid:
            by_qid.setdefault(e.qid, []).append(e)
    in_survey = _in_survey(folder)
    assert in_survey and in_survey <= set(definition)
    # questions in the trash are in no export and get no entry
    assert not {q for q in by_qid if q not in in_survey}
    unmatched = LEGACY_RENAMED_UNMATCHED.get((folder, export), set())
    not_tabulated = LEGACY_RENAMED_NOT_TABULATED.get((folder, export), set())
    for qid in unmatched | not_tabulated:
        payload = definition[qid]
        assert payload.get("VariableNaming") or payload.get("ChoiceDataExportTags"), qid
    if unmatched:
        assert any("match no export tag" in w for w in cb.warnings)
    checked = set()
    for qid in sorted(in_survey):
        payload, entries = definition[qid], by_qid.get(qid, [])
        if qid in unmatched:
            assert entries == [], qid
            continue
        assert entries, f"{qid} has no entry"
        if qid in not_tabulated:
            assert [(e.type, e.notes) for e in entries] == [
                ("other", ("SBS question: not tabulated",))
            ], qid
            checked.add(qid)
            continue
        if payload["QuestionType"] == "SBS":
            subs = _mapping(payload["AdditionalQuestions"])
            assert subs, qid
            seen = []
            for key, sub in subs.items():
                kind, options = _expected(payload, sub)
                # a side-by-side column is "#<key>_" in a name, "#<key>-" in an ImportId
                mine = [e for e in entries if re.search(f"#{key}[_-]", e.columns[0])]
                assert mine, (qid, key)
                for e in mine:
                    _check(e, kind, options, (qid, key))
                seen += mine
            assert sorted(e.name for e in seen) == sorted(e.name for e in entries), qid
        else:
            kind, options = _expected(payload)
            assert kind is not None, (qid, payload["QuestionType"])
            for e in entries:
                _check(e, kind, options, (qid,))
        checked.add(qid)
    assert checked | unmatched == in_survey
    if export == "export_2016.csv":
        expected_cols = _export_qids(path)
        text_only = {q for q in in_survey if definition[q]["QuestionType"] == "TE"}
        assert set(expected_cols) == in_survey - text_only  # TE columns end in _TEXT
        for qid in text_only:
            assert [e.type for e in by_qid[qid]] == ["text"], qid
        for qid, cols in expected_cols.items():
            got = {c for e in by_qid.get(qid, []) if e.type != "text" for c in e.columns}
            assert got == cols, qid


def test_recoded_choices_keep_their_recode_values_not_positions():
    cb = build_codebook(
        FIXTURES / "multi_mc" / "export_2016.csv", FIXTURES / "multi_mc" / "survey.qsf"
    )
    q5 = next(e for e in cb.entries if e.qid == "QID6")
    # choice 1 -> recode 10 in column Q5_10; choice 4 -> 11 in Q5_11 (display order 1, 4, 5, ...)
    assert dict(q5.choice_columns)[10] == "Q5_10"
    assert dict(q5.choice_columns)[11] == "Q5_11"
    assert dict(q5.choice_columns)[14] == "Q5_14"
    single = build_codebook(
        FIXTURES / "single_mc" / "export_2016.csv", FIXTURES / "single_mc" / "survey.qsf"
    )
    q4 = next(e for e in single.entries if e.qid == "QID5")
    assert [o.code for o in q4.options] == [10, 11, 12]


def test_not_applicable_choices_are_recognised():
    cb = build_codebook(FIXTURES / "no_basis" / "legacy.csv", FIXTURES / "no_basis" / "survey.qsf")
    q1 = next(e for e in cb.entries if e.name == "Q1")
    assert [(o.code, o.not_applicable) for o in q1.options] == [
        (1, False), (2, False), (3, False), (-1, True)
    ]  # fmt: skip
    q4 = next(e for e in cb.entries if e.name == "Q4")
    assert [o.code for o in q4.options if o.not_applicable] == [-1, -2]


def test_legacy_multi_columns_are_matched_by_their_labels():
    cb = build_codebook(FIXTURES / "no_basis" / "legacy.csv", FIXTURES / "no_basis" / "survey.qsf")
    q2 = next(e for e in cb.entries if e.name == "Q2")
    # the legacy export names columns by position; the label row says which choice
    assert dict(q2.choice_columns) == {1: "Q2_1", 2: "Q2_2", 3: "Q2_3", -1: "Q2_4", -2: "Q2_5"}


@pytest.mark.parametrize(("folder", "export"), PAIRS)
@pytest.mark.parametrize("with_qsf", [True, False])
def test_the_draft_validates_and_runs_figures(folder, export, with_qsf, tmp_path):
    path = FIXTURES / folder / export
    out = tmp_path / "study.yaml"
    args = ["init", str(path), "--out", str(out)]
    if with_qsf:
        args += ["--qsf", str(FIXTURES / folder / "survey.qsf")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output
    figures = runner.invoke(app, ["figures", str(path), "--study", str(out), "--format", "json"])
    assert figures.exit_code == 0, figures.output
    data = json.loads(figures.stdout)
    assert data["figures"], "the draft has at least one figure"


def test_drafted_figure_counts_match_an_independent_count(tmp_path):
    """Q1 of the legacy export, recounted with csv: 'No opinion' (-1) is out of the base."""
    path = FIXTURES / "no_basis" / "legacy.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    q1, finished, status = (rows[0].index(n) for n in ("Q1", "V10", "V7"))
    kept = [r[q1] for r in rows[2:] if r[finished] == "1" and r[status] not in ("1", "8")]
    base = sum(v in ("1", "2", "3") for v in kept)
    assert (len(kept), base) == (15, 13)
    out = tmp_path / "study.yaml"
    args = [
        "init",
        str(path),
        "--qsf",
        str(FIXTURES / "no_basis" / "survey.qsf"),
        "--out",
        str(out),
    ]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(
        app, ["figures", str(path), "--study", str(out), "--figure", "Q1", "--format", "json"]
    )
    rows_out = {
        r["label"]: r["cells"]["Total"] for r in json.loads(result.stdout)["figures"][0]["rows"]
    }
    for label, code in (("Great", "1"), ("In the middle", "2"), ("Awful", "3")):
        assert rows_out[label]["count"] == kept.count(code)
        assert rows_out[label]["base"] == base
        assert rows_out[label]["value"] == pytest.approx(100 * kept.count(code) / base)
