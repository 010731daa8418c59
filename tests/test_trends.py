"""Dates, period banners with changes, numeric bins, and the feedback program study."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats as sp
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.reading.dates import parse_dates, periods
from cxsurvey.study import parse_study
from tests.conftest import render_export


def _utc(values, **kw):
    parsed = parse_dates(pa.array(values), **kw)
    out = [None if np.isnat(t) else str(t) for t in parsed.instants]
    return out, parsed.unparseable.tolist()


def test_iso_and_us_dates_strictly():
    got, bad = _utc([
        "2026-01-15 10:23:45", "2026-01-15T10:23:45Z", "2026-01-31T23:30:00-01:00",
        "2026-01-15T10:23:45.250+0530", "2026-01-15", "1/5/2026 7:05", "12/31/2025",
        "2024-02-29", "2026-02-29", "2026-13-01", "2026-01-15 24:00", "yesterday", "", None,
    ])  # fmt: skip
    assert got == [
        "2026-01-15T10:23:45", "2026-01-15T10:23:45", "2026-02-01T00:30:00",
        "2026-01-15T04:53:45", "2026-01-15T00:00:00", "2026-01-05T07:05:00",
        "2025-12-31T00:00:00", "2024-02-29T00:00:00", None, None, None, None, None, None,
    ]  # fmt: skip
    assert bad == [False] * 8 + [True] * 4 + [False, False]  # blanks are not unparseable


def test_time_zone_of_naive_values_and_a_custom_format():
    # Denver is UTC-7 in January, UTC-6 in July; an explicit offset wins.
    got, _ = _utc(["2026-01-15 10:00", "2026-07-15 10:00", "2026-01-15T10:00Z"],
                  timezone="America/Denver")  # fmt: skip
    assert got == ["2026-01-15T17:00:00", "2026-07-15T16:00:00", "2026-01-15T10:00:00"]
    got, bad = _utc(["15.01.2026 10:23", "30.02.2026 10:00", "2026-01-15"], fmt="%d.%m.%Y %H:%M")
    assert got == ["2026-01-15T10:23:00", None, None] and bad == [False, True, True]


def test_periods_in_time_order_with_empty_ones():
    instants = np.array(["2026-01-31T23:30", "2026-04-02T00:00", "NaT"], dtype="datetime64[s]")
    labels, index = periods(instants, "month")
    assert labels == ["2026-01", "2026-02", "2026-03", "2026-04"] and index.tolist() == [0, 3, -1]
    # In Denver the first instant is still January 31st, the second already April 1st.
    labels, index = periods(instants, "month", "America/Denver")
    assert labels == ["2026-01", "2026-02", "2026-03", "2026-04"] and index.tolist() == [0, 3, -1]
    labels, _ = periods(instants, "quarter")
    assert labels == ["2026-Q1", "2026-Q2"]
    days = np.array(["2025-12-28", "2025-12-29", "2027-01-01"], dtype="datetime64[s]")
    labels, index = periods(days, "week")
    assert labels[0] == "2025-W52" and labels[1] == "2026-W01" and labels[-1] == "2026-W53"
    assert index.tolist() == [0, 1, len(labels) - 1]


TREND_STUDY = """version: 1
study: Trend
source: {id: id}
questions:
  when: {type: date, column: when}
  ok: {type: single, column: ok, options: {1: "Yes", 2: "No"}}
  wait: {type: numeric, column: wait, range: [0, 1000], bins: [{label: Within a day, max: 24}]}
figures:
  - {id: ok_by_month, question: ok, show: "Yes", by: when, period: month}
  - {id: wait_by_month, question: wait, show: Within a day, by: when}
