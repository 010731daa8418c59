"""Figures from aggregated exports (issue 18): a row that stands for n respondents.

An engine returns, per combination of the values of the columns a figure reads,
the number of rows and the sums of the weight and its square. Here those tables
are built independently of the engines' planner, with pyarrow's ``group_by``
over a respondent-level export, and every figure computed from them must equal
the figure of the respondent-level export: each cell's value, count, base, n,
interval, SE, design effect, effective base, small-base flag, letters, gaps,
changes, the rows' design-based tests and the Rao-Scott tests, to 1e-9
(integers exactly), and the respondents read and included.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from itertools import combinations
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxsurvey
from cxsurvey.errors import DataError
from cxsurvey.reading.export import Export
from cxsurvey.reading.frequency import Frequency
from cxsurvey.reading.sniff import Layout
from cxsurvey.scoring.responses import read_study_export, responses_from_export
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.study.load import load_study
from cxsurvey.study.models import question_columns
from cxsurvey.tabulation.figure import Options, figure

REPO = Path(__file__).resolve().parent.parent
FEEDBACK = REPO / "configs" / "feedback_program.yaml"

# Questions and figures added to the feedback study: a two-group banner with a
# not-applicable and an invalid code, a grid, both kinds of multi-select.
EXTRA_QUESTIONS = """\
  tier:
    text: Customer tier
    type: single
    column: T1
    options: {1: Standard, 2: Premium}
    not_applicable: [9]
  aspects:
    text: How would you rate
    type: grid
    columns: {Speed: G1, Courtesy: G2, Resolution: G3}
    options: {1: Poor, 2: Fair, 3: Good, 4: Very good, 5: Excellent}
    nets: {Good or better: [3, 4, 5]}
    not_applicable: [6]
  reasons:
    text: Why did you contact us?
    type: multi
    columns: {1: M1, 2: M2, 3: M3}
    options: {1: Billing, 2: Delivery, 3: Other}
    nets: {Billing or delivery: [1, 2]}
  touch:
    text: How did you reach us before?
    type: multi
    column: MC
    options: {1: Email, 2: Phone, 3: Chat}
"""

EXTRA_FIGURES = """\
  - {id: csat_by_tier, question: csat, show: both, by: tier}
  - {id: csat_by_channel_rs, question: csat, by: channel, test: rao-scott}
  - {id: csat_total, question: csat, show: both}
  - {id: aspects_by_tier, question: aspects, show: both, by: tier, test: rao-scott}
  - {id: aspects_mean_by_channel, question: aspects, stat: mean, by: channel}
  - {id: reasons_by_channel, question: reasons, show: both, by: channel}
  - {id: touch_by_tier, question: touch, by: tier}
  - {id: nps_filtered, question: nps, by: tier, filter: [{column: Q5, in: [1, 2, 3, 4, 5, 6]}]}
  - {id: nps_by_channel_rs, question: nps, by: channel, test: rao-scott}
  - {id: followup_mean_by_month, question: followup, stat: mean, by: recorded, period: month}
  - {id: followup_bins_by_tier, question: followup, stat: percent, by: tier}
  - {id: ces_by_quarter, question: ces, stat: mean, by: recorded, period: quarter}
  - {id: csat_mean_filtered, question: csat, stat: mean, by: channel,
     filter: [{column: T1, in: [1]}]}
