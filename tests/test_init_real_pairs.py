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


@pytest.mark.parametrize(("folder", "export"), PAIRS)
def test_every_question_matches_the_definition(folder, export):
    path = FIXTURES / folder / export
    cb = build_codebook(path, FIXTURES / folder / "survey.qsf")
    definition = _definition(folder)
    by_qid: dict[str, list] = {}
    for e in cb.entries:
        if e.qid:
            by_qid.setdefault(e.qid, []).append(e)
    checked = 0
    for qid, payload in definition.items():
        entries = by_qid.get(qid, [])
        if export == "legacy.csv" and (
            payload.get("VariableNaming") or payload.get("ChoiceDataExportTags")
        ):
            continue  # legacy columns renamed by the user carry no QID: not matched (documented)
        if payload["QuestionType"] == "SBS" and entries:
            for key, sub in _mapping(payload["AdditionalQuestions"]).items():
                kind, options = _expected(payload, sub)
                mine = [e for e in entries if f"#{key}_" in e.columns[0]]
                # (a column whose every name is repeated in the export is left out; the
                # column sets are compared with the ImportId row below)
                for e in mine:
                    assert e.type == kind, (qid, key, e.name)
                    if kind in ("grid", "multi"):
                        assert [(o.code, o.label) for o in e.options][: len(options)] == options
                    checked += 1
            continue
        kind, options = _expected(payload)
        if kind is None or not entries:
            continue
        for e in entries:
            assert e.type == kind, (qid, e.name, e.type, kind)
            if kind in ("single", "grid"):
                assert [(o.code, o.label) for o in e.options] == options, qid
            elif kind == "multi" and payload["QuestionType"] == "MC":
                assert sorted((o.code, o.label) for o in e.options) == sorted(options), qid
            elif kind == "multi":
                assert {(o.code, o.label) for o in e.options} <= set(options), qid
            checked += 1
    assert checked >= 3
    if export == "export_2016.csv":
        expected_cols = _export_qids(path)
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
