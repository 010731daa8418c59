"""Every export layout and encoding gives the same responses and scores."""

from __future__ import annotations

import codecs

import pytest

import cxsurvey
from cxsurvey.reading.export import load_export
from cxsurvey.study import parse_study
from tests.conftest import TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export

FREE_TEXT = [r[-1] for r in TINY_ROWS]


def _variants():
    q = render_export(TINY_COLUMNS, TINY_ROWS, "qualtrics")
    plain = render_export(TINY_COLUMNS, TINY_ROWS, "plain")
    tsv_q = render_export(TINY_COLUMNS, TINY_ROWS, "qualtrics", delimiter="\t")
    legacy = render_export(TINY_COLUMNS, TINY_ROWS, "legacy")
    crlf = lambda t: t.replace("\n", "\r\n")  # noqa: E731  (quoted newlines become CRLF too)
    return {
        "qualtrics-utf8": (q.encode("utf-8"), "qualtrics"),
        "qualtrics-utf8-bom-crlf": (codecs.BOM_UTF8 + crlf(q).encode("utf-8"), "qualtrics"),
        "qualtrics-utf16-tsv": (codecs.BOM_UTF16_LE + tsv_q.encode("utf-16-le"), "qualtrics"),
        "qualtrics-utf16-tsv-no-bom": (tsv_q.encode("utf-16-le"), "qualtrics"),
        "legacy-2-row": (legacy.encode("utf-8"), "qualtrics-legacy"),
        "plain-csv": (plain.encode("utf-8"), "plain"),
        "plain-csv-crlf": (crlf(plain).encode("utf-8"), "plain"),
        "plain-tsv": (render_export(TINY_COLUMNS, TINY_ROWS, delimiter="\t").encode(), "plain"),
    }


@pytest.mark.parametrize("name", list(_variants()))
def test_layouts_read_identically(tmp_path, name):
    data, kind = _variants()[name]
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    # A legacy export names the id V1; the study asks for it by its modern name.
    legacy = kind == "qualtrics-legacy"
    columns = [("ResponseId" if c == "id" and legacy else c) for c in TINY_COLUMNS]
    study = TINY_STUDY.replace("id: id", "id: ResponseId") if legacy else TINY_STUDY
    export = load_export(path, columns)
    assert export.layout.kind == kind
    assert export.num_rows == len(TINY_ROWS)
    text = export.column("comment").to_pylist()
    if "crlf" in name:
        text = [t.replace("\r\n", "\n") if t else t for t in text]
    assert text == [t or None for t in FREE_TEXT]
    assert export.column("a2").to_pylist() == [r[3] or None for r in TINY_ROWS]
    result = cxsurvey.score(path, parse_study(study))
    assert result.table().column(columns[0]).to_pylist()[:2] == ["r1", "r2"]
    assert result.table().column("s").to_pylist()[:3] == pytest.approx([8 + 2 / 3, 5.5, 2.5])


def test_qualtrics_question_text_kept_as_labels(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        render_export(
            TINY_COLUMNS, TINY_ROWS, "qualtrics", labels={"a1": 'How "often", really?\nPick one'}
        )
    )
    export = load_export(path, ["a1", "b1"])
    assert export.labels == {
        "a1": 'How "often", really?\nPick one',
        "b1": "Question text of b1, with a comma",
    }


def test_only_requested_columns_are_read(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(render_export(TINY_COLUMNS, TINY_ROWS, "qualtrics"))
    assert load_export(path, ["b2", "a1"]).table.column_names == ["b2", "a1"]


def test_legacy_export_maps_modern_metadata_names(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(render_export(TINY_COLUMNS, TINY_ROWS, "legacy"))
    export = load_export(path, ["ResponseId", "Finished", "a1"])
    assert export.column("ResponseId").to_pylist()[0] == "r1"
    assert export.column("Finished").to_pylist()[-1] == "0"


def test_cp1252_export_with_declared_encoding(tmp_path):
    path = tmp_path / "win.csv"
    path.write_bytes("id,a1\nr1,5\nr2,caf\xe9\n".encode("cp1252"))
    with pytest.raises(cxsurvey.errors.DataError, match=r"source\.encoding"):
        load_export(path, ["a1"])
    export = load_export(path, ["a1"], encoding="cp1252")
    assert export.column("a1").to_pylist() == ["5", "café"]


def test_sav_export(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    frame = pd.DataFrame(
        {
            c: [int(r[i]) if r[i].lstrip("-").isdigit() else None for r in TINY_ROWS]
            for i, c in enumerate(TINY_COLUMNS)
            if c not in ("id", "comment")
        }
    )
    frame.insert(0, "id", [r[0] for r in TINY_ROWS])
    path = tmp_path / "tiny.sav"
    pyreadstat.write_sav(frame, str(path), column_labels={"a1": "First item"})
    export = load_export(path, ["id", "a1"])
    assert export.layout.kind == "sav" and export.labels["a1"] == "First item"
    result = cxsurvey.score(path, parse_study(TINY_STUDY))
    assert result.table().column("s").to_pylist()[:3] == pytest.approx([8 + 2 / 3, 5.5, 2.5])


ENCODING_STUDY = """\
version: 1
study: Encoding
source:
  encoding: {encoding}
questions:
  q:
    type: single
    column: q
    options: {{1: One, 2: Two}}
figures:
  - {{id: q, title: Q, question: q}}
"""


def _study_with_encoding(tmp_path, encoding):
    path = tmp_path / f"study_{encoding}.yaml"
    path.write_text(ENCODING_STUDY.format(encoding=encoding), encoding="utf-8")
    return cxsurvey.load_study(path)


def test_a_cp1252_export_read_as_utf8_names_the_line_byte_and_the_encoding_to_set(tmp_path):
    export = tmp_path / "excel.csv"
    export.write_bytes("id,q,city\nr1,1,Paris\nr2,2,Malmö\n".encode("cp1252"))
    with pytest.raises(cxsurvey.errors.DataError) as caught:
        cxsurvey.figures(export, _study_with_encoding(tmp_path, "auto"))
    assert str(caught.value) == (
        f"{export}: line 3, byte 30 (0xf6) is not valid utf-8; it reads as cp1252: set "
        "source.encoding: cp1252 in the study file"
    )
    result = cxsurvey.figures(export, _study_with_encoding(tmp_path, "cp1252"))
    assert result.respondents["read"] == 2


def test_a_declared_encoding_that_does_not_fit_never_suggests_itself(tmp_path):
    """UTF-8 text holding byte 0x81 cannot be cp1252; the hint points to utf-8, not cp1252."""
    export = tmp_path / "utf8.csv"
    export.write_bytes("id,q,city\nr1,1,Ł\nr2,2,Ё\n".encode())  # Ł is c5 81 in UTF-8
    assert export.read_bytes()[15:17] == b"\xc5\x81"
    with pytest.raises(cxsurvey.errors.DataError) as caught:
        cxsurvey.figures(export, _study_with_encoding(tmp_path, "cp1252"))
    assert str(caught.value) == (
        f"{export}: line 2, byte 16 (0x81) is not valid cp1252; source.encoding says cp1252, "
        "but the file is not cp1252 text; it reads as utf-8: set source.encoding to utf-8 or auto"
    )
