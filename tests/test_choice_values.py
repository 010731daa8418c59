"""Answers read right or refused clearly: choice-text exports, multi-select
values and labels, label-to-value scoring. Every expectation is counted by hand
from the six respondents below."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.errors import DataError, StudyError
from cxsurvey.study import parse_study
from tests.conftest import render_export

#        r1  r2  r3  r4  r5  r6
DATA = {
    "id": ["r1", "r2", "r3", "r4", "r5", "r6"],
    "Finished": ["1"] * 6,
    "sat": ["Satisfied", "very satisfied ", "Neutral", "Satisfied", "Very Satisfied", "Satisfed"],
    "quote": ["Don\u2019t know", "don't know", "It\u2019s fine", "", "It's fine", "It's fine"],
    "allergy": [
        "Soy, peanut, or tree nut allergies,Dairy",
        "Dairy",
        "Soy, peanut, or tree nut allergies",
        "",
        "Gluten,Dairy",
        "Shellfish",
    ],
    "t1": ["True", "False", "True", "", "False", "Maybe"],
    "t2": ["False", "False", "True", "", "True", "False"],
    "y1": ["Yes", "No", "Yes", "", "No", "yes "],
    "y2": ["No", "No", "Yes", "", "Yes", ""],
    "l1": ["Email", "", "Email", "", "", "Phone"],
    "l2": ["", "", "Phone", "", "Phone", ""],
    "g1": ["Good", "Fair", "Poor", "Good", "", "good"],
    "g2": ["Fair", "Fair", "Good", "", "Poor", "Fiar"],
    "ch": ["email", "Chat", "PHONE", "Chat", "", "chat"],
    "m1": ["Often", "never", "Always", "Sometimes", "Rarely", "Often"],
    "m2": ["4", "Never", "always", "", "2", "Often"],
    "n": ["1", "2", "1", "2", "", "1"],
}

STUDY = """\
version: 1
study: Choice text
source:
  id: id
  include: [{column: Finished, in: [1]}]
scales:
  m:
    values: {1: Never, 2: Rarely, 3: Sometimes, 4: Often, 5: Always}
    groups: {A: [m1, m2]}
questions:
  sat:
    type: single
    column: sat
    options: {1: Very dissatisfied, 2: Dissatisfied, 3: Neutral, 4: Satisfied, 5: Very satisfied}
  quote: {type: single, column: quote, options: {1: "Don't know", 2: "It's fine"}}
  allergy:
    type: multi
    column: allergy
    options: {1: "Soy, peanut, or tree nut allergies", 2: Dairy, 3: Gluten, 4: None of these}
  tf: {type: multi, columns: {1: t1, 2: t2}, options: {1: Email, 2: Phone}}
  yn: {type: multi, columns: {1: y1, 2: y2}, options: {1: Email, 2: Phone}}
  lab: {type: multi, columns: {1: l1, 2: l2}, options: {1: Email, 2: Phone}}
  grid:
    type: grid
    columns: {Speed: g1, Quality: g2}
    options: {1: Poor, 2: Fair, 3: Good}
  ch: {type: single, column: ch, options: [Email, Phone, Chat]}
figures:
  - {id: sat, question: sat}
  - {id: sat_mean, question: sat, stat: mean}
  - {id: quote, question: quote}
  - {id: allergy, question: allergy}
  - {id: tf, question: tf}
  - {id: yn, question: yn}
  - {id: lab, question: lab}
  - {id: grid_mean, question: grid, stat: mean}
  - {id: grid_good, question: grid, show: Good}
  - {id: ch, question: ch}
  - {id: m, question: m}
