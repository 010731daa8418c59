"""The calendar day of an instant in a time zone, as integer arithmetic an engine
can run on every row: day = floor((epoch us + offset us) / 86,400,000,000), where
the zone's UTC offset is constant between its transitions (daylight saving,
changes of law). ``offsets`` lists them between two instants, exact to the
second, from the IANA database Python carries (zoneinfo, which follows a zone's
rule past the database's tables, into 2038 and beyond); an engine turns them
into a CASE over the instant, far cheaper per row than a general time-zone
conversion.

Python's datetimes end in the first days of year 1 and the last of year 9999:
an instant before them takes the zone's first offset (its local mean time,
constant before its first transition: exact), one after them the offset in
force at the end of 9999.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

DAY_US = 86_400_000_000
_STEP = dt.timedelta(hours=6)  # no two transitions of the database are this close
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# the instants whose offsets Python can find (a day's margin for offsets and _STEP)
_FIRST = dt.datetime(1, 1, 3, tzinfo=dt.UTC)
_LAST = dt.datetime(9999, 12, 29, tzinfo=dt.UTC)


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


def _instant(us: int) -> dt.datetime:
    """The instant ``us`` microseconds after 1970 UTC, brought inside _FIRST.._LAST."""
    first, last = _us(_FIRST - _EPOCH), _us(_LAST - _EPOCH)
    return _EPOCH + dt.timedelta(microseconds=min(max(us, first), last))


def _us(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def offset_case(epoch_us: str, first: int, changes: list[tuple[int, int]]) -> str:
    """SQL: the offset in us of the instant whose epoch us is the expression ``epoch_us``."""
    if not changes:
        return str(first)
    whens = [f"WHEN {epoch_us} < {changes[0][0]} THEN {first}"]
    for (_, off), (at, _) in itertools.pairwise(changes):
        whens.append(f"WHEN {epoch_us} < {at} THEN {off}")
    return f"CASE {' '.join(whens)} ELSE {changes[-1][1]} END"


def floor_div(x: str, d: int) -> str:
    """SQL: floor(x / d) of the BIGINT expression ``x`` (``//`` truncates toward zero)."""
    return f"((({x}) - ((({x}) % {d}) + {d}) % {d}) // {d})"
