"""A new user's engine runs (issue 18 QA): Parquet as other tools write it, and
the messages and records a run gives, in every engine.

Each test is a defect found by running ``cxsurvey figures|report --engine ...``
on data written by pandas, pyarrow and daily pipelines; counts are hand-made
(few rows, known answers) so every engine is checked against an exact number.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app

runner = CliRunner()


def _spark_unavailable() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (the spark extra)"
    from cxsurvey.tabulation.engines.spark import java_found

    return None if java_found() else "no Java on JAVA_HOME or PATH"


SPARK_SKIP = _spark_unavailable()
ENGINES = [
    "memory",
    "duckdb",
    pytest.param("spark", marks=pytest.mark.skipif(SPARK_SKIP is not None, reason=str(SPARK_SKIP))),
]


@pytest.fixture(scope="module", autouse=True)
def _stop_spark():
    yield
    if SPARK_SKIP is None and importlib.util.find_spec("pyspark") is not None:
        from cxsurvey.tabulation.engines import spark

        spark.stop()  # the JVM holds ~450 MB until stopped


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


STUDY = """\
version: 1
study: QA feedback
source:
  id: id
  include:
    - {column: done, in: [1]}
questions:
  nps: {text: Recommend?, type: nps, column: q1}
  channel:
    text: Channel
    type: single
    column: ch
    options: {1: Email, 2: Phone}
  hours: {text: Hours to follow-up, type: numeric, column: h, range: [0, 100]}
figures:
  - {id: nps_by_channel, question: nps, by: channel}
  - {id: hours_mean, question: hours, stat: mean, by: channel}
"""


@pytest.fixture
def study(tmp_path) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(STUDY, encoding="utf-8")
    return path


def _figures(export, study, engine, *extra) -> dict:
    result = _run(
        "figures", export, "-s", study, "--engine", engine, "--format", "json", "--no-cache", *extra
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _total(data: dict, figure: str, row: str = "NPS") -> dict:
    fig = next(f for f in data["figures"] if f["id"] == figure)
    return next(r for r in fig["rows"] if r["label"] == row)["cells"]["Total"]


# ---------------------------------------------------------------- a path that is not there


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_a_mistyped_path_is_not_found_whatever_the_engine(tmp_path, study, engine):
    # The engine check ran first and told the user to convert a file that does not exist.
    missing = tmp_path / "lake" / "feedbak"
    result = _run("figures", missing, "-s", study, "--engine", engine)
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {missing}: export not found; check the path"


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_a_folder_without_parquet_is_named_as_such_whatever_the_engine(tmp_path, study, engine):
    # "convert the export first (cxsurvey convert DIR ...)" cannot work on a folder.
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "feedback.csv").write_text("id,done\n1,1\n", encoding="utf-8")
    result = _run("figures", folder, "-s", study, "--engine", engine)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {folder}: is a directory with no .parquet files; give the export file"
    )
