"""Cell intervals end to end (figures CSV), against the Wilson interval written out here.

Wilson (1927), solved as the quadratic in p it is:

    (x + z²/2 ± z * sqrt(x (n - x) / n + z²/4)) / (n + z²)

for x successes of n, z the 97.5% normal quantile. Unweighted cells use the
respondent counts. Weighted cells with ``--interval wilson`` (docs/figures.md,
R's ``svyciprop(method = "wilson")``) use the weighted share p, the linearised
variance V = N/(N - 1) Σ z², z = w (y - p) / Σw over the domain (each respondent
its own PSU, N of them in the design), n* = p(1 - p)/V and t with n - 1 degrees
of freedom in place of z: x = p n*.
"""

from __future__ import annotations

import csv
import math

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import render_export

Z = 1.959963984540054

STUDY = """version: 1
study: Intervals
source: {id: id}
questions:
  grp: {type: single, column: grp, options: {1: A, 2: B, 3: C}}
  yn: {type: single, column: yn, options: {1: "Yes", 2: "No"}}
figures:
  - {id: yn, question: yn, by: grp}
"""
# group -> (Yes, No) respondents: A 12 of 25, B none of 9, C all of 7.
DESIGN = {"1": (12, 13), "2": (0, 9), "3": (7, 0)}
NAMES = {"1": "A", "2": "B", "3": "C"}


def wilson_by_hand(x: float, n: float, z: float = Z) -> tuple[float, float]:
    centre, spread = x + z * z / 2, z * math.sqrt(x * (n - x) / n + z * z / 4)
    return 100 * (centre - spread) / (n + z * z), 100 * (centre + spread) / (n + z * z)


def _rows():
    rows, k = [], 0
    for grp, (yes, no) in DESIGN.items():
        for answer, n in (("1", yes), ("2", no)):
            for _ in range(n):
                # weights 0.5, 1, 1.5, 2, 2.5, 3 in turn
                rows.append([f"r{k}", grp, answer, str(0.5 * (k % 6 + 1))])
                k += 1
    return rows


def _csv_cells(tmp_path, weighted: bool) -> dict[tuple[str, str], dict[str, str]]:
    export = tmp_path / "e.csv"
    export.write_text(render_export(["id", "grp", "yn", "w"], _rows()))
    study = tmp_path / "s.yaml"
    study.write_text(
        STUDY.replace("source: {id: id}", "source: {id: id, weight: w}") if weighted else STUDY
    )
    out = tmp_path / "f.csv"
    args = ["figures", str(export), "--study", str(study), "-f", "csv", "-o", str(out)]
    result = CliRunner().invoke(app, [*args, "--interval", "wilson"] if weighted else args)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as fh:
        return {(r["row"], r["column"]): r for r in csv.DictReader(fh)}


def _expected(weighted: bool) -> dict[tuple[str, str], tuple[float, float, float, float]]:
    """(value, count, low, high) per cell, from plain sums over the rows."""
    from scipy.stats import t as student

    out = {}
    rows = _rows()
    everyone = len(rows)  # PSUs in the whole design
    for column in ("Total", "A", "B", "C"):
        members = [r for r in rows if column == "Total" or NAMES[r[1]] == column]
        w = [float(r[3]) if weighted else 1.0 for r in members]
        base = sum(w)
        for label, code in (("Yes", "1"), ("No", "2")):
            y = [1.0 if r[2] == code else 0.0 for r in members]
            count = sum(wi * yi for wi, yi in zip(w, y, strict=True))
            p = count / base
            if not weighted:
                low, high = wilson_by_hand(count, base)
            elif 0 < p < 1:
                z = [wi * (yi - p) / base for wi, yi in zip(w, y, strict=True)]
                v = everyone / (everyone - 1) * sum(zi * zi for zi in z)
                n_star = p * (1 - p) / v
                t = float(student.ppf(0.975, len(members) - 1))
                low, high = wilson_by_hand(p * n_star, n_star, t)
            else:  # 0% or 100%: the exact end is kept
                low, high = (0.0, None) if p == 0 else (None, 100.0)
            out[(label, column)] = (100 * p, count, low, high)
    return out


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_cell_intervals_match_the_wilson_formula_end_to_end(tmp_path, weighted):
    got = _csv_cells(tmp_path, weighted)
    want = _expected(weighted)
    assert set(got) == set(want)
    for key, (value, count, low, high) in want.items():
        cell = got[key]
        assert float(cell["value"]) == pytest.approx(value, rel=1e-12), key
        assert float(cell["count"]) == pytest.approx(count, rel=1e-12), key
        if low is not None:
            assert float(cell["ci_low"]) == pytest.approx(low, rel=1e-9, abs=1e-9), key
        if high is not None:
            assert float(cell["ci_high"]) == pytest.approx(high, rel=1e-9, abs=1e-9), key


def test_interval_ends_at_zero_and_all_are_exact(tmp_path):
    got = _csv_cells(tmp_path, weighted=False)
    assert (got[("Yes", "B")]["ci_low"], got[("Yes", "C")]["ci_high"]) == ("0.0", "100.0")
    # Unweighted counts in the CSV are whole respondents: 12 of 25 in A.
    assert (got[("Yes", "A")]["count"], got[("Yes", "A")]["base"]) == ("12", "25")


def test_the_hand_formula_agrees_with_scipys_wilson_interval():
    from scipy.stats import binomtest

    for x, n in ((12, 25), (0, 9), (7, 7), (1, 1000)):
        ci = binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson_by_hand(x, n) == pytest.approx((100 * ci.low, 100 * ci.high), abs=1e-9)
