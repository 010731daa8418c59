"""Real public Qualtrics exports (tests/fixtures/qualtrics): each is read in its
layout and its figures equal a recount made here with the csv module alone."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import cxsurvey
from cxsurvey.errors import DataError
from cxsurvey.reading.export import export_layout, load_export
from cxsurvey.study import load_study

CORPUS = Path(__file__).parent / "fixtures" / "qualtrics"


def _records(path: Path, header_rows: int, encoding: str = "utf-8-sig", delimiter: str = ","):
    """(names, data records) by the csv module: the independent leg."""
    with open(path, encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))
    return rows[0], rows[header_rows:]


def _column(path: Path, header_rows: int, position: int, **kw) -> list[str]:
    return [r[position] for r in _records(path, header_rows, **kw)[1]]


def _figures(name: str, export: str = "export.csv"):
    folder = CORPUS / name
    return cxsurvey.figures(folder / export, load_study(folder / "study.yaml"))


def _cells(fig, row: str) -> dict[str, tuple]:
    found = next(r for r in fig.rows if r.label == row)
    return {k: (c.value, c.count, c.base) for k, c in found.cells.items()}


def _fig(result, fid: str):
    return next(f for f in result.figures if f.id == fid)


def test_every_fixture_has_its_source_and_no_location_or_ip():
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        assert (folder / "SOURCE.md").read_text().count("Licence") == 1, folder
        for export in folder.glob("export.*"):
            if export.suffix == ".sav":
                continue  # listed value by value in its SOURCE.md
            enc = "utf-16" if export.suffix == ".tsv" else "utf-8-sig"
            delim = "\t" if export.suffix == ".tsv" else ","
            rows = 2 if "legacy" in folder.name else 3
            names, data = _records(export, rows, enc, delim)
            for i, name in enumerate(names):
                if name in ("IPAddress", "LocationLatitude", "LocationLongitude", "V6"):
                    assert all(r[i] == "" for r in data), (export, name)


@pytest.mark.parametrize(
    ("name", "kind", "rows", "respondents"),
    [
        ("no-basis-2016", "qualtrics-2016", 3, 15),
        ("no-basis-legacy", "qualtrics-legacy", 2, 15),
        ("matrix-legacy-duplicates", "qualtrics-legacy", 2, 5),
        ("matrix-2016", "qualtrics-2016", 3, 5),
        ("side-by-side-2016", "qualtrics-2016", 3, 25),
        ("modern-sample", "qualtrics", 3, 1),
    ],
)
def test_layout_detected_and_every_respondent_read(name, kind, rows, respondents):
    path = CORPUS / name / "export.csv"
    _, data = _records(path, rows)
    assert len(data) == respondents  # the recount
    layout = export_layout(path)
    assert layout.kind == kind
    export = load_export(path, [layout.header[0]])
    assert export.num_rows == respondents  # header rows are never respondents
    assert export.column(layout.header[0]).to_pylist() == [r[0] or None for r in data]


def _recount_single(values: list[str], codes: list[str]) -> dict[str, tuple]:
    valid = [v for v in values if v in codes]
    return {c: (100 * valid.count(c) / len(valid), valid.count(c), len(valid)) for c in codes}


@pytest.mark.parametrize("name", ["no-basis-2016", "no-basis-legacy"])
def test_no_basis_figures_equal_the_recount(name):
    path = CORPUS / name / "export.csv"
    rows = 3 if name.endswith("2016") else 2
    names, data = _records(path, rows)
    col = {n: i for i, n in enumerate(names) if n}
    result = _figures(name)
    # single Q1: codes 1..3; -1 is "no basis for evaluation" (not applicable)
    q1 = [r[col["Q1"]] for r in data]
    expected = _recount_single(q1, ["1", "2", "3"])
    squash = _fig(result, "squash")
    for code, label in (("1", "Dislike"), ("2", "Neutral"), ("3", "Like")):
        value, count, base = _cells(squash, label)["Total"]
        assert (value, count, base) == pytest.approx(expected[code])
    assert base == 13 and q1.count("-1") == 2
    # grid means over 1..3, -1 excluded
    vegetables = _fig(result, "vegetables_mean")
    for item, column in (("Squash", "Q3_1"), ("Green beans", "Q3_4")):
        codes = [int(r[col[column]]) for r in data if r[col[column]] in ("1", "2", "3")]
        assert _cells(vegetables, item)["Total"] == pytest.approx(
            (sum(codes) / len(codes), len(codes), len(codes))
        )
    # split multi by the single banner: base = anyone ticking one of Q2_1..Q2_3
    agree = _fig(result, "agree_by_squash")
    ticks = [[r[col[c]] == "1" for c in ("Q2_1", "Q2_2", "Q2_3")] for r in data]
    for group, code in (("Total", None), ("Like", "3")):
        keep = [t for t, v in zip(ticks, q1, strict=True) if any(t) and code in (None, v)]
        count = sum(t[1] for t in keep)
        assert _cells(agree, "Squash are tolerable")[group] == pytest.approx(
            (100 * count / len(keep), count, len(keep))
        )
    assert any("2 are not-applicable codes ('-1' (2x))" in w for w in agree.warnings)


def test_one_study_gives_identical_figures_on_the_2016_and_legacy_exports():
    new, old = _figures("no-basis-2016"), _figures("no-basis-legacy")
    assert [f.to_dict() for f in new.figures] == [f.to_dict() for f in old.figures]
    assert new.export["layout"] == "qualtrics-2016" and old.export["layout"] == "qualtrics-legacy"


def test_duplicate_names_in_a_legacy_export_are_refused_with_positions_and_text():
    folder = CORPUS / "matrix-legacy-duplicates"
    names, _ = _records(folder / "export.csv", 2)
    positions = [i + 1 for i, n in enumerate(names) if n == "question_one"]
    assert positions == [17, 20, 23]
    with pytest.raises(DataError) as err:
        cxsurvey.figures(folder / "export.csv", load_study(folder / "study.yaml"))
    msg = str(err.value)
    assert "column 'question_one' (used by questions.first" in msg
    assert "occurs 3 times in the export (column 17 ('Click to write" in msg
    assert "column 20 (" in msg and "column 23 ('This is a multiple answer" in msg
    assert "no ImportIds to tell them apart" in msg


def test_the_2016_twin_reaches_the_duplicated_matrix_by_import_id():
    legacy = CORPUS / "matrix-legacy-duplicates" / "export.csv"
    first_question_one = _column(legacy, 2, 16)  # column 17: the first 'question_one'
    result = _figures("matrix-2016")
    path = CORPUS / "matrix-2016" / "export.csv"
    names, data = _records(path, 3)
    with open(path, encoding="utf-8", newline="") as fh:
        ids = list(csv.reader(fh))[2]
    at = ids.index("{'ImportId': 'QID3-1'}")
    values = [r[at] for r in data]
    assert names[at] == "Q3_question_one" and values == first_question_one
    first = _fig(result, "first")
    for code, label in (("1", "One"), ("4", "Four")):
        assert _cells(first, label)["Total"] == pytest.approx(
            (100 * values.count(code) / len(values), values.count(code), len(values))
        )
    statement = _fig(result, "statement_mean")
    q2_3 = [int(r[names.index("Q2_3")]) for r in data]
    assert _cells(statement, "Statement 3")["Total"] == pytest.approx((sum(q2_3) / 5, 5, 5))


def test_side_by_side_duplicates_are_told_apart_by_import_id(tmp_path):
    folder = CORPUS / "side-by-side-2016"
    path = folder / "export.csv"
    names, data = _records(path, 3)
    result = _figures("side-by-side-2016")
    assert result.respondents["read"] == 25  # not 27: the header rows are not respondents
    first, second = names.index("Q1#1_1"), names.index("Q1#2_1")
    pairs = [(r[first], r[second]) for r in data]
    by = _fig(result, "first_by_second")
    yes_yes = sum(p == ("1", "1") for p in pairs)
    second_yes = sum(p[1] == "1" for p in pairs)
    assert _cells(by, "Yes")["Yes"] == pytest.approx(
        (100 * yes_yes / second_yes, yes_yes, second_yes)
    )
    # The study's text question names the second of two 'Q6#2_Q6_1_2_TEXT' columns
    # by its ImportId; naming the column itself is refused with both ImportIds.
    study = (folder / "study.yaml").read_text()
    bad = tmp_path / "study.yaml"
    bad.write_text(study.replace('"QID6#2-1-2-TEXT"', '"Q6#2_Q6_1_2_TEXT"'))
    with pytest.raises(DataError) as err:
        cxsurvey.figures(path, load_study(bad))
    assert (
        "occurs 2 times in the export (column 45 (ImportId QID6#2-1-1-TEXT), column 46 "
        "(ImportId QID6#2-1-2-TEXT)); name the one you mean by its ImportId" in str(err.value)
    )


def test_check_reports_duplicate_names_with_import_ids():
    folder = CORPUS / "side-by-side-2016"
    out = _run_cli("check", str(folder / "export.csv"), "--study", str(folder / "study.yaml"))
    assert out.exit_code == 0, out.output
    assert (
        "3 column name(s) occur more than once in the export: 'Q6#2_Q6_1_2_TEXT' at column 45 "
        "(ImportId QID6#2-1-1-TEXT), column 46 (ImportId QID6#2-1-2-TEXT)" in out.stdout
    )
    assert (
        "read as Qualtrics 2016 export (3 header rows, single-quoted ImportIds), utf-8, "
        "comma-separated; missing codes: -99" in out.stderr
    )


@pytest.mark.parametrize("export", ["export.csv", "export.tsv"])
def test_modern_sample_csv_and_utf16_tsv(export):
    result = _figures("modern-sample", export)
    enc, delim = ("utf-16", "\t") if export.endswith("tsv") else ("utf-8-sig", ",")
    names, data = _records(CORPUS / "modern-sample" / export, 3, enc, delim)
    duration = float(data[0][names.index("Duration (in seconds)")])
    assert _cells(_fig(result, "duration"), "duration")["Total"] == (duration, 1, 1)
    assert duration == 38
    assert _cells(_fig(result, "choice"), "Second")["Total"] == (100.0, 1, 1)
    assert result.export["layout"] == "qualtrics"
    assert result.export["encoding"] == ("utf-16" if export.endswith("tsv") else "utf-8")
    assert result.export["delimiter"] == delim
    note = (
        "column 'Duration__in_seconds_' matched the export's 'Duration (in seconds)' "
        "(as Qualtrics names it in SPSS files)"
    )
    assert note in _fig(result, "duration").warnings
    assert note not in _fig(result, "choice").warnings


def test_figures_json_records_how_the_export_was_read():
    folder = CORPUS / "no-basis-legacy"
    out = _run_cli(
        "figures", str(folder / "export.csv"), "--study", str(folder / "study.yaml"), "-f", "json"
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["respondents"]["read"] == 15
    assert {k: doc["export"][k] for k in ("layout", "encoding", "delimiter", "header_rows")} == {
        "layout": "qualtrics-legacy",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_rows": 2,
    }
    assert doc["export"]["missing"] == [-99]


def _run_cli(*args: str):
    from typer.testing import CliRunner

    from cxsurvey.cli import app

    return CliRunner().invoke(app, list(args))


# The durations of spss-sav/export.sav as listed in its SOURCE.md (read once with
# pyreadstat; the csv module cannot read a .sav).
SAV_DURATIONS = [944, 884, 2014, 2611, 957]


def test_qualtrics_sav_serves_a_study_written_for_the_csv():
    pytest.importorskip("pyreadstat")
    source = (CORPUS / "spss-sav" / "SOURCE.md").read_text()
    listed = [int(line.split("|")[3]) for line in source.splitlines() if line.startswith("| R_")]
    assert listed == SAV_DURATIONS
    result = _figures("spss-sav", "export.sav")
    assert result.respondents["read"] == 5
    assert result.export["layout"] == "sav" and result.export["missing"] == [-99]
    mean = sum(SAV_DURATIONS) / 5
    assert _cells(_fig(result, "duration"), "duration")["Total"] == (pytest.approx(mean), 5, 5)
    under = sum(d < 1000 for d in SAV_DURATIONS)
    bins = _fig(result, "duration_bins")
    assert _cells(bins, "Under 1000 s")["Total"] == (pytest.approx(100 * under / 5), under, 5)
    assert (
        "column 'Duration (in seconds)' matched the export's 'Duration__in_seconds_' "
        "(as Qualtrics names it in SPSS files)" in _fig(result, "duration").warnings
    )


def test_report_states_how_the_export_was_read(tmp_path):
    folder = CORPUS / "no-basis-2016"
    out = tmp_path / "report.md"
    result = _run_cli(
        "report", str(folder / "export.csv"), "--study", str(folder / "study.yaml"),
        "--out", str(out), "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert (
        "export: Qualtrics 2016 export (3 header rows, single-quoted ImportIds), utf-8, "
        "comma-separated; missing codes: -99" in text.replace("\\", "")
    )
    assert "2 are not-applicable codes" in text
