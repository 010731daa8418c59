"""Figures computed by hand on a seven-respondent export, for every question type."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.study import parse_study
from tests.conftest import TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export

# Respondents r1..r7 (r8 is filtered out). Segment g: leaders r1 r2 r5 r7, laggard r3.
EXTRA = {
    #      r1      r2    r3   r4     r5     r6     r7
    "sq": ["1", "2", "1", "9", "7", "-99", "1"],
    "mq": ["1,11", "10", "", "2,3", "-99", "1", "4"],
    "m1": ["1", "0", "", "0", "1", "-99", ""],
    "m2": ["0", "0", "", "1", "1", "", "1"],
    "num": ["10", "20", "30", "150", "", "40", "-99"],
    "nps": ["10", "9", "0", "7", "6", "8", "11"],
    "gr1": ["1", "2", "3", "2", "1", "2", ""],
    "gr2": ["2", "2", "1", "", "1", "3", "2"],
    "w": ["1", "2", "1", "1", "1", "1", "1"],
}
QUESTIONS = """
questions:
  sq: {type: single, column: sq, options: {1: "Yes", 2: "No"}, not_applicable: [9],
       nets: {Any: [1, 2]}}
  mq: {type: multi, column: mq, options: {1: A, 2: B, 3: C, 10: J, 11: K}}
  mc: {type: multi, columns: {1: m1, 2: m2}, options: {1: First, 2: Second}}
  num: {type: numeric, column: num, range: [0, 100], text: Spend}
  rec: {type: nps, column: nps}
  gr: {type: grid, columns: {One: gr1, Two: gr2}, options: {1: Low, 2: High},
       not_applicable: [3], nets: {Top: [2]}}
figures:
  - {id: sq, question: sq, show: both, by: g}
  - {id: sq_filtered, question: sq, filter: [{column: num, min: 15}]}
  - {id: mq, question: mq, sort: desc}
  - {id: mc, question: mc}
  - {id: num, question: num, by: g}
  - {id: num_by_sq, question: num, by: sq}
  - {id: rec, question: rec}
  - {id: gr, question: gr, show: Top}
  - {id: gr_all, question: gr}
  - {id: bands, question: s.band, sort: desc}
  - {id: groups, question: s.groups, by: g}
