"""The study reader is bounded: hostile YAML is a located error in bounded time and
memory (aliases, depth, numbers, encodings), never a crash."""

from __future__ import annotations

import time
import tracemalloc

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.errors import StudyError
from cxsurvey.study.load import load_study, parse_study
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT, TINY_STUDY

LAUGHS = '.lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f".{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def _error(text: str) -> str:
    start = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(StudyError) as caught:
            parse_study(text, "s.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2 and peak < 50e6
    (line,) = str(caught.value).splitlines()
    assert line.startswith("s.yaml:")
    return line


def test_billion_laughs_fails_fast_in_bounded_memory():
    assert len(LAUGHS.encode()) < 500
    line = _error(LAUGHS)
    assert "expands to more than 200,000 values" in line and line.startswith("s.yaml:6:")


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a\n  - b: [1, *a]\n"])
def test_a_recursive_alias_is_refused(text):
    assert "recursive alias *a" in _error(text)


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 600 + "]" * 600, "".join("  " * i + f"k{i}:\n" for i in range(600)),
     "{" * 100_000],
)  # fmt: skip
def test_deep_nesting_is_refused_not_a_recursion_error(text):
    assert "nested deeper than 64 levels" in _error(text)


def test_aliases_a_study_really_uses_still_work(tmp_path):
    text = TINY_STUDY.replace(
        "    values: {1: a, 2: b, 3: c, 4: d, 5: e}",
        "    values: &five {1: a, 2: b, 3: c, 4: d, 5: e}",
    )
    study = parse_study(text, "s.yaml").study
    assert study.scales["s"].values == parse_study(TINY_STUDY).study.scales["s"].values


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".nan", "'.nan' is not a finite number"),
        (".NaN", "'.NaN' is not a finite number"),
        (".inf", "'.inf' is not a finite number"),
        ("-.Inf", "'-.Inf' is not a finite number"),
        ("1.0e+999", "'1.0e+999' is not a finite number"),
        ("99999999999999999999", "out of range (more than 64 bits)"),
        ("9" * 5000, "number too large (5,000 characters)"),
    ],
)
def test_numbers_must_be_finite_and_in_range(value, message):
    text = TINY_STUDY.replace("{label: Mid, from: 5}", f"{{label: Mid, from: {value}}}")
    line = _error(text)
    assert message in line and line.startswith("s.yaml:20:28:")


def test_a_nan_band_never_reaches_validate_as_valid(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(TINY_STUDY.replace("{label: Mid, from: 5}", "{label: Mid, from: .nan}"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "not a finite number" in result.output


@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "hex", "bz2", "uu", "quopri"])
def test_a_data_transform_is_not_a_text_encoding(encoding):
    text = TINY_STUDY.replace("  id: id\n", f"  id: id\n  encoding: {encoding}\n")
    line = _error(text)
    assert line.startswith("s.yaml:5:13:") and "not a text encoding" in line


def test_utf16_declared_on_a_utf8_export_is_one_line(tmp_path):
    study = tmp_path / "s.yaml"
    study.write_text(
        DEFAULT_STUDY.read_text().replace("source:\n", "source:\n  encoding: utf-16\n", 1)
    )
    result = CliRunner().invoke(app, ["score", str(SAMPLE_EXPORT), "--study", str(study), "-q"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cannot read the file as utf-16" in errors[0]


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.truncate(50_000_000)  # sparse: costs no disk
    with pytest.raises(StudyError, match="larger than 10 MB"):
        load_study(path)
