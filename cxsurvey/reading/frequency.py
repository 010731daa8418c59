"""Rows that stand for many respondents: the counts and weight sums of an
aggregated export (tabulation/engines/base.py computes them).

An aggregated export holds one row per combination of the values of the columns
a figure reads; ``Frequency`` says how many respondents each row stands for and,
with ``source.weight``, the sum of their weights and of their squares. Every
estimate of a figure is a sum over respondents of w, w y, w^2 y ... with y
constant within a row, so these sums give exactly the figures of the
respondent-level export (stats.design).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxsurvey.errors import DataError

# the engines' column names (tabulation/engines/base.py), kept in step by a test
N, W, W2, W_BAD, N_POS = "__n", "__w", "__w2", "__w_bad", "__n_pos"


@dataclass(frozen=True)
class Frequency:
    """Per row: respondents, and with a weight its sums over them."""

    n: np.ndarray  # int64: respondents the row stands for
    w: np.ndarray | None = None  # float64: sum of source.weight over them (valid weights)
    w2: np.ndarray | None = None  # float64: sum of the squared weights
    w_bad: np.ndarray | None = None  # int64: respondents whose weight is blank, NaN,
    # negative or a missing code (not in w, w2)
    n_pos: np.ndarray | None = None  # int64: respondents with a valid weight > 0

    def __post_init__(self) -> None:
        sums = (self.w, self.w2, self.w_bad, self.n_pos)
        if any(s is None for s in sums) and any(s is not None for s in sums):
            raise DataError(
                "an aggregated export with weights needs all of __w, __w2, __w_bad and __n_pos"
            )
        if any(s is not None and len(s) != len(self.n) for s in sums):
            raise DataError("an aggregated export's counts and weight sums differ in length")

    @property
    def weighted(self) -> bool:
        return self.w is not None

    @property
    def total(self) -> int:
        return int(self.n.sum())

    def take(self, rows: np.ndarray) -> Frequency:
        """The counts and sums of ``rows`` (indices or a mask)."""

        def pick(a):
            return None if a is None else a[rows]

        return Frequency(
            self.n[rows], pick(self.w), pick(self.w2), pick(self.w_bad), pick(self.n_pos)
        )

    @classmethod
    def from_table(cls, table) -> tuple[object, Frequency]:
        """(the Arrow table without the engine's columns, their Frequency)."""
        names = table.column_names
        if N not in names:
            raise DataError(f"an aggregated table needs the count column {N!r}")

        def column(name: str, dtype):
            if name not in names:
                return None
            values = table.column(name)
            if values.null_count:
                raise DataError(f"aggregated column {name!r} has empty values")
            return np.asarray(values.to_numpy(zero_copy_only=False), dtype=dtype)

        freq = cls(
            column(N, np.int64),
            column(W, np.float64),
            column(W2, np.float64),
            column(W_BAD, np.int64),
            column(N_POS, np.int64),
        )
        rest = [c for c in names if c not in (N, W, W2, W_BAD, N_POS)]
        return table.select(rest), freq
