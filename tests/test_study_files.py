"""Study files: the spec's example, the bundled configs, and located problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxsurvey.errors import StudyError
from cxsurvey.study import load_study, parse_study
from tests.conftest import REPO, TINY_STUDY

SPEC_EXAMPLE = REPO.parent / "shared" / "spec" / "example-study.yaml"


@pytest.mark.parametrize("path", sorted((REPO / "configs").glob("*.yaml")), ids=str)
def test_bundled_configs_validate(path: Path):
    study = load_study(path).study
    assert study.figures and study.questions


def test_default_study_is_the_spec_example():
    if not SPEC_EXAMPLE.exists():
        pytest.skip("the shared spec is not beside this checkout")
    assert (
        REPO / "configs" / "cx_practitioner_study.yaml"
    ).read_bytes() == SPEC_EXAMPLE.read_bytes()


def test_unquoted_comma_in_flow_mapping_is_rejoined_with_a_warning():
    loaded = load_study(REPO / "configs" / "cx_practitioner_study.yaml")
    fig = next(f for f in loaded.study.figures if f.id == "capabilities")
    assert fig.title == "CX technology, capability and culture"
    assert [(w.line, w.severity) for w in loaded.warnings] == [(220, "warning")]


def _problems(text: str) -> list[str]:
    with pytest.raises(StudyError) as info:
        parse_study(text, "s.yaml")
    return [str(p) for p in info.value.problems]


BASE = (
    TINY_STUDY
    + """questions:
  q1: {type: single, column: Q1, options: {1: "Yes", 2: "No"}, nets: {Any: [1, 2]}}
  g1: {type: grid, columns: {A: G1, B: G2}, options: {1: Low, 2: High}}
figures:
  - {id: f1, question: q1, by: g}
"""
)


def test_warnings_do_not_fail_unless_strict():
    text = BASE.replace("nets: {Any: [1, 2]}", "nets: {Any: [1, 3]}")
    loaded = parse_study(text, "s.yaml")
    assert [str(w) for w in loaded.warnings] == [
        "s.yaml:25:80: warning: question 'q1': net 'Any' names code 3, which is not among "
        "the options"
    ]
    with pytest.raises(StudyError):
        parse_study(text, "s.yaml", strict=True)


def test_unreachable_band_is_a_warning():
    text = BASE.replace("      - {label: High, from: 8}", "      - {label: High, from: 11}")
    loaded = parse_study(text, "s.yaml")
    assert [w.message for w in loaded.warnings] == [
        "scale 's': no total can reach band 'High' (from 11; the highest possible total is 10)"
    ]


def test_empty_and_non_mapping_files():
    assert _problems("") == [
        "s.yaml:1:1: error: a study file must be a YAML mapping with "
        "`version`, `study`, `source`, ... at the top level"
    ]
    assert _problems("version: 1\n") == ["s.yaml:1:1: error: study: missing required key 'study'"]
