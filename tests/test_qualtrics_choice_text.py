"""A real Qualtrics choice-text export and the .sav of the same survey
(tests/fixtures/qualtrics/student-satisfaction-choice-text, CC BY 4.0): one study
gives the same figures on both, and every asserted cell equals a recount of the
CSV with Python's csv module (independent of cxsurvey's reader and matching)."""

from __future__ import annotations

import csv
import math
import statistics
from collections import Counter
from pathlib import Path

import pytest

import cxsurvey
from cxsurvey.errors import DataError
from cxsurvey.study import load_study, parse_study

HERE = Path(__file__).parent / "fixtures" / "qualtrics" / "student-satisfaction-choice-text"
CSV, SAV, STUDY = HERE / "export.csv", HERE / "export.sav", HERE / "study.yaml"

SATISFACTION = [
    "Very Dissatisfied",
    "Dissatisfied",
    "Somewhat Dissatisfied",
    "Neutral",
    "Somewhat Satisfied",
    "Satisfied",
    "Very Satisfied",
]
HELPFUL = [
    "Extremely helpful",
    "Moderately helpful",
    "Slightly helpful",
    "Neither helpful nor unhelpful",
    "Slightly unhelpful",
    "Moderately unhelpful",
    "Extremely unhelpful",
]
LIKELY = [
    "Very Unlikely",
    "Unlikely",
    "Somewhat Unlikely",
    "Undecided",
    "Somewhat Likely",
    "Likely",
    "Very Likely",
]


