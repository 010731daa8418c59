"""Time zones on arrays of whole seconds, from the IANA database Python carries.

A zone's UTC offset is constant between its transitions (daylight saving,
changes of law). ``offsets`` lists them between two instants, exact to the
second, from zoneinfo, which follows a zone's rule past the database's tables
(2037) as the law says; pyarrow's time-zone kernels stop at the tables
(apache/arrow#36110: July 2040 in Denver on winter time), so dates and windows
convert with these. The engines use the same offsets (tabulation/engines/local_day.py).

Python's datetimes end in the first days of year 1 and the last of year 9999:
an instant before them takes the zone's first offset (its local mean time,
constant before its first transition: exact), one after them the offset in
force at the end of 9999.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Literal

import numpy as np

_STEP = dt.timedelta(hours=6)  # no two transitions of the database are this close (95 h)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# the instants whose offsets Python can find (a day's margin for offsets and _STEP)
_FIRST = dt.datetime(1, 1, 3, tzinfo=dt.UTC)
_LAST = dt.datetime(9999, 12, 29, tzinfo=dt.UTC)
_FAR = 2**62  # seconds beyond any instant: the open ends of the first and last offsets
_DAY_US = 86_400_000_000
SPARSE_YEARS = 50  # instants over more years than this: offsets over the years with data only


def offsets(timezone: str, lo_us: int, hi_us: int) -> tuple[int, list[tuple[int, int]]]:
    """(offset in us before the first transition, [(transition as epoch us, offset
    in us from then on), ...]) of ``timezone`` over the instants ``lo_us``..``hi_us``
    (microseconds since 1970-01-01 UTC)."""
    zone = zoneinfo.ZoneInfo(timezone)
    lo = _instant(lo_us).replace(microsecond=0) - _STEP
    hi = _instant(hi_us) + _STEP

    def offset(t: dt.datetime) -> dt.timedelta:
        return t.astimezone(zone).utcoffset()

    first = prev = offset(lo)
    out: list[tuple[int, int]] = []
    t = lo
    while t < hi:
        nxt = t + _STEP
        now = offset(nxt)
        if now != prev:
            a, b = t, nxt  # offset(a) == prev != offset(b): bisect to the second
            while b - a > dt.timedelta(seconds=1):
                mid = a + (b - a) / 2
                mid = mid.replace(microsecond=0)
                if offset(mid) == prev:
                    a = mid
                else:
                    b = mid
            out.append((_us(b - _EPOCH), _us(now)))
            prev = now
        t = nxt
    return _us(first), out


def offsets_in_years(timezone: str, years) -> tuple[int, list[tuple[int, int]]]:
    """``offsets`` over the UTC calendar ``years`` given (sorted), each with two days'
    margin: the offsets between them are left out (no instant lies there), so an
    engine's CASE is as long as the years with data need."""
    spans: list[list[int]] = []
    for y in years:
        lo, hi = _year_start_us(y) - 2 * _DAY_US, _year_start_us(y + 1) + 2 * _DAY_US
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    first, changes = offsets(timezone, *spans[0])
    for lo, hi in spans[1:]:
        start, more = offsets(timezone, lo, hi)
        if start != (changes[-1][1] if changes else first):
            changes.append((lo, start))
        changes += more
    return first, changes


def _year_start_us(year: int) -> int:
    """1 January of ``year`` (proleptic Gregorian, any year) in us since 1970."""
    y = year - 1  # days before 1 January of year: 365 per year and the leap days
    days = 365 * y + y // 4 - y // 100 + y // 400 - 719162  # 719162: days before 1970
    return days * _DAY_US


def to_local(seconds: np.ndarray, timezone: str) -> np.ndarray:
    """UTC instants (int64 seconds since 1970) -> their wall clock in ``timezone``
    (int64 seconds since 1970-01-01 00:00 local)."""
    seconds = np.asarray(seconds, dtype=np.int64)
    if timezone == "UTC" or len(seconds) == 0:
        return seconds.copy()
    at, off = _table(timezone, seconds)
    return seconds + off[np.searchsorted(at, seconds, side="right")]


def to_utc(
    wall: np.ndarray, timezone: str, nonexistent: Literal["earliest", "latest"]
) -> np.ndarray:
    """Wall-clock times in ``timezone`` (int64 seconds since 1970-01-01 00:00 local)
    -> UTC instants (int64 seconds). A time that occurs twice (the hour clocks go
    back) is the earlier instant; one that never occurs (the hour they skip) is the
    second before the gap (``earliest``) or the first instant after it (``latest``),
    as pyarrow's ``assume_timezone`` resolves them."""
    wall = np.asarray(wall, dtype=np.int64)
    if timezone == "UTC" or len(wall) == 0:
        return wall.copy()
    at, off = _table(timezone, wall)  # a year's table has two days' margin: offsets are under a day
    # offset k holds from transition k-1 to transition k: on the wall, from starts[k] to ends[k]
    starts = np.concatenate([[-_FAR], at + off[1:]])
    ends = np.concatenate([at + off[:-1], [_FAR]])
    k = np.searchsorted(starts, wall, side="right") - 1  # the last offset begun on the wall
    inside = wall < ends[k]
    before = np.maximum(k - 1, 0)
    twice = (k > 0) & (wall < ends[before])  # the previous offset still runs: the earlier one
    gap = at[np.minimum(k, len(at) - 1)] if len(at) else np.zeros_like(wall)
    gap = gap - 1 if nonexistent == "earliest" else gap
    return np.where(twice, wall - off[before], np.where(inside, wall - off[k], gap))


def _table(timezone: str, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(transitions as int64 seconds, the offset in seconds before the first and
    after each) over the UTC years of ``seconds`` (int64 seconds since 1970)."""
    first, changes = offsets_in_years(timezone, _years(seconds))
    at = np.array([a // 1_000_000 for a, _ in changes], dtype=np.int64)
    off = np.array([first, *(o for _, o in changes)], dtype=np.int64) // 1_000_000
    return at, off


def _years(seconds: np.ndarray) -> list[int]:
    """The UTC calendar years of ``seconds``: every year from the first to the last,
    or over more than SPARSE_YEARS (a 9999 sentinel beside 2026) those with data."""
    ends = np.array([seconds.min(), seconds.max()])
    lo, hi = (ends.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970).tolist()
    if hi - lo <= SPARSE_YEARS:
        return list(range(lo, hi + 1))
    years = seconds.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970
    return np.unique(years).tolist()


def _instant(us: int) -> dt.datetime:
    """The instant ``us`` microseconds after 1970 UTC, brought inside _FIRST.._LAST."""
    first, last = _us(_FIRST - _EPOCH), _us(_LAST - _EPOCH)
    return _EPOCH + dt.timedelta(microseconds=min(max(us, first), last))


def _us(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
