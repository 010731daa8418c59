"""The calendar day of an instant in a time zone, as integer arithmetic an engine
can run on every row: day = floor((epoch us + offset us) / 86,400,000,000), where
the zone's UTC offset is constant between its transitions (reading.zones.offsets
lists them, exact to the second, from the IANA database Python carries, the one
the memory path converts with); an engine turns them into a CASE over the
instant, far cheaper per row than a general time-zone conversion.
"""

from __future__ import annotations

import itertools

from cxsurvey.reading.zones import offsets

__all__ = ["DAY_US", "floor_div", "offset_case", "offsets", "offsets_in_years"]

DAY_US = 86_400_000_000


def offsets_in_years(timezone: str, years) -> tuple[int, list[tuple[int, int]]]:
    """``offsets`` over the UTC calendar ``years`` given (sorted), each with two days'
    margin: the offsets between them are left out (no instant lies there), so an
    engine's CASE is as long as the years with data need."""
    spans: list[list[int]] = []
    for y in years:
        lo, hi = _year_start_us(y) - 2 * DAY_US, _year_start_us(y + 1) + 2 * DAY_US
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
    return days * DAY_US


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