def _records() -> list[dict[str, str]]:
    with open(CSV, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    names, data = rows[0], rows[3:]  # names, question text, ImportIds, then responses
    return [dict(zip(names, r, strict=True)) for r in data]


def _figures(export):
    return {f.id: f for f in cxsurvey.figures(export, load_study(STUDY)).figures}


def _cell(fig, row, col="Total"):
    c = next(r for r in fig.rows if r.label == row).cells[col]
    return c.value, c.count, c.base


def _all_cells(figs):
    return {
        (f.id, r.label, k): (c.value, c.count, c.base)
        for f in figs.values()
        for r in f.rows
        for k, c in r.cells.items()
    }


def test_the_choice_text_csv_and_the_sav_give_the_same_figures():
    from_csv, from_sav = _figures(CSV), _figures(SAV)
    # 9 + 1 + 2 + 2 + 5 + 3 + 6 + 3 + 4 + 24 cells over the ten figures.
    assert len(_all_cells(from_csv)) == 59
    assert _all_cells(from_csv) == _all_cells(from_sav)


def test_single_and_nets_equal_a_recount():
    recs = _records()
    counts = Counter(r["Q13"] for r in recs)
    n = sum(counts[label] for label in SATISFACTION)
    assert n == len(recs) == 25
    f = _figures(CSV)["overall"]
    for label in SATISFACTION:
        assert _cell(f, label) == (100 * counts[label] / n, counts[label], n)
    top = sum(counts[label] for label in SATISFACTION[4:])
    assert _cell(f, "Satisfied (any)") == (100 * top / n, top, n)
    assert f.measure.startswith("% of the base; nets: Satisfied (any) = Somewhat Satisfied or")


def test_means_score_labels_through_the_declared_codes():
    recs = _records()
    overall = [SATISFACTION.index(r["Q13"]) + 1 for r in recs]
    figs = _figures(CSV)
    assert _cell(figs["overall_mean"], "overall")[0] == pytest.approx(statistics.mean(overall))
    advisor = [HELPFUL.index(r["Q1"]) + 1 for r in recs]
    staff = [HELPFUL.index(r["Q4"]) + 1 for r in recs]
    mean = figs["helpful_mean"]
    assert _cell(mean, "Academic advisor")[0] == pytest.approx(statistics.mean(advisor))
    assert _cell(mean, "Health center staff")[0] == pytest.approx(statistics.mean(staff))
    helped = sum(code <= 3 for code in staff)
    assert _cell(figs["helpful"], "Health center staff") == (100 * helped / 25, helped, 25)


def test_a_median_split_of_a_label_scale_equals_a_recount():
    recs = _records()
    score = [(SATISFACTION.index(r["Q8"]) + 1 + SATISFACTION.index(r["Q13"]) + 1) / 2 for r in recs]
    median = statistics.median(score)
    high = [s >= median for s in score]
    likely = [r["Q14"] in LIKELY[4:] for r in recs]
    f = _figures(CSV)["return_by_group"]
    n_high = sum(high)
    k_high = sum(h and x for h, x in zip(high, likely, strict=True))
    k_low = sum((not h) and x for h, x in zip(high, likely, strict=True))
    assert _cell(f, "Likely (any)", "More satisfied") == (100 * k_high / n_high, k_high, n_high)
    assert _cell(f, "Likely (any)", "Less satisfied") == (
        100 * k_low / (25 - n_high),
        k_low,
        25 - n_high,
    )


def test_nps_and_the_exported_nps_group_agree_with_a_recount():
    recs = _records()
    scores = [int(r["Q15"]) for r in recs]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    figs = _figures(CSV)
    nps = _cell(figs["recommend"], "NPS")[0]
    assert math.isclose(nps, 100 * (promoters - detractors) / 25)
    groups = Counter(r["Q15_NPS_GROUP"] for r in recs)
    assert groups["Promoter"] == promoters and groups["Detractor"] == detractors
    assert _cell(figs["nps_group"], "Promoter") == (100 * promoters / 25, promoters, 25)


def test_value_labels_of_the_sav_serve_as_options():
    text = STUDY.read_text()
    # The same study with every `options:` left to the .sav's value labels.
    lines, skip = [], False
    for line in text.splitlines():
        if line.strip().startswith("options:"):
            skip = not line.rstrip().endswith("}")
            continue
        if skip:
            skip = not line.rstrip().endswith("}")
            continue
        lines.append(line)
    bare = parse_study("\n".join(lines) + "\n", "bare.yaml")
    assert all(
        not getattr(q, "options", True) for q in bare.study.questions.values() if q.type == "single"
    )
    figs = {f.id: f for f in cxsurvey.figures(SAV, bare).figures}
    assert _all_cells(figs) == _all_cells(_figures(SAV))
    assert figs["facilities"].title == "How well maintained are the facilities at this university?"
    with pytest.raises(DataError, match=r"only SPSS \.sav exports carry value labels"):
        cxsurvey.figures(CSV, bare)


def test_a_codes_study_whose_labels_differ_is_refused_on_the_csv():
    text = STUDY.read_text().replace(
        "{1: Extremely well, 2: Very well, 3: Moderately well, 4: Slightly well, 5: Not well at all}",
        "{1: Excellent, 2: Very good, 3: Good, 4: Fair, 5: Poor}",
    )
    study = parse_study(text, "study.yaml")
    with pytest.raises(DataError) as err:
        cxsurvey.figures(CSV, study, ["facilities"])
    assert "column 'Q5' (question 'facilities') holds choice text" in str(err.value)
    assert len(cxsurvey.figures(SAV, study, ["facilities"]).figures) == 1  # codes still fit


def test_a_numeric_finished_filter_on_the_choice_text_csv_says_how_to_fix_it():
    text = STUDY.read_text().replace(
        "  id: ResponseId\n", "  id: ResponseId\n  include: [{column: Finished, in: [1]}]\n"
    )
    with pytest.raises(DataError) as err:
        cxsurvey.figures(CSV, parse_study(text, "study.yaml"))
    assert str(err.value).endswith(
        "source.include keeps none of the 25 responses; check the filter codes against the "
        "export; column 'Finished' holds True/False (a choice-text export), not 1/0: use "
        'in: ["True"]'
    )
    fixed = text.replace("in: [1]", 'in: ["True"]')
    assert cxsurvey.figures(CSV, parse_study(fixed, "study.yaml")).respondents["included"] == 25