"""

DESIGNS = {
    "unweighted": "",
    "weighted": "  weight: w\n",
    "clusters": "  cluster: psu\n",
    "strata": "  strata: region\n",
    "weighted strata": "  weight: w\n  strata: region\n",
    "clusters strata weights": "  weight: w\n  cluster: psu\n  strata: region\n",
}


def study_text(source: str = "") -> str:
    text = FEEDBACK.read_text(encoding="utf-8")
    text = text.replace("  missing: [-99]\n", "  missing: [-99]\n" + source, 1)
    text = text.replace("\nfigures:\n", "\n" + EXTRA_QUESTIONS + "\nfigures:\n", 1)
    return text.rstrip("\n") + "\n" + EXTRA_FIGURES


def write_study(folder: Path, name: str, text: str):
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_study(path)


def extra_columns(n: int, seed: int) -> dict[str, pa.Array]:
    """The added questions' cells and the design's columns, as CSV text."""
    rng = np.random.default_rng(seed)

    def text(values, blank=None):
        values = np.asarray(values).astype(str).astype(object)
        mask = np.zeros(n, dtype=bool) if blank is None else blank
        return pa.array(values, pa.string(), mask=mask)

    tier = rng.choice(["1", "2", "9", "7"], n, p=[0.55, 0.4, 0.04, 0.01])
    out = {"T1": text(tier, rng.random(n) < 0.03)}
    for col in ("G1", "G2", "G3"):
        cells = rng.choice(["1", "2", "3", "4", "5", "6", "8", "-99"], n,
                           p=[0.1, 0.15, 0.25, 0.25, 0.15, 0.05, 0.02, 0.03])  # fmt: skip
        out[col] = text(cells, rng.random(n) < 0.04)
    seen = rng.random(n) > 0.05
    for col in ("M1", "M2", "M3"):
        cells = np.where(rng.random(n) < 0.35, "1", "0").astype(object)
        cells[rng.random(n) < 0.01] = "maybe"  # invalid: out of the base, warned
        out[col] = text(cells, ~seen)
    combos = ["1", "2", "3", "1,2", "1,3", "2,3", "1,2,3", "4", "2,,3"]
    out["MC"] = text(rng.choice(combos, n), rng.random(n) < 0.1)
    weights = rng.choice(["0", "0.5", "1", "1.5", "2", "3.25"], n,
                         p=[0.1, 0.2, 0.3, 0.2, 0.1, 0.1])  # fmt: skip
    out["w"] = text(weights)
    region = rng.integers(0, 4, n)
    out["region"] = text(np.char.add("r", region.astype(str)))
    out["psu"] = text(np.char.add("c", (region * 10 + rng.integers(0, 6, n)).astype(str)))
    return out


@pytest.fixture(scope="module")
def sample(feedback_sample, tmp_path_factory):
    """(the respondent-level Export of the feedback sample with the added columns,
    a folder for studies)."""
    path, bundled = feedback_sample
    export = read_study_export(path, bundled.study)
    table = export.table
    for name, column in extra_columns(table.num_rows, 18).items():
        table = table.append_column(name, column)
    export.table = table
    return export, tmp_path_factory.mktemp("aggregated_studies")


# -- building aggregated exports, independently of the planner --------------


def weight_numbers(cells: pa.Array) -> np.ndarray:
    """A text weight column -> floats (NaN: blank or not a number)."""
    text = pc.utf8_trim_whitespace(cells.cast(pa.string()))
    number = pc.match_substring_regex(text, r"^-?[0-9]+(\.[0-9]+)?$")
    kept = pc.if_else(pc.fill_null(number, False), text, pa.scalar(None, pa.string()))
    return np.asarray(pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def calendar_days(cells: pa.Array) -> pa.Array:
    """Local date-times written as text -> their calendar day (date32), as an
    engine gives the day of a timestamp without a time zone."""
    stamps = pc.strptime(cells.cast(pa.string()), "%Y-%m-%d %H:%M:%S", "s", error_is_null=True)
    return stamps.cast(pa.date32())


def aggregate(export: Export, keys, weight=None, missing=(-99.0,), days=()) -> Export:
    """``export`` grouped by ``keys`` (study column names) with the engine's sums:
    respondents, and over the valid weights their sum, sum of squares and the
    count of positive ones, plus the count of invalid weights."""
    keys = list(dict.fromkeys(keys))
    data = {}
    for k in keys:
        column = export.table.column(k).combine_chunks()
        data[k] = calendar_days(column) if k in days else column
    n = export.num_rows
    data["one"] = pa.array(np.ones(n, dtype=np.int64))
    sums = [("one", "sum")]
    if weight is not None:
        w = weight_numbers(export.table.column(weight).combine_chunks())
        ok = np.isfinite(w) & (np.nan_to_num(w, nan=-1) >= 0) & ~np.isin(w, missing)
        valid = np.where(ok, w, 0.0)
        data["w"] = pa.array(valid)
        data["w2"] = pa.array(valid * valid)
        data["bad"] = pa.array((~ok).astype(np.int64))
        data["pos"] = pa.array((ok & (valid > 0)).astype(np.int64))
        sums += [("w", "sum"), ("w2", "sum"), ("bad", "sum"), ("pos", "sum")]
    grouped = pa.table(data).group_by(keys, use_threads=False).aggregate(sums)
    names = {"one_sum": "__n", "w_sum": "__w", "w2_sum": "__w2", "bad_sum": "__w_bad",
             "pos_sum": "__n_pos"}  # fmt: skip
    grouped = grouped.rename_columns([names.get(c, c) for c in grouped.column_names])
    table, frequency = Frequency.from_table(grouped)
    return Export(
        export.path,
        export.layout,
        table,
        export.header,
        export.labels,
        export.sha256,
        export.notes,
        export.positions,
        frequency=frequency,
    )


def figure_keys(study, fig) -> list[str]:
    """The columns a figure reads (its question, banner, filter, include rules,
    clusters and strata), as the engines group by."""
    src = study.source
    keys = [f.column for f in src.include]
    for name in (fig.question, fig.by):
        if name:
            keys += question_columns(study.questions[name.split(".")[0]])
    keys += [f.column for f in fig.filter]
    keys += [c for c in (src.cluster, src.strata) if c]
    return keys


def dated_columns(study) -> set[str]:
    return {q.column for q in study.questions.values() if q.type == "date"}


def scores_of(study_file, export, since=None, until=None) -> ScoreResult:
    responses = responses_from_export(export, study_file.study, since, until)
    return ScoreResult(study_file, responses, {}, {})


# -- comparing figures -------------------------------------------------------


def assert_close(a, b, where: str = "") -> None:
    """Equal structures; floats to 1e-9 (relative, or absolute near zero), ints,
    text and booleans exactly."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            assert_close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert isinstance(b, float | int), (where, a, b)
        if math.isnan(a):
            assert math.isnan(b), (where, a, b)
        else:
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    else:
        assert type(a) is type(b) and a == b, (where, a, b)


