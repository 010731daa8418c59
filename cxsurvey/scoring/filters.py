"""Row filters (``source.include`` and a figure's ``filter``) as boolean masks.

Rules: ``in`` keeps rows whose cell matches a listed code; ``not_in`` keeps rows
whose cell matches none (a blank or missing cell is kept); ``min``/``max`` keep
numeric cells within the bounds (inclusive). Blank and missing cells never
satisfy ``in``, ``min`` or ``max``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cxsurvey.reading.cells import cell_values, code_isin
from cxsurvey.study.models import Filter


def filter_mask(table, filters: Sequence[Filter], missing_codes: Sequence[Any]) -> np.ndarray:
    """Rows of ``table`` (a pyarrow Table) that satisfy every filter."""
    keep = np.ones(table.num_rows, dtype=bool)
    for f in filters:
        arr = table.column(f.column)
        cells = cell_values(arr, missing_codes)
        if f.in_ is not None:
            keep &= ~cells.missing & code_isin(arr, cells.numbers, f.in_)
        elif f.not_in is not None:
            keep &= cells.missing | ~code_isin(arr, cells.numbers, f.not_in)
        else:
            ok = ~np.isnan(cells.numbers)
            if f.min is not None:
                ok &= cells.numbers >= f.min
            if f.max is not None:
                ok &= cells.numbers <= f.max
            keep &= ok
    return keep


def describe_filters(filters: Sequence[Filter]) -> str | None:
    """Filters in words ("Finished in [1]; Status not in [1, 8]"), or None for none."""
    parts = []
    for f in filters:
        if f.in_ is not None:
            parts.append(f"{f.column} in {f.in_}")
        elif f.not_in is not None:
            parts.append(f"{f.column} not in {f.not_in}")
        else:
            bounds = [f"{f.column} >= {f.min}" if f.min is not None else "",
                      f"{f.column} <= {f.max}" if f.max is not None else ""]  # fmt: skip
            parts.append(" and ".join(b for b in bounds if b))
    return "; ".join(parts) or None
