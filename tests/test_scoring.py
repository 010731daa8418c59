"""Scores, bands and the median split against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cxsurvey
from cxsurvey.study import parse_study
from tests.conftest import TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export

# min_answered 0.6: group A (3 items) needs 2 answered, B (2 items) needs 2.
# a3 is reversed: 6 - x. Codes outside 1..5 (6) and -99 are unanswered.
EXPECTED = {
    #     A                 B    total              band
    "r1": ((5 + 4 + 5) / 3, 4.0, (5 + 4 + 5) / 3 + 4, "High"),
    "r2": (3.0, 2.5, 5.5, "Mid"),
    "r3": (1.0, 1.5, 2.5, "Low"),  # a2 = -99, a3 = 5 -> 1
    "r4": (None, None, None, None),  # A: 1 of 3 answered -> whole scale unscored
    "r5": (4.0, 3.0, 7.0, "Mid"),  # a2 = 6 is out of range, a3 = 2 -> 4
    "r6": (None, None, None, None),  # B: 1 of 2 answered
    "r7": (3.0, 2.5, 5.5, "Mid"),
}
# Scored totals 2.5, 5.5, 5.5, 7, 8.67: median 5.5; r2 and r7 tie at it -> leaders.
EXPECTED_GROUP = {
    "r1": "Leaders",
    "r2": "Leaders",
    "r3": "Laggards",
    "r4": None,
    "r5": "Leaders",
    "r6": None,
    "r7": "Leaders",
}


def _score(tmp_path, study_text=TINY_STUDY, rows=TINY_ROWS):
    export = tmp_path / "e.csv"
    export.write_text(render_export(TINY_COLUMNS, rows, "qualtrics"))
    return cxsurvey.score(export, parse_study(study_text))


def test_scores_match_hand_computation(tmp_path):
    result = _score(tmp_path)
    rows = result.table().to_pylist()
    assert [r["id"] for r in rows] == list(EXPECTED)  # r8 (unfinished) filtered out
    for row in rows:
        a, b, total, band = EXPECTED[row["id"]]
        for got, want in ((row["s.A"], a), (row["s.B"], b), (row["s"], total)):
            assert (got is None and want is None) or got == pytest.approx(want, abs=1e-12)
        assert row["s.band"] == band
        assert row["g"] == EXPECTED_GROUP[row["id"]]
    assert result.respondents == {"read": 8, "included": 7, "scored": {"s": 5}}
    assert result.segments["g"].median == 5.5
    assert result.segments["g"].sizes() == {"Leaders": 4, "Laggards": 1}
    assert result.scales["s"].band_counts() == {"Low": 1, "Mid": 3, "High": 1}


def test_even_count_median_is_mean_of_middle_values(tmp_path):
    rows = [r for r in TINY_ROWS if r[0] != "r7"]
    result = _score(tmp_path, rows=rows)
    seg = result.segments["g"]
    assert seg.median == (5.5 + 7.0) / 2
    groups = dict(
        zip(
            result.table().column("id").to_pylist(),
            result.table().column("g").to_pylist(),
            strict=True,
        )
    )
    assert groups == {
        "r1": "Leaders",
        "r2": "Laggards",
        "r3": "Laggards",
        "r4": None,
        "r5": "Leaders",
        "r6": None,
    }


def test_sum_groups_mean_total_and_no_minimum(tmp_path):
    text = (
        TINY_STUDY.replace("group_score: mean", "group_score: sum")
        .replace("total: sum", "total: mean")
        .replace("min_answered: 0.6", "min_answered: 0")
    )
    result = _score(tmp_path, text)
    table = {r["id"]: r for r in result.table().to_pylist()}
    # Sum of the answered items (not prorated); with min_answered 0 one item is enough.
    assert table["r1"]["s.A"] == 14 and table["r1"]["s.B"] == 8 and table["r1"]["s"] == 11
    assert table["r4"]["s.A"] == 5 and table["r4"]["s.B"] == 6 and table["r4"]["s"] == 5.5
    assert table["r6"]["s.B"] == 5 and table["r6"]["s"] == (2 + 2 + 2 + 5) / 2


def test_band_limits_are_not_missed_by_float_noise(tmp_path):
    text = """\
version: 1
study: Noise
scales:
  c:
    values: {1: a, 2: b, 3: c, 4: d, 5: e}
    groups: {G1: [x1, x2, x3], G2: [x4, x5, x6], G3: [x7, x8, x9], G4: [y1, y2, y3, y4, y5]}
    total: mean
    bands: [{label: Neutral, from: 2.6}, {label: Nurturing, from: 3.4}]
"""
    cols = ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "y1", "y2", "y3", "y4", "y5"]
    row = ["3", "3", "3", "4", "4", "3", "3", "3", "4", "4", "4", "3", "3", "4"]
    export = tmp_path / "n.csv"
    export.write_text(render_export(cols, [row]))
    result = cxsurvey.score(export, parse_study(text))
    total = result.scales["c"].total[0]
    assert math.isclose(total, 3.4)
    assert result.table().column("c.band").to_pylist() == ["Nurturing"]


def test_all_unscored_gives_no_median(tmp_path):
    rows = [["r1", "1", "", "", "", "", "", ""]]
    result = _score(tmp_path, rows=rows)
    assert result.segments["g"].median is None
    assert result.segments["g"].sizes() == {"Leaders": 0, "Laggards": 0}
    assert np.isnan(result.scales["s"].total).all()


def test_written_scores_are_the_values_the_bands_compared(tmp_path):
    """A total whose float sum is 21.499999999999996 is written as 21.5, the value
    (at 9 decimals) the bands and the median used."""
    import csv as _csv

    from typer.testing import CliRunner

    from cxsurvey.cli import app
    from tests.conftest import SAMPLE_EXPORT

    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", str(SAMPLE_EXPORT), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(_csv.DictReader(fh))
    totals = [r["maturity"] for r in rows if r["maturity"]]
    assert totals and all(len(t.split(".")[-1]) <= 9 for t in totals if "." in t)
    assert "21.5" in totals  # in the sample, a sum of group means that is 21.5 up to float noise