EXAMPLES = re.compile(r"\((e\.g\. [^)]*|[^()]*data row[^()]*|[^()]*with these answers[^()]*)\)")


def comparable_warnings(warnings: list[str]) -> list[str]:
    """Warnings without the rows they name as examples (an aggregated row has no
    data row number, and its first invalid cell may be another respondent's)."""
    out = []
    for w in warnings:
        w = EXAMPLES.sub("(…)", w)
        out.append(re.sub(r"[^;:(]*with these answers: '[^']*'", "…", w))
    return out


def assert_same_figure(expected, got) -> None:
    want, have = expected.to_dict(), got.to_dict()
    assert comparable_warnings(want.pop("warnings")) == comparable_warnings(have.pop("warnings"))
    assert_close(want, have, expected.id)
    for r1, r2 in zip(expected.rows, got.rows, strict=True):
        assert (r1.design is None) == (r2.design is None)
        if r1.design is None:
            continue
        np.testing.assert_allclose(r2.design.estimate, r1.design.estimate, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(r2.design.cov, r1.design.cov, rtol=1e-8, atol=1e-12)
        for x, y in combinations(expected.columns, 2):
            assert_close(r1.design.test(x, y), r2.design.test(x, y), f"{expected.id} {x}-{y}")


def compare_study(study_file, export, ids=None, since=None, until=None, options=Options()):
    """Every figure (or those in ``ids``) of ``study_file`` from ``export`` and from
    its aggregates grouped by the figure's columns; returns the pairs compared."""
    study = study_file.study
    whole = scores_of(study_file, export, since, until)
    days = dated_columns(study)
    pairs = []
    for fig in study.figures:
        if ids is not None and fig.id not in ids:
            continue
        expected = figure(fig, whole, options)
        keys = figure_keys(study, fig)
        if since or until:
            keys += [study.questions[study.source.date or "recorded"].column]
        agg = aggregate(export, keys, study.source.weight, days=days)
        assert agg.num_rows < export.num_rows  # rows stand for several respondents
        scores = scores_of(study_file, agg, since, until)
        got = figure(fig, scores, options)
        assert_same_figure(expected, got)
        assert scores.respondents == whole.respondents
        pairs.append((expected, got))
    return pairs


# -- the feedback sample under every design ----------------------------------


@pytest.mark.parametrize("design", list(DESIGNS))
def test_every_figure_of_the_feedback_sample_equals_the_respondent_level_one(sample, design):
    export, folder = sample
    study_file = write_study(folder, design.replace(" ", "_"), study_text(DESIGNS[design]))
    pairs = compare_study(study_file, export)
    assert len(pairs) == len(study_file.study.figures) == 22
    figs = {e.id: (e, g) for e, g in pairs}
    expected, got = figs["csat_by_channel_rs"]
    assert got.table_tests and got.table_tests[0].p_value is not None
    assert got.letters == expected.letters and len(got.letters) == 8
    classic = design in ("unweighted",)
    assert (got.design is None) == classic
    assert got.interval == ("wilson" if classic else "beta")
    gap = figs["csat_by_tier"][1].rows[0].gap
    assert gap.test == ("z" if classic else "design-t") and gap.p_value is not None
    month = figs["nps_by_month"][1]
    assert month.rows[-1].cells[month.columns[-1]].change is not None


def test_weighted_sample_has_groups_that_mix_zero_and_positive_weights(sample):
    """The case ``__n_pos`` exists for: n counts only respondents with a positive weight."""
    export, folder = sample
    study_file = write_study(folder, "mixed", study_text(DESIGNS["weighted"]))
    fig = next(f for f in study_file.study.figures if f.id == "csat_by_tier")
    agg = aggregate(export, figure_keys(study_file.study, fig), "w")
    freq = agg.frequency
    mixed = (freq.n_pos > 0) & (freq.n_pos < freq.n - freq.w_bad)
    assert mixed.any()
    cell = figure(fig, scores_of(study_file, agg)).rows[0].cells["Total"]
    plain = write_study(folder, "plain", study_text())
    every = figure(fig, scores_of(plain, aggregate(export, figure_keys(plain.study, fig))))
    assert cell.n < every.rows[0].cells["Total"].n  # the zero weights are not counted


def test_window_on_calendar_days_equals_the_respondent_level_window(sample):
    export, folder = sample
    study_file = write_study(folder, "window", study_text(DESIGNS["weighted strata"]))
    pairs = compare_study(
        study_file, export, {"nps_by_month", "csat_by_tier"}, since="2025-10", until="2026-03-15"
    )
    expected = pairs[0][0]
    assert expected.columns[1] == "2025-10" and expected.columns[-1] == "2026-03"
    whole = scores_of(study_file, export, "2025-10", "2026-03-15").respondents
    assert whole["window"]["outside"] > 0


def test_respondents_read_and_included_are_sums_of_counts(sample):
    export, folder = sample
    study_file = write_study(folder, "counts", study_text())
    agg = aggregate(export, [f.column for f in study_file.study.source.include])
    assert agg.num_rows < 20
    scores = scores_of(study_file, agg)
    whole = scores_of(study_file, export)
    assert scores.respondents == whole.respondents
    # by hand: the include rules of the feedback study, counted on the text cells
    finished = pc.equal(export.table.column("Finished"), "1").to_numpy(zero_copy_only=False)
    status = export.table.column("Status").to_pylist()
    kept = sum(1 for f, s in zip(finished, status, strict=True) if f and s not in ("1", "8"))
    assert scores.respondents == {"read": 3000, "included": kept, "scored": {}}
    assert scores.responses.read == agg.num_rows  # rows, not respondents
    kept_rows = [r for r in agg.table.to_pylist() if r["Finished"] == "1"
                 and r["Status"] not in ("1", "8")]  # fmt: skip
    assert scores.responses.included == len(kept_rows) < kept
    assert scores.responses.n_included == kept


# -- crafted exports: hand-checked numbers and properties -------------------


def crafted_export(columns: dict[str, list], path: str = "crafted.csv") -> Export:
    table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    layout = Layout("plain", "utf-8", ",")
    return Export(path, layout, table, list(columns))


CRAFTED = """\
version: 1
study: crafted
source:
  missing: [-99]
{source}
questions:
  q:
    type: single
    column: q
    options: {{1: A, 2: B, 3: C}}
    nets: {{A or B: [1, 2]}}
  g:
    type: single
    column: g
    options: {{1: G1, 2: G2, 3: G3}}
  x:
    type: numeric
    column: x
    bins:
      - {{label: Low, max: 3}}
      - {{label: High, min: 4}}
  p:
    type: nps
    column: p
figures:
  - {{id: pct, question: q, show: both, by: g, test: rao-scott}}
  - {{id: mean, question: x, stat: mean, by: g}}
  - {{id: bins, question: x, stat: percent, by: g}}
  - {{id: nps, question: p, by: g}}
  - {{id: two, question: q, by: g, filter: [{{column: g, in: [1, 2]}}]}}
"""


def crafted_study(tmp_path: Path, source: str):
    return write_study(tmp_path, "crafted", CRAFTED.format(source=source))


def test_hand_counted_unweighted_cells_from_three_rows(tmp_path):
    """Three aggregated rows: (q=1, g=1) x 4, (q=2, g=1) x 1, (q=1, g=2) x 5."""
    study_file = crafted_study(tmp_path, "")
    keys = pa.table({"q": ["1", "2", "1"], "g": ["1", "1", "2"], "x": ["2", "5", "7"],
                     "p": ["10", "0", "8"]})  # fmt: skip
    freq = Frequency(np.array([4, 1, 5], dtype=np.int64))
    export = Export("agg", Layout("plain", "utf-8", ","), keys, keys.column_names, frequency=freq)
    scores = scores_of(study_file, export)
    assert scores.respondents == {"read": 10, "included": 10, "scored": {}}
    fig = figure(study_file.study.figures[0], scores)
    a = fig.rows[0].cells
    assert (a["Total"].count, a["Total"].base, a["Total"].n, a["Total"].value) == (9, 10, 10, 90.0)
    assert (a["G1"].count, a["G1"].base, a["G1"].value) == (4, 5, 80.0)
    assert fig.design is None and fig.interval == "wilson"
    lo, hi = a["G1"].ci  # Wilson on n = 5 respondents, 4 hits
    z = 1.959963984540054
    centre, half = (0.8 + z * z / 10) / (1 + z * z / 5), z * math.sqrt(
        0.16 / 5 + z * z / 100) / (1 + z * z / 5)  # fmt: skip
    assert (lo, hi) == pytest.approx((100 * (centre - half), 100 * (centre + half)), rel=1e-12)
    mean = figure(study_file.study.figures[1], scores).rows[0].cells["Total"]
    # (4 x 2 + 5 + 5 x 7) / 10 = 4.8; sd over the ten respondents
    values = [2] * 4 + [5] + [7] * 5
    assert mean.value == pytest.approx(4.8, rel=1e-12)
    assert mean.sd == pytest.approx(float(np.std(values, ddof=1)), rel=1e-12)
    nps = figure(study_file.study.figures[3], scores).rows[-1].cells["Total"]
    assert nps.value == pytest.approx(100 * (4 - 1) / 10, rel=1e-12)  # 4 promoters, 1 detractor
    # adjusted Wald: (4 + .75) / 11.5 promoters, (1 + .75) / 11.5 detractors
    p, d = 4.75 / 11.5, 1.75 / 11.5
    half = z * math.sqrt((p + d - (p - d) ** 2) / 11.5)
    assert nps.ci == pytest.approx((100 * (p - d - half), 100 * (p - d + half)), rel=1e-12)


def test_hand_computed_weighted_variance_uses_the_squared_weight_sums(tmp_path):
    """Two rows: (q=1) 2 respondents w 1 and 3; (q=2) 1 respondent w 2. p = 4/6.
    Each respondent is a PSU: z = w (y - p) / 6 -> 1/18, 3/18, -4/18 (sum 0), so
    V = 3/2 * (1 + 9 + 16) / 324 = 13/108; the squares 1 + 9 are the row's w2."""
    study_file = crafted_study(tmp_path, "  weight: w")
    keys = pa.table({"q": ["1", "2"], "g": ["1", "1"], "x": ["1", "1"], "p": ["1", "1"]})
    freq = Frequency(
        np.array([2, 1]), np.array([4.0, 2.0]), np.array([10.0, 4.0]), np.array([0, 0]),
        np.array([2, 1]),
    )  # fmt: skip
    export = Export("agg", Layout("plain", "utf-8", ","), keys, keys.column_names, frequency=freq)
    cell = figure(study_file.study.figures[0], scores_of(study_file, export)).rows[0].cells["Total"]
    assert (cell.n, cell.count, cell.base) == (3, 4.0, 6.0)
    assert cell.se == pytest.approx(100 * math.sqrt(13 / 108), rel=1e-12)
    srs = (2 / 3) * (1 / 3) / 2
    assert cell.deff == pytest.approx((13 / 108) / srs, rel=1e-12)


def _designs():
    return st.sampled_from(["", "  weight: w", "  cluster: c", "  strata: s",
                            "  weight: w\n  strata: s", "  weight: w\n  cluster: c\n  strata: s"])  # fmt: skip


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(40, 400), design=_designs())
def test_random_exports_give_the_same_figures_aggregated(tmp_path, seed, n, design):
    """Seeded random exports with few distinct answers (so rows group), zero and
    positive weights in one group, blanks, invalid and missing codes, clusters and
    strata with at least two PSUs each: every figure of the crafted study."""
    rng = np.random.default_rng(seed)

    def pick(values, p=None):
        return list(rng.choice(values, n, p=p))

    s = pick(["s1", "s2", "s3"])
    columns = {
        "q": pick(["1", "2", "3", "", "-99", "5"], [0.4, 0.3, 0.2, 0.05, 0.03, 0.02]),
        "g": pick(["1", "2", "3", ""], [0.4, 0.3, 0.25, 0.05]),
        "x": pick(["1", "2", "3", "4", "5.5", "", "abc"], [0.2, 0.2, 0.2, 0.2, 0.1, 0.08, 0.02]),
        "p": pick([str(i) for i in range(11)] + [""]),
        "w": pick(["0", "1", "2", "0.5", "4"], [0.15, 0.4, 0.2, 0.15, 0.1]),
        "s": s,
        "c": [f"{a}-{b}" for a, b in zip(s, rng.integers(0, 4, n), strict=True)],
    }
    for i, stratum in enumerate(["s1", "s2", "s3"]):  # every stratum: two PSUs at least
        columns["s"][2 * i : 2 * i + 2] = [stratum, stratum]
        columns["c"][2 * i : 2 * i + 2] = [f"{stratum}-0", f"{stratum}-1"]
    columns["w"][0] = "1"  # some positive weight in every sample
    export = crafted_export(columns)
    folder = tmp_path / f"h{seed}"
    folder.mkdir(exist_ok=True)
    study_file = crafted_study(folder, design)
    try:
        figures_in_both(study_file, export)
    except DataError as exc:  # e.g. a banner with no respondents: both must refuse
        with pytest.raises(DataError) as again:
            figures_in_both(study_file, export, aggregated_only=True)
        assert str(again.value) == str(exc)


