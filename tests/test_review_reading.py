"""Review findings on reading and writing: one implementation of each piece, and the
cases where the copies disagreed (long ids in warnings, partial chart folders, long
cells in the first data row, .sav messages, located expectation typos)."""

from __future__ import annotations

import csv
import errno
import io

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.errors import DataError, shorten
from cxsurvey.reading.export import load_export
from cxsurvey.study import parse_study
from tests.conftest import SAMPLE_EXPORT, TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export
from tests.test_figures import EXTRA, QUESTIONS


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _csv(path, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# --- finding 2: one duplicate-id warning, shortened as check shortens it ------------


def test_a_huge_duplicated_id_is_shortened_alike_in_figures_and_check(tmp_path):
    long_id = "R" + "x" * 100_000
    cols = [*TINY_COLUMNS, *EXTRA]
    rows = [[*r, *(EXTRA[c][i] if i < 7 else "" for c in EXTRA)] for i, r in enumerate(TINY_ROWS)]
    rows[0][0] = rows[3][0] = long_id  # r1 and r4 share a 100 KB id
    export = tmp_path / "tiny.csv"
    export.write_text(render_export(cols, rows, "qualtrics"))
    study = tmp_path / "s.yaml"
    study.write_text(TINY_STUDY + QUESTIONS)
    expected = (
        f"1 respondent id(s) in column 'id' occur more than once ({shorten(long_id)} (data rows "
        "1, 4)); every row counts, so 1 response(s) may be counted more than once: remove "
        "duplicate responses or set source.id"
    )
    result = cxsurvey.figures(export, parse_study(study.read_text()))
    assert result.figures
    for fig in result.figures:
        assert expected in fig.warnings
        assert max(map(len, fig.warnings)) < 2_000
    checked = run("check", export, "--study", study)
    assert f"{export}: error: {expected}" in checked.stdout


def test_value_counts_in_warnings_are_shortened():
    import pyarrow as pa

    from cxsurvey.scoring.responses import value_counts_text

    long = "7" * 50_000
    text = value_counts_text(pa.array([long, long, "9"]))
    assert text == f"{shorten(long)} (2x), '9' (1x)"


# --- finding 3: a chart folder gets every chart or none -----------------------------


def test_a_chart_that_cannot_land_leaves_the_folder_untouched(tmp_path):
    from tests.test_output_safety import _study

    study = _study(tmp_path, {"f1": "One", "f2": "Two"})
    folder = tmp_path / "ch"
    (folder / "f2.png").mkdir(parents=True)  # in the way of the second chart
    result = run("figures", SAMPLE_EXPORT, "--study", study, "-f", "json",
                 "-o", tmp_path / "f.json", "--chart", folder, "-q")  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "f2.png: is a folder" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["f2.png"]  # f1 did not land
    assert not (tmp_path / "f.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ch", "study.yaml"]


# --- finding 8: a long cell in the first data row of a plain CSV --------------------


def test_a_200_kb_cell_in_the_first_data_row_is_read(tmp_path):
    long = "word " * 40_000  # 200 KB, past the csv module's default 128 KiB field limit
    path = _csv(tmp_path / "plain.csv", [["id", "comment"], ["a", long], ["b", "short"]])
    limit = csv.field_size_limit()
    export = load_export(path, ["id", "comment"])
    assert export.table.column("comment").to_pylist() == [long, "short"]
    assert csv.field_size_limit() == limit  # the process-wide limit is put back


def test_a_broken_record_after_a_long_cell_is_located(tmp_path):
    long = "x" * 200_000
    path = tmp_path / "broken.csv"
    path.write_text(f"id,comment\na,1\nb,2\nc,{long}\nd,4,extra\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_export(path, ["id", "comment"])
    assert f"{path}: line 5: expected 2 fields, found 3" in str(err.value)


# --- finding 11: staging, sweeping and write errors in one place ---------------------


def test_dataset_write_errors_are_the_shared_one_line_message(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full)
    out = tmp_path / "d.parquet"
    result = run("convert", SAMPLE_EXPORT, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"{out}: cannot write: the disk is full; free some space" in result.output
    assert list(tmp_path.iterdir()) == []  # no staging folder left


def test_the_cache_sweeps_with_the_shared_sweeper():
    from cxsurvey import tempfiles
    from cxsurvey.outputs import atomic
    from cxsurvey.reading import cache

    assert cache.sweep_temp_files is tempfiles.sweep_temp_files
    assert atomic.sweep_temp_files is tempfiles.sweep_temp_files


# --- finding 14: a .sav missing a column says what a CSV says ------------------------


def test_a_sav_missing_a_column_gets_the_csv_message(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    frame = pd.DataFrame({"ResponseId": ["R_1", "R_2"], "Q1": [1.0, 2.0]})
    sav = tmp_path / "s.sav"
    pyreadstat.write_sav(frame, str(sav))
    plain = _csv(tmp_path / "s.csv", [["ResponseId", "Q1"], ["R_1", "1"], ["R_2", "2"]])
    messages = []
    for path in (sav, plain):
        with pytest.raises(DataError) as err:
            load_export(path, ["ResponseId", "Q2"], where={"Q2": "questions.q"})
        messages.append(str(err.value).removeprefix(f"{path}: "))
    assert messages[0] == messages[1]
    assert "fix the column name in the study file" in messages[0]


# --- finding 15: one export record ---------------------------------------------------


def test_score_and_check_describe_the_export_with_one_record(tiny_export):
    from cxsurvey.checks.check import export_record

    study = parse_study(TINY_STUDY)
    record = cxsurvey.score(tiny_export, study).export
    assert (
        record.pop("warnings") == cxsurvey.score(tiny_export, study).responses.integrity_warnings()
    )
    assert record == export_record(tiny_export, study.study)
    assert record["missing"] == [-99] and record["file"] == str(tiny_export)


# --- finding 16: expectation typos located like study typos --------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("expect:\n  - figure: a\n    row: b\n    valeu: 73\n", ":4:5:"),
        ("- figure: a\n  row: b\n  value: 1\n  tolerence: 1\n", ":4:3:"),
        ("tolerence: 1\nexpect:\n  - {figure: a, row: b, value: 1}\n", ":1:1:"),
    ],
)
def test_an_expectation_typo_is_located_at_its_key(tmp_path, text, where):
    from cxsurvey.checks.verify import read_approved

    path = tmp_path / "e.yaml"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        read_approved(path)
    message = str(err.value)
    assert message.startswith(f"{path}{where} "), message
    assert "did you mean 'value'?" in message or "did you mean 'tolerance'?" in message


def test_an_expectation_of_the_wrong_type_is_located_at_its_value(tmp_path):
    from cxsurvey.checks.verify import read_approved

    path = tmp_path / "e.yaml"
    path.write_text("expect:\n  - figure: a\n    row: b\n    value: [1]\n")
    with pytest.raises(DataError) as err:
        read_approved(path)
    assert str(err.value).startswith(f"{path}:4:12: expect[0].value: expected a number, got [1]")


# --- finding 12: convert and every run read the export through one function ----------


def test_convert_writes_the_columns_every_run_reads(tmp_path):
    import pyarrow.parquet as pq

    from cxsurvey.scoring.responses import load_responses, read_study_export
    from cxsurvey.study import load_study
    from tests.conftest import DEFAULT_STUDY

    study = load_study(DEFAULT_STUDY).study
    read = read_study_export(SAMPLE_EXPORT, study)
    assert read.table.column_names == load_responses(SAMPLE_EXPORT, study).export.table.column_names
    out = tmp_path / "d.parquet"
    assert run("convert", SAMPLE_EXPORT, "--out", out).exit_code == 0
    assert pq.read_schema(out).names == read.table.column_names
