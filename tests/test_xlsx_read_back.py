"""The figures workbook read back with openpyxl: the numbers in its cells, not its size."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import TINY_STUDY
from tests.test_figures import QUESTIONS, _export


def test_xlsx_cells_hold_the_hand_computed_figure(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path, _ = _export(tmp_path)
    study = tmp_path / "fig.yaml"
    study.write_text(TINY_STUDY + QUESTIONS)
    out = tmp_path / "figures.xlsx"
    result = CliRunner().invoke(
        app, ["figures", str(path), "--study", str(study), "-f", "xlsx", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["sq"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]

    def numbers_after(label):
        row = next(r for r in rows if r and r[0] == label)
        return [v for v in row[1:] if isinstance(v, int | float)]

    # test_figures: Yes 3 of 4 (Total), 2 of 3 leaders, 1 of 1 laggard; No 1 of 4, 1 of 3, 0 of 1.
    for label, want in (("Yes", [75.0, 200 / 3, 100.0]), ("No", [25.0, 100 / 3, 0.0])):
        got = numbers_after(label)[:3]
        scale = 100 if got and max(got) <= 1 else 1  # a % number format stores shares
        assert [g * scale for g in got] == pytest.approx(want, rel=1e-12), label
    assert numbers_after("Base")[:3] == [4, 3, 1]