def figures_in_both(study_file, export, aggregated_only=False):
    study = study_file.study
    whole = None if aggregated_only else scores_of(study_file, export)
    for fig in study.figures:
        agg = aggregate(export, figure_keys(study, fig), study.source.weight)
        got = figure(fig, scores_of(study_file, agg))
        if whole is not None:
            assert_same_figure(figure(fig, whole), got)


# -- dates: a calendar day lands in its own period and window ---------------


def test_a_day_whose_midnight_is_skipped_stays_in_its_month(tmp_path):
    """Asuncion skipped 2023-10-01 00:00 (daylight saving): the day's key must
    not become 30 September 23:59:59 (the earliest-instant rule of parsed
    times), neither in a month banner nor in a window starting that day."""
    zone = zoneinfo.ZoneInfo("America/Asuncion")
    assert dt.datetime(2023, 10, 1, tzinfo=zone).utcoffset() is not None
    gap = dt.datetime(2023, 10, 1, tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
    assert gap.hour == 1  # Python agrees: local midnight does not exist that day
    text = """\
version: 1
study: dates
source:
  date: when
questions:
  when: {type: date, column: d, timezone: America/Asuncion}
  q:
    type: single
    column: q
    options: {1: Agree, 2: Disagree}
figures:
  - {id: month, question: q, by: when, period: month}
"""
    study_file = write_study(tmp_path, "dates", text)
    stamps = ["2023-09-30 23:30:00", "2023-10-01 10:00:00", "2023-10-01 23:59:59",
              "2023-10-02 00:00:00", "2023-09-30 08:00:00"]  # fmt: skip
    export = crafted_export({"d": stamps, "q": ["1", "2", "1", "1", "2"]})
    agg = aggregate(export, ["d", "q"], days={"d"})
    assert pa.types.is_date32(agg.table.column("d").type)
    fig = study_file.study.figures[0]
    for since in (None, "2023-10-01"):
        expected = figure(fig, scores_of(study_file, export, since))
        got = figure(fig, scores_of(study_file, agg, since))
        assert_same_figure(expected, got)
        october = got.rows[0].cells["2023-10"]
        assert (october.base, october.count) == (3, 2)
    assert scores_of(study_file, agg, "2023-10-01").respondents["window"]["outside"] == 2


# -- messages and refusals ---------------------------------------------------


def test_aggregated_rows_are_described_without_data_rows(tmp_path):
    study_file = crafted_study(tmp_path, "  weight: w")
    keys = pa.table({"q": ["1", "2"], "g": ["1", "1"], "x": ["1", "1"], "p": ["1", "1"]})
    freq = Frequency(np.array([3, 1]), np.array([2.0, 1.0]), np.array([2.0, 1.0]),
                     np.array([2, 0]), np.array([1, 1]))  # fmt: skip
    export = Export("agg.parquet", Layout("parquet", "binary"), keys, keys.column_names,
                    frequency=freq)  # fmt: skip
    responses = responses_from_export(export, study_file.study)
    assert responses.describe_row(0) == "one of 3 responses with these answers"
    assert responses.describe_row(1) == "a response with these answers"
    with pytest.raises(DataError) as err:
        figure(study_file.study.figures[0], ScoreResult(study_file, responses, {}, {}))
    assert str(err.value) == (
        "agg.parquet: weight column 'w' has 2 blank, negative or non-numeric weights among "
        "the included respondents; fix them or drop source.weight"
    )


def test_all_zero_weight_sums_are_refused_as_for_respondents(tmp_path):
    study_file = crafted_study(tmp_path, "  weight: w")
    keys = pa.table({"q": ["1", "2"], "g": ["1", "1"], "x": ["1", "1"], "p": ["1", "1"]})
    zero = np.zeros(2)
    freq = Frequency(np.array([3, 1]), zero, zero, np.array([0, 0]), np.array([0, 0]))
    export = Export("agg", Layout("plain", "utf-8", ","), keys, keys.column_names, frequency=freq)
    with pytest.raises(DataError, match="is zero for every included respondent"):
        figure(study_file.study.figures[0], scores_of(study_file, export))


def test_counts_in_warnings_are_respondents(tmp_path):
    """Invalid codes, banner codes outside its columns and unparseable dates are
    counted in respondents, with the respondents per code."""
    text = """\
version: 1
study: warned
source: {}
questions:
  when: {type: date, column: d}
  q:
    type: single
    column: q
    options: {1: Agree, 2: Disagree}
  g:
    type: single
    column: g
    options: {1: G1, 2: G2}
figures:
  - {id: byg, question: q, by: g}
  - {id: bymonth, question: q, by: when, period: month}
"""
    study_file = write_study(tmp_path, "warned", text)
    export = crafted_export({
        "q": ["1", "7", "7", "2", "1", "1"],
        "g": ["1", "5", "5", "5", "2", "1"],
        "d": ["2026-01-02", "soon", "soon", "2026-02-01", "2026-01-05", "2026-01-02"],
    })  # fmt: skip
    for fig in study_file.study.figures:
        expected = figure(fig, scores_of(study_file, export))
        got = figure(fig, scores_of(study_file, aggregate(export, ["q", "g", "d"])))
        assert_same_figure(expected, got)
    warnings = " | ".join(got.warnings + expected.warnings)
    assert "2 response(s) in column 'd' have unparseable dates" in warnings
    assert "one of 2 responses with these answers: 'soon'" in warnings
    byg = figure(study_file.study.figures[0],
                 scores_of(study_file, aggregate(export, ["q", "g"])))  # fmt: skip
    assert byg.warnings[0] == (
        "3 response(s) in banner column 'g' fall in no banner column (3 are not options of "
        "'g' ('5' (3x))); they count in Total only"
    )
    assert byg.warnings[1].startswith("2 response(s) in column 'q' have codes that are not valid")


@pytest.mark.parametrize(
    "yaml, what",
    [
        ("scales:\n  s: {values: {1: a, 2: b}, groups: {A: [q]}}\n", "scales"),
        ("quality:\n  speeders: {column: x}\n", "quality rules"),
        ("weighting:\n  targets: {g: {G1: 50, G2: 50}}\n", "rim weights (weighting)"),
    ],
)
def test_respondent_level_parts_refuse_aggregated_exports(tmp_path, yaml, what):
    from cxsurvey.scoring.run import score_responses

    text = CRAFTED.format(source="").replace("\nquestions:", "\n" + yaml + "questions:", 1)
    text = text.replace("options: {1: G1, 2: G2, 3: G3}", "options: {1: G1, 2: G2}")
    study_file = write_study(tmp_path, "refused", text)
    keys = pa.table({"q": ["1"], "g": ["1"], "x": ["1"], "p": ["1"]})
    export = Export("agg", Layout("plain", "utf-8", ","), keys, keys.column_names,
                    frequency=Frequency(np.array([2])))  # fmt: skip
    with pytest.raises(DataError) as err:
        score_responses(responses_from_export(export, study_file.study), study_file)
    assert str(err.value) == (
        f"{what} need one row per respondent, and agg is aggregated (each row stands for "
        "several respondents); run them on the respondent-level export"
    )


def test_scale_figures_and_drivers_refuse_aggregated_exports(tmp_path):
    from cxsurvey.tabulation.drivers import drivers_figure

    study_file = cxsurvey.load_study(REPO / "configs" / "cx_practitioner_study.yaml")
    study = study_file.study
    fig = next(f for f in study.figures if f.question and f.question.split(".")[0] in study.scales)
    cells = {c: "0" if c == "Status" else "1" for c in study.columns()}
    keys = pa.table({c: pa.array([v], pa.string()) for c, v in cells.items()})
    export = Export("agg", Layout("plain", "utf-8", ","), keys, keys.column_names,
                    frequency=Frequency(np.array([2])))  # fmt: skip
    scores = ScoreResult(study_file, responses_from_export(export, study), {}, {})
    with pytest.raises(DataError, match=rf"^scales and segments \(figure {fig.id!r}\) need one"):
        figure(fig, scores)
    with pytest.raises(DataError, match=r"^score tables need one row per respondent"):
        scores.table()
    text = CRAFTED.format(source="") + (
        "  - {id: drv, kind: drivers, outcome: x, predictors: [p, q]}\n"
    )
    crafted = write_study(tmp_path, "drivers", text)
    keys = pa.table({"q": ["1"], "g": ["1"], "x": ["1"], "p": ["1"]})
    export = Export("agg", Layout("plain", "utf-8", ","), keys, keys.column_names,
                    frequency=Frequency(np.array([2])))  # fmt: skip
    with pytest.raises(DataError, match=r"^key drivers \(figure 'drv'\) need one row"):
        drivers_figure(crafted.study.figures[-1], scores_of(crafted, export))


# -- the carrier and the engine contract ------------------------------------


def test_frequency_from_table_takes_the_engine_columns_off():
    from cxsurvey.tabulation.engines import base

    assert (base.N, base.W, base.W2, base.W_BAD, base.N_POS) == (
        "__n",
        "__w",
        "__w2",
        "__w_bad",
        "__n_pos",
    )
    table = pa.table({"q": ["1", "2"], "__n": [3, 1], "__w": [2.5, 0.0], "__w2": [4.25, 0.0],
                      "__w_bad": [0, 1], "__n_pos": [2, 0]})  # fmt: skip
    keys, freq = Frequency.from_table(table)
    assert keys.column_names == ["q"]
    assert freq.n.tolist() == [3, 1] and freq.w.tolist() == [2.5, 0.0]
    assert freq.w2.tolist() == [4.25, 0.0] and freq.w_bad.tolist() == [0, 1]
    assert freq.n_pos.tolist() == [2, 0] and freq.total == 4
    assert freq.n.dtype == np.int64 and freq.w.dtype == np.float64
    part = freq.take(np.array([1]))
    assert (part.n.tolist(), part.w.tolist(), part.n_pos.tolist()) == ([1], [0.0], [0])
    unweighted = Frequency.from_table(table.select(["q", "__n"]))[1]
    assert unweighted.w is None and not unweighted.weighted
    with pytest.raises(DataError, match="needs all of __w, __w2, __w_bad and __n_pos"):
        Frequency.from_table(table.drop_columns(["__n_pos"]))
    with pytest.raises(DataError, match="count column"):
        Frequency.from_table(table.drop_columns(["__n"]))


def test_duckdb_counts_positive_weights_per_group(tmp_path):
    pytest.importorskip("duckdb")
    import pyarrow.parquet as pq

    from cxsurvey.tabulation.engines.base import GroupPlan, Key, Source
    from cxsurvey.tabulation.engines.duckdb import DuckDBEngine

    path = tmp_path / "w.parquet"
    w = [0.0, 2.0, None, 1.5, -99.0, 3.0, 0.0, float("nan")]
    g = ["a", "a", "a", "b", "b", "b", "b", "a"]
    pq.write_table(pa.table({"g": g, "w": w}), path)
    plan = GroupPlan((Key("g", "g"),), weight="w", missing=(-99.0,))
    (table,) = DuckDBEngine(threads=1).aggregate(Source(str(path), (str(path),)), [plan])
    rows = {r["g"]: r for r in table.to_pylist()}
    assert rows["a"] == {"g": "a", "__n": 4, "__w": 2.0, "__w2": 4.0, "__w_bad": 2, "__n_pos": 1}
    assert rows["b"] == {"g": "b", "__n": 4, "__w": 4.5, "__w2": 11.25, "__w_bad": 1,
                         "__n_pos": 2}  # fmt: skip
    assert table.schema.field("__n_pos").type == pa.int64()


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("unit", ["none", "strata", "clusters"])
def test_design_sums_of_rows_equal_the_sums_of_their_respondents(weighted, unit):
    """``atom_sums`` and ``SlotSums`` on rows with counts, against the same sums
    over the respondents the rows stand for (each repeated n times, its own weight)."""
    from cxsurvey.stats.design import SlotSums, atom_sums, linearised_cov, make_design

    rng = np.random.default_rng(7)
    rows = 60
    n = rng.integers(1, 6, rows)
    atom = rng.integers(-1, 4, rows)
    y = rng.normal(size=rows)
    slot = rng.integers(0, 3, rows)  # the last slot: filtered out (SlotSums)
    stratum = rng.integers(0, 3, rows)
    cluster = stratum * 10 + rng.integers(0, 3, rows)
    owner = np.repeat(np.arange(rows), n)  # the row of each respondent
    w = rng.choice([0.0, 0.5, 1.0, 2.0], len(owner))

    def per_row(values):
        return np.bincount(owner, weights=values, minlength=rows)

    design_args = {"strata": stratum, "clusters": cluster}
    codes = design_args.get(unit)
    key = "strata" if unit == "strata" else "cluster"
    people = make_design(
        len(owner), w if weighted else None, **({key: codes[owner]} if codes is not None else {})
    )
    grouped = make_design(
        int(n.sum()),
        per_row(w) if weighted else None,
        **({key: codes} if codes is not None else {}),
        counts=n,
        squares=per_row(w * w) if weighted else None,
        positives=per_row((w > 0).astype(float)).astype(np.int64) if weighted else None,
    )
    np.testing.assert_allclose(grouped.units_per_stratum, people.units_per_stratum)
    a = atom_sums(people, atom[owner], 4, y[owner])
    b = atom_sums(grouped, atom, 4, y)
    for name in ("t1", "ty", "tyy", "w2", "w2y", "w2yy", "count"):
        if getattr(a, name) is None:
            assert getattr(b, name) is None
        else:
            np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=1e-12, atol=1e-12)
    l1, ly = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(
        linearised_cov(grouped, b, l1, ly), linearised_cov(people, a, l1, ly), rtol=1e-10
    )
    mask = atom >= 0
    code = np.where(mask, atom, 0)
    for kwargs in ({}, {"y": y}, {"code": code, "n_codes": 4}):
        per_person = {k: v[owner] if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        want = SlotSums(people, slot[owner], 4).over(mask[owner], **per_person)
        got = SlotSums(grouped, slot, 4).over(mask, **kwargs)
        assert want.keys() == got.keys()
        for name in want:
            np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-12)
