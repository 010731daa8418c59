"""One-cell multi-selects of choice text: every combination of five labels, two
of which contain the delimiter, written in both orders and with varied case and
spacing, decomposes back into exactly the labels it was made of."""

from __future__ import annotations

from itertools import combinations

import cxsurvey
from cxsurvey.study import parse_study
from tests.conftest import render_export

LABELS = [
    "Soy, peanut, or tree nut allergies",
    "Dairy",
    "Shellfish, fish",
    "Gluten",
    "Eggs",
]


def test_every_combination_decomposes_into_its_labels(tmp_path):
    cells, truth = [], []
    for k in range(1, len(LABELS) + 1):
        for combo in combinations(LABELS, k):
            cells.append(",".join(combo))  # as Qualtrics writes it
            truth.append(set(combo))
            variant = [s.upper() if i % 2 else f" {s.lower()} " for i, s in enumerate(combo)]
            cells.append(",".join(reversed(variant)))
            truth.append(set(combo))
    cells.append("")  # unanswered
    truth.append(set())
    rows = [[f"r{i}", cell] for i, cell in enumerate(cells)]
    export = tmp_path / "multi.csv"
    export.write_text(render_export(["id", "allergy"], rows, "qualtrics"))
    options = ", ".join(f'{i}: "{label}"' for i, label in enumerate(LABELS, start=1))
    study = parse_study(
        "version: 1\nstudy: s\nsource: {id: id}\nquestions:\n"
        f"  allergy: {{type: multi, column: allergy, options: {{{options}}}}}\n"
        "figures:\n  - {id: allergy, question: allergy}\n"
    )
    (fig,) = cxsurvey.figures(export, study).figures
    assert fig.warnings == []
    base = sum(1 for t in truth if t)
    assert base == 62
    for row in fig.rows:
        count = sum(row.label in t for t in truth)
        cell = row.cells["Total"]
        assert (cell.count, cell.base) == (count, base), row.label
        assert cell.value == 100 * count / base
