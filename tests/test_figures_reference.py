"""Every cell and gap of a study written from the spec alone, checked against an
independent implementation.

The export is generated here with ``random`` (blanks, missing and
not-applicable codes, invalid codes, "1,11" traps, spaces and empty tokens in
delimited cells). The reference reads it with the csv module and follows the
spec's words one respondent at a time; its tests are scipy's (chi-square without
correction for the pooled z-test, fisher_exact, ttest_ind on the raw values for
Welch). It shares no code with cxsurvey.
"""

from __future__ import annotations

import csv
import math
import random
import statistics
from itertools import combinations

import pytest
from scipy import stats as sp

import cxsurvey
from cxsurvey.study import parse_study

STUDY = """\
version: 1
study: Reference study
source:
  id: rid
  include:
    - {column: done, in: [1]}
  missing: [-99]
scales:
  m:
    values: {1: a, 2: b, 3: c, 4: d, 5: e}
    groups:
      G1: [i1, i2, i3]
      G2: [i4, i5]
    group_score: mean
    total: mean
    min_answered: 0.5
    reverse: [i3]
    bands:
      - {label: Low, from: 1}
      - {label: Mid, from: 2.5}
      - {label: High, from: 3.6}
segments:
  grp: {label: Leaders vs laggards, median_split: m, high: Leaders, low: Laggards}
questions:
  region: {type: single, column: reg, options: {1: North, 2: South, 3: East, 4: West},
           not_applicable: [9]}
  agree: {type: single, column: agr, options: {1: Disagree, 2: Neutral, 3: Agree,
          4: Strongly agree}, nets: {Agree (net): [3, 4]}, not_applicable: [9]}
  tools: {type: multi, column: tools, options: {1: One, 2: Two, 3: Three, 10: Ten,
          11: Eleven}, nets: {Low codes: [1, 2, 3]}}
  posts: {type: multi, columns: {1: p1, 2: p2, 3: p3}, options: {1: Surveys, 2: Social,
          3: Calls}}
  mat: {type: grid, columns: {Alpha: g1, Beta: g2}, options: {1: Low, 2: Mid, 3: High},
        nets: {Top: [3]}, not_applicable: [9]}
  spend: {type: numeric, column: spend, range: [0, 1000], text: Spend}
  rec: {type: nps, column: nps}
figures:
  - {id: region_total, question: region}
  - {id: region_by_grp, question: region, by: grp}
  - {id: agree_by_grp, question: agree, show: both, by: grp}
  - {id: agree_by_region, question: agree, show: both, by: region}
  - {id: tools_by_grp, question: tools, show: both, by: grp}
  - {id: tools_by_band, question: tools, by: m.band}
  - {id: posts_by_grp, question: posts, by: grp}
  - {id: mat_by_grp, question: mat, show: both, by: grp}
  - {id: mat_top_by_region, question: mat, show: Top, by: region}
  - {id: spend_by_grp, question: spend, by: grp}
  - {id: spend_by_region, question: spend, by: region}
  - {id: rec_by_grp, question: rec, by: grp}
  - {id: rec_by_region, question: rec, by: region}
  - {id: m_by_region, question: m, by: region}
  - {id: groups_by_grp, question: m.groups, by: grp}
  - {id: band_by_grp, question: m.band, by: grp}
  - {id: filtered, question: agree, by: grp, filter: [{column: spend, min: 100}]}
"""
ALPHA = 0.05
COLUMNS = ["rid", "done", "i1", "i2", "i3", "i4", "i5", "reg", "agr", "tools",
           "p1", "p2", "p3", "g1", "g2", "spend", "nps", "wt"]  # fmt: skip


def _pick(rng, choices):
    r, acc = rng.random(), 0.0
    for value, p in choices:
        acc += p
        if r < acc:
            return value
    return choices[-1][0]


