"""Engine runs end to end: duplicate ids, nested Hive partitions, the engine record."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.tabulation import aggregated
from tests.test_one_answer import _same


@pytest.fixture(scope="module")
def table(feedback_sample, tmp_path_factory):
    path, _ = feedback_sample
    out = tmp_path_factory.mktemp("engine_runs") / "fb.parquet"
    result = CliRunner().invoke(app, ["convert", str(path), "-s", "feedback", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pq.read_table(out)


def _figures(path, engine: str, tmp_path) -> dict:
    out = tmp_path / f"{engine}.json"
    args = ["figures", str(path), "-s", "feedback", "-f", "json", "-o", str(out), "-q",
            "--no-cache", "--engine", engine]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def test_duplicate_ids_are_counted_among_the_included_as_in_memory(table, tmp_path):
    """7 ids twice, one of them a preview (Status 1) the second time: excluded by
    source.include, so it does not repeat among the included respondents."""
    extra = table.slice(0, 7)
    status = pa.array([1] + [0] * 6, extra.schema.field("Status").type)
    extra = extra.set_column(extra.schema.get_field_index("Status"), "Status", status)
    path = tmp_path / "dup.parquet"
    pq.write_table(pa.concat_tables([table, extra]), path)
    memory, duck = _figures(path, "memory", tmp_path), _figures(path, "duckdb", tmp_path)
    counted = int(memory["export"]["warnings"][0].split()[0])
    assert 0 < counted < 7  # the preview's id and the first rows not included drop out
    assert duck["export"]["warnings"][0].startswith(f"{counted} respondent id(s)")
    assert f"{counted} response(s) may be counted more than once" in duck["export"]["warnings"][0]
    for a, b in zip(memory["figures"], duck["figures"], strict=True):
        _same(a, b, a["id"])  # warnings differ in wording only: data rows vs rows


def test_many_duplicate_ids_are_reported_without_listing_them(table, tmp_path, monkeypatch):
    monkeypatch.setattr(aggregated, "MAX_SHOWN_IDS", 5)
    path = tmp_path / "twice.parquet"
    pq.write_table(pa.concat_tables([table.slice(0, 40), table.slice(0, 40)]), path)
    warning = _figures(path, "duckdb", tmp_path)["export"]["warnings"][0]
    assert warning.startswith("40 respondent ids in column 'ResponseId' occur more than once")
    assert "before source.include; 40 rows repeat an id" in warning


def test_nested_hive_partitions_are_read_by_the_engine(table, tmp_path):
    days = pc.cast(table.column("RecordedDate"), pa.string())
    table = table.append_column("year", pc.utf8_slice_codeunits(days, 0, 4))
    table = table.append_column("mon", pc.utf8_slice_codeunits(days, 5, 7))
    root = tmp_path / "nested"
    ds.write_dataset(table, root, format="parquet", partitioning=["year", "mon"],
                     partitioning_flavor="hive")  # fmt: skip
    assert any(p.name.startswith("year=") for p in root.iterdir())
    memory, duck = _figures(root, "memory", tmp_path), _figures(root, "duckdb", tmp_path)
    assert duck["export"]["engine"]["name"] == "duckdb"
    assert duck["figures"] == memory["figures"]
    assert duck["respondents"] == memory["respondents"]


def test_engine_on_a_missing_path_says_not_found(tmp_path):
    result = CliRunner().invoke(app, ["figures", str(tmp_path / "nope"), "-s", "feedback",
                                      "--engine", "duckdb"])  # fmt: skip
    assert result.exit_code == 2
    assert "export not found" in result.output and "Traceback" not in result.output


def test_engine_on_a_csv_says_to_convert(feedback_sample):
    path, _ = feedback_sample
    result = CliRunner().invoke(app, ["figures", str(path), "-s", "feedback", "--engine", "duckdb"])
    assert result.exit_code == 2
    assert "reads Parquet" in result.output and "cxsurvey convert" in result.output


def test_options_omitted_come_from_the_export_in_every_engine(tmp_path):
    """A split multi without options takes them from the question texts stored
    by convert (``Which? - Alpha``), as the memory run does."""
    labels = {"ResponseId": "Response ID", "Qa": "Which? - Alpha", "Qb": "Which? - Beta"}
    table = pa.table({"ResponseId": ["a", "b", "c", "d"], "Qa": [1, None, 1, None],
                      "Qb": [None, 1, 1, None]})  # fmt: skip
    table = table.replace_schema_metadata({b"cxsurvey.labels": json.dumps(labels).encode()})
    path = tmp_path / "multi.parquet"
    pq.write_table(table, path)
    study = tmp_path / "study.yaml"
    study.write_text(
        "version: 1\nstudy: t\nquestions:\n  m: {type: multi, columns: {1: Qa, 2: Qb}}\n"
        "figures:\n  - {id: m, question: m}\n",
        encoding="utf-8",
    )
    got = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.json"
        args = ["figures", str(path), "-s", str(study), "-f", "json", "-o", str(out), "-q",
                "--engine", engine]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        got[engine] = json.loads(out.read_text(encoding="utf-8"))
    assert got["duckdb"]["export"]["engine"]["name"] == "duckdb"
    rows = got["duckdb"]["figures"][0]["rows"]
    assert [r["label"] for r in rows] == ["Alpha", "Beta"]
    assert [r["cells"]["Total"]["count"] for r in rows] == [2, 2]
    assert got["duckdb"]["figures"] == got["memory"]["figures"]
