"""Key drivers: LMG by hand and by an independent all-subsets regression (stored
goldens), Johnson's weights against a published example, the bootstrap under a
seed, weights, refusals, study-file rules and every output format."""

from __future__ import annotations

import csv
import itertools
import json
from fractions import Fraction
from math import factorial

import numpy as np
import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.errors import DataError, StudyError
from cxsurvey.stats import drivers as d
from cxsurvey.study import parse_study
from tests.conftest import REPO, SAMPLE_EXPORT, TINY_STUDY, render_export

GOLDEN = REPO / "tests" / "golden" / "drivers"
ANALYTICS = REPO / "configs" / "cx_practitioner_analytics.yaml"


def _corr(r12, r1y, r2y):
    return np.array([[1, r12, r1y], [r12, 1, r2y], [r1y, r2y, 1]], dtype=float)


# --- by hand ---------------------------------------------------------------


def test_two_predictors_by_hand():
    # r12 = 1/2, r1y = 3/5, r2y = 2/5:
    # R² = (r1y² + r2y² - 2 r1y r2y r12) / (1 - r12²) = (9/25 + 4/25 - 6/25) / (3/4) = 28/75
    # LMG1 = (r1y² + R² - r2y²) / 2 = (27 + 28 - 12) / 150 = 43/150; LMG2 = 13/150
    imp, bad = d.importance(_corr(0.5, 0.6, 0.4))
    assert not bad
    assert imp.r2 == pytest.approx(float(Fraction(28, 75)), abs=1e-15)
    assert imp.lmg == pytest.approx([43 / 150, 13 / 150], abs=1e-15)
    assert imp.johnson.sum() == pytest.approx(28 / 75, abs=1e-15)


def test_three_predictors_with_one_orthogonal_by_hand():
    # x3 is uncorrelated with x1 and x2, so every subset's R² adds r3y² when x3 is
    # in it: LMG3 = r3y² = 0.09 and x1, x2 keep their two-predictor shares.
    c = np.eye(4)
    c[0, 1] = c[1, 0] = 0.5
    c[0, 3] = c[3, 0] = 0.6
    c[1, 3] = c[3, 1] = 0.4
    c[2, 3] = c[3, 2] = 0.3
    imp, _ = d.importance(c)
    assert imp.r2 == pytest.approx(28 / 75 + 0.09, abs=1e-15)
    assert imp.lmg == pytest.approx([43 / 150, 13 / 150, 0.09], abs=1e-15)


def test_orthogonal_predictors_share_their_squared_correlations():
    c = np.eye(4)
    c[:3, 3] = c[3, :3] = [0.5, -0.3, 0.1]
    imp, _ = d.importance(c)
    assert imp.lmg == pytest.approx([0.25, 0.09, 0.01], abs=1e-15)
    assert imp.johnson == pytest.approx([0.25, 0.09, 0.01], abs=1e-15)


# --- against an independent all-subsets regression -------------------------


def _ols_r2(x, y, cols, w=None):
    design = np.column_stack([np.ones(len(y)), x[:, list(cols)]])
    sw = np.ones(len(y)) if w is None else np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)
    resid = y - design @ coef
    ybar = np.average(y, weights=w)
    wt = np.ones(len(y)) if w is None else w
    return 1 - (wt * resid**2).sum() / (wt * (y - ybar) ** 2).sum()


def _lmg_plain(x, y, w=None):
    """LMG written out plainly: every subset refitted by least squares."""
    p = x.shape[1]
    out = []
    for j in range(p):
        others = [k for k in range(p) if k != j]
        total = 0.0
        for size in range(p):
            weight = factorial(size) * factorial(p - size - 1) / factorial(p)
            for s in itertools.combinations(others, size):
                total += weight * (_ols_r2(x, y, (*s, j), w) - _ols_r2(x, y, s, w))
        out.append(total)
    return np.array(out), _ols_r2(x, y, range(p), w)


def _golden_data():
    with open(GOLDEN / "data.csv") as fh:
        rows = list(csv.reader(fh))
    data = np.array(rows[1:], dtype=float)
    return data[:, :-1], data[:, -1]


