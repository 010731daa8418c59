"""`cxsurvey report --format pptx`: native charts whose data (read back with
python-pptx) equal `figures --format json`, with title, summary and methods slides,
significance marks, wording and footers; 16:9; a --template deck's layouts."""

from __future__ import annotations

import json
import re
import sys

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import SAMPLE_EXPORT, small_study

pptx = pytest.importorskip("pptx")
RUN = CliRunner()
LETTER = re.compile(r" \([A-Z]{1,2}\)$")


def _deck(export, study, tmp_path, *extra):
    out = tmp_path / "deck.pptx"
    args = ["report", str(export), "--out", str(out), "-q", *extra]
    if study is not None:
        args += ["--study", study]
    result = RUN.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(
        RUN.invoke(
            app, ["figures", str(export), "-f", "json", *(["--study", study] if study else [])]
        ).stdout
    )
    return pptx.Presentation(str(out)), doc


def _expected(fig: dict) -> dict[str, dict[str, float | None]]:
    """series -> category -> value, from the JSON alone, by the chart rules of
    docs/outputs.md: a date banner is a line per row (the NPS row of an NPS figure);
    bands and NPS shares are stacked bars per column; otherwise bars per row and group."""
    rows = {r["label"]: r["cells"] for r in fig["rows"]}
    cols = fig["columns"]
    if any("change" in c for cells in rows.values() for c in cells.values()):
        keep = ["NPS"] if fig["stat"] == "nps" else list(rows)
        return {r: {p: rows[r][p]["value"] for p in cols[1:]} for r in keep}
    if fig["question"].endswith(".band") or fig["stat"] == "nps":
        return {r: {c: cells[c]["value"] for c in cols} for r, cells in rows.items() if r != "NPS"}
    groups = cols[1:] or ["Total"]
    return {g: {r: cells[g]["value"] for r, cells in rows.items()} for g in groups}


def _read(prs, fig_id: str) -> dict[str, dict[str, float | None]]:
    """The same shape, read from the deck's native charts named chart:ID[:k]."""
    got: dict[str, dict[str, float | None]] = {}
    frames = [
        sh for s in prs.slides for sh in s.shapes
        if sh.has_chart and (sh.name == f"chart:{fig_id}" or sh.name.startswith(f"chart:{fig_id}:"))
    ]  # fmt: skip
    assert frames, fig_id
    ranked = frames[0].name.count(":") == 2
    for frame in frames:
        plot = frame.chart.plots[0]
        cats = [LETTER.sub("", str(c)) for c in plot.categories]
        for series in plot.series:
            values = list(series.values)
            if ranked:  # one chart per row: categories are the (sorted) groups
                for cat, v in zip(cats, values, strict=True):
                    got.setdefault(cat, {})[series.name] = v
            else:
                name = LETTER.sub("", series.name)
                got[name] = dict(zip(cats, values, strict=True))
    return got


@pytest.mark.parametrize("which", ["practitioner", "feedback", "ranked rows"])
def test_every_chart_is_native_and_equals_the_json(which, feedback_sample, tmp_path):
    export, study = (
        (SAMPLE_EXPORT, None) if which == "practitioner" else (feedback_sample[0], "feedback")
    )
    if which == "ranked rows":  # 12 rows x 12 industries: small multiples over three slides
        path = small_study(tmp_path, "senior_exec")
        path.write_text(
            path.read_text(encoding="utf-8")
            + "- {id: barriers_by_industry, question: barriers, by: industry}\n",
            encoding="utf-8",
        )
        export, study = SAMPLE_EXPORT, str(path)
    prs, doc = _deck(export, study, tmp_path)
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[1] == "Summary" and titles[-1] == "Methods"
    firsts = [t for t in titles[2:-1] if not t.endswith(" (continued)")]
    assert firsts == [f["title"] for f in doc["figures"]]
    if which == "ranked rows":
        assert len([t for t in titles if t.endswith(" (continued)")]) == 2
    for fig in doc["figures"]:
        want = _expected(fig)
        got = _read(prs, fig["id"])
        assert set(got) == set(want), fig["id"]
        for name, values in want.items():
            assert set(got[name]) == set(values), (fig["id"], name)
            for cat, v in values.items():
                g = got[name][cat]
                assert (g is None and v is None) or g == pytest.approx(v, rel=1e-12), (
                    fig["id"],
                    name,
                    cat,
                )
    summary = " ".join(sh.text_frame.text for sh in prs.slides[1].shapes if sh.has_text_frame)
    assert "Respondents:" in summary and "Included:" in summary
    if which == "practitioner":
        assert "Split." in summary and "median" in summary