"""


def _write(tmp_path, data=DATA, study=STUDY):
    cols = list(data)
    rows = [[data[c][i] for c in cols] for i in range(len(data["id"]))]
    export = tmp_path / "choice.csv"
    export.write_text(render_export(cols, rows, "qualtrics"), encoding="utf-8")
    path = tmp_path / "study.yaml"
    path.write_text(study)
    return export, path


@pytest.fixture
def figs(tmp_path):
    export, _ = _write(tmp_path)
    result = cxsurvey.figures(export, parse_study(STUDY, "study.yaml"))
    return {f.id: f for f in result.figures}


def _cell(fig, row, col="Total"):
    r = next(r for r in fig.rows if r.label == row)
    c = r.cells[col]
    return c.value, c.count, c.base


def test_single_choice_text_ignores_case_and_spaces_and_suggests(figs):
    f = figs["sat"]
    # r6 "Satisfed" matches no label: out of the base, named with a suggestion.
    assert _cell(f, "Satisfied") == (40.0, 2, 5)
    assert _cell(f, "Very satisfied") == (40.0, 2, 5)
    assert _cell(f, "Neutral") == (20.0, 1, 5)
    assert _cell(f, "Dissatisfied") == (0.0, 0, 5)
    assert f.warnings[0] == (
        "1 response(s) in column 'sat' have codes that are not valid for 'sat' "
        "(e.g. 'Satisfed'; did you mean 'Satisfied'?); excluded from the base"
    )


def test_mean_of_labels_through_the_option_codes(figs):
    # 4 + 5 + 3 + 4 + 5 over five respondents.
    assert _cell(figs["sat_mean"], "sat") == (pytest.approx(21 / 5), 5, 5)


def test_curly_and_straight_quotes_match(figs):
    assert _cell(figs["quote"], "Don't know") == (40.0, 2, 5)
    assert _cell(figs["quote"], "It's fine") == (60.0, 3, 5)
    assert figs["quote"].warnings == ["small base (under 30): Total (n=5)"]


def test_one_cell_multi_with_a_comma_inside_a_label(figs):
    f = figs["allergy"]
    # Base r1 r2 r3 r5; r6 "Shellfish" is invalid.
    assert _cell(f, "Soy, peanut, or tree nut allergies") == (50.0, 2, 4)
    assert _cell(f, "Dairy") == (75.0, 3, 4)
    assert _cell(f, "Gluten") == (25.0, 1, 4)
    assert _cell(f, "None of these") == (0.0, 0, 4)
    assert "'Shellfish'" in f.warnings[0]


def test_split_multi_true_false(figs):
    f = figs["tf"]
    # False = seen, not selected (r2 is in the base); r6 "Maybe" is invalid.
    assert _cell(f, "Email") == (50.0, 2, 4)
    assert _cell(f, "Phone") == (50.0, 2, 4)
    assert f.warnings[0].startswith("1 response(s) in column 't1' have codes")
    assert "'Maybe'" in f.warnings[0]


def test_split_multi_yes_no(figs):
    # r6 "yes " counts as Yes; r4 answered nothing.
    assert _cell(figs["yn"], "Email") == (60.0, 3, 5)
    assert _cell(figs["yn"], "Phone") == (40.0, 2, 5)


def test_split_multi_labels_and_blanks(figs):
    f = figs["lab"]
    # r6 has "Phone" in the Email column: invalid, out of the base.
    assert _cell(f, "Email") == (pytest.approx(200 / 3), 2, 3)
    assert _cell(f, "Phone") == (pytest.approx(200 / 3), 2, 3)
    assert "column 'l1'" in f.warnings[0] and "'Phone'" in f.warnings[0]


def test_grid_of_labels_scored_and_counted(figs):
    mean = figs["grid_mean"]
    assert _cell(mean, "Speed") == (pytest.approx(12 / 5), 5, 5)
    assert _cell(mean, "Quality") == (pytest.approx(2.0), 4, 4)  # "Fiar" is invalid
    assert "did you mean 'Fair'?" in mean.warnings[0]
    assert _cell(figs["grid_good"], "Speed") == (60.0, 3, 5)
    assert _cell(figs["grid_good"], "Quality") == (25.0, 1, 4)


def test_options_declared_by_label(figs):
    assert _cell(figs["ch"], "Email") == (20.0, 1, 5)
    assert _cell(figs["ch"], "Phone") == (20.0, 1, 5)
    assert _cell(figs["ch"], "Chat") == (60.0, 3, 5)


def test_scale_scores_labels_through_its_values(figs):
    # Group means 4, 1, 5, 3 (one item answered), 2, 4.
    assert _cell(figs["m"], "m") == (pytest.approx(19 / 6), 6, 6)


def test_codes_study_on_a_choice_text_export_is_refused(tmp_path):
    study = STUDY.replace(
        "options: {1: Very dissatisfied, 2: Dissatisfied, 3: Neutral, 4: Satisfied, 5: Very "
        "satisfied}",
        "options: {1: Very unhappy, 2: Unhappy, 3: Neither, 4: Happy, 5: Very happy}",
    )
    export, path = _write(tmp_path, study=study)
    with pytest.raises(DataError) as err:
        cxsurvey.figures(export, parse_study(study), ["sat"])
    msg = str(err.value)
    assert "column 'sat' (question 'sat') holds choice text (e.g. 'Satisfied')" in msg
    assert 'the export was made with "use choice text"' in msg
    assert "Export with numeric values, or write each option's label" in msg
    assert "source.missing" not in msg
    result = CliRunner().invoke(app, ["check", str(export), "--study", str(path)])
    assert result.exit_code == 1
    assert f"{path}:13:13: error: column 'sat' (question 'sat') holds choice text" in result.stdout


def test_label_study_on_a_numeric_column_is_refused(tmp_path):
    study = STUDY.replace("column: ch, options", "column: n, options")
    export, _ = _write(tmp_path, study=study)
    with pytest.raises(DataError, match=r"holds numeric codes \(e\.g\. '1'\) where the study"):
        cxsurvey.figures(export, parse_study(study), ["ch"])


def test_a_scale_on_labels_it_does_not_declare_is_refused(tmp_path):
    study = STUDY.replace("Rarely, 3: Sometimes, 4: Often, 5: Always", "B, 3: C, 4: D, 5: E")
    study = study.replace("1: Never, 2:", "1: A, 2:")
    data = {**DATA, "m2": ["Often", "Never", "always", "", "Rarely", "Often"]}
    export, _ = _write(tmp_path, data=data, study=study)
    with pytest.raises(DataError, match="column 'm1' \\(scale 'm'\\) holds choice text"):
        cxsurvey.score(export, parse_study(study))


def test_a_scale_column_with_one_unknown_label_names_the_cell_not_the_export_kind(tmp_path):
    """Some cells match the scale's labels, one does not: that cell is the problem (a typo),
    not a study written for the other kind of export."""
    data = {**DATA, "m1": ["Often", "never", "Bogus", "Sometimes", "Rarely", "Often"]}
    export, _ = _write(tmp_path, data=data)
    with pytest.raises(DataError) as caught:
        cxsurvey.score(export, parse_study(STUDY))
    message = str(caught.value)
    assert (
        "column 'm1', respondent r3 (data row 3): 'Bogus' is neither a code nor a label" in message
    )
    assert "holds choice text" not in message


def test_a_split_column_of_foreign_values_is_refused(tmp_path):
    data = {**DATA, "t2": ["x", "y", "x", "", "y", "x"]}
    export, _ = _write(tmp_path, data=data)
    with pytest.raises(DataError, match="column 't2' \\(option 'Phone'\\) holds 'x'"):
        cxsurvey.figures(export, parse_study(STUDY), ["tf"])


def test_check_names_unmatched_labels_with_a_suggestion(tmp_path):
    export, path = _write(tmp_path)
    out = CliRunner().invoke(app, ["check", str(export), "--study", str(path)]).stdout
    assert (
        "column 'sat' (sat): 1 response(s) have codes outside the options ('Satisfed' (1x); "
        "e.g. respondent r6 (data row 6)); did you mean 'Satisfied'?; figures exclude them"
    ) in out
    assert "column 't1' (tf): 1 response(s) are not a multi-select value (e.g. 'Maybe'" in out
    assert "column 'allergy' (allergy): 1 response(s) hold codes that are not options" in out


def test_mean_over_labels_without_values_is_a_validation_error():
    with pytest.raises(StudyError) as err:
        parse_study(STUDY + "  - {id: ch_mean, question: ch, stat: mean}\n", "s.yaml")
    assert (
        "figure 'ch_mean': stat 'mean' needs a number for every option of 'ch', but 'Email' "
        "has none" in str(err.value)
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{1: Agree, 2: agree }", "options 'Agree' and 'agree' have labels that differ only"),
        ('{1: "Don\'t know", 2: "Don\u2019t know"}', "have labels that differ only in case"),
        ("[Yes, Yes]", "YAML read the unquoted Yes as True"),
        ('["Yes", "Yes"]', "label 'Yes' is listed twice"),
    ],
)
def test_labels_that_clash_are_validation_errors(options, message):
    text = (
        f"version: 1\nstudy: s\nquestions:\n  q: {{type: single, column: Q, options: {options}}}\n"
    )
    with pytest.raises(StudyError) as err:
        parse_study(text, "s.yaml")
    assert message in str(err.value)


WORDED = {
    "id": ["r1", "r2", "r3", "r4"],
    "Q1": ["1", "2", "1", ""],
    "Q2_1": ["3", "2", "1", "3"],
    "Q2_2": ["1", "", "2", "3"],
    "Q3": ["1,2", "2", "", "1"],
}
HEADER_TEXT = {
    "id": "Response ID",
    "Q1": "Would you  recommend us to a friend?",
    "Q2_1": "How good is each of these? - Speed",
    "Q2_2": "How good is each of these? - Quality",
    "Q3": "Which channels do you use? - Selected Choice",
}
WORDED_STUDY = """\
version: 1
study: Worded
source: {id: id}
questions:
  rec: {type: single, column: Q1, options: {1: "Yes", 2: "No"}}
  good:
    type: grid
    columns: [Q2_1, Q2_2]
    options: {1: Poor, 2: Fair, 3: Good}
    nets: {Fair or good: [2, 3]}
  channels: {type: multi, column: Q3, options: {1: Email, 2: Phone}}
