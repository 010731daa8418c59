"""Crafted exports for what real ones rarely show: huge header rows, semicolons,
names with spaces, forced layouts, -99, integrity warnings, .sav renaming.
Expected values are counted by hand or with the csv module here."""

from __future__ import annotations

import csv
import io
import json

import pytest

import cxsurvey
from cxsurvey.errors import DataError
from cxsurvey.reading.export import export_layout, load_export
from cxsurvey.reading.header import Header, parse_import_id
from cxsurvey.study import parse_study


def _write(path, rows, delimiter=",", encoding="utf-8"):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _qualtrics(names, data, ids=None, texts=None, quote="json"):
    texts = texts or [f"Question text of {n}, with a comma\nand a line break" for n in names]
    ids = ids or [f"QID{i + 1}" for i in range(len(names))]
    if quote == "json":
        id_row = [json.dumps({"ImportId": i}, separators=(",", ":")) for i in ids]
    else:
        id_row = [repr({"ImportId": i}) for i in ids]
    return [names, texts, id_row, *data]


STUDY = """\
version: 1
study: Crafted
questions:
  q:
    type: single
    column: {column}
    options: {{1: One, 2: Two, 3: Three}}
  n:
    type: numeric
    column: num
figures:
  - {{id: q, question: q}}
  - {{id: n, question: n}}
"""


def _study(column="q1", extra=""):
    text = STUDY.format(column=column)
    return parse_study(text.replace("questions:", extra + "questions:") if extra else text)


def _cells(result, fid, row):
    fig = next(f for f in result.figures if f.id == fid)
    found = next(r for r in fig.rows if r.label == row)
    return found.cells["Total"].value, found.cells["Total"].count, found.cells["Total"].base


def test_header_rows_larger_than_any_sniffing_window(tmp_path):
    # 2,170 columns with long question text: ~400 KB of header records.
    names = ["ResponseId", "q1", "num", *[f"Q{i}_{j}" for i in range(217) for j in range(10)]]
    names = names[:2170]
    texts = [f"{n}: " + "How likely are you to recommend us to a friend? " * 3 for n in names]
    data = [[f"R_{k}", str(1 + k % 3), str(k), *["1"] * 2167] for k in range(40)]
    path = _write(tmp_path / "wide.csv", _qualtrics(names, data, texts=texts))
    with open(path, encoding="utf-8", newline="") as fh:
        header_bytes = sum(len(",".join(r).encode()) for r in list(csv.reader(fh))[:3])
    assert len(names) == 2170 and header_bytes > 381_000
    layout = export_layout(path)
    assert layout.kind == "qualtrics" and len(layout.columns) == 2170
    assert layout.columns.import_id(2169) == "QID2170"
    result = cxsurvey.figures(path, _study())
    assert result.respondents["read"] == 40  # not 42
    ones = sum(1 for k in range(40) if k % 3 == 0)
    assert _cells(result, "q", "One") == (pytest.approx(100 * ones / 40), ones, 40)
    forced = _study(extra="source: {format: qualtrics}\n")
    assert cxsurvey.figures(path, forced).respondents["read"] == 40


def test_2016_single_quoted_import_id_row(tmp_path):
    names = ["ResponseID", "q1", "num"]
    data = [["R_1", "1", "5"], ["R_2", "2", "7"], ["R_3", "1", "9"]]
    path = _write(tmp_path / "old.csv", _qualtrics(names, data, quote="dict"))
    assert "\n{'ImportId': 'QID1'},{'ImportId': 'QID2'}," in path.read_text()
    result = cxsurvey.figures(path, _study())
    assert result.export["layout"] == "qualtrics-2016"
    assert result.respondents["read"] == 3
    assert _cells(result, "q", "One") == (pytest.approx(200 / 3), 2, 3)
    assert _cells(result, "n", "n") == (7.0, 3, 3)
    # a study may name the column by its ImportId
    assert _cells(cxsurvey.figures(path, _study("QID2")), "q", "One")[1] == 2


def test_read_header_exposes_names_text_and_import_ids(tmp_path):
    rows = _qualtrics(["ResponseId", "q1"], [["R_1", "1"]], ids=["_recordId", "QID5_2"])
    header = cxsurvey.read_header(_write(tmp_path / "q.csv", rows))
    assert header.names == ("ResponseId", "q1")
    assert header.texts[1] == "Question text of q1, with a comma\nand a line break"
    assert header.import_ids == ("_recordId", "QID5_2")
    with pytest.raises(AttributeError):
        header.names = ()  # frozen


