"""The calendar day of an instant in a time zone, as integer arithmetic an engine
can run on every row: day = floor((epoch ms + offset ms) / 86,400,000), where the
zone's UTC offset is constant between its transitions (daylight saving, changes
of law). ``offsets`` lists them between two instants, exact to the second, from
the IANA database Python carries (zoneinfo); an engine turns them into a CASE
over the instant, far cheaper per row than a general time-zone conversion.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

DAY_MS = 86_400_000
_STEP = dt.timedelta(hours=6)  # no two transitions of the database are this close


def offsets(timezone: str, lo: dt.datetime, hi: dt.datetime) -> tuple[int, list[tuple[int, int]]]:
    """(offset in ms before the first transition, [(transition as epoch ms, offset
    in ms from then on), ...]) of ``timezone`` over the instants ``lo``..``hi``."""
    zone = zoneinfo.ZoneInfo(timezone)
    lo = lo.astimezone(dt.UTC).replace(microsecond=0) - _STEP
    hi = hi.astimezone(dt.UTC) + _STEP

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
            out.append((_ms(b - _EPOCH), _ms(now)))
            prev = now
        t = nxt
    return _ms(first), out


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _ms(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def offset_case(epoch_ms: str, first: int, changes: list[tuple[int, int]]) -> str:
    """SQL: the offset in ms of the instant whose epoch ms is the expression ``epoch_ms``."""
    if not changes:
        return str(first)
    whens = [f"WHEN {epoch_ms} < {changes[0][0]} THEN {first}"]
    for (_, off), (at, _) in itertools.pairwise(changes):
        whens.append(f"WHEN {epoch_ms} < {at} THEN {off}")
    return f"CASE {' '.join(whens)} ELSE {changes[-1][1]} END"
