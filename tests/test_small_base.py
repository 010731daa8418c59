"""The small-base rule end to end: a base *under* 30 is flagged, a base of exactly 30 is not."""

from __future__ import annotations

import json

import pytest

import cxsurvey
from cxsurvey.outputs.figures_out import figure_markdown
from cxsurvey.study import parse_study
from tests.conftest import render_export

STUDY = """version: 1
study: Threshold
source: {id: id}
questions:
  grp: {type: single, column: grp, options: {1: Thirty, 2: Twenty-nine}}
  yn: {type: single, column: yn, options: {1: "Yes", 2: "No"}}
  spend: {type: numeric, column: spend}
figures:
  - {id: yn, question: yn, show: "Yes", by: grp}
  - {id: spend, question: spend, by: grp}
"""


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    # 30 respondents in group 1 and 29 in group 2, every one answering both questions.
    rows = [[f"a{i}", "1", "1" if i % 2 else "2", str(i)] for i in range(30)]
    rows += [[f"b{i}", "2", "1" if i % 3 else "2", str(i)] for i in range(29)]
    path = tmp_path_factory.mktemp("small") / "e.csv"
    path.write_text(render_export(["id", "grp", "yn", "spend"], rows))
    return {f.id: f for f in cxsurvey.figures(path, parse_study(STUDY)).figures}


@pytest.mark.parametrize("fig_id", ["yn", "spend"])
def test_base_of_exactly_30_is_not_small_and_29_is(figures, fig_id):
    cells = figures[fig_id].rows[0].cells
    assert {c: (cells[c].base, cells[c].small_base) for c in cells} == {
        "Total": (59, False),
        "Thirty": (30, False),
        "Twenty-nine": (29, True),
    }
    assert figures[fig_id].warnings == ["small base (under 30): Twenty-nine (n=29)"]


def test_small_base_mark_in_json_and_markdown_only_for_the_base_of_29(figures):
    fig = figures["yn"]
    cells = fig.to_dict()["rows"][0]["cells"]
    assert [c for c, cell in cells.items() if cell.get("small_base")] == ["Twenty-nine"]
    json.dumps(cells)  # JSON-serialisable as written
    row = next(ln for ln in figure_markdown(fig).splitlines() if ln.startswith("| Yes |"))
    marks = [c.strip().endswith("†") for c in row.split("|")[2:5]]
    assert marks == [False, False, True]  # Total 59, Thirty 30, Twenty-nine 29
