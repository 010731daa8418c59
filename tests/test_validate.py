"""``cxsurvey validate`` and ``schema``: the broken-study corpus, formats, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import DEFAULT_STUDY, REPO

CORPUS = sorted((REPO / "tests" / "corpus").glob("*.yaml"))


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def expected(path: Path) -> list[str]:
    """The ``# expect:`` comments at the end of a corpus file (they shift no line)."""
    marks = [line for line in path.read_text().splitlines() if line.startswith("# expect: ")]
    return [f"{path}:{line.removeprefix('# expect: ')}" for line in marks]


def test_the_corpus_has_at_least_25_distinct_faults():
    assert len(CORPUS) >= 25
    assert all(expected(p) for p in CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_file_reports_exactly_its_problems(path: Path):
    result = run("validate", path)
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines == expected(path)
    has_error = any(": error: " in line for line in lines)
    assert result.exit_code == (1 if has_error else 0)


def test_typo_dangling_question_and_misordered_band_in_one_run():
    path = REPO / "tests" / "corpus" / "typo-key-dangling-question-misordered-band.yaml"
    lines = run("validate", path).stdout.splitlines()
    assert [line.split(": ", 1)[0].removeprefix(f"{path}:") for line in lines] == [
        "14:5",
        "21:29",
        "28:24",
    ]


def test_warnings_fail_only_with_strict():
    path = REPO / "tests" / "corpus" / "overlapping-nets.yaml"
    assert run("validate", path).exit_code == 0
    assert run("validate", "--strict", path).exit_code == 1


def test_several_files_and_json_format():
    good, bad = DEFAULT_STUDY, REPO / "tests" / "corpus" / "unknown-question.yaml"
    result = run("validate", good, bad, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["errors"] == 1 and doc["warnings"] == 1
    assert doc["problems"][1] == {
        "file": str(bad),
        "line": 28,
        "column": 24,
        "severity": "error",
        "message": "figure 'f1': unknown question 'q2'; did you mean 'q1'?",
    }


def test_github_annotations():
    path = REPO / "tests" / "corpus" / "bands-out-of-order.yaml"
    out = run("validate", path, "--format", "github").stdout
    assert out == (
        f"::error file={path},line=21,col=29::scale 's': band 'High' starts at 4, not above "
        "the previous band's 5; list bands in increasing order of `from`\n"
    )


def test_unreadable_file_is_a_usage_error(tmp_path):
    result = run("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml: error: study file not found; check the path" in result.stdout
    assert run("validate").exit_code == 2  # no file given


def test_default_study_is_valid_with_one_warning():
    result = run("validate", DEFAULT_STUDY)
    assert result.exit_code == 0
    assert result.stdout.count(": warning: ") == 1


def test_committed_schema_is_current():
    result = run("schema")
    assert result.exit_code == 0
    assert result.stdout == (REPO / "configs" / "schema.json").read_text(), (
        "configs/schema.json is stale: run `cxsurvey schema > configs/schema.json`"
    )


def test_schema_accepts_the_default_study_and_rejects_a_typo():
    schema = json.loads((REPO / "configs" / "schema.json").read_text())
    # Quote the spec example's one unquoted comma, which YAML splits into a stray key
    # (cxsurvey rejoins it with a warning; a schema cannot).
    text = DEFAULT_STUDY.read_text().replace(
        "title: CX technology, capability and culture",
        'title: "CX technology, capability and culture"',
    )
    doc = json.loads(json.dumps(yaml.safe_load(text)))
    jsonschema.validate(doc, schema)
    doc["figures"][0]["titel"] = "typo"
    with pytest.raises(jsonschema.ValidationError, match="titel"):
        jsonschema.validate(doc, schema)
