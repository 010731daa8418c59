"""SPSS .sav value labels serve as options; the .sav and the CSV of one survey
give the same figures from one study. Counts are by hand on five respondents."""

from __future__ import annotations

import pytest

import cxsurvey
from cxsurvey.errors import DataError, StudyError
from cxsurvey.study import parse_study
from tests.conftest import render_export

pyreadstat = pytest.importorskip("pyreadstat")
pd = pytest.importorskip("pandas")

DATA = {
    "ResponseId": ["R_1", "R_2", "R_3", "R_4", "R_5"],
    "Q1": [1, 2, 1, 3, None],  # 1 Yes, 2 No, 3 Not sure
    "Q2_1": [5, 4, 3, 5, 1],  # grid items, 1 Poor .. 5 Excellent
    "Q2_2": [4, None, 2, 5, 5],
    "Q3_1": [1, None, 1, None, 1],  # split multi: 1 = selected
    "Q3_2": [None, 1, 1, None, None],
}
GRID = {1.0: "Poor", 2.0: "Fair", 3.0: "Good", 4.0: "Very good", 5.0: "Excellent"}
VALUE_LABELS = {
    "Q1": {1.0: "Yes", 2.0: "No", 3.0: "Not sure"},
    "Q2_1": GRID,
    "Q2_2": GRID,
    "Q3_1": {1.0: "Email"},
    "Q3_2": {1.0: "Phone"},
}
TEXT = {
    "ResponseId": "Response ID",
    "Q1": "Do you own a car?",
    "Q2_1": "Rate our service - Speed",
    "Q2_2": "Rate our service - Courtesy",
    "Q3_1": "How do you contact us? - Email",
    "Q3_2": "How do you contact us? - Phone",
}
STUDY = """\
version: 1
study: Same survey, two files
questions:
  car: {type: single, column: Q1, options: {1: "Yes", 2: "No", 3: Not sure}, nets: {Any answer: [1, 2, 3]}}
  service:
    type: grid
    columns: {Speed: Q2_1, Courtesy: Q2_2}
    options: {1: Poor, 2: Fair, 3: Good, 4: Very good, 5: Excellent}
    nets: {Very good or better: [4, 5]}
  contact: {type: multi, columns: {1: Q3_1, 2: Q3_2}, options: {1: Email, 2: Phone}}
figures:
  - {id: car, question: car, show: both}
  - {id: service, question: service, show: Very good or better}
  - {id: service_mean, question: service, stat: mean}
  - {id: contact, question: contact}
"""
NO_OPTIONS = """\
version: 1
study: Options from the .sav
questions:
  car: {type: single, column: Q1, nets: {Any answer: [1, 2, 3]}}
  service:
    type: grid
    columns: {Speed: Q2_1, Courtesy: Q2_2}
    nets: {Very good or better: [4, 5]}
  contact: {type: multi, columns: {1: Q3_1, 2: Q3_2}}
figures:
  - {id: car, question: car, show: both}
  - {id: service, question: service, show: Very good or better}
  - {id: service_mean, question: service, stat: mean}
  - {id: contact, question: contact}
"""


def _files(tmp_path):
    frame = pd.DataFrame(DATA)
    sav = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        frame,
        str(sav),
        column_labels=[TEXT[c] for c in DATA],
        variable_value_labels=VALUE_LABELS,
    )
    cols = list(DATA)
    rows = [
        ["" if DATA[c][i] is None else str(DATA[c][i]) for c in cols]
        for i in range(len(DATA["Q1"]))
    ]
    csv = tmp_path / "survey.csv"
    csv.write_text(render_export(cols, rows, "qualtrics", labels=TEXT))
    return sav, csv


def _table(result):
    return {
        (f.id, r.label, c): (cell.value, cell.count, cell.base)
        for f in result.figures
        for r in f.rows
        for c, cell in r.cells.items()
    }


def test_sav_and_csv_give_the_same_figures(tmp_path):
    sav, csv = _files(tmp_path)
    study = parse_study(STUDY)
    from_sav, from_csv = _table(cxsurvey.figures(sav, study)), _table(cxsurvey.figures(csv, study))
    assert from_sav == from_csv
    # By hand: Q1 answered by R_1..R_4: Yes 2, No 1, Not sure 1.
    assert from_sav[("car", "Yes", "Total")] == (50.0, 2, 4)
    assert from_sav[("car", "Any answer", "Total")] == (100.0, 4, 4)
    # Speed 5,4,3,5,1 -> 3 of 5 very good or better; Courtesy 4,2,5,5 -> 3 of 4.
    assert from_sav[("service", "Speed", "Total")] == (60.0, 3, 5)
    assert from_sav[("service", "Courtesy", "Total")] == (75.0, 3, 4)
    assert from_sav[("service_mean", "Speed", "Total")] == (pytest.approx(18 / 5), 5, 5)
    # Multi: R_4 selected nothing (blank columns) so is out of the base.
    assert from_sav[("contact", "Email", "Total")] == (75.0, 3, 4)
    assert from_sav[("contact", "Phone", "Total")] == (50.0, 2, 4)