def test_slides_carry_wording_bases_significance_and_notes(tmp_path):
    prs, doc = _deck(SAMPLE_EXPORT, None, tmp_path)
    slide = next(s for s in prs.slides if s.shapes.title.text == "CX barriers: leaders vs laggards")
    text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert "Which of the following are significant obstacles" in text
    assert (
        "Base: respondents who answered (Total n=226; CX leaders n=109; CX laggards n=105)." in text
    )
    assert "Source: State of CX Management" in text and "Gap = first group minus second" in text
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    fig = next(f for f in doc["figures"] if f["id"] == "barriers_by_group")
    gaps = [table.cell(r, 1).text for r in range(1, len(fig["rows"]) + 1)]
    assert gaps == [
        f"{r['gap']['points']:+.0f}" + ("*" if r["gap"]["significant"] else "") for r in fig["rows"]
    ]
    assert "| Base |" in slide.notes_slide.notes_text_frame.text  # the table, for the presenter


def test_significance_marks_on_the_data_labels(feedback_sample, tmp_path):
    prs, doc = _deck(feedback_sample[0], "feedback", tmp_path)
    for fig in doc["figures"]:
        rows = {r["label"]: r["cells"] for r in fig["rows"]}
        trend = any("change" in c for cells in rows.values() for c in cells.values())
        stacked = not trend and (fig["question"].endswith(".band") or fig["stat"] == "nps")
        marked = 0
        for name, values in _expected(fig).items():
            for cat, value in values.items():
                cell = rows[name][cat] if name in rows else rows[cat][name]
                change = cell.get("change") or {}
                mark = bool(cell.get("higher_than")) or bool(change.get("significant"))
                marked += mark and (not stacked or value >= 9)  # room for letters from 9%
        frames = [sh for s in prs.slides for sh in s.shapes
                  if sh.has_chart and sh.name.split(":")[1] == fig["id"]]  # fmt: skip
        labels = [
            p.data_label.text_frame.text
            for frame in frames
            for series in frame.chart.plots[0].series
            for p in series.points
            if p.data_label.has_text_frame
        ]
        with_marks = [t for t in labels if re.search(r" ([A-Z]+|[▲▼])$", t)]
        assert len(with_marks) == marked, fig["id"]
        assert all(re.fullmatch(r"[+-]?[\d.]+%?( [A-Z]+)?( [▲▼])?", t) for t in labels), labels


def test_template_layouts_and_theme_are_used(tmp_path):
    template = pptx.Presentation()  # 4:3, with a sample slide the output must not keep
    template.slide_layouts[5].name = "Title Only"
    sample = template.slides.add_slide(template.slide_layouts[0])
    sample.shapes.title.text = "TEMPLATE SAMPLE SLIDE"
    path = tmp_path / "brand.pptx"
    template.save(str(path))
    prs, doc = _deck(SAMPLE_EXPORT, None, tmp_path, "--template", str(path))
    assert (prs.slide_width, prs.slide_height) == (template.slide_width, template.slide_height)
    assert all(s.shapes.title.text != "TEMPLATE SAMPLE SLIDE" for s in prs.slides)
    assert len(prs.slides) == len(doc["figures"]) + 3
    assert {s.slide_layout.name for s in list(prs.slides)[1:]} == {"Title Only"}