def test_lmg_matches_stored_all_subsets_goldens():
    x, y = _golden_data()
    golden = json.loads((GOLDEN / "lmg.json").read_text())
    imp, _ = d.importance(d.weighted_corr(np.column_stack([x, y])))
    assert imp.lmg == pytest.approx(golden["lmg"], abs=1e-12)
    assert imp.r2 == pytest.approx(golden["r2"], abs=1e-12)
    assert imp.lmg.sum() == pytest.approx(imp.r2, abs=1e-12)
    assert imp.johnson.sum() == pytest.approx(imp.r2, abs=1e-12)


def test_goldens_are_what_their_script_makes():
    x, y = _golden_data()
    lmg, r2 = _lmg_plain(x, y)
    golden = json.loads((GOLDEN / "lmg.json").read_text())
    assert lmg == pytest.approx(golden["lmg"], abs=1e-12)
    assert r2 == pytest.approx(golden["r2"], abs=1e-12)


def test_weighted_lmg_matches_weighted_least_squares_and_replicated_rows():
    x, y = _golden_data()
    w = np.tile([1.0, 2.0, 3.0], len(y))[: len(y)]
    imp, _ = d.importance(d.weighted_corr(np.column_stack([x, y]), w))
    lmg, r2 = _lmg_plain(x, y, w)
    assert imp.lmg == pytest.approx(lmg, abs=1e-10)
    assert imp.r2 == pytest.approx(r2, abs=1e-10)
    # integer weights act as frequency weights: the same as repeating the rows
    rep = np.repeat(np.column_stack([x, y]), w.astype(int), axis=0)
    assert d.importance(d.weighted_corr(rep))[0].lmg == pytest.approx(imp.lmg, abs=1e-12)


def test_twelve_predictors_sum_to_r2_and_match_plain_subsets_on_a_sample():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 12)) + rng.normal(size=(300, 1))
    y = x @ rng.uniform(-1, 1, 12) + rng.normal(size=300) * 2
    r2 = d.subset_r2(d.weighted_corr(np.column_stack([x, y])))
    for mask in (1, 0b101, 0b111100001111, (1 << 12) - 1):
        cols = [j for j in range(12) if mask >> j & 1]
        assert r2[mask] == pytest.approx(_ols_r2(x, y, cols), abs=1e-12)
    lmg = d.lmg_from_subsets(r2, 12)
    assert lmg.sum() == pytest.approx(r2[-1], abs=1e-12)


# --- Johnson's relative weights: a published example -----------------------

# mtcars (R's datasets; Henderson and Velleman 1981, from Motor Trend 1974):
# mpg, cyl, disp, hp, gear of the 32 cars.
MTCARS = """21 6 160 110 4|21 6 160 110 4|22.8 4 108 93 4|21.4 6 258 110 3|18.7 8 360 175 3|
18.1 6 225 105 3|14.3 8 360 245 3|24.4 4 146.7 62 4|22.8 4 140.8 95 4|19.2 6 167.6 123 4|
17.8 6 167.6 123 4|16.4 8 275.8 180 3|17.3 8 275.8 180 3|15.2 8 275.8 180 3|10.4 8 472 205 3|
10.4 8 460 215 3|14.7 8 440 230 3|32.4 4 78.7 66 4|30.4 4 75.7 52 4|33.9 4 71.1 65 4|
21.5 4 120.1 97 3|15.5 8 318 150 3|15.2 8 304 150 3|13.3 8 350 245 3|19.2 8 400 175 3|
27.3 4 79 66 4|26 4 120.3 91 5|30.4 4 95.1 113 5|15.8 8 351 264 5|19.7 6 145 175 5|
15 8 301 335 5|21.4 4 121 109 4"""


