"""Strict date parsing by hand: month lengths, leap years, clock fields, offsets
of more than ten hours, and blanks on the fast ISO path (found by mutation
testing; docs/testing.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from cxsurvey.reading.dates import parse_dates

BERLIN = "Europe/Berlin"
LAST_DAY = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _parse(texts, **kw):
    parsed = parse_dates(pa.array(texts), **kw)
    return [None if np.isnat(t) else str(t) for t in parsed.instants], parsed.unparseable.tolist()


@pytest.mark.parametrize("style", ["iso", "us"])
def test_every_months_last_day_parses_and_the_day_after_does_not(style):
    cells = []
    for month, last in LAST_DAY.items():
        for day in (last, last + 1):
            cells.append(f"2026-{month:02d}-{day:02d}" if style == "iso" else f"{month}/{day}/2026")
    # A US-style cell keeps the whole column off Arrow's ISO fast path.
    got, bad = _parse([*cells, "1/1/2026"])
    want_bad = [day == last + 1 for last in LAST_DAY.values() for day in (last, last + 1)]
    assert bad[:-1] == want_bad
    assert [g for g in got[:-1] if g] == [
        f"2026-{month:02d}-{last:02d}T00:00:00" for month, last in LAST_DAY.items()
    ]


def test_leap_days_follow_the_gregorian_rule():
    got, bad = _parse(["2024-02-29", "2000-02-29", "1900-02-29", "2100-02-29", "2026-02-29Z"])
    assert got[:2] == ["2024-02-29T00:00:00", "2000-02-29T00:00:00"]
    assert bad == [False, False, True, True, True]


def test_clock_fields_out_of_range_are_unparseable_not_rolled_over():
    cells = ["2026-01-15 23:59:59Z", "2026-01-15 24:00Z", "2026-01-15 10:60Z",
             "2026-01-15 10:59:60Z", "2026-01-15 10:00:59Z"]  # fmt: skip
    got, bad = _parse(cells)
    assert bad == [False, True, True, True, False]
    assert got[0] == "2026-01-15T23:59:59" and got[4] == "2026-01-15T10:00:59"


def test_offsets_of_ten_hours_and_more_in_both_directions():
    got, _ = _parse(["2026-01-15T10:00:00+10:30", "2026-01-15T10:00:00-1100",
                     "2026-01-15T10:00:00+0545"])  # fmt: skip
    assert got == ["2026-01-14T23:30:00", "2026-01-15T21:00:00", "2026-01-15T04:15:00"]


def test_blanks_on_the_fast_iso_path_are_missing_not_unparseable():
    got, bad = _parse(["2026-01-15 10:00:00", "", None, "2026-03-01"])
    assert got == ["2026-01-15T10:00:00", None, None, "2026-03-01T00:00:00"]
    assert bad == [False, False, False, False]


def test_typed_timestamps_aware_and_naive_with_nulls():
    # Parquet or .sav columns arrive as timestamps: an aware one is an instant, a naive
    # one a wall-clock time in the question's zone (Berlin: 23:59 CEST is 21:59 UTC).
    aware = pa.array([datetime(2026, 3, 31, 22, 30, tzinfo=UTC), None], pa.timestamp("s", "UTC"))
    got, bad = _parse_typed(aware, timezone=BERLIN)
    assert got == ["2026-03-31T22:30:00", None] and bad == [False, False]
    naive = pa.array([datetime(2026, 3, 31, 23, 59), None], pa.timestamp("ms"))
    got, bad = _parse_typed(naive, timezone=BERLIN)
    assert got == ["2026-03-31T21:59:00", None] and bad == [False, False]


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
def test_typed_timestamps_with_fractions_of_a_second_fall_in_their_second(unit):
    """Parquet instants carry fractions of a second (pandas writes them): each is
    the second it falls in, never an error, and before 1970 the earlier second
    (23:59:59.5 on 31 December 1969 is 23:59:59, not the next day's midnight)."""
    cells = [datetime(2026, 3, 31, 21, 59, 59, 999000), datetime(1969, 12, 31, 23, 59, 59, 500000),
             datetime(1969, 12, 31, 23, 59, 59, 1000), None]  # fmt: skip
    want = ["2026-03-31T21:59:59", "1969-12-31T23:59:59", "1969-12-31T23:59:59", None]
    aware = pa.array([c and c.replace(tzinfo=UTC) for c in cells], pa.timestamp(unit, "UTC"))
    assert _parse_typed(aware, timezone=BERLIN) == (want, [False] * 4)
    naive = pa.array(cells, pa.timestamp(unit))  # wall clock in UTC: the same instants
    assert _parse_typed(naive, timezone="UTC") == (want, [False] * 4)


def _parse_typed(arr, **kw):
    parsed = parse_dates(arr, **kw)
    return [None if np.isnat(t) else str(t) for t in parsed.instants], parsed.unparseable.tolist()


def test_date32_days_are_their_own_calendar_day_in_any_zone():
    """A date (Parquet, or an engine's day of a timestamp) is the first instant of
    that calendar day in the zone, for every day of 2023, in zones whose daylight
    saving skips midnight (Asuncion, Santiago, Havana, Cairo, Beirut): not the
    evening before, which the earliest-instant rule for a skipped local time gives."""
    from cxsurvey.scoring.window import local_days

    days = [date(2023, 1, 1) + timedelta(days=i) for i in range(365)]
    arr = pa.array([*days, None], pa.date32())
    epoch = date(1970, 1, 1)
    want = np.array([(d - epoch).days for d in days])
    for zone in ("America/Asuncion", "America/Santiago", "America/Havana", "Africa/Cairo",
                 "Asia/Beirut", "Europe/Berlin", "UTC"):  # fmt: skip
        parsed = parse_dates(arr, None, zone)
        assert np.isnat(parsed.instants[-1]) and not parsed.unparseable.any()
        np.testing.assert_array_equal(local_days(parsed.instants[:-1], zone), want)
        # the first instant of the day: an hour earlier is the day before
        earlier = local_days(parsed.instants[:-1] - np.timedelta64(3600, "s"), zone)
        np.testing.assert_array_equal(earlier, want - 1)


def test_daylight_saving_goes_on_after_2037():
    """The tz database tabulates transitions to 2037 and gives the rule after that;
    pyarrow's time-zone kernels stop at the table (apache/arrow#36110), which put
    July 2040 in Denver on winter time. By hand, from the US rule (daylight time
    from 02:00 on the second Sunday of March, 11 March 2040, to 02:00 on the first
    Sunday of November, 4 November 2040, UTC-6 instead of UTC-7)."""
    from cxsurvey.reading.dates import periods
    from cxsurvey.scoring.window import local_days

    denver = "America/Denver"
    got, _ = _parse(["2040-07-01 00:30", "2040-11-04 01:30", "2040-03-11 02:30"], timezone=denver)
    # 00:30 MDT; the first (MDT) of two 01:30s; 02:30 skipped: the second before the gap
    assert got == ["2040-07-01T06:30:00", "2040-11-04T07:30:00", "2040-03-11T08:59:59"]
    day = parse_dates(pa.array([date(2040, 7, 1)]), None, denver).instants
    assert str(day[0]) == "2040-07-01T06:00:00"  # local midnight, MDT
    instants = np.array(["2040-07-01T05:30:00", "2040-07-01T06:00:00"], dtype="datetime64[s]")
    epoch = date(1970, 1, 1)
    want = [(date(2040, 6, 30) - epoch).days, (date(2040, 7, 1) - epoch).days]  # 23:30, 00:00 MDT
    assert local_days(instants, denver).tolist() == want
    labels, index = periods(instants, "month", denver)
    assert (labels, index.tolist()) == (["2040-06", "2040-07"], [0, 1])