def test_template_needs_pptx_and_missing_library_is_one_line(tmp_path, monkeypatch):
    result = RUN.invoke(
        app, ["report", str(SAMPLE_EXPORT), "--out", str(tmp_path / "r.html"), "--template",
              str(tmp_path / "t.pptx"), "-q"],
    )  # fmt: skip
    assert result.exit_code == 2 and "--template is for PowerPoint output" in result.output
    monkeypatch.setitem(sys.modules, "pptx", None)
    result = RUN.invoke(
        app, ["report", str(SAMPLE_EXPORT), "--out", str(tmp_path / "r.pptx"), "-q"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: PowerPoint output needs python-pptx, from the optional 'pptx' extra: "
        "pip install 'cxsurvey[pptx]' (in a checkout: pip install '.[pptx]')"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_template_that_is_not_a_deck_is_a_one_line_error(tmp_path):
    bad = tmp_path / "brand.pptx"
    bad.write_text("not a zip")
    out = tmp_path / "r.pptx"
    result = RUN.invoke(
        app, ["report", str(SAMPLE_EXPORT), "--out", str(out), "--template", str(bad), "-q"]
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "not a PowerPoint deck" in result.output and not out.exists()


def test_key_driver_quadrant_is_a_native_scatter_of_the_json(tmp_path):
    from tests.conftest import REPO

    study = str(REPO / "configs" / "cx_practitioner_analytics.yaml")
    prs, doc = _deck(SAMPLE_EXPORT, study, tmp_path)
    drivers = [f for f in doc["figures"] if "Shapley %" in f["columns"]]
    assert drivers
    for fig in drivers:
        frame = next(sh for s in prs.slides for sh in s.shapes if sh.name == f"chart:{fig['id']}")
        series = frame.chart.plots[0].series[0]
        got = list(
            zip(
                series.iter_values(),
                [p.data_label.text_frame.text for p in series.points],
                strict=False,
            )
        )
        xs = [x for x in frame.chart.plots[0].series[0]._element.xpath("./c:xVal//c:v")]
        want = [
            (r["cells"]["Shapley %"]["value"], r["cells"]["Mean"]["value"], r["label"])
            for r in fig["rows"]
            if r["cells"]["Shapley %"]["value"] is not None
            and r["cells"]["Mean"]["value"] is not None
        ]
        assert [float(x.text) for x in xs] == pytest.approx([w[0] for w in want], rel=1e-12)
        assert [y for y, _ in got] == pytest.approx([w[1] for w in want], rel=1e-12)
        assert [label for _, label in got] == [w[2] for w in want]


def _label(point) -> str | None:
    """A point's own label read back from the chart XML: its text, or None when the
    point's label is deleted (``c:dLbl/c:delete val=1``)."""
    from pptx.oxml.ns import qn

    dlbl = point.data_label._dLbl
    if dlbl is None:
        return "(series format)"
    deleted = dlbl.find(qn("c:delete"))
    if deleted is not None and deleted.get("val") in ("1", "true"):
        return None
    return point.data_label.text_frame.text if point.data_label.has_text_frame else "(format)"


def test_stacked_labels_follow_the_png_rule(tmp_path):
    """Segments under 5% are unlabelled (their label would overprint the category
    name or hang past 100%), letters and * only from 9%, never on an empty segment."""
    from cxsurvey.outputs.charts.draw import segment_label

    prs, doc = _deck(SAMPLE_EXPORT, None, tmp_path)
    stacked = [f for f in doc["figures"] if f["question"].endswith(".band")]
    assert any(f["id"] == "culture_by_group" for f in stacked)
    small = 0
    for fig in stacked:
        frame = next(sh for s in prs.slides for sh in s.shapes if sh.name == f"chart:{fig['id']}")
        for series in frame.chart.plots[0].series:
            for value, point in zip(series.values, series.points, strict=True):
                got = _label(point)
                if value is None or value < 5:
                    small += 1
                    assert got is None, (fig["id"], series.name, value, got)
                    continue
                assert got is not None and got.split()[0] == segment_label(value).split()[0]
                assert "*" not in got or value >= 9
    assert small  # the sample has 0% and 2% segments
    culture = next(f for f in doc["figures"] if f["id"] == "culture_by_group")
    zero = [c for r in culture["rows"] for c in r["cells"].values() if c["value"] == 0]
    assert zero  # the "0% *" the QA saw: now unlabelled


def test_segment_label_rule():
    from cxsurvey.outputs.charts.draw import segment_label

    assert segment_label(0.0, "*") == "" and segment_label(None) == ""
    assert segment_label(4.99, "AB") == "" and segment_label(5.0, "AB") == "5%"
    assert segment_label(8.6, "*") == "9%"  # shown as 9% but under 9: no room for the mark
    assert segment_label(12.5, "*") == "13% *"


def _title_slide_fits(prs) -> list[str]:
    """The title slide's texts, after checking each box lies within the slide, is
    centred across it, wraps and shrinks its text to fit (or is sized for it)."""
    from pptx.enum.text import MSO_AUTO_SIZE

    slide = prs.slides[0]
    texts = []
    for shape in slide.shapes:
        if not shape.has_text_frame or not shape.text_frame.text:
            continue
        assert shape.left >= 0 and shape.top >= 0, shape.name
        assert shape.left + shape.width <= prs.slide_width, shape.name
        assert shape.top + shape.height <= prs.slide_height, shape.name
        centre = shape.left + shape.width / 2
        assert abs(centre - prs.slide_width / 2) < prs.slide_width * 0.02, shape.name
        frame = shape.text_frame
        assert frame.word_wrap is not False
        assert frame.auto_size == MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE, shape.name
        texts.append(frame.text)
    return texts


def test_title_slide_is_centred_fits_and_carries_no_export_plumbing(tmp_path):
    prs, doc = _deck(SAMPLE_EXPORT, None, tmp_path)
    title, subtitle = _title_slide_fits(prs)
    assert title == doc["study"]
    assert "231 respondents" in subtitle and "260 responses read" in subtitle
    assert "cx_practitioner_sample.csv" in subtitle  # the source
    for plumbing in ("export:", "header rows", "utf-8", "missing codes", "comma-separated"):
        assert plumbing not in subtitle
    assert len(subtitle) < 120
    methods = " ".join(
        sh.text_frame.text for sh in prs.slides[-1].shapes if sh.has_text_frame
    )  # the export's layout line moved here
    assert "Qualtrics export (3 header rows), utf-8, comma-separated" in methods
    summary = " ".join(sh.text_frame.text for sh in prs.slides[1].shapes if sh.has_text_frame)
    assert "header rows" not in summary


@pytest.mark.parametrize("size", [(9144000, 6858000), (12192000, 6858000)])
def test_title_slide_fits_a_template_deck(size, tmp_path):
    """A template's title layout is used; a box its layout places off the slide
    (a 4:3 layout in a deck resized to 16:9) is placed again."""
    template = pptx.Presentation()
    template.slide_width, template.slide_height = size
    path = tmp_path / "brand.pptx"
    template.save(str(path))
    prs, _doc = _deck(SAMPLE_EXPORT, None, tmp_path, "--template", str(path))
    assert prs.slides[0].slide_layout.name == "Title Slide"
    title, subtitle = _title_slide_fits(prs)
    assert title.startswith("State of CX Management") and "export:" not in subtitle


def test_title_size_follows_its_length():
    from cxsurvey.outputs.report.slides import TITLE_SIZES, _fitting_size

    w, h = int(12192000 * 0.84), int(6858000 * 0.3)  # the title box on a 16:9 slide
    assert _fitting_size(["State of CX Management"], w, h, TITLE_SIZES) == 40
    long = _fitting_size(["word " * 30], w, h, TITLE_SIZES)  # 150 characters
    assert long < 40 and _fitting_size(["word " * 80], w, h, TITLE_SIZES) <= long
