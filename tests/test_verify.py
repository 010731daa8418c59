"""``cxsurvey verify``: approved snapshots and expectations, in CI terms."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT
from tests.recount import single_counts


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    path = tmp_path_factory.mktemp("verify") / "approved.json"
    result = run("verify", SAMPLE_EXPORT, "--approved", path, "--update")
    assert result.exit_code == 0, result.output
    return path


def test_unchanged_study_and_export_pass(snapshot):
    result = run("verify", SAMPLE_EXPORT, "--approved", snapshot)
    assert result.exit_code == 0, result.output
    assert "verified: " in result.stdout and "approved cells match" in result.stdout
    figures = run("figures", SAMPLE_EXPORT, "-f", "json").stdout
    assert json.loads(snapshot.read_text()) == json.loads(figures)  # --update == figures json
    assert [p.name for p in snapshot.parent.iterdir()] == ["approved.json"]  # no temp left


def _changed_answer(tmp_path):
    """The sample with one included respondent's Q8 (senior exec owns CX) turned from Yes to No."""
    with open(SAMPLE_EXPORT, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    fin, status, q8 = (header.index(c) for c in ("Finished", "Status", "Q8"))
    i = next(
        i
        for i, r in enumerate(rows[3:], 3)
        if r[fin] == "1" and r[status] not in ("1", "8") and r[q8] == "1"
    )
    rows[i][q8] = "2"
    path = tmp_path / "changed.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_one_changed_answer_fails_with_the_differences(tmp_path, snapshot):
    result = run("verify", _changed_answer(tmp_path), "--approved", snapshot)
    assert result.exit_code == 1
    approved = json.loads(snapshot.read_text())
    fig = next(f for f in approved["figures"] if f["id"] == "senior_exec")
    yes, no = fig["rows"][0]["cells"]["Total"], fig["rows"][1]["cells"]["Total"]
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "4 difference(s) from the approved snapshot" in lines[0]
    assert f"senior_exec Yes Total count {yes['count']} {yes['count'] - 1}" in lines
    assert f"senior_exec No Total count {no['count']} {no['count'] + 1}" in lines
    assert any(line.startswith("senior_exec Yes Total value") for line in lines)
    assert "verify failed: 4 difference(s)" in result.stderr


def test_a_changed_scoring_rule_fails(tmp_path, snapshot):
    study = tmp_path / "study.yaml"
    study.write_text(DEFAULT_STUDY.read_text().replace("min_answered: 0.6", "min_answered: 1.0", 1))
    result = run("verify", SAMPLE_EXPORT, "--study", study, "--approved", snapshot)
    assert result.exit_code == 1
    assert "maturity_stages Investigate Total base 219" in [
        " ".join(line.split()[:5]) for line in result.stdout.splitlines()
    ]


def test_expectations_with_published_rounding(tmp_path):
    approved = tmp_path / "published.yaml"
    # The sample's senior_exec: Yes 20.0% of 225; maturity_stages Investigate 20.09% of 219.
    approved.write_text(
        "expect:\n"
        "  - {figure: senior_exec, row: 'Yes', value: 20}\n"
        "  - {figure: maturity_stages, row: Investigate, value: 20, base: 219}\n"
        "  - {figure: maturity_stages, row: Initiate, value: 23, tolerance: 0.2}\n"
    )
    assert run("verify", SAMPLE_EXPORT, "--approved", approved).exit_code == 0
    approved.write_text(
        "tolerance: 0.05\n"
        "expect:\n"
        "  - {figure: maturity_stages, row: Investigate, value: 20, base: 218}\n"
        "  - {figure: nope, row: 'Yes', value: 1}\n"
    )
    result = run("verify", SAMPLE_EXPORT, "--approved", approved)
    assert result.exit_code == 1
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "maturity_stages Investigate Total base 218 219" in lines
    assert "maturity_stages Investigate Total value 20 20.0913" in lines
    assert "nope Yes Total figure expected missing" in lines


def test_bad_approved_files_are_usage_errors(tmp_path):
    missing = run("verify", SAMPLE_EXPORT, "--approved", tmp_path / "none.json")
    assert missing.exit_code == 2 and "approved file not found" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("expect:\n  - {figure: x, rows: y}\n")
    result = run("verify", SAMPLE_EXPORT, "--approved", bad)
    assert result.exit_code == 2 and "bad.yaml:2:5: expect[0]: missing `row`" in result.output
    bad.write_text("expect:\n  - {figure: x, row: y, value: 1}\n")
    update = run("verify", SAMPLE_EXPORT, "--approved", bad, "--update")
    assert update.exit_code == 2 and "JSON snapshots only" in update.output


def test_a_hand_broken_snapshot_names_its_first_bad_place(tmp_path, snapshot):
    doc = json.loads(snapshot.read_text())
    del doc["figures"][1]["rows"][0]["label"]
    bad = tmp_path / "edited.json"
    bad.write_text(json.dumps(doc))
    result = run("verify", SAMPLE_EXPORT, "--approved", bad)
    assert result.exit_code == 2
    assert f"{bad}: figures[1].rows[0]: missing `label`" in result.output


def _one_figure_study(tmp_path):
    """The reference study with only its senior_exec figure."""
    text = DEFAULT_STUDY.read_text()
    head = text[: text.index("\nfigures:")]
    study = tmp_path / "one.yaml"
    study.write_text(
        head + "\nfigures:\n  - {id: senior_exec, title: Senior executive owns CX, "
        "question: senior_exec}\n"
    )
    return study


def _hand_snapshot(counts: dict[str, int], base: int) -> dict:
    rows = [
        {"label": label, "cells": {"Total": {"value": 100 * n / base, "count": n, "base": base}}}
        for label, n in counts.items()
    ]
    return {"alpha": 0.05, "adjust": "bonferroni", "figures": [{"id": "senior_exec", "rows": rows}]}


def test_a_snapshot_written_from_a_hand_count_verifies(tmp_path):
    """The approved values come from a recount with the csv module, not from a run."""
    counts, base = single_counts("Q8", {"1": "Yes", "2": "No", "3": "Not sure"})
    assert (counts, base) == ({"Yes": 45, "No": 143, "Not sure": 37}, 225)
    study = _one_figure_study(tmp_path)
    approved = tmp_path / "hand.json"
    approved.write_text(json.dumps(_hand_snapshot(counts, base)))
    result = run("verify", SAMPLE_EXPORT, "--study", study, "--approved", approved)
    assert result.exit_code == 0, result.output
    assert "3 approved cells match" in result.stdout


def test_a_hand_snapshot_one_respondent_off_fails_naming_the_cell(tmp_path):
    counts, base = single_counts("Q8", {"1": "Yes", "2": "No", "3": "Not sure"})
    counts = {**counts, "Yes": counts["Yes"] - 1, "Not sure": counts["Not sure"] + 1}
    approved = tmp_path / "hand.json"
    approved.write_text(json.dumps(_hand_snapshot(counts, base)))
    result = run(
        "verify", SAMPLE_EXPORT, "--study", _one_figure_study(tmp_path), "--approved", approved
    )
    assert result.exit_code == 1
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "senior_exec Yes Total count 44 45" in lines
    assert "senior_exec Not sure Total count 38 37" in lines
