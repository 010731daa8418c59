"""Weighted figures on the seven-respondent export, by hand: bases, n, errors and
the bugs of issue 15 (mean cells weighted like percents, n counts respondents
with a positive weight, small-base warnings name respondents, all-zero weights)."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from tests.conftest import TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export
from tests.test_figures import EXTRA, QUESTIONS, _export

WEIGHTED = "  missing: [-99]\n  weight: w"


def _weighted(tmp_path, weights: dict[str, str] | None = None, extra: str = ""):
    w = [(weights or {}).get(f"r{i + 1}", v) for i, v in enumerate(EXTRA["w"])]
    cols = [*TINY_COLUMNS, *EXTRA]
    rows = [
        [*r, *((w if c == "w" else EXTRA[c])[i] if i < 7 else "" for c in EXTRA)]
        for i, r in enumerate(TINY_ROWS)
    ]
    path = tmp_path / "fig.csv"
    path.write_text(render_export(cols, rows, "qualtrics"))
    study = tmp_path / "w.yaml"
    study.write_text((TINY_STUDY + QUESTIONS).replace("  missing: [-99]", WEIGHTED + extra))
    return path, study


def _figs(path, study):
    result = cxsurvey.figures(path, cxsurvey.load_study(study))
    return {f.id: f for f in result.figures}


def _yes(fig, col="Total"):
    return next(r for r in fig.rows if r.label == "Yes").cells[col]


def test_percent_cell_has_n_and_the_linearised_error(tmp_path):
    figs = _figs(*_weighted(tmp_path))
    cell = _yes(figs["sq"])
    # Base r1 (w 1), r2 (w 2), r3, r7; Yes r1 r3 r7: p = 3/5. Each of the 7 included
    # respondents is a PSU: z = w (y - p) / 5 in the base = .08, -.24, .08, .08;
    # V = 7/6 * (3 * .0064 + .0576) = .0896. SRS: p(1-p) n/(n-1) / n = .08.
    assert (cell.n, cell.count, cell.base) == (4, 3.0, 5.0)
    assert cell.se == pytest.approx(100 * math.sqrt(0.0896), rel=1e-12)
    assert cell.deff == pytest.approx(1.12, rel=1e-12)
    assert cell.effective_base == pytest.approx(4 / 1.12, rel=1e-12)
    assert figs["sq"].interval == "beta"
    assert figs["sq"].rows[0].gap.test == "design-t"


def test_weighted_mean_cells_report_weighted_count_and_base(tmp_path):
    cell = _figs(*_weighted(tmp_path))["num"].rows[0].cells["Total"]
    # num in range: r1 10 (w 1), r2 20 (w 2), r3 30, r6 40 -> (10 + 40 + 30 + 40) / 5
    assert (cell.value, cell.count, cell.base, cell.n) == (24.0, 5.0, 5.0, 4)


def test_zero_weights_are_not_respondents(tmp_path):
    figs = _figs(*_weighted(tmp_path, {"r2": "0"}))
    cell = _yes(figs["sq"])
    assert (cell.value, cell.count, cell.base, cell.n) == (100.0, 3.0, 3.0, 3)
    assert figs["num"].rows[0].cells["Total"].n == 3


def test_small_base_warning_names_respondents_and_effective_base(tmp_path):
    fig = _figs(*_weighted(tmp_path))["sq"]
    (warning,) = [w for w in fig.warnings if w.startswith("small base")]
    assert "Total (n=4, effective 3.6)" in warning
    assert "." not in warning.split("n=")[1].split(",")[0]


def test_small_base_flags_a_low_effective_base(tmp_path):
    from cxsurvey.tabulation.figure import Options

    path, study = _weighted(tmp_path)
    # n = 4 is not under 4, but the effective base 4 / 1.12 = 3.57 is
    fig = cxsurvey.figures(path, cxsurvey.load_study(study), ["sq"], Options(small_base=4))
    cell = _yes(fig.figures[0])
    assert cell.n == 4 and cell.small_base
    unweighted = cxsurvey.figures(*_export(tmp_path), ["sq"], Options(small_base=4))
    assert not _yes(unweighted.figures[0]).small_base


def test_all_zero_weights_are_a_one_line_error(tmp_path):
    path, study = _weighted(tmp_path, {f"r{i}": "0" for i in range(1, 9)})
    result = CliRunner().invoke(app, ["figures", str(path), "--study", str(study)])
    assert result.exit_code == 2, result.output
    assert "weight column 'w' is zero for every included respondent" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_weighted_json_has_n_se_deff_and_the_interval_method(tmp_path):
    path, study = _weighted(tmp_path)
    result = CliRunner().invoke(
        app, ["figures", str(path), "--study", str(study), "-f", "json", "--interval", "logit"]
    )
    assert result.exit_code == 0, result.output
    fig = json.loads(result.stdout)["figures"][0]
    cell = fig["rows"][0]["cells"]["Total"]
    assert {"n", "se", "deff", "effective_base", "count", "base"} <= set(cell)
    assert fig["interval"] == "logit"
    assert fig["design"].startswith("weights from column 'w'")


def test_unweighted_cells_carry_n_and_se_too(tmp_path):
    path, study = _export(tmp_path)
    fig = cxsurvey.figures(path, study, ["sq"]).figures[0]
    cell = _yes(fig)
    # Yes r1 r3 r7 of r1 r2 r3 r7: p = 3/4, n = 4 of N = 7; V = N/(N-1) p(1-p)/n
    assert (cell.n, cell.base) == (4, 4)
    assert cell.se == pytest.approx(100 * math.sqrt(7 / 6 * 0.75 * 0.25 / 4), rel=1e-12)
    assert fig.interval == "wilson" and fig.design is None
    assert fig.rows[0].gap.test in ("z", "fisher")


def test_cluster_and_strata_columns_must_not_be_blank(tmp_path):
    path, study = _weighted(tmp_path, extra="\n  cluster: sq")
    result = CliRunner().invoke(app, ["figures", str(path), "--study", str(study)])
    assert result.exit_code == 2, result.output
    assert "cluster column 'sq' is blank or a missing code for 1 respondent(s)" in result.output


def test_xlsx_and_csv_carry_n_se_deff_and_effective_base(tmp_path):
    import openpyxl

    path, study = _weighted(tmp_path)
    out = tmp_path / "f.xlsx"
    result = CliRunner().invoke(
        app, ["figures", str(path), "--study", str(study), "-f", "xlsx", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["Data"]
    header = [c.value for c in sheet[1]]
    assert {"n", "se", "deff", "effective_base"} <= set(header)
    first = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    cell = _figs(path, study)["sq"].rows[0].cells["Total"]
    assert (first["n"], first["se"], first["deff"]) == pytest.approx(
        (cell.n, cell.se, cell.deff), rel=1e-14
    )  # XLSX keeps 15 significant digits
    frame = cxsurvey.figures(path, cxsurvey.load_study(study)).to_frame()
    assert {"n", "se", "deff", "effective_base"} <= set(frame.columns)
    assert frame["se"].iloc[0] == pytest.approx(cell.se, rel=1e-12)


def test_rao_scott_is_shown_with_the_figure_and_the_report_states_the_design(tmp_path):
    from cxsurvey.outputs.display import figure_notes
    from cxsurvey.outputs.report.context import _design_methods

    path, study = _weighted(tmp_path)
    text = study.read_text().replace(
        "{id: num_by_sq, question: num, by: sq}",
        "{id: num_by_sq, question: sq, by: g, test: rao-scott}",
    )
    study.write_text(text)
    result = cxsurvey.figures(path, cxsurvey.load_study(study))
    fig = next(f for f in result.figures if f.id == "num_by_sq")
    assert len(fig.table_tests) == 1
    assert any(n.startswith("Rao-Scott F test: F = ") for n in figure_notes(fig))
    from cxsurvey.outputs.terminal.figure_table import _notes

    assert any(n.startswith("Rao-Scott F test: F = ") for n in _notes(fig))
    assert fig.to_dict()["table_tests"][0]["test"] == "rao-scott"
    methods = " ".join(_design_methods(result, "w"))
    assert "weights from column 'w'" in methods
    assert "Korn-Graubard" in methods and "num_by_sq" in methods


def test_an_empty_group_is_not_tested_under_weights(tmp_path):
    path, study = _weighted(tmp_path)
    text = study.read_text().replace(
        "{id: num_by_sq, question: num, by: sq}",
        "{id: num_by_sq, question: num, by: sq, filter: [{column: sq, in: [1]}]}",
    )
    study.write_text(text)
    fig = _figs(path, study)["num_by_sq"]
    gap = fig.rows[0].gap
    assert fig.rows[0].cells["No"].value is None
    assert (gap.test, gap.p_value, gap.significant) == ("design-t", None, False)