def test_a_question_text_row_without_the_import_id_row_is_still_a_header(tmp_path):
    rows = _qualtrics(["StartDate", "ResponseId", "q1", "num"], [])[:2]
    rows[1][:2] = ["Start Date", "Response ID"]
    rows += [["2026-01-02 10:00", "R_1", "1", "3"], ["2026-01-03 11:00", "R_2", "2", "5"]]
    path = _write(tmp_path / "two.csv", rows)
    result = cxsurvey.figures(path, _study())
    assert result.export["layout"] == "qualtrics-2row" and result.respondents["read"] == 2
    assert _cells(result, "n", "n") == (4.0, 2, 2)
    plain = _write(tmp_path / "plain.csv", [rows[0], *rows[2:]])  # no text row: plain
    assert cxsurvey.figures(plain, _study()).respondents["read"] == 2


@pytest.mark.parametrize(
    "titles",
    [
        ["Anfangsdatum", "Antwort-ID", "Status der Antwort", "Beendet"],  # a German export
        ["Start date", "Response id", "Response type", "Finished"],  # other capitals
        ["开始日期", "回复 ID", "回复类型", "已完成"],  # a Chinese export
    ],
)
def test_a_question_text_row_in_any_language_is_a_header(tmp_path, titles):
    names = ["StartDate", "ResponseId", "Status", "Finished", "q1", "num"]
    rows = [names, [*titles, "Question one", "A number"]]
    rows += [
        ["2026-01-02 10:00", "R_1", "0", "1", "1", "3"],
        ["1/3/2026 11:00", "R_2", "0", "1", "2", "5"],
    ]
    result = cxsurvey.figures(_write(tmp_path / "two.csv", rows), _study())
    assert result.export["layout"] == "qualtrics-2row"
    assert result.respondents["read"] == 2
    assert _cells(result, "n", "n") == (4.0, 2, 2)


@pytest.mark.parametrize(
    "second",
    [
        ["2026-01-02 10:00", "R_1", "0", "1"],  # a response: dates, R_ ids, numbers
        ["", "R_1", "0", "1"],  # a blank start date is a response's, not a title
        ["Anfangsdatum", "R_1", "0", "1"],  # one cell is a response id: data
        ["01/02/2026", "R_9", "IP Address", "True"],  # a choice-text export's response
    ],
)
def test_a_response_in_the_second_row_is_never_taken_for_titles(tmp_path, second):
    names = ["StartDate", "ResponseId", "Status", "Finished", "q1", "num"]
    rows = [names, [*second, "1", "3"], ["2026-01-03 11:00", "R_2", "0", "1", "2", "5"]]
    layout = export_layout(_write(tmp_path / "plain.csv", rows))
    assert layout.kind == "plain"


def test_import_id_cells_with_choice_ids():
    assert parse_import_id('{"ImportId":"QID1_DO","choiceId":"1"}') == ("QID1_DO", "1")
    assert parse_import_id("{'ImportId': 'QID4-TEXT'}") == ("QID4-TEXT", "")
    header = Header.from_records(["a", "b"], ["A"], ['{"ImportId":"QID7","choiceId":"2"}'])
    assert header.import_id(0) == "QID7_2" and header.import_id(1) == ""
    assert header.texts == ("A", "")


@pytest.mark.parametrize("fmt", ["auto", "csv"])
def test_semicolon_csv_is_detected(tmp_path, fmt):
    rows = [["q1", "num"], ["1", "4"], ["3", "6"], ["1", "8"]]
    path = _write(tmp_path / "excel.csv", rows, delimiter=";")
    result = cxsurvey.figures(path, _study(extra=f"source: {{format: {fmt}}}\n"))
    assert result.export["delimiter"] == ";" and result.export["layout"] == "plain"
    assert "semicolon-separated" in result.export["description"]
    assert _cells(result, "q", "One") == (pytest.approx(200 / 3), 2, 3)
    assert _cells(result, "n", "n") == (6.0, 3, 3)


