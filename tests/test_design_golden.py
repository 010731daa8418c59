"""Design-based figures against R's survey package.

Two kinds of reference (see tests/golden/SOURCE.md):

- R's *published* output: the survey package's own saved test output
  (tests/check.Rout.save, tests/domain.Rout.save, tests/testoutput/api.Rout.saved)
  on its example data ``fpc`` and ``apiclus1``, printed to 4-7 significant
  digits, so compared at that precision;
- an *independent Python computation* written plainly here (per-respondent
  influence values, pandas groupby per PSU, scipy distributions, R's formulas
  transcribed from its documentation), compared to 1e-9, on ``apistrat`` with
  clusters, strata, zero weights and tiny bases. tests/golden/design_goldens.R
  computes the same numbers with R for a reader who has it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import cxsurvey
from cxsurvey.stats.design import t_two_sided
from cxsurvey.study import parse_study

GOLDEN = Path(__file__).parent / "golden"


def _study(source: str, questions: str, figures: str) -> str:
    return f"version: 1\nstudy: g\nsource: {source}\nquestions:\n{questions}\nfigures:\n{figures}"


FPC_Q = "  x: {type: numeric, column: x}\n"
FPC_F = (
    "  - {id: x, question: x}\n"
    "  - {id: hi, question: x, filter: [{column: x, min: 4.05}]}\n"
    "  - {id: lo, question: x, filter: [{column: x, max: 4.05}]}\n"
)


def _fpc(source: str):
    study = parse_study(_study(source, FPC_Q, FPC_F), "fpc.yaml")
    figs = cxsurvey.figures(GOLDEN / "fpc.csv", study).figures
    return {f.id: f.rows[0].cells["Total"] for f in figs}


# R's published svymean(~x, design) on data(fpc): (source keys, mean, SE).
# tests/check.Rout.save of survey 4.5; ids = ~0 and ids = ~psuid with nest = TRUE
# are the same design (one respondent per PSU).
PUBLISHED_FPC = [
    ("{format: csv, weight: weight, strata: stratid, cluster: psuid}", 5.4481, 0.7413),
    ("{format: csv, weight: weight, strata: stratid}", 5.4481, 0.7413),
    ("{format: csv, strata: stratid}", 5.525, 0.7796),
    ("{format: csv, cluster: psuid}", 5.525, 0.838),
    ("{format: csv, weight: weight, cluster: psuid}", 5.4481, 0.7938),
    ("{format: csv, weight: weight, cluster: stratid}", 5.4481, 0.5465),
    ("{format: csv, cluster: stratid}", 5.525, 0.5188),
]


@pytest.mark.parametrize(("source", "mean", "se"), PUBLISHED_FPC)
def test_means_and_errors_match_rs_published_output(source, mean, se):
    cell = _fpc(source)["x"]
    assert cell.value == pytest.approx(mean, abs=5e-5)
    assert cell.se == pytest.approx(se, abs=5e-5)


def test_domain_means_match_rs_published_svyby():
    # tests/domain.Rout.save: svyby(~x, ~I(x > 4), dfpc, svymean) with
    # dfpc <- svydesign(id = ~psuid, strat = ~stratid, weight = ~weight, nest = TRUE)
    cells = _fpc("{format: csv, weight: weight, strata: stratid, cluster: psuid}")
    assert cells["hi"].value == pytest.approx(6.195, abs=5e-7)
    assert cells["hi"].se == pytest.approx(0.7555129, abs=5e-8)
    assert cells["lo"].value == pytest.approx(3.314286, abs=5e-7)
    assert cells["lo"].se == pytest.approx(0.3117042, abs=5e-8)
    # ... and summary(svyglm(x ~ I(x > 4) + 0, dfpc)): t = 8.20, p = 0.000439 on
    # the design's residual df = degf (8 PSUs - 2 strata) + 1 - 2 coefficients = 5
    t = cells["hi"].value / cells["hi"].se
    assert t == pytest.approx(8.20, abs=5e-3)
    assert t_two_sided(t, 5) == pytest.approx(0.000439, abs=5e-7)
    assert t_two_sided(cells["lo"].value / cells["lo"].se, 5) == pytest.approx(0.000127, abs=5e-7)


def test_one_stage_cluster_sample_matches_rs_published_api_example():
    # tests/testoutput/api.Rout.saved: svymean(~api00, dclus1) = 644.17, SE 23.542
    # with dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc). Without the
    # finite population correction the variance is larger by 1 / (1 - 15/757).
    study = parse_study(
        _study(
            "{format: csv, id: cds, weight: pw, cluster: dnum}",
            "  api00: {type: numeric, column: api00}\n",
            "  - {id: api00, question: api00}\n",
        ),
        "api.yaml",
    )
    cell = cxsurvey.figures(GOLDEN / "apiclus1.csv", study).figures[0].rows[0].cells["Total"]
    assert cell.value == pytest.approx(644.17, abs=5e-3)
    assert cell.se * math.sqrt(1 - 15 / 757) == pytest.approx(23.542, abs=5e-4)
    assert cell.n == 183


# ---------------------------------------------------------------------------
# Independent Python computation: apistrat, clusters (district) within strata
# (school type), weights pw with zero weights, a tiny domain.

QUESTIONS = """\
  sw: {type: single, column: sch.wide, options: {"Yes": "Met", "No": "Not met"}}
  aw: {type: single, column: awards, options: {"Yes": "Award", "No": "No award"}}
  yr: {type: single, column: yr.rnd, options: {"Yes": "Year-round", "No": "Traditional"}}
  ci: {type: single, column: comp.imp, options: {"Yes": "Improved", "No": "Not improved"}}
  api: {type: numeric, column: api00}
  rec: {type: nps, column: rec}
  meals: {type: numeric, column: meals}
  st: {type: single, column: stype, options: {E: Elementary, H: High, M: Middle}}