def test_value_labels_serve_as_options(tmp_path):
    sav, _ = _files(tmp_path)
    with_options = _table(cxsurvey.figures(sav, parse_study(STUDY)))
    result = cxsurvey.figures(sav, parse_study(NO_OPTIONS))
    assert _table(result) == with_options
    figs = {f.id: f for f in result.figures}
    assert [r.label for r in figs["car"].rows] == ["Yes", "No", "Not sure", "Any answer"]
    assert figs["car"].title == "Do you own a car?"  # the .sav variable label
    assert figs["service"].title == "Rate our service"
    assert figs["service_mean"].measure == "Mean (1 = Poor ... 5 = Excellent)"


def test_options_left_to_a_csv_are_an_error(tmp_path):
    _, csv = _files(tmp_path)
    with pytest.raises(DataError, match="question 'car' declares no options and column 'Q1'"):
        cxsurvey.figures(csv, parse_study(NO_OPTIONS))


def test_show_naming_a_label_the_sav_lacks_is_an_error(tmp_path):
    sav, _ = _files(tmp_path)
    study = NO_OPTIONS.replace("show: both}", "show: Maybe}")
    with pytest.raises(StudyError, match="show 'Maybe' is not options"):
        cxsurvey.figures(sav, parse_study(study))


def test_value_labels_of_a_sav_written_by_qualtrics():
    """The real .sav in tests/fixtures/qualtrics/spss-sav codes Finished as 1 = False,
    2 = True (not the CSV's 0/1): its value labels say so, and serve as options."""
    from tests.conftest import REPO

    sav = REPO / "tests" / "fixtures" / "qualtrics" / "spss-sav" / "export.sav"
    study = parse_study(
        "version: 1\nstudy: s\nsource: {id: ResponseId}\nquestions:\n"
        "  finished: {type: single, column: Finished}\n"
        "figures:\n  - {id: finished, question: finished}\n"
    )
    (fig,) = cxsurvey.figures(sav, study).figures
    # pyreadstat reads Finished = 2 for all five responses (see the fixture's SOURCE.md).
    assert [(r.label, r.cells["Total"].count, r.cells["Total"].base) for r in fig.rows] == [
        ("False", 0, 5),
        ("True", 5, 5),
    ]


def test_a_csv_written_finished_filter_on_a_qualtrics_sav_is_refused_not_inverted():
    """`Finished in [1]` means finished in the CSV (1 = True) but unfinished in the .sav
    Qualtrics writes (1 = False, 2 = True): run on the .sav it would keep only unfinished
    responses (here: none of the five finished ones). It is refused, naming the coding; the
    same filter written in the .sav's codes, with source.format: sav, keeps all five."""
    from cxsurvey.errors import DataError
    from tests.conftest import REPO

    sav = REPO / "tests" / "fixtures" / "qualtrics" / "spss-sav" / "export.sav"
    body = (
        "questions:\n  finished: {type: single, column: Finished}\n"
        "figures:\n  - {id: finished, question: finished}\n"
    )
    csv_study = parse_study(
        "version: 1\nstudy: s\nsource:\n  id: ResponseId\n  include:\n"
        "    - {column: Finished, in: [1]}\n" + body
    )
    with pytest.raises(DataError) as caught:
        cxsurvey.figures(sav, csv_study)
    assert str(caught.value) == (
        f"{sav}: source.include[0] (Finished in [1]): in this .sav Finished is coded 1 = False, "
        "2 = True (its value labels), so code 1 does not mean what it means in the CSV export; "
        "write the .sav's codes (e.g. in: [2] for True) and set source.format: sav"
    )
    sav_study = parse_study(
        "version: 1\nstudy: s\nsource:\n  format: sav\n  id: ResponseId\n  include:\n"
        "    - {column: Finished, in: [2]}\n" + body
    )
    assert cxsurvey.figures(sav, sav_study).respondents["included"] == 5
