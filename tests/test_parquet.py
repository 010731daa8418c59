"""Parquet in: files and Hive-partitioned datasets read typed; ``convert`` and ``sample`` write them."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import REPO, SAMPLE_EXPORT

runner = CliRunner()
FEEDBACK = REPO / "configs" / "feedback_program.yaml"


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _figures_json(export, *study, keep_export=False):
    result = _run("figures", export, *study, "--format", "json", "--no-cache")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    data.pop("data_sha256")
    if not keep_export:
        data.pop("export")  # how the file was read (layout, encoding) differs by design
    return data


def _csv_rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[3:]  # names; data after the label and ImportId rows


def test_converted_file_keeps_every_value_typed(tmp_path):
    out = tmp_path / "sample.parquet"
    result = _run("convert", SAMPLE_EXPORT, "--out", out)
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    names, rows = _csv_rows(SAMPLE_EXPORT)
    assert table.num_rows == len(rows) == 260
    q1 = [None if r[names.index("Q1")] == "" else int(r[names.index("Q1")]) for r in rows]
    assert str(table.schema.field("Q1").type) == "int64"
    assert table.column("Q1").to_pylist() == q1
    # a -99 code stays a number: source.missing still applies when the dataset is read
    item = names.index("Q5_1")
    assert table.column("Q5_1").to_pylist() == [
        None if r[item] == "" else int(r[item]) for r in rows
    ]
    assert -99 in table.column("Q5_1").to_pylist()
    labels = json.loads(table.schema.metadata[b"cxsurvey.labels"])
    with open(SAMPLE_EXPORT, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
        wording = next(csv.reader(fh))
    assert labels["Q1"] == wording[header.index("Q1")]


def test_figures_from_parquet_equal_figures_from_the_csv(tmp_path):
    out = tmp_path / "sample.parquet"
    assert _run("convert", SAMPLE_EXPORT, "--out", out).exit_code == 0
    assert _figures_json(out) == _figures_json(SAMPLE_EXPORT)


@pytest.fixture(scope="module")
def feedback_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("fb") / "feedback.csv"
    result = _run("sample", "--study", FEEDBACK, "--rows", 3000, "--out", path)
    assert result.exit_code == 0, result.output
    return path


def test_month_partitions_hold_each_month_in_the_study_time_zone(feedback_csv, tmp_path):
    out = tmp_path / "dataset"
    result = _run(
        "convert", feedback_csv, "--study", FEEDBACK, "--out", out, "--partition-by", "month"
    )
    assert result.exit_code == 0, result.output
    # independent count: the csv module and zoneinfo, with the study's date rule
    names, rows = _csv_rows(feedback_csv)
    column, zone = "RecordedDate", ZoneInfo("America/Denver")
    study_text = FEEDBACK.read_text()
    assert f"column: {column}" in study_text and "timezone: America/Denver" in study_text

    def month(cell):  # a naive value is a wall time in the zone; one with an offset is not
        stamp = datetime.fromisoformat(cell)
        local = stamp.replace(tzinfo=zone) if stamp.tzinfo is None else stamp.astimezone(zone)
        return local.strftime("%Y-%m")

    expected = Counter(month(r[names.index(column)]) for r in rows if r[names.index(column)])
    folders = sorted(p.name for p in out.iterdir())
    assert folders == sorted(f"month={m}" for m in expected)
    dataset = ds.dataset(out, partitioning="hive")
    counts = Counter(dataset.to_table(columns=["month"]).column("month").to_pylist())
    assert counts == expected
    assert _figures_json(out, "--study", FEEDBACK) == _figures_json(
        feedback_csv, "--study", FEEDBACK
    )


def test_sample_writes_the_same_responses_as_parquet(tmp_path):
    parquet, text = tmp_path / "s.parquet", tmp_path / "s.csv"
    for path in (parquet, text):
        assert _run("sample", "--rows", 400, "--seed", 7, "--out", path).exit_code == 0
    assert pq.read_table(parquet).num_rows == 400
    assert _figures_json(parquet) == _figures_json(text)


def test_convert_refuses_an_existing_target_and_a_partition_without_dates(tmp_path):
    out = tmp_path / "taken.parquet"
    out.write_bytes(b"keep me")
    result = _run("convert", SAMPLE_EXPORT, "--out", out)
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert out.read_bytes() == b"keep me"
    result = _run("convert", SAMPLE_EXPORT, "--out", tmp_path / "ds", "--partition-by", "month")
    assert result.exit_code == 2
    assert "needs a date question" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.parquet"]


def test_damaged_parquet_and_empty_folders_are_one_line_errors(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1" + b"\x00" * 64)
    result = _run("figures", bad)
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {bad}: cannot read it as Parquet")
    assert len(result.output.strip().splitlines()) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run("figures", empty)
    assert result.exit_code == 2
    assert "is a directory with no .parquet files" in result.output


def test_converted_qualtrics_data_keeps_the_minus_99_rule(tmp_path):
    """-99 is missing in Qualtrics exports by default; a dataset converted from one is read
    the same way, so a study without source.missing gives the CSV's figures, not means
    pulled down by -99 answers."""
    text = (REPO / "configs" / "cx_practitioner_study.yaml").read_text(encoding="utf-8")
    assert "  missing: [-99]" in text
    study = tmp_path / "no_missing.yaml"
    study.write_text(text.replace("  missing: [-99]", "  missing: []"), encoding="utf-8")
    out = tmp_path / "sample.parquet"
    assert _run("convert", SAMPLE_EXPORT, "--study", study, "--out", out).exit_code == 0
    from_parquet = _figures_json(out, "--study", study, keep_export=True)
    from_csv = _figures_json(SAMPLE_EXPORT, "--study", study, keep_export=True)
    assert from_parquet["export"]["description"] == (
        "Parquet dataset (converted from a Qualtrics export (3 header rows))"
    )
    assert from_parquet["export"]["missing"] == from_csv["export"]["missing"]
    from_parquet.pop("export"), from_csv.pop("export")
    assert from_parquet == from_csv


TYPING_STUDY = """\
version: 1
study: Typing
source:
  id: Ref
