"""Reverse-scored items on scales that do not start at 1: ``min + max - x``.

Every study in the suite used to run 1..5 scales, where ``max + 1 - x`` (a common
slip) gives the same numbers. On 0..4, 0..10 and -2..2 it does not.
"""

from __future__ import annotations

import pytest

import cxsurvey
from cxsurvey.study import parse_study
from tests.conftest import render_export

SCALES = {
    "zero_to_four": "{0: None, 1: Little, 2: Some, 3: Much, 4: All}",
    "zero_to_ten": "{" + ", ".join(f"{i}: '{i}'" for i in range(11)) + "}",
    "minus_two_to_two": "{-2: Worse, -1: Bit worse, 0: Same, 1: Bit better, 2: Better}",
}
# answers (plain item a, reversed item r) -> hand-scored group mean of a and (min + max - r)
CASES = {
    "zero_to_four": [
        (("0", "0"), (0 + 4) / 2),  # r = 0 -> 4 (max + 1 - x would give 5)
        (("4", "1"), (4 + 3) / 2),
        (("2", "4"), (2 + 0) / 2),
        (("3", "2"), (3 + 2) / 2),
    ],
    "zero_to_ten": [
        (("0", "0"), (0 + 10) / 2),
        (("10", "10"), (10 + 0) / 2),
        (("7", "3"), (7 + 7) / 2),
        (("5", "9"), (5 + 1) / 2),
    ],
    "minus_two_to_two": [
        (("-2", "2"), (-2 - 2) / 2),
        (("1", "-2"), (1 + 2) / 2),
        (("0", "0"), 0.0),
        (("2", "-1"), (2 + 1) / 2),
    ],
}


@pytest.mark.parametrize("scale", list(SCALES))
def test_reverse_item_scores_min_plus_max_minus_answer(tmp_path, scale):
    study = f"""version: 1
study: Reverse
source: {{id: id}}
scales:
  s:
    values: {SCALES[scale]}
    groups: {{G: [a, r]}}
    reverse: [r]
"""
    rows = [[f"p{i}", a, r] for i, ((a, r), _) in enumerate(CASES[scale])]
    path = tmp_path / "e.csv"
    path.write_text(render_export(["id", "a", "r"], rows))
    result = cxsurvey.score(path, parse_study(study))
    table = result.table().to_pylist()
    assert [row["s.G"] for row in table] == [want for _, want in CASES[scale]]
    assert [row["s"] for row in table] == [want for _, want in CASES[scale]]  # total: one group
