"""How one cell becomes a number, a missing value or a bad code (reading/cells.py),
by hand, on the paths mutation testing found untested: text missing codes, null
cells beside text, whitespace, non-string columns and mixed code lists."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from cxsurvey.reading.cells import blank_mask, cell_values, code_isin, number_isin, text_isin


def _nan_list(a: np.ndarray) -> list:
    return [None if math.isnan(x) else x for x in a.tolist()]


def test_numeric_and_text_missing_codes_blanks_and_bad_codes_in_one_column():
    cells = pa.array(["1", "-99", "NA", "", None, "x", " 2 ", "-99.0"])
    got = cell_values(cells, [-99, "NA"])
    assert _nan_list(got.numbers) == [1.0, None, None, None, None, None, 2.0, None]
    assert got.missing.tolist() == [False, True, True, True, True, False, False, True]
    assert got.non_numeric.tolist() == [False, False, False, False, False, True, False, False]


def test_an_all_numeric_column_takes_the_fast_path_with_the_same_rules():
    got = cell_values(pa.array(["3", None, "-99", "4.5"]), [-99])
    assert _nan_list(got.numbers) == [3.0, None, None, 4.5]
    assert got.missing.tolist() == [False, True, True, False]
    assert not got.non_numeric.any()
    typed = cell_values(pa.array([3, None, -99], pa.int64()), [-99])  # e.g. from .sav
    assert typed.missing.tolist() == [False, True, True] and not typed.non_numeric.any()


def test_text_codes_match_trimmed_cells_and_never_nulls_or_numbers():
    cells = pa.array([" Yes", "No", None, "yes", ""])
    assert text_isin(cells, ["Yes", ""]).tolist() == [True, False, False, False, True]
    assert text_isin(cells, []).tolist() == [False] * 5
    assert text_isin(pa.array([1, 2]), ["1"]).tolist() == [False, False]  # not a text column


def test_codes_match_as_numbers_or_as_text():
    cells = pa.array(["1", "1.0", "Yes", "2", None])
    numbers = np.array([1.0, 1.0, np.nan, 2.0, np.nan])
    assert code_isin(cells, numbers, [1, "Yes"]).tolist() == [True, True, True, False, False]
    assert code_isin(None, numbers, [2]).tolist() == [False, False, False, True, False]


def test_number_isin_short_and_long_code_lists_agree():
    x = np.array([1.0, 17.0, np.nan, 30.0])
    assert number_isin(x, [1.0, 30.0]).tolist() == [True, False, False, True]
    codes = [float(c) for c in range(1, 31)]  # more than 16 codes: np.isin
    assert number_isin(x, codes).tolist() == [True, True, False, True]


def test_blank_cells_are_empty_whitespace_or_null_and_nan_in_numeric_columns():
    assert blank_mask(pa.array(["a", " ", "", None])).tolist() == [False, True, True, True]
    numeric = pa.array([1.0, None, float("nan")], pa.float64())
    assert blank_mask(numeric).tolist() == [False, True, True]


def test_count_code_counts_by_number_or_exact_text_and_zero_when_unseen():
    from cxsurvey.reading.cells import count_code

    seen = {"1": 3, "1.0": 2, "x": 1, "10": 4}
    assert count_code(seen, 1) == 5  # "1" and "1.0", not "10"
    assert count_code(seen, "x") == 1
    assert count_code(seen, "y") == 0 and count_code(seen, 7) == 0