"""


def _trend(tmp_path):
    rows = [  # id, when, ok, wait
        ["a", "2026-01-03", "1", "5"], ["b", "2026-01-20", "1", "30"],
        ["c", "2026-01-21", "1", "24"], ["d", "2026-01-31", "2", "2"],
        ["e", "2026-02-01", "1", "100"], ["f", "2026-02-11", "2", "48"],
        ["g", "2026-02-12", "2", ""], ["h", "2026-02-28", "2", "1"],
        ["i", "2026-04-01", "1", "3"], ["j", "2026-04-30", "1", "7"],
        ["k", "31/04/2026", "1", "1"],
    ]  # fmt: skip
    path = tmp_path / "trend.csv"
    path.write_text(render_export(["id", "when", "ok", "wait"], rows))
    return cxsurvey.figures(path, parse_study(TREND_STUDY, "trend.yaml"))


def test_period_banner_changes_by_hand(tmp_path):
    figs = {f.id: f for f in _trend(tmp_path).figures}
    fig = figs["ok_by_month"]
    assert fig.columns == ["Total", "2026-01", "2026-02", "2026-03", "2026-04"]
    cells = fig.rows[0].cells
    assert [(cells[c].value, cells[c].count, cells[c].base) for c in fig.columns] == [
        (700 / 11, 7, 11), (75.0, 3, 4), (25.0, 1, 4), (None, 0, 0), (100.0, 2, 2),
    ]  # fmt: skip
    assert cells["2026-01"].change is None  # the first period has nothing before it
    feb = cells["2026-02"].change  # 1/4 vs 3/4: expected counts under 5 -> Fisher
    assert (feb.points, feb.test) == (-50.0, "fisher")
    assert feb.p_value == pytest.approx(sp.fisher_exact([[1, 3], [3, 1]]).pvalue, rel=1e-9)
    assert not feb.significant
    assert cells["2026-03"].change.points is None and cells["2026-04"].change.points is None
    assert fig.warnings[0] == (
        "1 response(s) in column 'when' have unparseable dates (respondent k (data row 11): "
        "'31/04/2026'); excluded from the month columns"
    )
    assert "change" in json.dumps(fig.rows[0].cells["2026-02"].to_dict())


def test_numeric_bins_as_percent_rows(tmp_path):
    fig = {f.id: f for f in _trend(tmp_path).figures}["wait_by_month"]
    assert fig.stat == "percent" and [r.label for r in fig.rows] == ["Within a day"]
    cells = fig.rows[0].cells
    # January: 5, 30, 24, 2 -> 3 of 4 within 24 hours (24 counts); February: 100, 48, 1 -> 1 of 3.
    assert (cells["2026-01"].count, cells["2026-01"].base) == (3, 4)
    assert (cells["2026-02"].count, cells["2026-02"].base) == (1, 3)
    assert (cells["Total"].count, cells["Total"].base) == (7, 10)


@pytest.fixture(scope="module")
def feedback_export(tmp_path_factory):
    path = tmp_path_factory.mktemp("feedback") / "feedback.csv"
    result = CliRunner().invoke(
        app, ["sample", "--study", "feedback", "--rows", "6000", "--seed", "5", "--out", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path


def test_feedback_study_figures_on_a_generated_export(feedback_export):
    study = cxsurvey.load_study(cxsurvey.defaults.bundled_study("feedback"))
    result = cxsurvey.figures(feedback_export, study)
    figs = {f.id: f for f in result.figures}
    assert set(figs) == {
        "nps_by_channel", "nps_by_industry", "nps_by_month", "csat_by_channel",
        "csat_by_industry", "csat_by_month", "ces_agree_by_channel", "ces_mean_by_channel",
        "followup_by_industry",
    }  # fmt: skip
    months = figs["nps_by_month"].columns[1:]
    assert months == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    assert [r.label for r in figs["nps_by_month"].rows] == [
        "Promoters", "Passives", "Detractors", "NPS",
    ]  # fmt: skip
    nps = figs["nps_by_month"].rows[3].cells
    assert all(nps[m].change is not None for m in months[1:])
    assert figs["nps_by_channel"].columns[1:] == [
        "Email", "SMS", "Web", "App", "Phone", "Chat", "Social", "In person",
    ]  # fmt: skip
    assert figs["followup_by_industry"].letters is not None

    # CSAT top-2-box by channel, recomputed from the file with the csv module.
    with open(feedback_export, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[2:]
    kept = [r for r in rows if r["Finished"] == "1" and r["Status"] not in ("1", "8")]
    valid = [r for r in kept if r["Q2"] in {"1", "2", "3", "4", "5"}]
    top = [r for r in valid if r["Q2"] in {"4", "5"}]
    total = figs["csat_by_channel"].rows[0].cells["Total"]
    assert (total.count, total.base) == (len(top), len(valid))
    phone = figs["csat_by_channel"].rows[0].cells["Phone"]
    assert phone.base == sum(r["Q4"] == "5" for r in valid)
    # In-person interactions are designed to satisfy more than social ones.
    by = figs["nps_by_channel"].rows[3].cells
    assert by["In person"].value > by["Social"].value


def test_check_reports_nothing_wrong_with_the_feedback_sample(feedback_export):
    result = CliRunner().invoke(app, ["check", str(feedback_export), "--study", "feedback"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_feedback_report_charts_nps_as_stacked_shares(feedback_export, tmp_path):
    from cxsurvey.outputs.charts.draw import draw
    from cxsurvey.outputs.charts.spec import chart_spec

    study = cxsurvey.load_study(cxsurvey.defaults.bundled_study("feedback"))
    fig = next(
        f for f in cxsurvey.figures(feedback_export, study).figures if f.id == "nps_by_channel"
    )
    spec = chart_spec(fig, study.study)
    assert spec.kind == "stacked" and [s.name for s in spec.series] == [
        "Detractors", "Passives", "Promoters",
    ]  # fmt: skip
    nps = fig.rows[3].cells["Total"].value
    assert spec.categories[0] == f"Total (NPS {nps:+.0f})"
    assert len(draw(spec).axes[0].patches) == 3 * len(fig.columns)
    out = tmp_path / "feedback.html"
    result = CliRunner().invoke(
        app, ["report", str(feedback_export), "--study", "feedback", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().count('<section class="figure"') == 9
