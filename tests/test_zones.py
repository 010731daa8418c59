"""reading.zones against Python's own datetime arithmetic, one value at a time.

``to_local`` and ``to_utc`` convert whole arrays from a zone's transitions; here
each value is converted by ``datetime.astimezone`` (an independent path through
the same IANA database), across zones with odd offsets and odd histories and
across 1900-2100, past the 2037 end of the database's tables.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pytest

from cxsurvey.reading.zones import offsets, to_local, to_utc

ZONES = [
    "America/Denver", "Pacific/Apia", "Australia/Lord_Howe", "Africa/Casablanca",
    "Europe/Dublin", "America/St_Johns", "America/Sitka", "UTC",
]  # fmt: skip
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _seconds(year: int) -> int:
    return int((dt.datetime(year, 1, 1, tzinfo=dt.UTC) - EPOCH).total_seconds())


def _wall(instant: dt.datetime, zone: zoneinfo.ZoneInfo) -> int:
    local = instant.astimezone(zone).replace(tzinfo=None)
    return int((local - EPOCH.replace(tzinfo=None)).total_seconds())


@pytest.mark.parametrize("name", ZONES)
def test_wall_clocks_and_back_agree_with_datetime(name):
    zone = zoneinfo.ZoneInfo(name)
    rng = np.random.default_rng(len(name))
    seconds = rng.integers(_seconds(1900), _seconds(2100), 400)
    instants = [EPOCH + dt.timedelta(seconds=int(s)) for s in seconds]
    walls = np.array([_wall(t, zone) for t in instants])
    np.testing.assert_array_equal(to_local(seconds, name), walls)
    # back: a wall time that occurs once is its instant, one that occurs twice the earlier
    naive = [EPOCH.replace(tzinfo=None) + dt.timedelta(seconds=int(w)) for w in walls]
    first = np.array([int((n.replace(tzinfo=zone, fold=0) - EPOCH).total_seconds()) for n in naive])
    for rule in ("earliest", "latest"):
        np.testing.assert_array_equal(to_utc(walls, name, rule), first)


def test_no_times_are_no_work():
    empty = np.array([], dtype=np.int64)
    assert to_local(empty, "America/Denver").tolist() == []
    assert to_utc(empty, "America/Denver", "earliest").tolist() == []


def test_the_transitions_found_are_exact_to_the_microsecond():
    """Denver, 2026, by hand: MST (UTC-7) until 09:00 UTC on 8 March, MDT (UTC-6)
    until 08:00 UTC on 1 November; the engines compare microseconds with them."""
    lo, hi = (int(np.datetime64(t, "us").astype(np.int64)) for t in ("2026-02-01", "2026-12-01"))
    march, november = (int(np.datetime64(t, "us").astype(np.int64))
                       for t in ("2026-03-08T09:00", "2026-11-01T08:00"))  # fmt: skip
    hour = 3_600_000_000
    assert offsets("America/Denver", lo, hi) == (
        -7 * hour,
        [(march, -6 * hour), (november, -7 * hour)],
    )


def test_a_transition_at_an_odd_second():
    """Kathmandu left its local mean time (+05:41:16) for +05:30 at midnight on 1
    January 1920, 18:18:44 UTC on 31 December 1919: found to the second."""
    lo, hi = (int(np.datetime64(t, "us").astype(np.int64)) for t in ("1919-06-01", "1920-06-01"))
    at = int(np.datetime64("1919-12-31T18:18:44", "us").astype(np.int64))
    second = 1_000_000
    assert offsets("Asia/Kathmandu", lo, hi) == (20476 * second, [(at, 19800 * second)])


@pytest.mark.parametrize("name", ["Africa/Accra", "Asia/Kathmandu", "America/Sao_Paulo",
                                  "Europe/Amsterdam", "Asia/Kolkata", "Pacific/Apia"])  # fmt: skip
def test_every_transition_is_the_second_the_offset_changes(name):
    """Each transition found, checked by datetime one second each side: the old
    offset holds until the second before, the new one from it (local mean times
    end at odd seconds, Amsterdam's +00:19:32 kept them for decades)."""
    zone = zoneinfo.ZoneInfo(name)
    first, changes = offsets(name, _seconds(1850) * 10**6, _seconds(2030) * 10**6)
    before = first
    for at, after in changes:
        t = EPOCH + dt.timedelta(microseconds=at)
        second = dt.timedelta(seconds=1)
        assert (t - second).astimezone(zone).utcoffset() == dt.timedelta(microseconds=before)
        assert t.astimezone(zone).utcoffset() == dt.timedelta(microseconds=after)
        before = after


def test_skipped_wall_times_by_hand():
    """Denver skips 02:00-03:00 on 8 March 2026 (09:00 UTC): 02:30 is the second
    before the gap, or the first instant after it; Apia skipped all of 30 December
    2011 (10:00 UTC on the 30th), so noon that day is 09:59:59 or 10:00 UTC."""
    walls = np.array(["2026-03-08T02:30", "2011-12-30T12:00"], dtype="datetime64[s]")
    for name, wall, before, after in [
        ("America/Denver", walls[0], "2026-03-08T08:59:59", "2026-03-08T09:00:00"),
        ("Pacific/Apia", walls[1], "2011-12-30T09:59:59", "2011-12-30T10:00:00"),
    ]:
        w = np.array([wall.astype(np.int64)])
        assert str(to_utc(w, name, "earliest").astype("datetime64[s]")[0]) == before
        assert str(to_utc(w, name, "latest").astype("datetime64[s]")[0]) == after


EDGES = [  # (zone, a transition by hand, offset before, offset after, in hours)
    ("America/Denver", "2026-03-08T09:00:00", -7, -6),  # 02:00 MST -> 03:00 MDT
    ("America/Denver", "2026-11-01T08:00:00", -6, -7),  # 02:00 MDT -> 01:00 MST
    ("America/Denver", "2040-03-11T09:00:00", -7, -6),  # past the tables: by the rule
    ("America/Denver", "2040-11-04T08:00:00", -6, -7),
    ("Australia/Lord_Howe", "2026-04-04T15:00:00", 11, 10.5),  # half an hour back
    ("Australia/Lord_Howe", "2026-10-03T15:30:00", 10.5, 11),
    ("Pacific/Apia", "2011-12-30T10:00:00", -10, 14),  # a whole day skipped
    ("Antarctica/Troll", "2026-03-29T01:00:00", 0, 2),  # two hours forward
    ("America/Caracas", "1965-01-01T04:30:00", -4.5, -4),  # in a year's first hours
]


@pytest.mark.parametrize(("name", "at", "before", "after"), EDGES)
def test_instants_and_wall_clocks_at_a_transition(name, at, before, after):
    """At a transition, alone or as the ends of an array (whose range the zone's table
    spans): the second before has the old offset, the transition the new one. On the
    wall, a skipped time is the second before the transition or the transition; a
    time shown twice is the earlier instant; the first time after is the later offset's."""
    t = int(np.datetime64(at, "s").astype(np.int64))
    old, new = int(before * 3600), int(after * 3600)
    for seconds in ([t - 1], [t], [t - 1, t], [t, t - 1, t + 1]):
        want = [s + (old if s < t else new) for s in seconds]
        assert to_local(np.array(seconds), name).tolist() == want
    if new > old:  # skipped: from t + old to t + new on the wall
        walls = [t + old, t + new - 1, t + new]
        assert to_utc(np.array(walls), name, "earliest").tolist() == [t - 1, t - 1, t]
        assert to_utc(np.array(walls), name, "latest").tolist() == [t, t, t]
        assert to_utc(np.array(walls[:1]), name, "earliest").tolist() == [t - 1]
    else:  # shown twice: from t + new to t + old on the wall
        walls = [t + new, t + old - 1, t + old]
        want = [t + new - old, t - 1, t + old - new]
        for rule in ("earliest", "latest"):
            assert to_utc(np.array(walls), name, rule).tolist() == want
            assert to_utc(np.array(walls[-1:]), name, rule).tolist() == want[-1:]


def test_a_years_transitions_in_one_array():
    """Denver's transitions of 2026 and the next spring in one array (a table of
    several offsets): skipped 02:30 on 8 March, the two 01:30s of 1 November, 01:30
    the next night, skipped 02:30 on 14 March 2027 (the table's last transition)."""
    walls = np.array(["2026-03-08T02:30", "2026-03-08T03:00", "2026-11-01T01:30",
                      "2026-11-01T02:00", "2026-11-02T01:30", "2027-03-14T02:30"],
                     dtype="datetime64[s]")  # fmt: skip
    want = ["2026-03-08T08:59:59", "2026-03-08T09:00:00", "2026-11-01T07:30:00",
            "2026-11-01T09:00:00", "2026-11-02T08:30:00", "2027-03-14T08:59:59"]  # fmt: skip
    got = to_utc(walls.astype(np.int64), "America/Denver", "earliest").astype("datetime64[s]")
    assert [str(t) for t in got] == want
    back = to_local(got.astype(np.int64), "America/Denver").astype("datetime64[s]")
    assert [str(t) for t in back] == [
        "2026-03-08T01:59:59", "2026-03-08T03:00:00", "2026-11-01T01:30:00",
        "2026-11-01T02:00:00", "2026-11-02T01:30:00", "2027-03-14T01:59:59",
    ]  # fmt: skip


def test_a_far_sentinel_beside_the_data():
    """9999-07-01 beside 2026 (a "never" date): both on daylight time in Denver, by
    the rule, with the offsets of the two years alone (not eight thousand years')."""
    instants = np.array(["2026-07-01T05:30", "9999-07-01T05:30"], dtype="datetime64[s]")
    local = to_local(instants.astype(np.int64), "America/Denver").astype("datetime64[s]")
    assert [str(t) for t in local] == ["2026-06-30T23:30:00", "9999-06-30T23:30:00"]
    back = to_utc(local.astype(np.int64), "America/Denver", "earliest").astype("datetime64[s]")
    assert [str(t) for t in back] == ["2026-07-01T05:30:00", "9999-07-01T05:30:00"]
