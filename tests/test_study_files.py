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
    assert study.figures and study.scales


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


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  - {id: f1, question: q1, by: g}",
            "  - {id: f1, question: q2, by: g}",
            "s.yaml:28:24: error: figure 'f1': unknown question 'q2'; did you mean 'q1'?",
        ),
        (
            "  - {id: f1, question: q1, by: g}",
            "  - {id: f1, question: q1, by: g1}",
            "s.yaml:28:32: error: figure 'f1': `by` must name a segment, a single question or a "
            "scale's band, not 'g1'; did you mean 'g'?",
        ),
        (
            "  - {id: f1, question: q1, by: g}",
            "  - {id: f1, question: q1}\n  - {id: f1, question: s}",
            "s.yaml:29:10: error: duplicate figure id 'f1' (first used by figures[0]); figure ids "
            "must be unique",
        ),
        (
            "  - {id: f1, question: q1, by: g}",
            "  - {id: f1, question: q1, show: Maybe}",
            "s.yaml:28:34: error: figure 'f1': show 'Maybe' is not options, nets, both or the label "
            "of an option or net of 'q1'",
        ),
        (
            "  - {id: f1, question: q1, by: g}",
            "  - {id: f1, question: s.band, stat: mean}",
            "s.yaml:28:38: error: figure 'f1': stat 'mean' does not apply to band 's.band'; use percent",
        ),
        (
            "median_split: s,",
            "median_split: t,",
            "s.yaml:23:49: error: segment 'g' splits unknown scale 't'",
        ),
        (
            "      B: [b1, b2]",
            "      B: []",
            "s.yaml:13:10: error: scales.s.groups.B: must not be empty",
        ),
        (
            "    reverse: [a3]",
            "    reverse: [a4]",
            "s.yaml:17:15: error: scale 's': reverse item 'a4' is not in any group; did you mean 'a3'?",
        ),
        (
            "      - {label: High, from: 8}",
            "      - {label: High, from: 4}",
            "s.yaml:21:29: error: scale 's': band 'High' starts at 4, not above the previous band's 5; "
            "list bands in increasing order of `from`",
        ),
        (
            "    min_answered: 0.6",
            "    min_answered: high",
            "s.yaml:16:19: error: scales.s.min_answered: Input should be a valid number, unable to "
            "parse string as a number (got 'high')",
        ),
        (
            "type: single",
            "type: singel",
            "s.yaml:25:14: error: questions.q1.type: unknown question type 'singel'; use one of single, "
            "multi, grid, numeric, nps",
        ),
        (
            'options: {1: "Yes"',
            "options: {1: Yes",
            "s.yaml:25:47: error: questions.q1.options[1]: YAML read this label as True; quote it, "
            'e.g. "Yes"',
        ),
        (
            "    - {column: Finished, in: [1]}",
            "    - {column: Finished, in: [1], min: 1}",
            "s.yaml:6:7: error: source.include[0]: a filter needs exactly one of `in`, `not_in`, or "
            "`min`/`max`",
        ),
        ("version: 1", "version: 2", "s.yaml:1:10: error: version: got 2; expected 1"),
    ],
)
def test_located_problems(old, new, expected):
    assert old in BASE
    assert expected in _problems(BASE.replace(old, new))


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
