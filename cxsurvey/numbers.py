"""How a number is shown: one rounding rule for every output (and the core's messages).

Halves round away from zero, as SPSS and Excel do (12.5 -> 13), after float noise
beyond 9 decimals is dropped (0.285 -> 0.29, not 0.28). Raw values in JSON and
CSV value columns are never rounded.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

NOISE_DECIMALS = 9


def round_half_up(value: float, decimals: int = 0) -> Decimal:
    """``value`` rounded to ``decimals`` places, halves away from zero (12.5 -> 13,
    -12.5 -> -13, 0.285 -> 0.29), after dropping float noise beyond 9 decimals."""
    exact = Decimal(value).quantize(Decimal(1).scaleb(-NOISE_DECIMALS), ROUND_HALF_EVEN)
    return exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def format_number(value: float, decimals: int = 0, sign: bool = False) -> str:
    """The one way a number is shown: rounded half up (``round_half_up``), with a
    ``+`` for positive values when ``sign``; never a negative zero."""
    if not math.isfinite(value):
        return f"{value}"
    rounded = round_half_up(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:+f}" if sign else f"{rounded:f}"
