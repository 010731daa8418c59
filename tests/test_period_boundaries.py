"""Which month and quarter each answer lands in, at the edges, in zones with daylight saving.

Expectations are worked out by hand from the zone rules: Europe/Berlin is UTC+1
(CET) in winter and UTC+2 (CEST) from 29 March 2026 01:00 UTC to 25 October 2026
01:00 UTC; America/New_York is UTC-5 (EST), UTC-4 (EDT) from 8 March 2026 07:00
UTC. So 31 March 22:30 UTC is already 1 April in Berlin, and a tool that ignored
the zone (or used the winter offset all year) would put it in March and Q1.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import cxsurvey
from cxsurvey.reading.dates import parse_dates, periods
from cxsurvey.study import parse_study
from tests.conftest import render_export

BERLIN = "Europe/Berlin"
# answer text -> (month, quarter) in Berlin. Naive values are Berlin wall-clock times.
BERLIN_CASES = {
    "2025-12-31 23:59:59": ("2025-12", "2025-Q4"),
    "2026-01-01 00:00:00": ("2026-01", "2026-Q1"),
    "2025-12-31T22:59:59Z": ("2025-12", "2025-Q4"),  # 23:59:59 CET
    "2025-12-31T23:00:00Z": ("2026-01", "2026-Q1"),  # midnight CET
    "2026-03-31 23:59": ("2026-03", "2026-Q1"),
    "2026-04-01 00:00": ("2026-04", "2026-Q2"),
    "2026-03-31T21:59:59Z": ("2026-03", "2026-Q1"),  # 23:59:59 CEST
    "2026-03-31T22:30:00Z": ("2026-04", "2026-Q2"),  # 00:30 CEST (CET would say 23:30 March)
    "2026-03-31T23:30:00+01:00": ("2026-04", "2026-Q2"),  # the same instant, another offset
    "2026-06-30 23:59": ("2026-06", "2026-Q2"),
    "2026-07-01 00:00": ("2026-07", "2026-Q3"),
    "2026-06-30T21:59:59Z": ("2026-06", "2026-Q2"),
    "2026-06-30T22:00:00Z": ("2026-07", "2026-Q3"),  # midnight CEST
}


def _landing(texts, period, timezone):
    parsed = parse_dates(pa.array(texts), timezone=timezone)
    assert not parsed.unparseable.any()
    labels, index = periods(parsed.instants, period, timezone)
    return [labels[i] for i in index]


@pytest.mark.parametrize(
    ("period", "which"),
    [pytest.param("month", 0, id="month"), pytest.param("quarter", 1, id="quarter")],
)
def test_each_answer_lands_in_its_berlin_month_and_quarter_at_the_boundaries(period, which):
    texts = list(BERLIN_CASES)
    got = _landing(texts, period, BERLIN)
    want = [BERLIN_CASES[t][which] for t in texts]
    assert dict(zip(texts, got, strict=True)) == dict(zip(texts, want, strict=True))


def test_march_31_is_first_quarter_and_april_1_second_in_utc_too():
    texts = ["2026-03-31 23:59:59", "2026-04-01 00:00:00", "2026-09-30 23:59", "2026-10-01"]
    assert _landing(texts, "quarter", "UTC") == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert _landing(texts, "month", "UTC") == ["2026-03", "2026-04", "2026-09", "2026-10"]


def test_new_york_wall_clock_keeps_answers_in_their_local_month():
    # 23:59 EDT on 31 March is 03:59 UTC on 1 April; 19:30 EST on 31 December is
    # 00:30 UTC on 1 January. Both stay in their local month.
    texts = ["2026-03-31 23:59", "2025-12-31 19:30", "2026-04-01T03:30:00Z"]
    parsed = parse_dates(pa.array(texts), timezone="America/New_York")
    assert [str(t) for t in parsed.instants] == [
        "2026-04-01T03:59:00", "2026-01-01T00:30:00", "2026-04-01T03:30:00",
    ]  # fmt: skip
    assert _landing(texts, "month", "America/New_York") == ["2026-03", "2025-12", "2026-03"]


def test_naive_times_across_the_daylight_saving_switch_convert_with_the_right_offset():
    texts = [
        "2026-03-29 01:59",  # CET, +1
        "2026-03-29 02:30",  # does not exist (clocks jump 02:00 -> 03:00): the last instant before
        "2026-03-29 03:00",  # CEST, +2: one minute after 01:59 CET
        "2026-10-25 02:30",  # happens twice: the earlier (CEST) one
        "2026-10-25 03:00",  # CET again
    ]
    parsed = parse_dates(pa.array(texts), timezone=BERLIN)
    assert [str(t) for t in parsed.instants] == [
        "2026-03-29T00:59:00", "2026-03-29T00:59:59", "2026-03-29T01:00:00",
        "2026-10-25T00:30:00", "2026-10-25T02:00:00",
    ]  # fmt: skip
    assert not parsed.unparseable.any()


TREND = """version: 1
study: Boundaries
source: {id: id}
questions:
  when: {type: date, column: when, timezone: Europe/Berlin}
  ok: {type: single, column: ok, options: {1: "Yes", 2: "No"}}
figures:
  - {id: by_quarter, question: ok, show: "Yes", by: when, period: quarter}
  - {id: by_month, question: ok, show: "Yes", by: when, period: month}
"""


def test_period_banner_counts_each_answer_in_its_berlin_quarter_and_month(tmp_path):
    # Respondent i answers "Yes" and is dated BERLIN_CASES' i-th text.
    rows = [[f"r{i}", text, "1"] for i, text in enumerate(BERLIN_CASES)]
    path = tmp_path / "when.csv"
    path.write_text(render_export(["id", "when", "ok"], rows))
    figs = {f.id: f for f in cxsurvey.figures(path, parse_study(TREND, "t.yaml")).figures}

    def bases(fig):
        cells = fig.rows[0].cells
        return {c: cells[c].base for c in fig.columns[1:]}

    # Counted by hand from BERLIN_CASES.
    assert bases(figs["by_quarter"]) == {"2025-Q4": 2, "2026-Q1": 4, "2026-Q2": 5, "2026-Q3": 2}
    assert bases(figs["by_month"]) == {
        "2025-12": 2, "2026-01": 2, "2026-02": 0, "2026-03": 2,
        "2026-04": 3, "2026-05": 0, "2026-06": 2, "2026-07": 2,
    }  # fmt: skip
    assert not any("unparseable" in w for w in figs["by_quarter"].warnings)


def test_instants_are_utc_whatever_the_zone_of_the_period():
    # The same instant with and without an explicit offset.
    parsed = parse_dates(pa.array(["2026-04-01 00:30", "2026-03-31T22:30:00Z"]), timezone=BERLIN)
    assert parsed.instants[0] == parsed.instants[1] == np.datetime64("2026-03-31T22:30:00")