figures:
  - {id: rec, question: rec}
  - {id: good, question: good, show: Fair or good}
  - {id: good_mean, question: good, stat: mean, title: Quality ratings}
  - {id: channels, question: channels}
"""


def test_question_wording_from_the_header_row(tmp_path):
    cols = list(WORDED)
    rows = [[WORDED[c][i] for c in cols] for i in range(4)]
    export = tmp_path / "worded.csv"
    export.write_text(render_export(cols, rows, "qualtrics", labels=HEADER_TEXT))
    figs = {f.id: f for f in cxsurvey.figures(export, parse_study(WORDED_STUDY)).figures}
    # No title and no text in the study: the export's question text (spaces collapsed).
    assert figs["rec"].title == figs["rec"].wording == "Would you recommend us to a friend?"
    assert figs["rec"].measure == "%"
    good = figs["good"]
    assert good.title == "How good is each of these?"
    assert [r.label for r in good.rows] == ["Speed", "Quality"]  # items from the header
    assert good.measure == "% Fair or good: Fair or Good"
    assert _cell(good, "Speed") == (75.0, 3, 4)
    assert _cell(good, "Quality") == (pytest.approx(200 / 3), 2, 3)
    mean = figs["good_mean"]
    assert mean.title == "Quality ratings" and mean.wording == "How good is each of these?"
    assert mean.measure == "Mean (1 = Poor ... 3 = Good)"
    assert figs["channels"].wording == "Which channels do you use?"
    doc = cxsurvey.figures(export, parse_study(WORDED_STUDY)).to_dict()
    assert doc["figures"][2]["wording"] == "How good is each of these?"
    from cxsurvey.outputs.figures_out import figure_markdown

    md = figure_markdown(mean)
    assert "*Question: How good is each of these?*" in md
    assert "*Values: Mean (1 = Poor ... 3 = Good).*" in md


def test_a_study_text_wins_over_the_header_row(tmp_path):
    cols = list(WORDED)
    rows = [[WORDED[c][i] for c in cols] for i in range(4)]
    export = tmp_path / "worded.csv"
    export.write_text(render_export(cols, rows, "plain"))
    study = WORDED_STUDY.replace("column: Q1,", 'column: Q1, text: "Recommend?",')
    figs = {f.id: f for f in cxsurvey.figures(export, parse_study(study)).figures}
    assert figs["rec"].title == figs["rec"].wording == "Recommend?"
    # A plain CSV has no question text: the figure id, and grid items by column.
    assert figs["good"].title == "good" and figs["good"].wording is None
    assert [r.label for r in figs["good"].rows] == ["Q2_1", "Q2_2"]


def test_a_one_cell_multi_of_the_other_kind_is_refused(tmp_path):
    data = {**DATA, "allergy": ["Soy,Dairy", "Dairy", "Gluten", "", "Gluten,Dairy", "Dairy"]}
    study = STUDY.replace(
        'options: {1: "Soy, peanut, or tree nut allergies", 2: Dairy, 3: Gluten, 4: None of these}',
        "options: {1: Peanuts, 2: Milk, 3: Wheat}",
    )
    export, _ = _write(tmp_path, data=data, study=study)
    with pytest.raises(
        DataError, match=r"column 'allergy' holds choice text \(e\.g\. 'Soy,Dairy'\)"
    ):
        cxsurvey.figures(export, parse_study(study), ["allergy"])


def test_a_banner_of_the_other_kind_is_refused(tmp_path):
    study = STUDY.replace("  - {id: sat, question: sat}", "  - {id: sat, question: sat, by: ch}")
    study = study.replace("options: [Email, Phone, Chat]", "options: {1: E-mail, 2: Tel, 3: Web}")
    export, _ = _write(tmp_path, study=study)
    with pytest.raises(DataError, match=r"column 'ch' \(question 'ch'\) holds choice text"):
        cxsurvey.figures(export, parse_study(study), ["sat"])


def test_split_multi_options_from_the_question_text_row(tmp_path):
    """No options in the study: a Qualtrics CSV's question text names each option
    ("Which channels? - Email"); the cells here are True/False."""
    cols = ["id", "c1", "c2"]
    rows = [["r1", "True", "False"], ["r2", "True", "True"], ["r3", "False", "False"]]
    text = {"id": "Response ID", "c1": "Which channels? - Email", "c2": "Which channels? - Phone"}
    export = tmp_path / "channels.csv"
    export.write_text(render_export(cols, rows, "qualtrics", labels=text))
    study = parse_study(
        "version: 1\nstudy: s\nsource: {id: id}\nquestions:\n"
        "  ch: {type: multi, columns: {1: c1, 2: c2}}\n"
        "figures:\n  - {id: ch, question: ch}\n"
    )
    (fig,) = cxsurvey.figures(export, study).figures
    assert fig.title == "Which channels?"
    assert [(r.label, r.cells["Total"].count, r.cells["Total"].base) for r in fig.rows] == [
        ("Email", 2, 3),
        ("Phone", 1, 3),
    ]


def test_a_huge_delimited_cell_is_invalid_not_a_crash(tmp_path):
    huge = ",".join(["Dairy"] * 30_000 + ["Shellfish"])
    data = {**DATA, "allergy": [huge, *DATA["allergy"][1:]]}
    export, _ = _write(tmp_path, data=data)
    figs = {f.id: f for f in cxsurvey.figures(export, parse_study(STUDY), ["allergy"]).figures}
    # r1 (huge, ends in an unknown label) and r6 ("Shellfish") are invalid: base r2 r3 r5.
    assert _cell(figs["allergy"], "Dairy") == (pytest.approx(200 / 3), 2, 3)
    assert figs["allergy"].warnings[0].startswith("2 response(s) in column 'allergy'")
    assert len(figs["allergy"].warnings[0]) < 300  # the example cell is cut short