"""


def _export(tmp_path, weight=False):
    cols = [*TINY_COLUMNS, *EXTRA]
    rows = [[*r, *(EXTRA[c][i] if i < 7 else "" for c in EXTRA)] for i, r in enumerate(TINY_ROWS)]
    path = tmp_path / "fig.csv"
    path.write_text(render_export(cols, rows, "qualtrics"))
    text = TINY_STUDY + QUESTIONS
    if weight:
        text = text.replace("  missing: [-99]", "  missing: [-99]\n  weight: w")
    return path, parse_study(text, "fig.yaml")


def _figs(tmp_path, weight=False):
    path, study = _export(tmp_path, weight)
    result = cxsurvey.figures(path, study)
    return {f.id: f for f in result.figures}, result


def _cell(fig, row, col="Total"):
    r = next(r for r in fig.rows if r.label == row)
    c = r.cells[col]
    return c.value, c.count, c.base


def test_single_with_not_applicable_invalid_nets_and_gap(tmp_path):
    figs, _ = _figs(tmp_path)
    f = figs["sq"]
    assert f.columns == ["Total", "Leaders", "Laggards"]
    assert [r.label for r in f.rows] == ["Yes", "No", "Any"]
    assert _cell(f, "Yes") == (75.0, 3, 4)  # r4 not applicable, r5 invalid, r6 missing
    assert _cell(f, "No") == (25.0, 1, 4)
    assert _cell(f, "Any") == (100.0, 4, 4)
    assert _cell(f, "Yes", "Leaders") == (pytest.approx(200 / 3), 2, 3)
    assert _cell(f, "Yes", "Laggards") == (100.0, 1, 1)
    gap = f.rows[0].gap
    assert gap.points == pytest.approx(200 / 3 - 100)
    assert gap.test == "fisher" and gap.p_value == pytest.approx(1.0)
    # The banner is a median split of scale s, whose item a2 holds a 6 (values 1-5).
    assert f.warnings[0] == (
        "1 response(s) in column 'a2' are not values of scale 's' ('6' (1x)); they count as "
        "unanswered items"
    )
    assert f.warnings[1].startswith("1 response(s) in column 'sq' have codes that are not valid")
    assert "small base" in f.warnings[2]


def test_figure_filter(tmp_path):
    figs, _ = _figs(tmp_path)
    # num >= 15 keeps r2, r3, r4 (150 passes a filter), r6; sq base: r2 (No), r3 (Yes).
    assert _cell(figs["sq_filtered"], "Yes") == (50.0, 1, 2)
    assert figs["sq_filtered"].filter == "num >= 15"


def test_multi_delimited_whole_tokens_and_sort(tmp_path):
    figs, _ = _figs(tmp_path)
    f = figs["mq"]
    # Base: r1 "1,11", r2 "10", r4 "2,3", r6 "1"; r7 "4" is invalid; "1,11" is never J (10).
    assert [r.label for r in f.rows] == ["A", "B", "C", "J", "K"]
    assert _cell(f, "A") == (50.0, 2, 4)
    assert _cell(f, "J") == (25.0, 1, 4)
    assert _cell(f, "K") == (25.0, 1, 4)
    assert "'4'" in f.warnings[0]


def test_multi_one_column_per_option(tmp_path):
    figs, _ = _figs(tmp_path)
    # Base: any column answered (0 = seen, not chosen): r1 r2 r4 r5 r7.
    assert _cell(figs["mc"], "First") == (40.0, 2, 5)
    assert _cell(figs["mc"], "Second") == (60.0, 3, 5)


def test_numeric_mean_range_and_welch(tmp_path):
    figs, _ = _figs(tmp_path)
    f = figs["num"]
    assert [r.label for r in f.rows] == ["Spend"]
    assert _cell(f, "Spend") == (25.0, 4, 4)  # 150 is out of range, -99 missing
    assert _cell(f, "Spend", "Leaders") == (15.0, 2, 2)
    assert _cell(f, "Spend", "Laggards") == (30.0, 1, 1)
    assert f.rows[0].gap.points == -15 and f.rows[0].gap.test == "welch"
    assert f.rows[0].gap.p_value is None  # one laggard: no variance, no test
    by_sq = figs["num_by_sq"]
    assert by_sq.columns == ["Total", "Yes", "No"]
    assert _cell(by_sq, "Spend", "Yes") == (20.0, 2, 2)  # r1 10, r3 30 (r7 missing)
    assert _cell(by_sq, "Spend", "No") == (20.0, 1, 1)


def test_nps_rows(tmp_path):
    figs, _ = _figs(tmp_path)
    f = figs["rec"]
    assert [r.label for r in f.rows] == ["Promoters", "Passives", "Detractors", "NPS"]
    assert _cell(f, "Promoters") == (pytest.approx(100 / 3), 2, 6)  # 11 is invalid
    assert _cell(f, "NPS")[0] == pytest.approx(0.0)
    # Adjusted Wald: p = d = (2 + .75) / 7.5; SE = sqrt((p + d) / 7.5).
    p = 2.75 / 7.5
    half = 1.959963984540054 * (2 * p / 7.5) ** 0.5
    assert f.rows[3].cells["Total"].ci == pytest.approx((-100 * half, 100 * half))


def test_grid_rows(tmp_path):
    figs, _ = _figs(tmp_path)
    assert [(r.label, r.cells["Total"].value, r.cells["Total"].base) for r in figs["gr"].rows] == [
        ("One", 60.0, 5),
        ("Two", 60.0, 5),
    ]
    assert [r.label for r in figs["gr_all"].rows] == [
        "One: Low",
        "One: High",
        "Two: Low",
        "Two: High",
    ]


def test_scale_variables(tmp_path):
    figs, _ = _figs(tmp_path)
    bands = figs["bands"]
    assert [(r.label, r.cells["Total"].count) for r in bands.rows] == [
        ("Mid", 3),
        ("Low", 1),
        ("High", 1),
    ]
    groups = figs["groups"]
    assert _cell(groups, "A") == (pytest.approx((14 / 3 + 3 + 1 + 4 + 3) / 5), 5, 5)
    assert _cell(groups, "B", "Leaders") == (pytest.approx((4 + 2.5 + 3 + 2.5) / 4), 4, 4)


def test_weighted_counts_and_kish_base(tmp_path):
    figs, _ = _figs(tmp_path, weight=True)
    cell = next(r for r in figs["sq"].rows if r.label == "Yes").cells["Total"]
    # Base r1 (w1), r2 (w2), r3, r7: weighted base 5; Yes r1 r3 r7 = 3.
    assert (cell.value, cell.count, cell.base) == (60.0, 3.0, 5.0)
    assert cell.effective_base == pytest.approx(25 / 7)  # (1+2+1+1)^2 / (1+4+1+1)


def test_json_output_matches_api_and_contract(tmp_path):
    path, _ = _export(tmp_path)
    study = tmp_path / "fig.yaml"
    study.write_text(TINY_STUDY + QUESTIONS)
    result = CliRunner().invoke(app, ["figures", str(path), "--study", str(study), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    api = cxsurvey.figures(path, cxsurvey.load_study(study)).to_dict()
    assert doc == json.loads(json.dumps(api))
    assert set(doc) >= {
        "study",
        "cxsurvey_version",
        "config_sha256",
        "data_sha256",
        "respondents",
        "figures",
    }
    fig = doc["figures"][0]
    assert set(fig) >= {"id", "title", "question", "stat", "by", "columns", "rows", "warnings"}
    assert set(fig["rows"][0]["gap"]) >= {"points", "test", "p_value"}


def test_formats_write_files(tmp_path):
    path, _ = _export(tmp_path)
    study = tmp_path / "fig.yaml"
    study.write_text(TINY_STUDY + QUESTIONS)
    runner = CliRunner()
    for fmt in ("csv", "md", "xlsx", "table"):
        out = tmp_path / f"out.{fmt}"
        result = runner.invoke(
            app, ["figures", str(path), "--study", str(study), "-f", fmt, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0].startswith(  # the spec's ten columns first, then what tables show
        "figure,row,column,value,count,base,ci_low,ci_high,gap_points,p_value,gap_test,"
        "gap_significant,letter,higher_than,change_points,"
    )
    assert lines[1].startswith("sq,Yes,Total,75.0,3,4,")
    assert "| Yes | 75% † | 67% † | 100% † | -33 |" in (tmp_path / "out.md").read_text()


def test_unknown_figure_id(tmp_path):
    path, study = _export(tmp_path)
    with pytest.raises(cxsurvey.errors.DataError, match="did you mean 'sq'"):
        cxsurvey.figures(path, study, ["sqq"])


def test_sort_desc_orders_zero_and_negative_means(tmp_path):
    # Item means: Up 1, Flat 0, Down -1 (codes -1/0/1); sort desc puts 0 before -1.
    cols = ["id", "Finished", "down", "flat", "up"]
    rows = [["r1", "1", "-1", "0", "1"], ["r2", "1", "-1", "0", "1"]]
    path = tmp_path / "signs.csv"
    path.write_text(render_export(cols, rows))
    text = """version: 1