def test_johnson_weights_match_the_published_rwa_mtcars_example():
    # The rwa package's README (Martin Chan, after Tonidandel and LeBreton 2015):
    # rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear")) gives R² 0.7791896 and raw
    # relative weights 0.2284797, 0.2221469, 0.2321744, 0.0963886 (rescaled
    # 29.32274, 28.50999, 29.79691, 12.37037 %).
    rows = [r.split() for r in MTCARS.replace("\n", "").split("|")]
    data = np.array(rows, dtype=float)
    data = np.column_stack([data[:, 1:], data[:, 0]])  # outcome last
    imp, _ = d.importance(d.weighted_corr(data))
    assert imp.r2 == pytest.approx(0.7791896, abs=5e-8)
    assert imp.johnson == pytest.approx([0.2284797, 0.2221469, 0.2321744, 0.0963886], abs=5e-8)
    assert 100 * imp.johnson / imp.r2 == pytest.approx(
        [29.32274, 28.50999, 29.79691, 12.37037], abs=5e-6
    )


# --- bootstrap ----------------------------------------------------------------


def test_bootstrap_is_reproducible_under_a_seed_and_changes_with_it():
    x, y = _golden_data()
    data = np.column_stack([x, y])
    a = d.bootstrap(data, None, 200, seed=3)
    b = d.bootstrap(data, None, 200, seed=3)
    c = d.bootstrap(data, None, 200, seed=4)
    assert np.array_equal(a.importance.lmg, b.importance.lmg)
    assert not np.array_equal(a.importance.lmg, c.importance.lmg)
    assert a.importance.lmg.shape == (200, 4) and a.dropped == 0
    # each replicate is an ordinary LMG of its resample
    assert np.allclose(a.importance.lmg.sum(axis=1), a.importance.r2, atol=1e-12)


def test_bootstrap_replicate_equals_the_resample_refitted():
    x, y = _golden_data()
    data = np.column_stack([x, y])
    boot = d.bootstrap(data, None, 3, seed=11, chunk=3)
    rng = np.random.default_rng(11)
    draws = rng.integers(0, len(y), size=(3, len(y)))
    for k in range(3):
        lmg, _r2 = _lmg_plain(x[draws[k]], y[draws[k]])
        assert boot.importance.lmg[k] == pytest.approx(lmg, abs=1e-10)


def test_bootstrap_drops_replicates_with_a_constant_predictor():
    x = np.array([[0.0, 1], [0, 2], [0, 3], [0, 1], [1, 5], [0, 2]])
    y = np.array([1.0, 2, 3, 1, 6, 2])
    boot = d.bootstrap(np.column_stack([x, y]), None, 100, seed=1)
    assert boot.dropped > 0
    assert len(boot.importance.lmg) == 100 - boot.dropped
    assert np.isfinite(boot.importance.lmg).all()


# --- the figure ---------------------------------------------------------------


def test_practitioner_drivers_match_an_independent_all_subsets_regression():
    study = cxsurvey.load_study(ANALYTICS)
    scores = cxsurvey.score(SAMPLE_EXPORT, study)
    result = cxsurvey.figures(SAMPLE_EXPORT, study, ["financial_drivers"], scores=scores)
    fig = result.figures[0]
    groups = scores.scales["maturity"].groups
    cells = scores.responses.cells("Q23")
    y = np.where(~cells.missing & np.isin(cells.numbers, [1, 2, 3, 4, 5]), cells.numbers, np.nan)
    x = np.column_stack(list(groups.values()))
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
    lmg, r2 = _lmg_plain(x[ok], y[ok])
    got = {r.label: r.cells["Shapley"].value for r in fig.rows}
    assert got == pytest.approx(dict(zip(groups, lmg, strict=True)), abs=1e-9)
    assert sum(got.values()) == pytest.approx(fig.drivers.r2, abs=1e-9)
    assert fig.drivers.r2 == pytest.approx(r2, abs=1e-9)
    assert fig.drivers.n == int(ok.sum())
    assert fig.drivers.excluded == scores.responses.included - int(ok.sum())
    # every cell's n is the respondents the regression used (it was 0 in the JSON)
    assert {c.n for r in fig.rows for c in r.cells.values()} == {int(ok.sum())}
    shares = [r.cells["Shapley %"].value for r in fig.rows]
    assert sum(shares) == pytest.approx(100, abs=1e-9)
    assert shares == sorted(shares, reverse=True)  # sort: desc
    means = {r.label: r.cells["Mean"].value for r in fig.rows}
    assert means == pytest.approx({g: v[ok].mean() for g, v in groups.items()}, abs=1e-12)
    for row in fig.rows:
        lo, hi = row.cells["Shapley"].ci
        assert lo < row.cells["Shapley"].value < hi