"""
FIGURES = """\
  - {id: sw_by_aw, question: sw, by: aw}
  - {id: sw_by_yr, question: sw, by: yr, test: rao-scott}
  - {id: ci_by_yr, question: ci, by: yr, interval: logit, test: rao-scott}
  - {id: sw_by_ci, question: sw, by: ci, interval: wilson}
  - {id: api_by_aw, question: api, by: aw}
  - {id: rec_by_aw, question: rec, by: aw, test: rao-scott}
  - {id: api_by_st, question: api, by: st}
  - {id: meals_by_st, question: meals, by: st}
  - {id: sw_by_st, question: sw, by: st}
"""


@pytest.fixture(scope="module")
def strat(tmp_path_factory):
    data = pd.read_csv(GOLDEN / "apistrat.csv", dtype={"cds": str})
    data["rec"] = (data["meals"] // 10).clip(0, 10)  # an NPS-like 0-10 answer
    data.loc[[3, 40, 120, 150], "pw"] = 0.0  # zero weights: out of n, still in the design
    path = tmp_path_factory.mktemp("strat") / "apistrat.csv"
    data.to_csv(path, index=False)
    study = parse_study(
        _study(
            "{format: csv, id: cds, weight: pw, cluster: dnum, strata: stype}",
            QUESTIONS,
            FIGURES,
        ),
        "strat.yaml",
    )
    result = cxsurvey.figures(path, study)
    return data, {f.id: f for f in result.figures}


def _variance(data: pd.DataFrame, z: np.ndarray) -> float:
    """sum_h n_h/(n_h - 1) sum_PSU (z_PSU - mean_h)^2, PSUs = (stratum, district)."""
    frame = data.assign(z=z)
    psu = frame.groupby(["stype", "dnum"])["z"].sum().reset_index()
    out = 0.0
    for _, part in psu.groupby("stype"):
        n_h = len(part)
        out += n_h / (n_h - 1) * ((part["z"] - part["z"].mean()) ** 2).sum()
    return out


def _domain(data, d, y):
    """(estimate, variance, n, df, influence) of the ratio sum(w d y) / sum(w d)."""
    w = data["pw"].to_numpy()
    big_w = (w * d).sum()
    r = (w * d * y).sum() / big_w
    z = w * d * (y - r) / big_w
    present = data[d & (w > 0)]
    df = present.groupby(["stype", "dnum"]).ngroups - present["stype"].nunique()
    return r, _variance(data, z), int((d & (w > 0)).sum()), df, z


def _check_cell(cell, data, d, y, scale=100.0):
    r, v, n, _, _ = _domain(data, d, y)
    w = data["pw"].to_numpy()
    s2 = (w * d * (y - r) ** 2).sum() / (w * d).sum() * n / (n - 1)
    assert cell.value == pytest.approx(scale * r, rel=1e-12)
    assert cell.se == pytest.approx(scale * math.sqrt(v), rel=1e-9)
    assert cell.deff == pytest.approx(v / (s2 / n), rel=1e-9)
    assert cell.effective_base == pytest.approx(n / (v / (s2 / n)), rel=1e-9)
    assert cell.n == n
    assert cell.base == pytest.approx((w * d).sum(), rel=1e-12)


def _in(data, column, value):
    return (data[column] == value).to_numpy()


def test_percent_cells_match_the_independent_computation(strat):
    data, figs = strat
    y = _in(data, "sch.wide", "Yes").astype(float)
    for col, d in (
        ("Total", np.ones(len(data), bool)),
        ("Year-round", _in(data, "yr.rnd", "Yes")),  # a tiny base: 21 schools
        ("Traditional", _in(data, "yr.rnd", "No")),
    ):
        _check_cell(figs["sw_by_yr"].rows[0].cells[col], data, d, y)
    assert figs["sw_by_yr"].rows[0].cells["Year-round"].small_base


def test_a_cell_of_100_percent_has_no_design_effect_and_an_exact_end(strat):
    data, figs = strat
    cell = figs["sw_by_aw"].rows[0].cells["Award"]  # every award school met its target
    assert (cell.value, cell.se, cell.deff, cell.effective_base) == (100.0, 0.0, None, cell.n)
    # R's svyciprop gives NaN here (0/0 effective base); cxsurvey uses n respondents
    present = data[(data["awards"] == "Yes") & (data["pw"] > 0)]
    n = len(present)  # 113 award schools, 3 of them with a zero weight
    assert cell.n == n == 110
    df = present.groupby(["stype", "dnum"]).ngroups - present["stype"].nunique()
    n_eff = n * (sps.t.ppf(0.025, n - 1) / sps.t.ppf(0.025, df)) ** 2
    assert cell.ci == pytest.approx((100 * sps.beta.ppf(0.025, n_eff, 1), 100.0), rel=1e-9)


def test_mean_and_nps_cells_match_the_independent_computation(strat):
    data, figs = strat
    api = data["api00"].to_numpy(float)
    score = np.where(data["rec"] >= 9, 100.0, np.where(data["rec"] <= 6, -100.0, 0.0))
    for col, d in (("Total", np.ones(len(data), bool)), ("Award", _in(data, "awards", "Yes"))):
        _check_cell(figs["api_by_aw"].rows[0].cells[col], data, d, api, scale=1.0)
        nps = figs["rec_by_aw"].rows[-1]
        assert nps.label == "NPS"
        _check_cell(nps.cells[col], data, d, score, scale=1.0)
        r, v, _, df, _ = _domain(data, d, score)
        half = sps.t.ppf(0.975, df) * math.sqrt(v)
        assert nps.cells[col].ci == pytest.approx((r - half, r + half), rel=1e-9)


def _kg(p, v, n, df):  # svyciprop(method = "beta"), transcribed
    n_eff = p * (1 - p) / v * (sps.t.ppf(0.025, n - 1) / sps.t.ppf(0.025, df)) ** 2
    return (
        sps.beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1),
        sps.beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p)),
    )


def _logit(p, v, df):  # svyciprop(method = "logit"): Wald on the logit scale, t(df)
    half = sps.t.ppf(0.975, df) * math.sqrt(v) / (p * (1 - p))
    eta = math.log(p / (1 - p))
    return tuple(1 / (1 + math.exp(-e)) for e in (eta - half, eta + half))


def _wilson(p, v, df):  # svyciprop(method = "wilson")
    n_eff = p * (1 - p) / v
    t = sps.t.ppf(0.975, df)
    root = math.sqrt(4 * n_eff * p * (1 - p) + t * t)
    centre, denom = p + t * t / (2 * n_eff), 1 + t * t / n_eff
    return ((centre - t / (2 * n_eff) * root) / denom, (centre + t / (2 * n_eff) * root) / denom)


@pytest.mark.parametrize(
    ("fig", "banner", "method"),
    [
        ("sw_by_yr", "yr.rnd", "beta"),
        ("ci_by_yr", "yr.rnd", "logit"),
        ("sw_by_ci", "comp.imp", "wilson"),
    ],
)
def test_intervals_match_svyciprop_for_each_method(strat, fig, banner, method):
    data, figs = strat
    y = _in(data, "comp.imp" if fig == "ci_by_yr" else "sch.wide", "Yes").astype(float)
    result = figs[fig]
    assert result.interval == method
    for col in result.columns[1:]:
        code = "Yes" if col in ("Award", "Improved", "Year-round") else "No"
        p, v, n, df, _ = _domain(data, _in(data, banner, code), y)
        if method == "beta":
            expected = _kg(p, v, n, df)
        elif method == "logit":
            expected = _logit(p, v, df)
        else:
            expected = _wilson(p, v, df)
        assert result.rows[0].cells[col].ci == pytest.approx(
            tuple(100 * e for e in expected), rel=1e-9
        )


def _ttest(data, y, d1, d2):
    """svyttest(y ~ group, subset(design, group %in% c(1, 2))), transcribed."""
    r1, _, _, _, z1 = _domain(data, d1, y)
    r2, _, _, _, z2 = _domain(data, d2, y)
    v = _variance(data, z1 - z2)
    _, _, _, df, _ = _domain(data, d1 | d2, y)
    return r1 - r2, 2 * sps.t.sf(abs(r1 - r2) / math.sqrt(v), df - 1)


def test_gaps_use_the_design_based_t_test(strat):
    data, figs = strat
    award, none = _in(data, "awards", "Yes"), _in(data, "awards", "No")
    year, trad = _in(data, "yr.rnd", "Yes"), _in(data, "yr.rnd", "No")
    for fig, y, scale, groups in (
        ("sw_by_yr", _in(data, "sch.wide", "Yes").astype(float), 100, (year, trad)),
        ("ci_by_yr", _in(data, "comp.imp", "Yes").astype(float), 100, (year, trad)),
        ("api_by_aw", data["api00"].to_numpy(float), 1, (award, none)),
    ):
        gap = figs[fig].rows[0].gap
        diff, p = _ttest(data, y, *groups)
        assert gap.test == "design-t"
        assert gap.points == pytest.approx(scale * diff, rel=1e-9)
        assert gap.p_value == pytest.approx(p, rel=1e-9)
    score = np.where(data["rec"] >= 9, 100.0, np.where(data["rec"] <= 6, -100.0, 0.0))
    gap = figs["rec_by_aw"].rows[-1].gap
    assert gap.p_value == pytest.approx(_ttest(data, score, award, none)[1], rel=1e-9)


def _rao_scott(data, rows, cols):
    """svychisq(~rows + cols, design) (statistic "F"), transcribed from R's source
    with the per-respondent influence matrix of the cell proportions."""
    w = data["pw"].to_numpy()
    r_levels, c_levels = sorted(set(rows)), sorted(set(cols))
    cells = [(r, c) for c in c_levels for r in r_levels]  # rows vary fastest
    ind = np.column_stack([(rows == r) & (cols == c) for r, c in cells]).astype(float)
    big_w = w.sum()
    mean = (w[:, None] * ind).sum(axis=0) / big_w
    z = w[:, None] * (ind - mean) / big_w
    frame = data[["stype", "dnum"]].copy()
    psu = pd.concat([frame, pd.DataFrame(z, index=data.index)], axis=1)
    totals = psu.groupby(["stype", "dnum"]).sum()
    v = np.zeros((len(cells), len(cells)))
    for _, part in totals.groupby(level="stype"):
        x = part.to_numpy()
        n_h = len(x)
        x = x - x.mean(axis=0)
        v += n_h / (n_h - 1) * x.T @ x
    nr, nc = len(r_levels), len(c_levels)
    n = int((w > 0).sum())
    x1 = (
        pd.get_dummies(
            pd.DataFrame({"r": [r for r, _ in cells], "c": [c for _, c in cells]}),
            columns=["r", "c"],
            drop_first=True,
        )
        .astype(float)
        .to_numpy()
    )
    x1 = np.column_stack([np.ones(len(cells)), x1])
    inter = np.column_stack(
        [
            [float(rr == r and cc == c) for rr, cc in cells]
            for c in c_levels[1:]
            for r in r_levels[1:]
        ]
    )
    q, _ = np.linalg.qr(x1)
    cmat = inter - q @ (q.T @ inter)
    inv = np.diag(1 / mean)
    delta = np.linalg.solve(cmat.T @ (inv / n) @ cmat, cmat.T @ inv @ v @ inv @ cmat)
    table = (mean * n).reshape(nc, nr).T
    expected = np.outer(table.sum(1), table.sum(0)) / n
    x2 = ((table - expected) ** 2 / expected).sum()
    present = data[w > 0]
    nu = present.groupby(["stype", "dnum"]).ngroups - present["stype"].nunique()
    d0 = np.trace(delta) ** 2 / np.trace(delta @ delta)
    stat = x2 / np.trace(delta)
    return stat, d0, d0 * nu, sps.f.sf(stat, d0, d0 * nu)


def test_rao_scott_matches_the_independent_computation(strat):
    data, figs = strat
    for fig, rows, cols in (
        ("sw_by_yr", data["sch.wide"].to_numpy(), data["yr.rnd"].to_numpy()),
        ("ci_by_yr", data["comp.imp"].to_numpy(), data["yr.rnd"].to_numpy()),
        (
            "rec_by_aw",
            np.where(data["rec"] >= 9, "P", np.where(data["rec"] <= 6, "D", "N")),
            data["awards"].to_numpy(),
        ),
    ):
        (test,) = figs[fig].table_tests
        stat, ndf, ddf, p = _rao_scott(data, rows, cols)
        assert (test.statistic, test.ndf, test.ddf) == pytest.approx((stat, ndf, ddf), rel=1e-9)
        assert test.p_value == pytest.approx(p, rel=1e-9)


def test_letters_adjust_the_design_based_pairwise_p_values(strat):
    data, figs = strat
    groups = {"Elementary": "E", "High": "H", "Middle": "M"}
    for fig, y in (
        ("api_by_st", data["api00"].to_numpy(float)),
        ("meals_by_st", data["meals"].to_numpy(float)),
        ("sw_by_st", _in(data, "sch.wide", "Yes").astype(float)),
    ):
        result = figs[fig]
        row = result.rows[0]
        expected = {g: [] for g in groups}
        names = list(groups)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                diff, p = _ttest(
                    data, y, _in(data, "stype", groups[a]), _in(data, "stype", groups[b])
                )
                if min(1.0, 3 * p) < 0.05:  # Bonferroni over the row's three pairs
                    winner, loser = (a, b) if diff > 0 else (b, a)
                    expected[winner].append(result.letters[loser])
        for g in names:
            assert list(row.cells[g].higher_than) == sorted(expected[g]), (fig, g)
        if fig == "meals_by_st":  # a real difference: elementary schools serve more meals
            assert expected["Elementary"] == ["B"]  # higher than High schools
