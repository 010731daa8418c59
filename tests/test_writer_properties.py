"""Labels are data, never formulas or markup, in every writer (hypothesis).

Any label survives the figures CSV, the score CSV, XLSX, Markdown, HTML and the
terminal table verbatim when read back with an independent reader (the csv
module, openpyxl, markdown-it + an HTML parser, Python's HTML parser, the
rendered terminal text), and a spreadsheet never sees it as a formula.
"""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxsurvey.outputs.figures_out import figure_markdown, figures_csv
from cxsurvey.outputs.safe_text import TRIGGERS, md_text, neutralise_array, neutralise_text
from cxsurvey.tabulation.results import Cell, FigureResult, FiguresResult, Gap, Row

NASTY = "=+-@\t\r\n＝＋－＠,;\"'|*_`[]()<>/\\#~$&!{}:?.% 0123456789aZéß中\u200b"
labels = st.text(alphabet=st.sampled_from(NASTY) | st.characters(codec="utf-8"), max_size=24)
printable = st.text(
    alphabet=st.sampled_from(NASTY.replace("\t", "").replace("\r", "").replace("\n", ""))
    | st.characters(categories=("L", "N", "P", "S"), max_codepoint=0x2FF),
    max_size=24,
)
SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _result(title: str, row_labels: list[str], column: str = "Total") -> FiguresResult:
    rows = [
        Row(
            label,
            {column: Cell(50.0, 1, 2), "A": Cell(-5.0, 1, 2), "B": Cell(None, 0, 0)},
            Gap(-3.0, "z", 0.5, False),
        )
        for label in row_labels
    ]
    fig = FigureResult("f", title, "q", "percent", "g", [column, "A", "B"], rows)
    return FiguresResult("study", "0", "x" * 64, "y" * 64, {"read": 2, "included": 2,
                         "scored": {}}, [fig])  # fmt: skip


def _unneutralised(cell: str, original: str) -> str:
    return cell[1:] if cell != original and cell == "'" + original else cell


def _no_formula(cell: str) -> None:
    if cell.startswith(TRIGGERS):
        float(cell)  # only a plain number may start with a sign


@SETTINGS
@given(title=labels, row_labels=st.lists(labels, min_size=1, max_size=4, unique=True))
def test_figures_csv_round_trips_every_label(title, row_labels):
    out = io.StringIO()
    figures_csv(_result(title, row_labels), out)
    records = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert len(records) == 1 + 3 * len(row_labels)  # no label split a row
    for record in records[1:]:
        _no_formula(record[1])
    got = [_unneutralised(r[1], lab) for r, lab in zip(records[1::3], row_labels, strict=True)]
    assert got == row_labels
    assert all(r[3] in ("50.0", "-5.0", "") for r in records[1:])  # numbers stay numbers


@SETTINGS
@given(cells=st.lists(labels, min_size=1, max_size=6))
def test_score_csv_round_trips_every_text_cell(cells):
    from pyarrow import csv as pacsv

    table = pa.table({"id": cells, "score": pa.array([-1.5] * len(cells))})
    buffer = io.BytesIO()
    pacsv.write_csv(
        pa.table({"id": neutralise_array(table["id"]), "score": table["score"]}),
        buffer,
        pacsv.WriteOptions(quoting_style="needed"),
    )
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode(), newline="")))[1:]
    assert [_unneutralised(r[0], c) for r, c in zip(rows, cells, strict=True)] == cells
    for r in rows:
        _no_formula(r[0])
        assert r[1] == "-1.5"


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=2+3", "'=2+3"), ("-5", "-5"), ("+1.5e3", "+1.5e3"), ("-2+3", "'-2+3"), ("\t=1", "'\t=1"),
     ("\r=1", "'\r=1"), ("＝1+1", "'＝1+1"), ("＠SUM(A1)", "'＠SUM(A1)"), ("a=1", "a=1"), ("", ""),
     ("-", "'-"), ("@", "'@"), ("－5", "'－5")],
)  # fmt: skip
def test_formula_prefixes_and_numbers(text, safe):
    assert neutralise_text(text) == safe
    assert neutralise_array(pa.array([text])).to_pylist() == [safe]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(title=labels, row_labels=st.lists(labels, min_size=1, max_size=3, unique=True))