STUDY = """\
version: 1
study: Drivers
source:
  id: id
  missing: [-99]
scales:
  s:
    values: {1: a, 2: b, 3: c, 4: d, 5: e}
    groups: {A: [a1, a2], B: [b1]}
    min_answered: 1
"""
DRIVERS = """
questions:
  sat: {type: numeric, column: sat, range: [0, 10]}
  rec: {type: single, column: rec, options: {1: "Yes", 2: "No"}}
  pr: {type: grid, columns: {Speed: p1, Care: p2}, options: {1: a, 2: b, 3: c, 4: d, 5: e},
       not_applicable: [9]}
figures:
  - {id: drv, kind: drivers, outcome: sat, predictors: [pr, s.A], bootstrap: 50, seed: 1}
  - {id: yn, kind: drivers, outcome: rec, outcome_is: "Yes", predictors: [pr], bootstrap: 0}
"""
# 12 respondents; -99 is missing, 9 not applicable, 11 out of sat's range
COLUMNS = {
    "a1": "5 3 1 4 4 2 3 5 2 1 4 3",
    "a2": "4 3 2 -99 3 1 3 5 2 2 5 4",
    "b1": "3 3 3 3 3 3 3 3 3 3 3 3",
    "sat": "9 6 2 8 7 -99 5 10 3 1 11 6",
    "rec": "1 1 2 1 2 1 2 1 2 2 1 1",
    "p1": "5 3 1 4 4 2 9 5 2 1 4 3",
    "p2": "4 4 2 5 3 1 3 4 1 2 5 2",  # Care
    "w": "1 2 1 1 3 1 1 2 1 1 2 1",
}


def _col(name, missing=(-99, 9)):
    v = np.array(COLUMNS[name].split(), dtype=float)
    return np.where(np.isin(v, missing), np.nan, v)


def _tiny(tmp_path, extra=DRIVERS, weight=False, columns=None):
    cols = {**COLUMNS, **(columns or {})}
    names = ["id", *cols]
    rows = [[f"r{i + 1}", *(c.split()[i] for c in cols.values())] for i in range(12)]
    path = tmp_path / "drv.csv"
    path.write_text(render_export(names, rows, "qualtrics"))
    text = STUDY + extra
    if weight:
        text = text.replace("  missing: [-99]", "  missing: [-99]\n  weight: w")
    return path, parse_study(text, "drv.yaml")


def test_tiny_figure_listwise_and_yes_no_outcome(tmp_path):
    path, study = _tiny(tmp_path)
    figs = {f.id: f for f in cxsurvey.figures(path, study).figures}
    drv = figs["drv"]
    # left out: r4 (a2 missing, so s.A unscored), r6 (sat -99), r7 (p1 not
    # applicable) and r11 (sat 11 is outside its range)
    a = np.array([4.5, 3, 1.5, np.nan, 3.5, 1.5, 3, 5, 2, 1.5, 4.5, 3.5])
    sat = _col("sat", missing=(-99, 11))
    x = np.column_stack([_col("p1"), _col("p2"), a])
    ok = np.isfinite(x).all(axis=1) & np.isfinite(sat)
    assert drv.drivers.n == int(ok.sum()) == 8
    assert drv.drivers.excluded == 4
    lmg, r2 = _lmg_plain(x[ok], sat[ok])
    assert [r.label for r in drv.rows] == ["Speed", "Care", "A"]
    assert [r.cells["Shapley"].value for r in drv.rows] == pytest.approx(lmg, abs=1e-9)
    assert drv.drivers.r2 == pytest.approx(r2, abs=1e-9)
    assert any("column 'sat'" in w and "11" in w for w in drv.warnings)
    yes = figs["yn"]
    rec = (_col("rec") == 1).astype(float)
    ok = np.isfinite(_col("p1"))
    lmg, r2 = _lmg_plain(np.column_stack([_col("p1"), _col("p2")])[ok], rec[ok])
    assert yes.drivers.yes_no and yes.drivers.n == 11
    assert [r.cells["Shapley"].value for r in yes.rows] == pytest.approx(lmg, abs=1e-9)
    assert yes.rows[0].cells["Shapley"].ci is None  # bootstrap: 0


