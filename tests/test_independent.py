"""The default study on the bundled sample, checked against a plain-Python scorer.

The reference below reads the export with the csv module and follows the spec's
words one respondent at a time; it shares no code with cxsurvey.
"""

from __future__ import annotations

import csv
import statistics

import pytest
import yaml

import cxsurvey
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT


def reference_scores(export_path, study):
    with open(export_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))[2:]  # two more header rows in a Qualtrics export
    src = study["source"]
    missing = {float(m) for m in src["missing"]}

    def keep(row):
        for f in src["include"]:
            cell = row[f["column"]].strip()
            value = float(cell) if cell else None
            if "in" in f and value not in {float(c) for c in f["in"]}:
                return False
            if "not_in" in f and value in {float(c) for c in f["not_in"]}:
                return False
        return True

    rows = [r for r in rows if keep(r)]
    out = {}
    for row in rows:
        result = {}
        for name, scale in study["scales"].items():
            codes = [float(c) for c in scale["values"]]
            lo, hi = min(codes), max(codes)
            groups, ok = {}, True
            for group, items in scale["groups"].items():
                answered = []
                for item in items:
                    cell = row[item].strip()
                    if not cell or float(cell) in missing or float(cell) not in codes:
                        continue
                    x = float(cell)
                    answered.append(hi + lo - x if item in scale.get("reverse", []) else x)
                if len(answered) < scale["min_answered"] * len(items) or not answered:
                    ok = False
                groups[group] = (
                    (
                        sum(answered) / len(answered)
                        if scale["group_score"] == "mean"
                        else sum(answered)
                    )
                    if answered
                    else None
                )
            if not ok:
                result[name] = None
                continue
            values = list(groups.values())
            total = sum(values) if scale["total"] == "sum" else sum(values) / len(values)
            band = None
            for b in scale["bands"]:
                if round(total, 9) >= b["from"]:
                    band = b["label"]
            result[name] = (groups, total, band)
        out[row["ResponseId"]] = result
    return out


def test_default_study_matches_reference_scorer():
    study = yaml.safe_load(DEFAULT_STUDY.read_text())
    expected = reference_scores(SAMPLE_EXPORT, study)
    result = cxsurvey.score(SAMPLE_EXPORT, cxsurvey.load_study(DEFAULT_STUDY))
    table = result.table().to_pylist()
    assert [r["ResponseId"] for r in table] == list(expected)
    for row in table:
        for name, want in expected[row["ResponseId"]].items():
            if want is None:
                assert row[name] is None and row[f"{name}.band"] is None
                continue
            groups, total, band = want
            assert row[name] == pytest.approx(total, abs=1e-12)
            assert row[f"{name}.band"] == band
            for group, value in groups.items():
                assert row[f"{name}.{group}"] == pytest.approx(value, abs=1e-12)
    totals = [v["maturity"][1] for v in expected.values() if v["maturity"]]
    median = statistics.median(totals)
    assert result.segments["cx_group"].median == pytest.approx(median, abs=1e-9)
    for row in table:
        want = expected[row["ResponseId"]]["maturity"]
        group = (
            None if want is None else ("CX leaders" if want[1] >= median - 1e-9 else "CX laggards")
        )
        assert row["cx_group"] == group