def test_xlsx_round_trips_every_label_as_text(title, row_labels):
    openpyxl = pytest.importorskip("openpyxl")
    pytest.importorskip("xlsxwriter")
    from cxsurvey.outputs.figures_out import figures_xlsx

    clean = [lab.replace("\r", "") for lab in row_labels]  # XML 1.0 keeps no bare CR
    if len(set(clean)) < len(clean):
        return
    buffer = io.BytesIO()
    figures_xlsx(_result(title, clean), buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.worksheets[1]
    cells = [sheet.cell(row=r, column=1) for r in range(5, 5 + len(clean))]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    want = [_xml_text(lab) for lab in clean]
    assert [_unneutralised(c.value or "", w) for c, w in zip(cells, want, strict=True)] == want
    for c in cells:
        _no_formula(c.value or "")
    negative = sheet.cell(row=5, column=3)  # a negative number stays a number
    assert negative.value == -0.05 and negative.number_format == "0%"  # -5% as a fraction


def _xml_text(text: str) -> str:
    """XML 1.0 holds no control characters but tab and LF: xlsxwriter writes the others
    as OOXML's _xHHHH_ escapes (which Excel shows as the character; openpyxl keeps
    the escape)."""
    return "".join(f"_x{ord(ch):04X}_" if ord(ch) < 32 and ch not in "\t\n" else ch for ch in text)


class _Text(HTMLParser):
    """Text per element and every tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.headings: list[str] = []
        self.rows: list[tuple[dict, list[str]]] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append((dict(attrs), []))
        if tag in ("td", "th") and self.rows:
            self.rows[-1][1].append("")
        if tag in ("td", "th", "h2", "h3"):
            self._into = self.headings if tag in ("h2", "h3") else self.cells
            self._into.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th", "h2", "h3"):
            self._into = None

    def handle_data(self, data):
        if self._into is not None:
            self._into[-1] += data
            if self._into is self.cells and self.rows:
                self.rows[-1][1][-1] += data


def _md_expected(text: str) -> str:
    return re.sub(r"\r\n|[\r\n]", " ", text).replace("\x00", "\ufffd").strip(" \t")


@SETTINGS
@given(title=printable, row_labels=st.lists(printable, min_size=1, max_size=3, unique=True))
def test_markdown_shows_every_label_verbatim_and_no_markup(title, row_labels):
    from markdown_it import MarkdownIt

    rendered = (
        MarkdownIt("commonmark")
        .enable("table")
        .render(figure_markdown(_result(title, row_labels).figures[0]))
    )
    parsed = _Text()
    parsed.feed(rendered)
    assert set(parsed.tags) <= {"h3", "table", "thead", "tbody", "tr", "th", "td", "p", "em"}
    assert parsed.headings == [_md_expected(title)]
    firsts = parsed.cells[5::5]  # header row has 5 cells; then base row, then each row
    assert firsts[1:] == [_md_expected(lab) for lab in row_labels]


@SETTINGS
@given(title=labels, row_labels=st.lists(labels, min_size=1, max_size=3, unique=True))
def test_html_table_shows_every_label_verbatim(title, row_labels):
    from cxsurvey.outputs.report.html import _table

    fig = _result(title, row_labels).figures[0]
    parsed = _Text()
    parsed.feed(_table(fig))
    assert set(parsed.tags) <= {"table", "thead", "tbody", "tr", "th", "td", "caption", "div",
                                "p", "span", "sup", "small"}  # fmt: skip
    data_rows = [(attrs, cells) for attrs, cells in parsed.rows if "data-row" in attrs]
    assert [attrs["data-row"] for attrs, _ in data_rows] == row_labels
    assert [cells[0] for _, cells in data_rows] == row_labels


@SETTINGS
@given(title=printable, row_labels=st.lists(printable, min_size=1, max_size=3, unique=True))
def test_terminal_table_shows_every_label_verbatim(title, row_labels):
    from rich.console import Console

    from cxsurvey.outputs.terminal.figure_table import figure_table

    console = Console(file=io.StringIO(), width=2000, color_system=None, highlight=False)
    console.print(figure_table(_result(title, row_labels).figures[0]))
    text = console.file.getvalue()
    for label in [title, *row_labels]:
        assert label.strip() in text


@pytest.mark.parametrize("label", ["Other [please specify]", "[/]", "[bold]x[/bold]", "a [/] b"])
def test_rich_markup_in_labels_is_shown_as_is(label):
    test_terminal_table_shows_every_label_verbatim.hypothesis.inner_test(label, [label, "x"])


@pytest.mark.parametrize("label", ["Pay $5 or $10", "$x^2$", "$", "$\\frac{1}{0}$", "a_b^c $$"])
def test_chart_labels_keep_their_dollars(label):
    pytest.importorskip("matplotlib")
    from cxsurvey.outputs.charts.draw import render
    from cxsurvey.outputs.charts.spec import chart_spec

    fig = _result(label, [label, "other"]).figures[0]
    svg = render(chart_spec(fig), "svg").decode()
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert texts.count(label) == 2  # the axis label and the legend, each drawn as is
    assert render(chart_spec(fig), "png").startswith(b"\x89PNG")


def test_md_text_escapes_html_and_links():
    assert md_text("<script>x</script>") == "\\<script\\>x\\</script\\>"
    assert md_text("[a](http://e.com)") == "\\[a\\](http://e.com)"
    assert md_text("![x](y) (a) {b}") == "!\\[x\\](y) (a) {b}"
    assert md_text("a\r\nb\nc") == "a b c"


def test_terminal_escapes_in_labels_are_shown_not_run():
    from rich.console import Console

    from cxsurvey.outputs.terminal.figure_table import figure_table

    console = Console(file=io.StringIO(), width=200, color_system=None, highlight=False)
    fig = _result("T \x1b[2J", ["a\x1b]0;pwn\x07", "b"]).figures[0]
    console.print(figure_table(fig))
    text = console.file.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "T \\x1b[2J" in text and "a\\x1b]0;pwn\\x07" in text