def test_weighted_figure_uses_weighted_correlations(tmp_path):
    path, study = _tiny(tmp_path, weight=True)
    fig = cxsurvey.figures(path, study, ["yn"]).figures[0]
    w = _col("w")
    rec = (_col("rec") == 1).astype(float)
    p1, p2 = _col("p1"), _col("p2")
    ok = np.isfinite(p1)
    lmg, _ = _lmg_plain(np.column_stack([p1, p2])[ok], rec[ok], w[ok])
    assert [r.cells["Shapley"].value for r in fig.rows] == pytest.approx(lmg, abs=1e-9)
    assert fig.drivers.weighted_base == 16
    mean = (w[ok] * p1[ok]).sum() / w[ok].sum()
    assert fig.rows[0].cells["Mean"].value == pytest.approx(mean, abs=1e-12)


def test_constant_and_collinear_predictors_are_refused(tmp_path):
    path, study = _tiny(tmp_path, columns={"p2": "3 3 3 3 3 3 3 3 3 3 3 3"})
    with pytest.raises(DataError, match="'Care' has the same value for all respondents"):
        cxsurvey.figures(path, study, ["yn"])
    path, study = _tiny(tmp_path, columns={"p2": COLUMNS["p1"].replace("9", "2")})
    with pytest.raises(DataError, match="'Care' is a linear combination"):
        cxsurvey.figures(path, study, ["yn"])


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ("{id: x, kind: drivers, outcome: sat, predictors: [pz]}", "unknown predictor 'pz'; did you mean 'pr'?"),
        ("{id: x, kind: drivers, outcome: sat, predictors: [pr], by: g}", "`by` does not apply to a drivers figure"),
        ("{id: x, kind: drivers, predictors: [pr]}", "a drivers figure needs `outcome`"),
        ("{id: x, kind: drivers, outcome: pr, predictors: [sat]}", "outcome 'pr' is a grid"),
        ("{id: x, kind: drivers, outcome: rec, outcome_is: Maybe, predictors: [pr]}", "'Maybe' is not an option, net or bin of 'rec'"),
        ("{id: x, kind: drivers, outcome: sat, predictors: [sat]}", "'sat' is the outcome"),
        ("{id: x, kind: drivers, outcome: sat, predictors: [s.band]}", "predictor 's.band' is a band"),
        ("{id: x, question: sat, predictors: [pr]}", "`predictors` applies only to `kind: drivers`"),
        ("{id: x, kind: drivers, outcome: sat, predictors: [pr], bootstrap: -1}", "bootstrap"),
    ],
)  # fmt: skip
def test_study_rules_for_drivers_figures(figure, message):
    text = TINY_STUDY + DRIVERS.split("figures:")[0] + f"figures:\n  - {figure}\n"
    with pytest.raises(StudyError) as info:
        parse_study(text, "drv.yaml")
    problems = [str(p) for p in info.value.problems]
    assert any(message in p for p in problems), problems
    assert all(p.startswith("drv.yaml:") for p in problems)