def test_decimal_commas_in_a_semicolon_csv_are_invalid_not_misread(tmp_path):
    rows = [["q1", "num"], ["1", "3,5"], ["2", "4"], ["3", "6"]]
    path = _write(tmp_path / "excel.csv", rows, delimiter=";")
    result = cxsurvey.figures(path, _study())
    fig = next(f for f in result.figures if f.id == "n")
    assert _cells(result, "n", "n") == (5.0, 2, 2)
    assert any(w.startswith("1 response(s) in column 'num'") for w in fig.warnings), fig.warnings


def test_a_forced_delimiter_that_does_not_fit_gets_a_hint(tmp_path):
    path = _write(tmp_path / "t.csv", [["q1", "num"], ["1", "4"]], delimiter="\t")
    with pytest.raises(DataError) as err:
        cxsurvey.figures(path, _study(extra="source: {format: csv}\n"))
    assert "its header is one column holding tabs; the file is tab-separated: set " in str(
        err.value
    )
    assert cxsurvey.figures(path, _study()).export["delimiter"] == "\t"


def test_semicolon_qualtrics_export_keeps_its_layout(tmp_path):
    rows = _qualtrics(["q1", "num"], [["2", "1"], ["2", "3"]])
    path = _write(tmp_path / "q.csv", rows, delimiter=";")
    result = cxsurvey.figures(path, _study())
    assert result.export["layout"] == "qualtrics" and result.respondents["read"] == 2
    assert _cells(result, "q", "Two") == (100.0, 2, 2)


def test_forced_qualtrics_says_why_a_file_does_not_fit(tmp_path):
    path = _write(tmp_path / "plain.csv", [["q1", "num"], ["1", "2"], ["3", "4"], ["2", "2"]])
    with pytest.raises(DataError) as err:
        load_export(path, ["q1"], fmt="qualtrics")
    msg = str(err.value)
    assert "\n" not in msg
    assert "its third record ('3,4') is not the ImportId row" in msg
    assert "set source.format to auto or csv" in msg
    short = _write(tmp_path / "short.csv", [["q1"], ["1"]])
    with pytest.raises(DataError, match="the file has only 2 records, fewer than the 3 header"):
        load_export(short, ["q1"], fmt="qualtrics")


def test_format_tsv_still_recognises_qualtrics_header_rows(tmp_path):
    rows = _qualtrics(["q1", "num"], [["1", "1"], ["1", "3"]])
    path = _write(tmp_path / "q.tsv", rows, delimiter="\t", encoding="utf-16")
    result = cxsurvey.figures(path, _study(extra="source: {format: tsv}\n"))
    assert result.respondents["read"] == 2 and result.export["encoding"] == "utf-16"


def test_names_with_surrounding_spaces(tmp_path):
    rows = _qualtrics(["q1 ", " num"], [["1", "2"], ["2", "4"]])
    path = _write(tmp_path / "spaces.csv", rows)
    result = cxsurvey.figures(path, _study())
    q = next(f for f in result.figures if f.id == "q")
    assert "column 'q1' matched the export's 'q1 ' (ignoring surrounding spaces)" in q.warnings
    assert _cells(result, "q", "One") == (50.0, 1, 2)
    # the exact name, spaces and all, matches without a note
    exact = cxsurvey.figures(path, _study('"q1 "'))
    assert not any("matched" in w for w in exact.figures[0].warnings)
    with pytest.raises(DataError) as err:
        cxsurvey.figures(path, _study("q1x"))
    assert "encoding" not in str(err.value)
    assert "column 'q1x' (used by questions.q" in str(err.value)
    assert "closest: 'q1 '" in str(err.value)


def test_duplicate_names_plain_csv_refused_and_unused_ones_harmless(tmp_path):
    path = _write(tmp_path / "dup.csv", [["q1", "num", "q1"], ["1", "2", "3"], ["2", "4", "1"]])
    with pytest.raises(DataError) as err:
        cxsurvey.figures(path, _study())
    assert "column 'q1' (used by questions.q" in str(err.value)
    assert "occurs 2 times in the export (column 1, column 3)" in str(err.value)
    ok = parse_study(STUDY.format(column="num").replace("  - {id: q, question: q}\n", ""))
    assert cxsurvey.figures(path, ok).figures[0].rows[0].cells["Total"].value == 3.0


