"""Drafted grid figures are readable: a top-2-box net for an ordered scale, one figure
per option for a wide nominal grid, and item labels without their column names."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.codebook.grid_figures import grid_figures, top_two
from cxsurvey.codebook.model import Entry, Option

SAMPLE = Path(__file__).parent.parent / "sample_data" / "cx_practitioner_sample.csv"
runner = CliRunner()


def _grid(labels, items=3, codes=None):
    codes = codes or list(range(1, len(labels) + 1))
    return Entry(
        "g", "grid", "Rate", tuple(f"g_{i}" for i in range(1, items + 1)),
        items=tuple((f"Item {i}", f"g_{i}") for i in range(1, items + 1)),
        options=tuple(Option(c, lab) for c, lab in zip(codes, labels, strict=True)),
    )  # fmt: skip


def test_ordered_scales_get_a_top_two_box_net_in_the_right_direction():
    agree = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    assert top_two(_grid(agree)) == ("Top 2 box", [4, 5])
    assert top_two(_grid(agree[::-1])) == ("Top 2 box", [1, 2])  # 1 = Strongly agree
    assert top_two(_grid(["1", "2", "3", "4"])) == ("Top 2 box", [3, 4])  # 4 numeric points
    assert top_two(_grid(["Never", "Sometimes", "Always"])) == ("Top 2 box", [2, 3])
    assert top_two(_grid(["1", "2", "3"])) is None  # 3 unlabelled points: not judged a scale
    assert top_two(_grid(["Red", "Green", "Blue", "Black"], codes=["r", "g", "b", "k"])) is None


def test_a_wide_nominal_grid_is_one_figure_per_option():
    colours = ["Red", "Green", "Blue", "Black", "White"]
    narrow = _grid(colours, items=8, codes=["r", "g", "b", "k", "w"])  # 40 rows: one figure
    assert grid_figures(narrow, "Rate") == [("g", "Rate", None)]
    wide = _grid(colours, items=9, codes=["r", "g", "b", "k", "w"])  # 45 rows
    assert grid_figures(wide, "Rate") == [
        (f"g_{k}", f"Rate: {c}", c) for k, c in enumerate(colours, start=1)
    ]


def test_the_sample_draft_shows_the_top_two_box_of_each_battery_item(tmp_path):
    out = tmp_path / "s.yaml"
    assert runner.invoke(app, ["init", str(SAMPLE), "--out", str(out)]).exit_code == 0
    draft = yaml.safe_load(out.read_text())
    q5 = draft["questions"]["Q5"]
    assert q5["nets"] == {"Top 2 box": [4, 5]}
    assert list(q5["columns"])[:4] == ["Lead 1", "Lead 2", "Lead 3", "Realize 1"]
    fig = next(f for f in draft["figures"] if f["question"] == "Q5")
    assert fig["show"] == "Top 2 box" and fig["title"] == "CX maturity (top 2 box)"
    checked = runner.invoke(app, ["validate", str(out), "--strict"])
    assert checked.exit_code == 0, checked.output
    result = runner.invoke(app, ["figures", str(SAMPLE), "--study", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    figure = next(f for f in json.loads(result.stdout)["figures"] if f["id"] == "Q5")
    assert len(figure["rows"]) == 20  # one bar per item, not 20 x 5
    # Lead 1 = Q5_1: share of 4 or 5 among answers, counted here with csv
    # (blank and -99 are not answers), on the respondents the draft includes
    with open(SAMPLE, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    names, data = rows[0], rows[3:]
    keep = [r for r in data if r[names.index("Finished")] == "1"
            and r[names.index("Status")] not in ("1", "8")]  # fmt: skip
    answers = [r[names.index("Q5_1")] for r in keep if r[names.index("Q5_1")] not in ("", "-99")]
    top = sum(a in ("4", "5") for a in answers)
    cell = figure["rows"][0]["cells"]["Total"]
    assert figure["rows"][0]["label"] == "Lead 1"
    assert (cell["count"], cell["base"]) == (top, len(answers))