def test_more_than_the_exact_limit_is_a_located_error():
    grid = ", ".join(f"i{k}: c{k}" for k in range(16))
    text = (
        TINY_STUDY
        + f"""questions:
  sat: {{type: numeric, column: sat}}
  big: {{type: grid, columns: {{{grid}}}, options: {{1: a, 2: b}}}}
figures:
  - {{id: x, kind: drivers, outcome: sat, predictors: [big]}}
"""
    )
    with pytest.raises(StudyError) as info:
        parse_study(text, "drv.yaml")
    assert [str(p) for p in info.value.problems] == [
        "drv.yaml:28:54: error: figure 'x': 16 predictors after expanding grids and groups; "
        "exact Shapley (LMG) shares are computed for at most 15"
    ]


def test_every_output_format_carries_the_drivers_figure(tmp_path):
    run = CliRunner()
    base = ["figures", "-s", str(ANALYTICS), str(SAMPLE_EXPORT), "--figure", "financial_drivers"]
    out = run.invoke(app, [*base, "-f", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    fig = data["figures"][0]
    assert fig["kind"] == "drivers" and fig["drivers"]["missing"] == "listwise"
    assert fig["drivers"]["bootstrap"] == {
        "replicates": 1000, "dropped": 0, "seed": 2026, "level": 0.95, "interval": "percentile"
    }  # fmt: skip
    assert fig["columns"] == ["Shapley", "Shapley %", "Johnson", "Johnson %", "r", "Mean"]
    csv_out = run.invoke(app, [*base, "-f", "csv"]).stdout.splitlines()
    assert len(csv_out) == 1 + 6 * 6 and csv_out[1].startswith("financial_drivers,")
    md = run.invoke(app, [*base, "-f", "md"]).stdout
    assert "| Shapley | Shapley % |" in md and "listwise deletion" in md
    share = next(r for r in fig["rows"])["cells"]["Shapley %"]
    lo, hi = share["ci"]
    assert f"{share['value']:.1f}% ({lo:.0f}-{hi:.0f})" in md
    table = run.invoke(app, [*base, "-f", "table"], env={"COLUMNS": "160"}).stdout
    assert "Shapley" in table and "R² =" in table
    xlsx = tmp_path / "d.xlsx"
    assert run.invoke(app, [*base, "-f", "xlsx", "-o", str(xlsx)]).exit_code == 0
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx)["financial_drivers"]
    assert sheet.cell(3, 2).value == "Shapley"
    assert sheet.cell(5, 3).number_format == '0.0"%"'
    report = tmp_path / "r.html"
    got = run.invoke(
        app, ["report", "-s", str(ANALYTICS), str(SAMPLE_EXPORT), "-o", str(report), "-q"]
    )
    assert got.exit_code == 0, got.output
    html = report.read_text()
    assert 'data-figure="financial_drivers"' in html and "Priorities: improve" in html


def test_quadrant_chart_spec_places_each_predictor():
    from cxsurvey.outputs.charts.spec import chart_spec

    study = cxsurvey.load_study(ANALYTICS)
    fig = cxsurvey.figures(SAMPLE_EXPORT, study, ["financial_drivers"]).figures[0]
    spec = chart_spec(fig, study.study)
    assert spec.kind == "quadrant"
    assert spec.categories == [r.label for r in fig.rows]
    assert spec.series[0].values == [r.cells["Shapley %"].value for r in fig.rows]
    assert spec.series[1].values == [r.cells["Mean"].value for r in fig.rows]


def test_goldens_folder_documents_its_origin():
    assert (GOLDEN / "make_goldens.py").exists() and (GOLDEN / "lmg.R").exists()
    assert "make_goldens.py" in json.loads((GOLDEN / "lmg.json").read_text())["made_by"]


def test_nps_outcome_with_numeric_and_single_predictors(tmp_path):
    extra = (
        DRIVERS.replace(
            "figures:",
            "  ltr: {type: nps, column: ltr}\n  spend: {type: numeric, column: sat, range: [0, 10]}\n"
            "figures:",
        )
        + "  - {id: nps, kind: drivers, outcome: ltr, predictors: [spend, rec], bootstrap: 0}\n"
    )
    ltr = "10 7 3 9 8 6 5 12 2 0 9 8"  # 12 is not a 0-10 answer: unanswered
    path, study = _tiny(tmp_path, extra, columns={"ltr": ltr})
    fig = cxsurvey.figures(path, study, ["nps"]).figures[0]
    y = np.array(ltr.split(), dtype=float)
    y[y > 10] = np.nan
    x = np.column_stack([_col("sat", missing=(-99, 11)), _col("rec")])
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
    lmg, r2 = _lmg_plain(x[ok], y[ok])
    assert fig.drivers.r2 == pytest.approx(r2, abs=1e-9)
    assert [r.label for r in fig.rows] == ["spend", "rec"]
    assert [r.cells["Shapley"].value for r in fig.rows] == pytest.approx(lmg, abs=1e-9)
    assert fig.drivers.n == int(ok.sum()) == 9
    assert any("column 'ltr'" in w for w in fig.warnings)


def test_shares_are_never_negative_and_sum_to_r2_on_random_models():
    rng = np.random.default_rng(8)
    for _ in range(20):
        p = int(rng.integers(2, 8))
        x = rng.normal(size=(80, p)) @ rng.normal(size=(p, p))
        y = x @ rng.normal(size=p) + rng.normal(size=80) * 3
        imp, _ = d.importance(d.weighted_corr(np.column_stack([x, y])))
        assert (imp.lmg >= -1e-12).all() and (imp.johnson >= -1e-12).all()
        assert imp.lmg.sum() == pytest.approx(imp.r2, abs=1e-10)
        assert imp.johnson.sum() == pytest.approx(imp.r2, abs=1e-10)


# --- review finding 9: the integrity warnings every figure carries -----------------------


def test_a_drivers_figure_carries_the_integrity_warnings_of_every_figure(tmp_path):
    # a plain CSV (so -99 is no missing code by default), a repeated id, and a
    # numeric predictor holding -99: an ordinary mean figure of it warns twice
    cols = {**COLUMNS, "age": "30 -99 45 50 28 33 41 -99 38 52 47 36"}
    names = ["id", *cols]
    rows = [[f"r{i + 1}", *(c.split()[i] for c in cols.values())] for i in range(12)]
    rows[1][0] = "r1"  # r1 twice
    path = tmp_path / "drv.csv"
    path.write_text(render_export(names, rows))
    text = (
        STUDY.replace("  missing: [-99]\n", "")
        + """
questions:
  sat: {type: numeric, column: sat, range: [0, 10]}
  age: {type: numeric, column: age}
  pr: {type: grid, columns: {Speed: p1, Care: p2}, options: {1: a, 2: b, 3: c, 4: d, 5: e},
       not_applicable: [9]}
figures:
  - {id: drv, kind: drivers, outcome: sat, predictors: [pr, age], bootstrap: 0}
  - {id: m, question: age, stat: mean}
"""
    )
    figs = {f.id: f for f in cxsurvey.figures(path, parse_study(text, "d.yaml")).figures}
    (dup,) = [w for w in figs["m"].warnings if "r1" in w and "id" in w]
    (minus,) = [w for w in figs["m"].warnings if "-99" in w]
    assert minus.startswith("2 response(s) in column 'age' hold -99")
    assert dup in figs["drv"].warnings and minus in figs["drv"].warnings
    assert figs["drv"].warnings.index(dup) == 0  # first, as in every figure


def test_every_public_function_of_the_drivers_statistics_is_used_by_the_package():
    # review: an unused second entry point (johnson_weights) beside the one importance
    # uses is a second implementation waiting to drift; one path computes each measure
    import ast

    source = (REPO / "cxsurvey" / "stats" / "drivers.py").read_text()
    public = [
        n.name
        for n in ast.parse(source).body
        if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    ]
    others = [
        p.read_text()
        for p in (REPO / "cxsurvey").rglob("*.py")
        if p != REPO / "cxsurvey" / "stats" / "drivers.py"
    ]
    inside = source.split("\n")
    unused = [
        name
        for name in public
        if not any(f"{name}(" in text for text in others)
        and sum(f"{name}(" in line for line in inside) < 2  # its def, and a call
    ]
    assert unused == []