def test_minus_99_is_missing_in_qualtrics_layouts_unless_the_study_says_otherwise(tmp_path):
    rows = _qualtrics(["q1", "num"], [["1", "2"], ["-99", "-99"], ["3", "4"], ["1", "-99"]])
    path = _write(tmp_path / "q.csv", rows)
    result = cxsurvey.figures(path, _study())
    assert _cells(result, "n", "n") == (3.0, 2, 2)  # (2 + 4) / 2
    assert _cells(result, "q", "One") == (pytest.approx(200 / 3), 2, 3)
    assert result.export["missing"] == [-99]
    # no invalid-code warning for -99: it is missing, not an unknown code
    assert not any("not valid" in w for f in result.figures for w in f.warnings)
    off = cxsurvey.figures(path, _study(extra="source: {qualtrics_missing: []}\n"))
    assert _cells(off, "n", "n") == (pytest.approx((2 - 99 + 4 - 99) / 4), 4, 4)
    assert off.export["missing"] == []
    # a plain CSV gets only source.missing, and a mean over -99 is named
    plain = _write(tmp_path / "plain.csv", [rows[0], *rows[3:]])
    result = cxsurvey.figures(plain, _study())
    assert result.export["missing"] == []
    assert _cells(result, "n", "n") == (pytest.approx((2 - 99 + 4 - 99) / 4), 4, 4)
    assert (
        "2 response(s) in column 'num' hold -99, Qualtrics' code for \"seen but not answered\"; "
        "they are averaged as numbers: list -99 under source.missing if it means missing here"
    ) in result.figures[1].warnings
    assert not any("-99" in w for w in off.figures[1].warnings)  # the study said so


def test_an_option_coded_minus_99_is_flagged_by_validation():
    text = STUDY.format(column="q1").replace("3: Three}", "3: Three, -99: Not seen}")
    problems = parse_study(text).warnings
    assert [(p.severity, p.message) for p in problems] == [
        (
            "warning",
            "questions.q.options: code -99 is missing in Qualtrics exports "
            "(source.qualtrics_missing), so it would never be counted there; set "
            "source.qualtrics_missing: [] if it is an answer",
        )
    ]
    off = text.replace("questions:", "source: {qualtrics_missing: []}\nquestions:")
    assert parse_study(off).warnings == []


def test_minus_99_in_split_multi_columns_is_not_a_tick(tmp_path):
    # Qualtrics writes -99 in every column of a multi-select seen but not answered.
    rows = _qualtrics(
        ["m1", "m2"], [["1", "0"], ["-99", "-99"], ["0", "1"], ["1", "1"], ["-99", "-99"]]
    )
    path = _write(tmp_path / "m.csv", rows)
    text = """\
version: 1
study: Multi
questions:
  m: {type: multi, columns: {1: m1, 2: m2}, options: {1: A, 2: B}}
figures:
  - {id: m, question: m}
"""
    result = cxsurvey.figures(path, parse_study(text))
    # base: the three respondents who answered; -99 rows are neither ticks nor base
    assert _cells(result, "m", "A") == (pytest.approx(200 / 3), 2, 3)
    assert _cells(result, "m", "B") == (pytest.approx(200 / 3), 2, 3)


def test_numbers_outside_a_declared_range_are_counted_in_the_figure(tmp_path):
    rows = _qualtrics(["q1", "num"], [["1", "5"], ["1", "150"], ["1", "7"], ["1", "-3"]])
    path = _write(tmp_path / "q.csv", rows)
    text = STUDY.format(column="q1").replace("column: num", "column: num\n    range: [0, 100]")
    result = cxsurvey.figures(path, parse_study(text))
    fig = next(f for f in result.figures if f.id == "n")
    assert _cells(result, "n", "n") == (6.0, 2, 2)
    assert any(w.startswith("2 response(s) in column 'num'") for w in fig.warnings), fig.warnings


