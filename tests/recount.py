"""Independent recounts of the bundled sample with the csv module (no cxsurvey code).

The reference study keeps respondents who finished (``Finished`` 1) and are not a
survey preview or spam (``Status`` not 1 or 8); ``-99`` is a missing code.
"""

from __future__ import annotations

import csv

from tests.conftest import SAMPLE_EXPORT


def sample_rows() -> list[dict[str, str]]:
    """Every response of the sample (its two extra Qualtrics header rows dropped)."""
    with open(SAMPLE_EXPORT, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))[2:]


def included_rows() -> list[dict[str, str]]:
    return [r for r in sample_rows() if r["Finished"] == "1" and r["Status"] not in ("1", "8")]


def single_counts(column: str, codes: dict[str, str]) -> tuple[dict[str, int], int]:
    """Per-label counts and the base of a single-choice question over the included
    respondents: the base is every answer that is one of ``codes``."""
    answers = [r[column].strip() for r in included_rows()]
    valid = [a for a in answers if a in codes]
    return {label: valid.count(code) for code, label in codes.items()}, len(valid)
