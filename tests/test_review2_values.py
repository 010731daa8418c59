"""Review 2 findings on how answers are read: huge unquoted codes, number-like labels
in a choice-text export, one label normalisation, ambiguous multi-select cells."""

from __future__ import annotations

import pyarrow as pa
import pytest

import cxsurvey
from cxsurvey.errors import DataError, StudyError
from cxsurvey.reading.cells import cell_values
from cxsurvey.reading.choices import choice_index, normalised_labels, normalised_text
from cxsurvey.reading.labels import normalise_label
from cxsurvey.study import parse_study

HEAD = "version: 1\nstudy: t\nsource: {format: csv, id: id}\nquestions:\n"


def _study(question: str, figure: str = "q") -> str:
    return HEAD + f"  {question}\nfigures:\n  - {{id: {figure}, question: {figure}}}\n"


def _problems(text: str) -> list:
    try:
        return parse_study(text).warnings
    except StudyError as exc:
        return exc.problems


def _export(tmp_path, column, cells):
    path = tmp_path / "e.csv"
    lines = ["id," + column] + [f'R{i},"{c}"' for i, c in enumerate(cells, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counts(fig):
    return {row.label: next(iter(row.cells.values())).count for row in fig.rows}


# --- finding 2: whole-number codes beyond float64's exact range ----------------------

HUGE = "q: {type: single, column: q, options: {12345678901234567: A, 12345678901234568: B}}"


def test_unquoted_huge_codes_that_collide_as_float64_are_a_located_error():
    problems = _problems(_study(HUGE))
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1
    assert errors[0].line == 5
    assert "12345678901234568" in errors[0].message and "12345678901234567" in errors[0].message
    assert 'quote them ("12345678901234568": ...)' in errors[0].message


def test_quoted_huge_codes_are_text_and_counted_exactly(tmp_path):
    quoted = HUGE.replace("12345678901234567:", '"12345678901234567":').replace(
        "12345678901234568:", '"12345678901234568":'
    )
    study = parse_study(_study(quoted))
    export = _export(tmp_path, "q", ["12345678901234567", "12345678901234568", "12345678901234568"])
    fig = cxsurvey.figures(export, study).figures[0]
    assert _counts(fig)["A"] == 1 and _counts(fig)["B"] == 2


def test_a_lone_huge_code_is_a_warning_and_exact_neighbours_are_valid():
    alone = _problems(_study("q: {type: single, column: q, options: {12345678901234567: A, 2: B}}"))
    assert [p.severity for p in alone] == ["warning"] and "quote" in alone[0].message
    exact = "q: {type: single, column: q, options: {9007199254740991: A, 9007199254740990: B}}"
    assert not _problems(_study(exact))


# --- finding 3: number-like labels that are another option's code --------------------

NUMBER_LABELS = 'q: {type: single, column: q, options: {1: "0", 2: "1", 3: "2", 11: "10"}}'


def test_a_label_that_is_another_options_code_is_a_located_error_naming_both_readings():
    errors = [p for p in _problems(_study(NUMBER_LABELS)) if p.severity == "error"]
    assert [(p.line, p.message.split(":")[0]) for p in errors] == [
        (5, "question 'q'"),
        (5, "question 'q'"),
    ]
    first = errors[0].message
    assert "option 2 (label '1')" in first
    assert "a numeric export's cell 1 is option 1 ('0')" in first
    assert "a choice-text export's cell '1' is option 2" in first
    assert "relabel" in first and "codes equal to the labels" in first
    assert "option 3 (label '2')" in errors[1].message


def test_the_ambiguous_export_is_refused_not_counted(tmp_path):
    export = _export(tmp_path, "q", ["1", "1", "2", "10"])
    study = tmp_path / "s.yaml"
    study.write_text(_study(NUMBER_LABELS))
    from typer.testing import CliRunner

    from cxsurvey.cli import app

    result = CliRunner().invoke(app, ["figures", str(export), "-s", str(study), "--no-cache"])
    assert result.exit_code == 2
    assert "option 2 (label '1')" in result.output


def test_multi_options_with_a_label_that_is_another_code_are_refused_too():
    multi = 'q: {type: multi, column: q, delimiter: ",", options: {1: "2", 2: "3"}}'
    errors = [p for p in _problems(_study(multi)) if p.severity == "error"]
    assert len(errors) == 1 and "option 1 (label '2')" in errors[0].message


def test_codes_equal_to_their_number_labels_are_valid_and_count_by_code(tmp_path):
    text = _study('q: {type: single, column: q, options: {0: "0", 1: "1", 2: "2", 10: "10"}}')
    assert not _problems(text)
    export = _export(tmp_path, "q", ["1", "1", "2", "10"])
    fig = cxsurvey.figures(export, parse_study(text)).figures[0]
    assert _counts(fig) == {"0": 0, "1": 2, "2": 1, "10": 1}


# --- finding 5: one label normalisation for validation and matching -------------------


def test_dotted_capital_i_labels_are_two_options_in_validation_and_in_counting(tmp_path):
    text = _study('q: {type: single, column: q, options: {1: "İzmir", 2: "Izmir"}}')
    assert not _problems(text)
    export = _export(tmp_path, "q", ["İzmir", "Izmir", "izmir", " IZMIR "])
    fig = cxsurvey.figures(export, parse_study(text)).figures[0]
    assert _counts(fig) == {"İzmir": 1, "Izmir": 3}
    assert [w for w in fig.warnings if not w.startswith("small base")] == []


def test_labels_equal_after_case_folding_are_a_clash_and_cells_match_by_folding(tmp_path):
    clash = _study('q: {type: single, column: q, options: {1: "Straße", 2: "STRASSE"}}')
    errors = [p for p in _problems(clash) if p.severity == "error"]
    assert len(errors) == 1 and "'Straße' and 'STRASSE'" in errors[0].message
    text = _study('q: {type: single, column: q, options: {1: "Straße", 2: "Weg"}}')
    export = _export(tmp_path, "q", ["STRASSE", "strasse", "Straße", "weg"])
    fig = cxsurvey.figures(export, parse_study(text)).figures[0]
    assert _counts(fig) == {"Straße": 3, "Weg": 1}


def test_one_function_normalises_labels_and_cells():
    labels = ["İzmir", "Izmir", "Straße", "“Don’t know”", "  ΣΊΣΥΦΟΣ ", "ǅemal"]
    assert normalised_labels(labels) == [normalise_label(x) for x in labels]
    cells = pa.array([*labels, None, *labels])
    assert normalised_text(cells).to_pylist() == [
        *map(normalise_label, labels),
        None,
        *map(normalise_label, labels),
    ]


def test_choice_index_refuses_two_labels_with_one_key():
    arr = pa.array(["Straße", "x"])
    cells = cell_values(arr, [])
    with pytest.raises(DataError, match="'Straße' and 'STRASSE'"):
        choice_index(arr, cells, [1, 2], ["Straße", "STRASSE"])


# --- finding 6: a one-cell multi-select answer that splits more than one way ----------

OVERLAP = (
    'q: {type: multi, column: q, delimiter: ",", '
    'options: {1: "Red, Green", 2: "Green, Blue", 3: "Red", 4: "Blue"}}'
)


def test_validate_warns_about_labels_that_overlap_across_the_delimiter():
    problems = _problems(_study(OVERLAP))
    assert [p.severity for p in problems] == ["warning", "warning"]
    assert "option 'Red, Green' contains the delimiter ',' and 'Red' is an option" in (
        problems[0].message
    )
    assert "'Green, Blue'" in problems[1].message and "'Blue' is an option" in (problems[1].message)
    assert all(p.line == 5 for p in problems)
    plain = 'q: {type: multi, column: q, options: {1: "Soy, peanut, or nuts", 2: "Milk"}}'
    assert not _problems(_study(plain))


def test_an_ambiguous_cell_is_invalid_and_named_not_resolved_longest_first(tmp_path):
    export = _export(tmp_path, "q", ["Red, Green, Blue", "Red, Green", "Blue", "Red, Green, Blue"])
    fig = cxsurvey.figures(export, parse_study(_study(OVERLAP))).figures[0]
    assert _counts(fig) == {"Red, Green": 1, "Green, Blue": 0, "Red": 0, "Blue": 1}
    assert next(iter(fig.rows[0].cells.values())).base == 2
    warning = next(w for w in fig.warnings if w.startswith("2 response(s)"))
    assert "'Red, Green, Blue'" in warning
    assert "2 split into the option labels in more than one way" in warning
    assert "'Red, Green' + 'Blue' or 'Red' + 'Green, Blue'" in warning


def test_a_label_whose_parts_are_labels_is_ambiguous_alone(tmp_path):
    text = _study('q: {type: multi, column: q, options: {1: "A, B", 2: "A", 3: "B", 4: "C"}}')
    export = _export(tmp_path, "q", ["A, B", "A, C", "C, B"])
    fig = cxsurvey.figures(export, parse_study(text)).figures[0]
    assert _counts(fig) == {"A, B": 0, "A": 1, "B": 1, "C": 2}
    warning = next(w for w in fig.warnings if w.startswith("1 response(s)"))
    assert "'A, B'" in warning and "'A, B' or 'A' + 'B'" in warning


def test_scale_values_with_a_label_that_is_another_code_are_refused_too():
    text = HEAD.replace("questions:\n", "") + (
        'scales:\n  s:\n    values: {1: "0", 2: "1", 3: "2"}\n    groups: {G: [a, b]}\n'
    )
    errors = [p for p in _problems(text) if p.severity == "error"]
    assert [e.message.split(" is ambiguous")[0] for e in errors] == [
        "scale 's': option 2 (label '1')",
        "scale 's': option 3 (label '2')",
    ]


def test_sav_value_labels_that_are_numbers_are_read_by_code(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    sav = tmp_path / "s.sav"
    frame = pd.DataFrame({"id": ["R1", "R2", "R3", "R4"], "q": [1.0, 1.0, 2.0, 11.0]})
    labels = {"q": {1.0: "0", 2.0: "1", 3.0: "2", 11.0: "10"}}
    pyreadstat.write_sav(frame, str(sav), variable_value_labels=labels)
    text = HEAD.replace("format: csv", "format: sav") + "  q: {type: single, column: q}\n"
    text += "figures:\n  - {id: q, question: q}\n"
    fig = cxsurvey.figures(sav, parse_study(text)).figures[0]
    assert _counts(fig) == {"0": 2, "1": 1, "2": 0, "10": 1}
