"""The calendar day of an instant in a time zone, as integer arithmetic an engine
can run on every row: day = floor((epoch us + offset us) / 86,400,000,000), where
the zone's UTC offset is constant between its transitions (reading.zones.offsets
lists them, exact to the second, from the IANA database Python carries, the one
the memory path converts with); an engine turns them into a CASE over the
instant, far cheaper per row than a general time-zone conversion.
"""

from __future__ import annotations

import itertools

from cxsurvey.reading.zones import offsets, offsets_in_years

__all__ = ["DAY_US", "floor_div", "offset_case", "offsets", "offsets_in_years"]

DAY_US = 86_400_000_000


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