def test_duplicate_ids_and_banner_codes_outside_options_warn_in_figures_and_score(tmp_path):
    rows = _qualtrics(
        ["ResponseId", "q1", "num", "seg"],
        [["R_1", "1", "2", "1"], ["R_2", "2", "4", "2"], ["R_1", "1", "6", "9"]],
    )
    path = _write(tmp_path / "q.csv", rows)
    text = STUDY.format(column="q1").replace(
        "figures:",
        "  seg:\n    type: single\n    column: seg\n    options: {1: A, 2: B}\nfigures:",
    )
    text += "  - {id: n_by_seg, question: n, by: seg}\n"
    result = cxsurvey.figures(path, parse_study(text))
    dup = (
        "1 respondent id(s) in column 'ResponseId' occur more than once ('R_1' (data rows 1, 3)); "
        "every row counts, so 1 response(s) may be counted more than once: remove duplicate "
        "responses or set source.id"
    )
    for fig in result.figures:
        assert dup in fig.warnings
    by = next(f for f in result.figures if f.id == "n_by_seg")
    assert (
        "1 response(s) in banner column 'seg' fall in no banner column (1 are not options of "
        "'seg' ('9' (1x))); they count in Total only" in by.warnings
    )
    assert by.rows[0].cells["Total"].base == 3 and by.rows[0].cells["A"].base == 1
    scores = cxsurvey.score(path, parse_study(text))
    assert scores.export["warnings"] == [dup]


def test_sav_variable_names_match_the_csv_study(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    csv_rows = _qualtrics(
        ["ResponseId", "Duration (in seconds)", "Q1.1"],
        [["R_1", "30", "1"], ["R_2", "50", "-99"], ["R_3", "70", "2"]],
    )
    csv_path = _write(tmp_path / "s.csv", csv_rows)
    frame = pd.DataFrame(
        {
            "ResponseId": ["R_1", "R_2", "R_3"],
            "Duration__in_seconds_": [30.0, 50.0, 70.0],
            "Q1_1": [1.0, -99.0, 2.0],
        }
    )
    sav_path = tmp_path / "s.sav"
    pyreadstat.write_sav(frame, str(sav_path))
    text = """\
version: 1
study: Sav
questions:
  d: {type: numeric, column: Duration (in seconds)}
  q: {type: single, column: Q1.1, options: {1: One, 2: Two}}
figures:
  - {id: d, question: d}
  - {id: q, question: q}
"""
    study = parse_study(text)
    from_csv, from_sav = cxsurvey.figures(csv_path, study), cxsurvey.figures(sav_path, study)
    for fid, row, expected in (("d", "d", (50.0, 3, 3)), ("q", "One", (50.0, 1, 2))):
        assert _cells(from_csv, fid, row) == expected
        assert _cells(from_sav, fid, row) == expected
    assert from_sav.export["layout"] == "sav" and from_sav.export["missing"] == [-99]
    d = next(f for f in from_sav.figures if f.id == "d")
    assert (
        "column 'Duration (in seconds)' matched the export's 'Duration__in_seconds_' "
        "(as Qualtrics names it in SPSS files)" in d.warnings
    )


def test_unknown_encoding_is_named_as_such(tmp_path):
    path = _write(tmp_path / "p.csv", [["q1", "num"], ["1", "2"]])
    with pytest.raises(DataError, match=r"unknown encoding 'latin-9x' in source\.encoding"):
        load_export(path, ["q1"], encoding="latin-9x")


def test_check_shows_the_layout_and_reports_ambiguous_columns(tmp_path):
    from typer.testing import CliRunner

    from cxsurvey.cli import app

    rows = _qualtrics(["q1", "num", "q1"], [["1", "2", "3"]], ids=["QID1", "QID2", "QID3"])
    path = _write(tmp_path / "q.csv", rows)
    study = tmp_path / "s.yaml"
    study.write_text(STUDY.format(column="q1"))
    result = CliRunner().invoke(app, ["check", str(path), "--study", str(study)])
    assert result.exit_code == 1
    assert (
        f"{study}:6:13: error: column 'q1' occurs 2 times in the export (column 1 (ImportId "
        "QID1), column 3 (ImportId QID3)); name the one you mean by its ImportId, e.g. 'QID1'"
        in result.stdout
    )
    assert (
        f"{path}: read as Qualtrics export (3 header rows), utf-8, comma-separated; missing "
        'codes: -99 (Qualtrics\' "seen but not answered")' in result.stderr
    )
    doc = CliRunner().invoke(app, ["check", str(path), "--study", str(study), "-f", "json"])
    assert json.loads(doc.stdout)["export"]["layout"] == "qualtrics"