questions:
  q:
    type: single
    column: q
    options: {1: One, 2: Two}
  spend:
    type: numeric
    column: spend
  big:
    type: numeric
    column: big
  precise:
    type: numeric
    column: precise
  note:
    type: text
    column: note
figures:
  - {id: q, title: Q, question: q}
  - {id: spend, title: Spend, question: spend, stat: mean}
"""


def test_convert_never_changes_a_value(tmp_path):
    """Ids and text stay text whatever they look like; numbers become numbers only where
    float64 holds them exactly; anything else stays text, and convert says so."""
    rows = [
        ["Ref", "q", "spend", "big", "precise", "note"],
        ["12345678901234567", "1", "1.50", "9007199254740993", "0.12345678901234567", "007"],
        ["12345678901234568", "2", "", "1", "1.5", "42"],
        ["00123", "1", "-3", "2", "2", ""],
    ]
    export = tmp_path / "typed.csv"
    with open(export, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    study = tmp_path / "typing.yaml"
    study.write_text(TYPING_STUDY, encoding="utf-8")
    out = tmp_path / "typed.parquet"
    result = _run("convert", export, "--study", study, "--out", out)
    assert result.exit_code == 0, result.output
    assert "column 'big': whole numbers of 2^53 or more are kept as text" in result.output
    assert "column 'precise': numbers with more than 15 significant digits" in result.output
    table = pq.read_table(out)
    types = {f.name: str(f.type) for f in table.schema}
    assert types == {
        "Ref": "string",
        "q": "int64",
        "spend": "double",
        "big": "string",
        "precise": "string",
        "note": "string",
    }
    assert table.column("Ref").to_pylist() == ["12345678901234567", "12345678901234568", "00123"]
    assert table.column("q").to_pylist() == [1, 2, 1]
    assert table.column("spend").to_pylist() == [1.5, None, -3.0]
    assert table.column("big").to_pylist() == ["9007199254740993", "1", "2"]
    assert table.column("note").to_pylist() == ["007", "42", None]
    assert _figures_json(out, "--study", study) == _figures_json(export, "--study", study)