def generate(rng: random.Random, n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        leaning = rng.random()  # makes groups differ, so some gaps are significant
        row = {"rid": f"R{i:04d}", "done": "1" if rng.random() < 0.92 else "0"}
        for item in ("i1", "i2", "i3", "i4", "i5"):
            code = str(min(5, max(1, round(1 + 4 * leaning + rng.gauss(0, 0.8)))))
            row[item] = _pick(rng, [("", 0.07), ("-99", 0.03), ("6", 0.01), (code, 1)])
        row["reg"] = _pick(rng, [("", .03), ("9", .02), ("1", .40), ("2", .31), ("3", .234),
                                 ("4", .006)])  # fmt: skip
        agree = str(1 + min(3, int(4 * (0.6 * leaning + 0.4 * rng.random()))))
        row["agr"] = _pick(rng, [("", 0.03), ("9", 0.02), ("7", 0.01), (agree, 1)])
        chosen = [c for c in ("1", "2", "3", "10", "11") if rng.random() < 0.2 + 0.4 * leaning]
        rng.shuffle(chosen)
        cell = ",".join(chosen)
        if chosen and rng.random() < 0.1:
            cell = " , ".join(chosen)  # spaces around tokens
        row["tools"] = _pick(rng, [("", .05), ("-99", .02), ("1,12", .01), ("1,,3", .01),
                                   ("1,11", .02), (cell, 1)])  # fmt: skip
        seen = rng.random() > 0.1
        for p in ("p1", "p2", "p3"):
            row[p] = ("1" if rng.random() < 0.3 + 0.3 * leaning else "0") if seen else ""
        if seen and rng.random() < 0.03:
            row["p2"] = "-99"
        for g in ("g1", "g2"):
            code = str(1 + min(2, int(3 * (0.5 * leaning + 0.5 * rng.random()))))
            row[g] = _pick(rng, [("", 0.05), ("9", 0.03), (code, 1)])
        spend = str(round(rng.uniform(0, 1200) * (0.5 + leaning), 1))
        row["spend"] = _pick(rng, [("", 0.05), ("-99", 0.02), ("abc", 0.01), (spend, 1)])
        score = str(min(10, max(0, round(10 * leaning + rng.gauss(0, 2)))))
        row["nps"] = _pick(rng, [("", 0.05), ("11", 0.01), (score, 1)])
        row["wt"] = f"{rng.uniform(0.4, 2.5):.3f}"
        rows.append(row)
    return rows


# ---------------------------------------------------------------- the reference


def num(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return None if value == -99 else value


def score_m(row) -> float | None:
    groups = []
    for items in (["i1", "i2", "i3"], ["i4", "i5"]):
        answered = []
        for item in items:
            x = num(row[item].strip())
            if x in (1, 2, 3, 4, 5):
                answered.append(6 - x if item == "i3" else x)
        if not answered or len(answered) < 0.5 * len(items):
            return None
        groups.append(statistics.fmean(answered))
    return statistics.fmean(groups)


def group_scores(row) -> dict[str, float | None]:
    if score_m(row) is None:
        return {"G1": None, "G2": None}
    out = {}
    for name, items in (("G1", ["i1", "i2", "i3"]), ("G2", ["i4", "i5"])):
        xs = [num(row[i]) for i in items]
        xs = [
            6 - x if i == "i3" else x
            for i, x in zip(items, xs, strict=True)
            if x in (1, 2, 3, 4, 5)
        ]
        out[name] = statistics.fmean(xs)
    return out


def band_m(row) -> str | None:
    total = score_m(row)
    if total is None:
        return None
    return [label for label, lo in (("Low", 1), ("Mid", 2.5), ("High", 3.6)) if total >= lo][-1]


OPTIONS = {
    "region": {1: "North", 2: "South", 3: "East", 4: "West"},
    "agree": {1: "Disagree", 2: "Neutral", 3: "Agree", 4: "Strongly agree"},
    "tools": {1: "One", 2: "Two", 3: "Three", 10: "Ten", 11: "Eleven"},
    "posts": {1: "Surveys", 2: "Social", 3: "Calls"},
    "mat": {1: "Low", 2: "Mid", 3: "High"},
}


def single_code(cell: str, options) -> tuple[str, float | None]:
    """('blank' | 'na' | 'invalid' | 'valid', code)."""
    x = num(cell.strip()) if cell.strip() else None
    if not cell.strip() or cell.strip() == "-99":
        return "blank", None
    if x == 9:
        return "na", None
    if x in options:
        return "valid", x
    return "invalid", None


def percent_rows(fig_q: str, show: str, row) -> list[tuple[str, bool, bool]]:
    """(label, in base, counts) for one respondent."""
    if fig_q in ("region", "agree"):
        status, code = single_code(row["reg" if fig_q == "region" else "agr"], OPTIONS[fig_q])
        base = status == "valid"
        opts = [(label, base and code == c) for c, label in OPTIONS[fig_q].items()]
        nets = [("Agree (net)", base and code in (3, 4))] if fig_q == "agree" else []
        picks = (opts if show in ("options", "both") else []) + (nets if show == "both" else [])
        return [(label, base, hit) for label, hit in picks]
    if fig_q == "tools":
        tokens = [t.strip() for t in row["tools"].split(",")]
        tokens = [t for t in tokens if t and num(t) is not None]  # empty and -99 ignored
        bad = any(
            t.strip() and num(t) is None and t.strip() != "-99" for t in row["tools"].split(",")
        )
        codes = {num(t) for t in tokens}
        if bad or not codes <= set(OPTIONS["tools"]):
            codes = set()
        base = bool(codes)
        picks = [(label, c in codes) for c, label in OPTIONS["tools"].items()]
        if show == "both":
            picks.append(("Low codes", bool(codes & {1, 2, 3})))
        return [(label, base, hit) for label, hit in picks]
    if fig_q == "posts":
        cells = [row[p].strip() for p in ("p1", "p2", "p3")]
        answered = [c not in ("", "-99") for c in cells]
        base = any(answered)
        return [
            (label, base, answered[i] and num(cells[i]) != 0)
            for i, label in enumerate(OPTIONS["posts"].values())
        ]
    if fig_q == "mat":
        out = []
        for item, col in (("Alpha", "g1"), ("Beta", "g2")):
            status, code = single_code(row[col], OPTIONS["mat"])
            base = status == "valid"
            if show == "Top":
                out.append((item, base, base and code == 3))
                continue
            out += [
                (f"{item}: {label}", base, base and code == c)
                for c, label in OPTIONS["mat"].items()
            ]
            out.append((f"{item}: Top", base, base and code == 3))
        return out
    if fig_q == "m.band":
        band = band_m(row)
        return [(label, band is not None, band == label) for label in ("Low", "Mid", "High")]
    raise AssertionError(fig_q)


def mean_rows(fig_q: str, row) -> list[tuple[str, float | None]]:
    if fig_q == "spend":
        x = num(row["spend"])
        return [("Spend", x if x is not None and 0 <= x <= 1000 else None)]
    if fig_q == "m":
        return [("m", score_m(row))]
    if fig_q == "m.groups":
        return list(group_scores(row).items())
    raise AssertionError(fig_q)


def banner_of(by: str | None, row, median: float) -> str | None:
    if by == "grp":
        s = score_m(row)
        return None if s is None else ("Leaders" if s >= median else "Laggards")
    if by == "region":
        status, code = single_code(row["reg"], OPTIONS["region"])
        return OPTIONS["region"][code] if status == "valid" else None
    if by == "m.band":
        return band_m(row)
    return None


def percent_p(x1, n1, x2, n2) -> tuple[str, float]:
    hits, total = x1 + x2, n1 + n2
    expected = [n * h / total for n in (n1, n2) for h in (hits, total - hits)]
    if min(expected) < 5:
        return "fisher", sp.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
    return "z", sp.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False).pvalue


def nps_p(a, b) -> float:
    (p1, d1, n1), (p2, d2, n2) = a, b
    se = math.sqrt((p1 + d1 - (p1 - d1) ** 2) / n1 + (p2 + d2 - (p2 - d2) ** 2) / n2)
    return 2 * sp.norm.sf(abs((p1 - d1) - (p2 - d2)) / se)


def reference_figure(fig, rows, median):
    """{row label: {column: (value, count, base)}}, gaps {label: (points, test, p)},
    letters {label: {column: [letters]}}."""
    kept = [r for r in rows if not fig.get("filter") or (num(r["spend"]) or -1) >= 100]
    labels = {"grp": ["Leaders", "Laggards"], "region": list(OPTIONS["region"].values()),
              "m.band": ["Low", "Mid", "High"], None: []}[fig.get("by")]  # fmt: skip
    columns = ["Total", *labels]
    members = {c: [r for r in kept if c == "Total" or banner_of(fig.get("by"), r, median) == c]
               for c in columns}  # fmt: skip
    q = fig["question"]
    cells, samples = {}, {}
    if q in ("spend", "m", "m.groups"):
        for col in columns:
            for label_value in zip(*[mean_rows(q, r) for r in members[col]], strict=True):
                label = label_value[0][0]
                xs = [v for _, v in label_value if v is not None]
                samples.setdefault(label, {})[col] = xs
                cells.setdefault(label, {})[col] = (
                    statistics.fmean(xs) if xs else None,
                    len(xs),
                    len(xs),
                )
    elif q == "rec":
        for col in columns:
            scores = [num(r["nps"]) for r in members[col]]
            scores = [s for s in scores if s is not None and s in range(11)]
            n = len(scores)
            pro, det = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
            cells.setdefault("Promoters", {})[col] = (100 * pro / n, pro, n)
            cells.setdefault("Passives", {})[col] = (100 * (n - pro - det) / n, n - pro - det, n)
            cells.setdefault("Detractors", {})[col] = (100 * det / n, det, n)
            cells.setdefault("NPS", {})[col] = (100 * (pro - det) / n, n, n)
            samples[col] = (pro / n, det / n, n)
    else:
        for col in columns:
            per = [percent_rows(q, fig.get("show", "options"), r) for r in members[col]]
            for i, label in enumerate(x[0] for x in per[0]):
                base = sum(p[i][1] for p in per)
                count = sum(p[i][1] and p[i][2] for p in per)
                cells.setdefault(label, {})[col] = (
                    100 * count / base if base else None,
                    count,
                    base,
                )

    def test(label, x, y):
        a, b = cells[label][x], cells[label][y]
        if a[0] is None or b[0] is None:
            return None
        if q in ("spend", "m", "m.groups"):
            return "welch", sp.ttest_ind(
                samples[label][x], samples[label][y], equal_var=False
            ).pvalue
        if label == "NPS":
            return "nps-z", nps_p(samples[x], samples[y])
        return percent_p(a[1], a[2], b[1], b[2])

    gaps, letters = {}, {}
    if len(labels) == 2:
        for label in cells:
            points = cells[label]["Leaders"][0] - cells[label]["Laggards"][0]
            gaps[label] = (points, *test(label, "Leaders", "Laggards"))
    elif len(labels) >= 3:
        abc = "ABCDEFGH"
        for label in cells:
            pairs = [(x, y, test(label, x, y)) for x, y in combinations(labels, 2)]
            pairs = [(x, y, t[1]) for x, y, t in pairs if t is not None]
            out = {c: [] for c in labels}
            for x, y, p in pairs:
                if min(1.0, p * len(pairs)) < ALPHA:
                    hi, lo = (x, y) if cells[label][x][0] > cells[label][y][0] else (y, x)
                    out[hi].append(abc[labels.index(lo)])
            letters[label] = {c: sorted(v) for c, v in out.items()}
    return cells, gaps, letters


# -------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    rows = generate(random.Random(20261125), 700)
    path = tmp_path_factory.mktemp("ref") / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path, [r for r in rows if r["done"] == "1"]


def test_every_cell_and_gap_matches_the_reference(generated):
    path, rows = generated
    study = parse_study(STUDY, "reference.yaml")
    result = cxsurvey.figures(path, study)
    median = statistics.median(s for s in map(score_m, rows) if s is not None)
    import yaml

    specs = {f["id"]: f for f in yaml.safe_load(STUDY)["figures"]}
    kinds = {"fisher": 0, "z": 0, "welch": 0, "nps-z": 0, "letters": 0, "significant": 0}
    for fig in result.figures:
        cells, gaps, letters = reference_figure(specs[fig.id], rows, median)
        assert [r.label for r in fig.rows] == list(cells), fig.id
        for row in fig.rows:
            for col, (value, count, base) in cells[row.label].items():
                got = row.cells[col]
                where = f"{fig.id} / {row.label} / {col}"
                assert (got.count, got.base) == (count, base), where
                if value is None:
                    assert got.value is None, where
                else:
                    assert got.value == pytest.approx(value, rel=1e-9, abs=1e-9), where
            if row.label in gaps:
                points, test, p = gaps[row.label]
                assert row.gap.points == pytest.approx(points, rel=1e-9, abs=1e-9), fig.id
                assert row.gap.test == test, (fig.id, row.label)
                assert row.gap.p_value == pytest.approx(p, rel=1e-9, abs=1e-12), (fig.id, row.label)
                assert row.gap.significant == (p < ALPHA)
                kinds[test] += 1
                kinds["significant"] += p < ALPHA
            if row.label in letters:
                for col, want in letters[row.label].items():
                    assert sorted(row.cells[col].higher_than) == want, (fig.id, row.label, col)
                    kinds["letters"] += bool(want)
    # The data exercise every test, and significant and non-significant gaps.
    assert all(kinds[k] > 0 for k in kinds), kinds
    assert kinds["significant"] < sum(kinds[k] for k in ("fisher", "z", "welch", "nps-z"))


def test_invalid_codes_are_counted_in_warnings(generated):
    path, rows = generated
    result = cxsurvey.figures(path, parse_study(STUDY, "reference.yaml"), ["agree_by_grp"])
    invalid = sum(single_code(r["agr"], OPTIONS["agree"])[0] == "invalid" for r in rows)
    assert invalid > 0
    assert any(
        w.startswith(f"{invalid} response(s) in column 'agr'") for w in result.figures[0].warnings
    )


def test_weighted_cells_and_design_errors_match_the_reference(generated):
    path, rows = generated
    study = parse_study(
        STUDY.replace("  missing: [-99]", "  missing: [-99]\n  weight: wt"), "w.yaml"
    )
    fig = cxsurvey.figures(path, study, ["agree_by_grp"]).figures[0]
    median = statistics.median(s for s in map(score_m, rows) if s is not None)
    for col in ("Total", "Leaders", "Laggards"):
        members = [r for r in rows if col == "Total" or banner_of("grp", r, median) == col]
        base = [r for r in members if single_code(r["agr"], OPTIONS["agree"])[0] == "valid"]
        w = [float(r["wt"]) for r in base]
        hits = [float(r["wt"]) for r in base if single_code(r["agr"], OPTIONS["agree"])[1] == 3]
        cell = fig.rows[2].cells[col]  # "Agree"
        assert fig.rows[2].label == "Agree"
        assert cell.base == pytest.approx(sum(w), rel=1e-12)
        assert cell.count == pytest.approx(sum(hits), rel=1e-12)
        assert cell.value == pytest.approx(100 * sum(hits) / sum(w), rel=1e-12)
        # Linearised SE with each respondent its own PSU (svydesign(ids = ~1)):
        # z_i = w_i (y_i - p) / W in the domain, 0 elsewhere; V = N/(N-1) sum z_i^2.
        p = sum(hits) / sum(w)
        ys = [float(single_code(r["agr"], OPTIONS["agree"])[1] == 3) for r in base]
        z2 = sum((wi * (yi - p) / sum(w)) ** 2 for wi, yi in zip(w, ys, strict=True))
        n_all = len(rows)
        assert cell.se == pytest.approx(100 * (n_all / (n_all - 1) * z2) ** 0.5, rel=1e-9)
        assert cell.n == len([x for x in w if x > 0])
