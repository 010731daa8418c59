"""Approved files (snapshots, expectations) are validated before use: a hand-broken
one is a one-line located error with exit 2, never a crash."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from cxsurvey.checks.verify import read_approved
from cxsurvey.cli import app
from cxsurvey.errors import DataError
from tests.conftest import SAMPLE_EXPORT

SNAPSHOT = {
    "alpha": 0.05,
    "adjust": "bonferroni",
    "figures": [
        {
            "id": "f",
            "rows": [
                {
                    "label": "Yes",
                    "cells": {"Total": {"value": 50.0, "count": 5, "base": 10}},
                    "gap": {"points": 3.0, "significant": False},
                }
            ],
        }
    ],
}


def _set(path, value):
    doc = copy.deepcopy(SNAPSHOT)
    *parents, last = path
    node = doc
    for part in parents:
        node = node[part]
    node[last] = value
    return doc


ROW = ("figures", 0, "rows", 0)
BROKEN = [
    (
        _set((*ROW, "cells", "Total"), 5),
        "figures[0].rows[0].cells.Total: expected a mapping, got 5",
    ),
    (
        _set((*ROW, "cells", "Total", "value"), "73"),
        "cells.Total.value: expected a number, got '73'",
    ),
    (
        _set((*ROW, "cells", "Total", "value"), True),
        "cells.Total.value: expected a number, got True",
    ),
    (_set((*ROW, "gap"), 3.5), "figures[0].rows[0].gap: expected a mapping, got 3.5"),
    (_set((*ROW, "gap", "significant"), "yes"), "gap.significant: expected true or false"),
    (_set((*ROW, "cells", "Total", "base"), [10]), "cells.Total.base: expected a number, got [10]"),
    (_set(("alpha",), "0.05"), "alpha: expected a number, got '0.05'"),
    (_set(("alpha",), 5), "alpha: Input should be less than or equal to 1"),
    (_set(("adjust",), "holm"), "adjust: Input should be 'none', 'bonferroni' or 'bh'"),
    (_set((*ROW, "label"), 3), "figures[0].rows[0].label: expected text, got 3"),
    (_set(("figures", 0, "rows"), {}), "figures[0].rows: expected a list, got {}"),
    (_set(("figures", 0), "f"), "figures[0]: expected a mapping, got 'f'"),
    (_set((*ROW, "cells"), []), "figures[0].rows[0].cells: expected a mapping, got []"),
]


def test_a_sound_snapshot_is_accepted(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SNAPSHOT))
    assert read_approved(path) == ("snapshot", SNAPSHOT)


@pytest.mark.parametrize(("doc", "message"), BROKEN)
def test_a_broken_snapshot_is_one_located_line(tmp_path, doc, message):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError) as caught:
        read_approved(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_a_broken_snapshot_through_the_cli(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(BROKEN[3][0]))
    result = CliRunner().invoke(app, ["verify", str(SAMPLE_EXPORT), "--approved", str(path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "gap: expected a mapping" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {figure: a, row: b, value: abc}\n", ":1:30: expect[0].value: expected a number"),
        ("- {figure: a, row: b}\n", ":1:3: expect[0]: give a `value`, a `base` or both"),
        ("expect: 5\n", ":1:9: expect: expected a list, got 5"),
        ("tolerance: x\nexpect: [{figure: a, row: b, value: 3}]\n", ":1:12: tolerance: expected"),
        ("- {figure: a, row: b, value: .nan}\n", ":1:30: '.nan' is not a finite number"),
        (
            "- {figure: a, row: b, value: 1, colum: x}\n",
            ":1:33: expect[0]: unknown key 'colum'; did you mean 'column'?",
        ),
        ("- {figure: a, row: b, base: [1]}\n", ":1:29: expect[0].base: expected a number"),
        ("- &a [*a]\n", ":1:7: recursive alias *a"),
        ("expect:\n  - {figure: a}\n", ":2:5: expect[0]: missing `row`"),
    ],
)
def test_broken_expectations_are_one_located_line(tmp_path, text, message):
    path = tmp_path / "e.yaml"
    path.write_text(text)
    with pytest.raises(DataError) as caught:
        read_approved(path)
    assert str(caught.value).startswith(f"{path}{message}"), str(caught.value)


def test_a_numeric_row_label_in_expectations_means_that_label(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text("- {figure: nps, row: 10, value: 40}\n")
    _, expectations = read_approved(path)
    assert expectations.expect[0].row == "10"
