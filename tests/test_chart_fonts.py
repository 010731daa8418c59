"""Charts in every script: Chinese, Japanese, Korean, Russian, Polish and Arabic labels are
drawn with a font that has their glyphs, or one clear warning says which script is missing."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import replace

import pytest

import cxsurvey
from cxsurvey.errors import CxSurveyWarning
from cxsurvey.outputs.charts import fonts
from cxsurvey.outputs.charts.draw import render
from cxsurvey.outputs.charts.spec import chart_spec
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT

pytest.importorskip("matplotlib")

LABELS = {
    1: "金融服务",  # Chinese
    2: "保険サービス",  # Japanese
    3: "통신",  # Korean
    4: "Здравоохранение",  # Russian
    5: "Usługi finansowe, Łódź",  # Polish
    6: "الاتصالات",  # Arabic
}
TITLE = "成熟度 — Зрелость — Dojrzałość"


@pytest.fixture(scope="module")
def multiscript(tmp_path_factory):
    text = DEFAULT_STUDY.read_text(encoding="utf-8")
    for code, label in LABELS.items():
        old = re.search(rf"\n      {code}: (.+)\n", text[text.index("  industry:") :]).group(1)
        text = text.replace(f"      {code}: {old}\n", f"      {code}: {label}\n", 1)
    text = text.replace("title: CX maturity by industry", f"title: {TITLE}")
    path = tmp_path_factory.mktemp("study") / "multiscript.yaml"
    path.write_text(text, encoding="utf-8")
    study = cxsurvey.load_study(path)
    result = cxsurvey.figures(SAMPLE_EXPORT, study)
    fig = next(f for f in result.figures if f.id == "stages_by_industry")
    return study, result, chart_spec(fig, study.study)


def _han_font_installed() -> bool:
    return any(ord("金") in fonts._coverage(f) for f in fonts._families_by_preference())


def _render_quietly(spec, fmt):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = render(spec, fmt)
    return data, [str(w.message) for w in caught]


def test_scripts_are_named_from_unicode():
    assert [fonts.script_of(c) for c in "金ひカ통Жłاש"] == [
        "Han",
        "Hiragana",
        "Katakana",
        "Hangul",
        "Cyrillic",
        "Latin",
        "Arabic",
        "Hebrew",
    ]


def test_latin_cyrillic_arabic_need_only_the_primary_font():
    plan = fonts.plan_fonts(["Usługi finansowe, Łódź", "Здравоохранение", "الاتصالات"])
    assert plan.families == ("DejaVu Sans",)
    assert plan.missing == {}
    assert plan.rtl == ("Arabic",)


@pytest.mark.skipif(not _han_font_installed(), reason="no CJK font on this machine")
def test_every_label_is_drawn_in_a_font_that_has_it(multiscript):
    _, _, spec = multiscript
    plan = fonts.chart_plan(spec)
    assert plan.missing == {}
    assert plan.families[0] == "DejaVu Sans" and len(plan.families) >= 2
    for label in LABELS.values():
        for char in label.replace(" ", ""):
            assert any(ord(char) in fonts._coverage(f) for f in plan.families), char
    png, messages = _render_quietly(spec, "png")
    assert not [m for m in messages if "missing from font" in m or "no installed font" in m]
    # which fonts drew the chart is recorded in the PNG itself
    from PIL import Image

    assert Image.open(io.BytesIO(png)).text["Fonts"] == ", ".join(plan.families)


@pytest.mark.skipif(not _han_font_installed(), reason="no CJK font on this machine")
def test_cjk_glyphs_are_real_glyphs_not_boxes():
    """Two different characters drawn alone give different pixels; missing glyphs are boxes."""
    import numpy as np
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    def pixels(char):
        with rc_context({"font.family": list(fonts.plan_fonts([char]).families)}):
            fig = Figure(figsize=(0.6, 0.6), dpi=100)
            fig.text(0.1, 0.2, char, fontsize=30)
            buf = io.BytesIO()
            fig.savefig(buf, format="rgba")
        return np.frombuffer(buf.getvalue(), dtype=np.uint8)

    for a, b in [("金", "融"), ("保", "険"), ("통", "신")]:
        assert (pixels(a) != pixels(b)).any(), (a, b)


def test_svg_keeps_every_label_as_searchable_text(multiscript):
    _, _, spec = multiscript
    svg, _ = _render_quietly(spec, "svg")
    text = svg.decode("utf-8")
    for label in [*LABELS.values()]:
        assert label in text, label
    assert TITLE.split(" — ")[0] in text
    assert "font-family: 'DejaVu Sans'" in text


def test_without_a_cjk_font_one_warning_names_the_script_and_the_fix(multiscript, monkeypatch):
    _, _, spec = multiscript
    monkeypatch.setattr(fonts, "_families_by_preference", lambda: ())
    monkeypatch.setattr(fonts, "_warned", set())
    plan = fonts.chart_plan(spec)
    assert set(plan.missing) == {"Han", "Katakana", "Hangul"}
    assert plan.missing["Han"] == "成熟度金融服务保険"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render(spec, "png")
        render(spec, "svg")  # the same chart again: no second warning
    ours = [str(w.message) for w in caught if w.category is CxSurveyWarning]
    han = [m for m in ours if "Han characters" in m]
    assert han == [
        "charts: no installed font has the Han characters '成熟度金融服务保険' of the labels; "
        "they are drawn as empty boxes. To fix: pip install 'cxsurvey[cjk]' or Debian's "
        "fonts-noto-cjk"
    ]
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_right_to_left_labels_are_laid_out_by_matplotlib_or_warned(multiscript, monkeypatch):
    _, _, spec = multiscript
    assert fonts.chart_plan(spec).rtl == ("Arabic",)
    rtl_warnings = [w for w in fonts.chart_plan(spec).warnings if "left to right" in w]
    assert rtl_warnings == ([] if fonts._matplotlib_shapes() else [rtl_warnings[0]])
    monkeypatch.setattr(fonts, "_matplotlib_shapes", lambda: False)
    assert [w for w in fonts.chart_plan(spec).warnings if "left to right" in w] == [
        "charts: Arabic labels are drawn left to right without joining in PNG charts (SVG and "
        "HTML are right); this matplotlib has no libraqm: pip install 'matplotlib>=3.11'"
    ]


def test_report_carries_labels_as_text_and_names_the_fonts(multiscript, tmp_path):
    from cxsurvey.outputs.report.context import report_context
    from cxsurvey.outputs.report.html import fonts_sentence, write_html

    study, full, spec = multiscript
    result = replace(full, figures=[f for f in full.figures if f.id == spec.figure_id])

    scores = cxsurvey.score(SAMPLE_EXPORT, study)
    out = io.StringIO()
    write_html(result, report_context(result, scores), study.study, out)
    html = out.getvalue()
    for label in LABELS.values():
        assert label in html
    sentence = fonts_sentence(result, study.study)
    assert sentence.startswith("Chart text is drawn in DejaVu Sans")
    assert sentence in html.replace("&#x27;", "'")
    assert '"Noto Sans CJK SC"' in html  # the page's own font list covers CJK for the tables


def test_cjk_notes_wrap_by_drawn_width_not_by_character_count():
    """A CJK character is drawn about twice as wide as a Latin letter: a footnote of
    Chinese group names wrapped at 60 characters ran off the chart's right edge."""
    import textwrap

    names = ["金融服务", "保险", "医疗保健", "零售", "技术和软件", "电信", "制造业", "汽车服务"]
    note = "Base: respondents who answered (" + "; ".join(f"{n} n=27" for n in names) + ")."
    lines = fonts.wrap_lines(note, 40)
    assert " ".join(lines) == note  # nothing lost or reordered
    assert max(fonts._columns(line) for line in lines) <= 40
    assert max(len(line) for line in textwrap.wrap(note, 40)) == 40  # what it was before:
    assert max(fonts._columns(line) for line in textwrap.wrap(note, 40)) > 40  # too wide
    assert fonts.wrap_lines("没有空格的很长的一段中文文字需要在字符之间断开", 10) == [
        "没有空格的", "很长的一段", "中文文字需", "要在字符之", "间断开",
    ]  # fmt: skip
    latin = "Gap = first group minus second; * significant (two-proportion z-test)."
    assert fonts.wrap_lines(latin, 30) == textwrap.wrap(latin, 30)