study: Signs
source: {id: id}
questions:
  ch: {type: grid, columns: {Down: down, Flat: flat, Up: up}, options: {-1: Worse, 0: Same,
       1: Better}}
figures:
  - {id: ch, question: ch, stat: mean, sort: desc}
"""
    fig = cxsurvey.figures(path, parse_study(text)).figures[0]
    assert [(r.label, r.cells["Total"].value) for r in fig.rows] == [
        ("Up", 1.0),
        ("Flat", 0.0),
        ("Down", -1.0),
    ]


def test_xlsx_without_out_is_a_usage_error(tmp_path):
    path, _ = _export(tmp_path)
    study = tmp_path / "fig.yaml"
    study.write_text(TINY_STUDY + QUESTIONS)
    result = CliRunner().invoke(app, ["figures", str(path), "--study", str(study), "-f", "xlsx"])
    assert result.exit_code == 2
    assert "xlsx needs --out FILE" in result.output and "internal error" not in result.output


LETTERS_STUDY = """version: 1
study: Letters
source: {id: id}
questions:
  seg: {type: single, column: seg, options: {1: Alpha, 2: Beta, 3: Gamma}}
  yn: {type: single, column: yn, options: {1: "Yes", 2: "No"}}
figures:
  - {id: yn, question: yn, show: "Yes", by: seg}
  - {id: empty, question: yn, by: seg, filter: [{column: yn, in: [3]}]}
