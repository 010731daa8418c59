"""Scoring rules at their edges, each found by mutation testing (docs/testing.md):
the answered-items minimum with float noise, empty groups under min_answered 0,
scales without bands, the 9-decimal comparison, and segment labels."""

from __future__ import annotations

import numpy as np
import pytest

import cxsurvey
from cxsurvey.scoring.scales import comparable
from cxsurvey.study import parse_study
from tests.conftest import render_export


def _score(tmp_path, scale_yaml: str, columns: list[str], rows: list[list[str]], extra=""):
    study = f"""version: 1
study: Rules
source: {{id: id}}
scales:
  s:
{scale_yaml}
{extra}"""
    path = tmp_path / "e.csv"
    path.write_text(render_export(["id", *columns], rows))
    return cxsurvey.score(path, parse_study(study))


def test_min_answered_counts_three_of_five_as_sixty_percent_despite_float_noise(tmp_path):
    # 0.6 * 5 is 3.0000000000000004 in floats: three answered items must still be enough.
    scale = """    values: {1: a, 2: b, 3: c, 4: d, 5: e}
    groups: {G: [i1, i2, i3, i4, i5]}
    min_answered: 0.6"""
    rows = [["three", "1", "2", "3", "", ""], ["two", "1", "2", "", "", ""]]
    result = _score(tmp_path, scale, ["i1", "i2", "i3", "i4", "i5"], rows)
    assert result.table().column("s").to_pylist() == [2.0, None]


def test_min_answered_of_exactly_half_and_of_all_items(tmp_path):
    items = ["i1", "i2"]
    rows = [["one", "4", ""], ["both", "4", "2"]]
    half = "    values: {1: a, 2: b, 3: c, 4: d, 5: e}\n    groups: {G: [i1, i2]}\n"
    result = _score(tmp_path, half + "    min_answered: 0.5", items, rows)
    assert result.table().column("s").to_pylist() == [4.0, 3.0]
    result = _score(tmp_path, half + "    min_answered: 1.0", items, rows)
    assert result.table().column("s").to_pylist() == [None, 3.0]


def test_a_group_with_nothing_answered_leaves_the_scale_unscored_even_with_min_answered_0(
    tmp_path,
):
    scale = """    values: {1: a, 2: b, 3: c, 4: d, 5: e}
    groups: {A: [a1, a2], B: [b1]}
    group_score: sum
    min_answered: 0"""
    rows = [["b-only", "", "", "5"], ["all", "1", "2", "5"]]
    result = _score(tmp_path, scale, ["a1", "a2", "b1"], rows)
    assert result.table().column("s").to_pylist() == [None, 8.0]  # not 0 + 5 for b-only


def test_a_scale_without_bands_puts_nobody_in_a_band(tmp_path):
    scale = "    values: {1: a, 2: b, 3: c}\n    groups: {G: [x]}"
    result = _score(tmp_path, scale, ["x"], [["p1", "1"], ["p2", "3"]])
    assert result.scales["s"].band.tolist() == [-1, -1]
    assert result.scales["s"].band_counts() == {}


def test_totals_are_compared_with_band_limits_at_9_decimals():
    # A total 4e-10 under a limit is float noise (reaches the band); 2e-9 under is not.
    got = comparable(np.array([3.4 - 4e-10, 3.4 - 2e-9]))
    assert got[0] == 3.4 and got[1] < 3.4


def test_segment_label_is_the_studys_or_else_its_name(tmp_path):
    scale = "    values: {1: a, 2: b, 3: c}\n    groups: {G: [x]}"
    rows = [["p1", "1"], ["p2", "3"]]
    labelled = "segments:\n  g: {label: Leaders vs laggards, median_split: s, high: Hi, low: Lo}\n"
    result = _score(tmp_path, scale, ["x"], rows, labelled)
    assert result.segments["g"].label == "Leaders vs laggards"
    result = _score(
        tmp_path, scale, ["x"], rows, labelled.replace("label: Leaders vs laggards, ", "")
    )
    assert result.segments["g"].label == "g"
    assert result.scales["s"].label == "s"  # a scale without a label is named by its key


def test_weighted_median_by_hand():
    from cxsurvey.scoring.segments import weighted_median

    def wm(values, weights):
        return weighted_median(np.array(values, float), np.array(weights, float))

    assert wm([1, 2, 3, 4], [1, 1, 1, 1]) == 2.5  # equal weights: the ordinary median
    assert wm([1, 2, 3], [1, 1, 1]) == 2.0
    assert wm([1, 2, 3], [1, 5, 1]) == 2.0  # cumulative 1, 6, 7: half (3.5) reached at 2
    assert wm([4, 1, 3, 2], [1, 3, 1, 1]) == 1.5  # sorted 1..4, cumulative 3 = half at 1
    assert wm([1, 2, 3, 4], [1, 1, 0, 2]) == 3.0  # exactly half at 2; the next weighted is 4
    assert wm([1, 2], [1, 1]) == 1.5
    assert wm([1, 2, 3], [2, 0, 0]) == 1.0
    assert wm([1, 2, 3], [0, 0, 0]) is None
    assert wm([1, 2, 3], [0, 0, 1]) == 3.0  # only the last one weighs anything
    # Weights of 1000.1 leave float noise of ~1e-12 at the half: still exactly half.
    assert wm(list(range(1, 11)), [1000.1] * 10) == 5.5
    # Ten weights of 0.1 sum to 0.9999999999999999 in floats: half is still reached
    # exactly at the fifth value, so the median is the ordinary 5.5.
    assert wm(list(range(1, 11)), [0.1] * 10) == 5.5


def test_weighted_split_shares_with_small_and_with_zero_weights(tmp_path):
    scale = "    values: {1: a, 2: b, 3: c}\n    groups: {G: [x]}"
    segment = "segments:\n  g: {median_split: s, high: Hi, low: Lo, split: weighted}\n"

    def shares(rows):
        study = f"""version: 1
study: Rules
source: {{id: id, weight: w}}
scales:
  s:
{scale}
{segment}"""
        path = tmp_path / "w.csv"
        path.write_text(render_export(["id", "x", "w"], rows))
        return cxsurvey.score(path, parse_study(study)).segments["g"].weighted_shares

    # Weights 0.25 each: median 2, so Hi holds 0.5 of 0.75 of the weight.
    got = shares([["p1", "1", "0.25"], ["p2", "2", "0.25"], ["p3", "3", "0.25"]])
    assert got == {"Hi": pytest.approx(200 / 3), "Lo": pytest.approx(100 / 3)}
    # Every scored respondent weighs 0 (the weighted one is unscored): no shares.
    got = shares([["p1", "1", "0"], ["p2", "2", "0"], ["p3", "", "1"]])
    assert got == {"Hi": None, "Lo": None}


@pytest.mark.parametrize(
    ("cells", "more"), [(["zzz", "1", "2"], ""), (["zzz", "yyy", "1", "2"], " (1 more such cells)")]
)
def test_an_item_cell_that_is_neither_code_nor_label_is_named_with_how_many_more(
    tmp_path, cells, more
):
    scale = "    values: {1: a, 2: b, 3: c}\n    groups: {G: [x]}"
    rows = [[f"p{i}", c] for i, c in enumerate(cells, 1)]
    with pytest.raises(cxsurvey.errors.DataError) as err:
        _score(tmp_path, scale, ["x"], rows)
    assert (
        f"column 'x', respondent p1 (data row 1): 'zzz' is neither a code nor a label of "
        f"scale 's'{more}; fix the export" in str(err.value)
    )
