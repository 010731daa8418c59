"""Shared fixtures: small studies and exports written in every supported layout."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests keep parsed exports in a temporary cache, never in the user's."""
    import os

    os.environ["CXSURVEY_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


REPO = Path(__file__).resolve().parent.parent
DEFAULT_STUDY = REPO / "configs" / "cx_practitioner_study.yaml"
SAMPLE_EXPORT = REPO / "sample_data" / "cx_practitioner_sample.csv"

TINY_STUDY = """\
version: 1
study: Tiny study
source:
  id: id
  include:
    - {column: Finished, in: [1]}
  missing: [-99]
scales:
  s:
    values: {1: a, 2: b, 3: c, 4: d, 5: e}
    groups:
      A: [a1, a2, a3]
      B: [b1, b2]
    group_score: mean
    total: sum
    min_answered: 0.6
    reverse: [a3]
    bands:
      - {label: Low, from: 2}
      - {label: Mid, from: 5}
      - {label: High, from: 8}
segments:
  g: {label: Leaders vs laggards, median_split: s, high: Leaders, low: Laggards}
"""

TINY_COLUMNS = ["id", "Finished", "a1", "a2", "a3", "b1", "b2", "comment"]
# Hand-scored in tests/test_scoring.py; r8 is filtered out (Finished = 0).
TINY_ROWS = [
    ["r1", "1", "5", "4", "1", "4", "4", 'said "great", really'],
    ["r2", "1", "3", "3", "3", "2", "3", "line one\nline two"],
    ["r3", "1", "1", "-99", "5", "1", "2", "Zespół, ćma, żółw"],
    ["r4", "1", "5", "", "", "3", "3", "客户体验"],
    ["r5", "1", "4", "6", "2", "3", "3", "Нам нужно больше"],
    ["r6", "1", "2", "2", "4", "5", "-99", ""],
    ["r7", "1", "3", "3", "3", "3", "2", "=1+1"],
    ["r8", "0", "5", "5", "5", "5", "5", "unfinished"],
]


def render_export(
    columns: list[str],
    rows: list[list[str]],
    layout: str = "plain",
    delimiter: str = ",",
    labels: dict[str, str] | None = None,
) -> str:
    """An export as text: ``plain``, ``qualtrics`` (3 header rows) or ``legacy`` (V1..V10)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    labels = labels or {}
    if layout == "legacy":
        legacy = {"id": "V1", "Finished": "V10"}
        names = [legacy.get(c, c) for c in columns]
        extra = [f"V{i}" for i in range(2, 10)]
        w.writerow([names[0], *extra, *names[1:]])
        w.writerow(["ResponseID", *["x"] * 8, *[labels.get(c, c) for c in columns[1:]]])
        for r in rows:
            w.writerow([r[0], *[""] * 8, *r[1:]])
        return buf.getvalue()
    w.writerow(columns)
    if layout == "qualtrics":
        w.writerow([labels.get(c, f"Question text of {c}, with a comma") for c in columns])
        w.writerow([json.dumps({"ImportId": f"QID_{c}"}) for c in columns])
    w.writerows(rows)
    return buf.getvalue()


@pytest.fixture
def tiny_study(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_STUDY)
    return path


@pytest.fixture
def tiny_export(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.csv"
    path.write_text(render_export(TINY_COLUMNS, TINY_ROWS, "qualtrics"), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def feedback_sample(tmp_path_factory):
    """A generated feedback-program export (monthly trend banner, 8-group banners)
    and its loaded study, shared by the deliverables tests."""
    from typer.testing import CliRunner

    import cxsurvey
    from cxsurvey.cli import app

    path = tmp_path_factory.mktemp("feedback_sample") / "feedback.csv"
    args = ["sample", "--study", "feedback", "--rows", "3000", "--seed", "5", "--out", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return path, cxsurvey.load_study(cxsurvey.defaults.bundled_study("feedback"))


def small_study(folder: Path, *ids: str) -> Path:
    """The default study with only the named figures (keeps report tests fast)."""
    import yaml

    doc = yaml.safe_load(DEFAULT_STUDY.read_text(encoding="utf-8"))
    doc["figures"] = [f for f in doc["figures"] if f["id"] in ids]
    path = folder / "small_study.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path