"""


def _letters_export(tmp_path):
    # "Yes": Alpha 40/50, Beta 10/50, Gamma 30/50. R's prop.test(correct = FALSE):
    # Alpha-Beta X2 = 36 (p = 1.97e-9), Beta-Gamma X2 = 16.67 (p = 4.46e-5),
    # Alpha-Gamma X2 = 4.76 (p = 0.0291), which Bonferroni (x3 = 0.087) drops and
    # Benjamini-Hochberg (x3/3 = 0.0291) keeps.
    rows = []
    for seg, yes in (("1", 40), ("2", 10), ("3", 30)):
        rows += [[f"{seg}-{i}", seg, "1" if i < yes else "2"] for i in range(50)]
    path = tmp_path / "letters.csv"
    path.write_text(render_export(["id", "seg", "yn"], rows))
    study = tmp_path / "letters.yaml"
    study.write_text(LETTERS_STUDY)
    return path, study


@pytest.mark.parametrize(
    ("adjust", "alpha_letters", "gamma_letters"),
    [("none", ["B", "C"], ["B"]), ("bonferroni", ["B"], ["B"]), ("bh", ["B", "C"], ["B"])],
)
def test_column_letters_with_each_adjustment(tmp_path, adjust, alpha_letters, gamma_letters):
    path, study = _letters_export(tmp_path)
    result = CliRunner().invoke(
        app,
        ["figures", str(path), "--study", str(study), "--figure", "yn", "-f", "json",
         "--adjust", adjust],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    fig = json.loads(result.output)["figures"][0]
    assert fig["letters"] == {"Alpha": "A", "Beta": "B", "Gamma": "C"}
    cells = fig["rows"][0]["cells"]
    assert [cells[c]["value"] for c in ("Alpha", "Beta", "Gamma")] == [80.0, 20.0, 60.0]
    assert cells["Alpha"]["higher_than"] == alpha_letters
    assert cells["Beta"]["higher_than"] == []
    assert cells["Gamma"]["higher_than"] == gamma_letters


def test_empty_banner_after_filtering_is_an_error_naming_the_figure(tmp_path):
    path, study = _letters_export(tmp_path)
    out = tmp_path / "figs.json"
    result = CliRunner().invoke(
        app, ["figures", str(path), "--study", str(study), "-f", "json", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert "figure 'empty' cannot be computed: its banner 'seg' has no respondents" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_absent_question_column_names_the_figures_that_need_it(tmp_path):
    path, study = _letters_export(tmp_path)
    study.write_text(LETTERS_STUDY.replace("column: yn,", "column: ynn,"))
    result = CliRunner().invoke(app, ["figures", str(path), "--study", str(study)])
    assert result.exit_code == 2
    assert (
        "column 'ynn' (used by questions.yn, needed by figures 'yn', 'empty') is not in the "
        "export; closest: 'yn'" in result.output
    )


@pytest.mark.parametrize("bad", ["", "-1", "heavy"])
def test_bad_weights_are_an_error_naming_the_rows(tmp_path, bad):
    path, _ = _export(tmp_path, weight=True)
    lines = path.read_text().split("\n")
    r5 = next(i for i, line in enumerate(lines) if line.startswith("r5,"))
    assert lines[r5].endswith(",1")  # r5's weight is the last column
    lines[r5] = lines[r5][: -len("1")] + bad
    path.write_text("\n".join(lines))
    study = tmp_path / "fig.yaml"
    study.write_text(
        (TINY_STUDY + QUESTIONS).replace("  missing: [-99]", "  missing: [-99]\n  weight: w")
    )
    result = CliRunner().invoke(app, ["figures", str(path), "--study", str(study)])
    assert result.exit_code == 2, result.output
    assert "weight column 'w' has 1 blank, negative or non-numeric weights" in result.output
    assert "(respondent r5 (data row 5))" in result.output


def test_zero_base_gives_an_empty_cell_not_an_error(tmp_path):
    path, study = _letters_export(tmp_path)
    study.write_text(
        LETTERS_STUDY
        + "  - {id: two, question: yn, by: seg, filter: [{column: seg, in: [1, 2]}]}\n"
    )
    fig = cxsurvey.figures(path, cxsurvey.load_study(study), ["two"]).figures[0]
    yes = fig.rows[0]
    gamma = yes.cells["Gamma"]
    assert (gamma.value, gamma.count, gamma.base, gamma.small_base) == (None, 0, 0, True)
    assert (yes.cells["Total"].count, yes.cells["Total"].base) == (50, 100)
    assert yes.cells["Alpha"].higher_than == ("B",) and gamma.higher_than == ()
