"""Charts for decks: colour-blind-safe palette that survives greyscale, significance
on every kind, trends as lines, wide banners as ranked small multiples, legends in
reading order, wording and a base/source footer, a study palette."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.outputs.charts.draw import draw, grey_level, reading_order, series_colours
from cxsurvey.outputs.charts.spec import DEFAULT_PALETTE, chart_spec
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def practitioner():
    study = cxsurvey.load_study(DEFAULT_STUDY)
    return study.study, {f.id: f for f in cxsurvey.figures(SAMPLE_EXPORT, study).figures}


@pytest.fixture(scope="module")
def feedback(feedback_sample):
    path, study = feedback_sample
    return study.study, {f.id: f for f in cxsurvey.figures(path, study).figures}


def _grey_pixels(fig, patches) -> list[float]:
    """The grey level (PIL's 'L' conversion) printed at the centre of each patch."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    grey = np.asarray(Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("L"))
    height = grey.shape[0]
    out = []
    for p in patches:
        box = p.get_window_extent()
        x = int(box.x0 + 3)  # inside the left edge, clear of a centred value label
        out.append(float(grey[int(height - (box.y0 + box.y1) / 2), x]))
    return out


def test_colour_charts_still_separate_their_series_in_greyscale(practitioner, feedback):
    study, figs = practitioner
    paired = chart_spec(figs["barriers_by_group"], study)
    fig = draw(paired)
    ax = fig.axes[0]
    first_bars = [c.patches[0] for c in ax.containers]
    levels = _grey_pixels(fig, first_bars)
    assert abs(levels[0] - levels[1]) >= 50, levels
    fb_study, fb = feedback
    grouped = chart_spec(fb["csat_by_channel"], fb_study)
    assert grouped.kind == "grouped" and len(grouped.series) == 8
    fig = draw(grouped)
    levels = _grey_pixels(fig, [c.patches[0] for c in fig.axes[0].containers])
    assert len({round(v) for v in levels}) == 8  # eight different greys
    assert min(abs(a - b) for a, b in itertools.pairwise(levels)) >= 30  # neighbours
    bands = chart_spec(figs["maturity_stages"], study)
    fig = draw(bands)
    levels = _grey_pixels(fig, [c.patches[0] for c in fig.axes[0].containers])
    assert levels == sorted(levels, reverse=True)  # ordered bands: light to dark
    assert min(a - b for a, b in itertools.pairwise(levels)) >= 15


def test_default_palette_is_okabe_ito_ordered_by_lightness():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                 "#000000"}  # fmt: skip
    assert set(DEFAULT_PALETTE) == okabe_ito
    greys = [grey_level(c) for c in DEFAULT_PALETTE]
    assert min(abs(a - b) for a, b in itertools.pairwise(greys)) >= 30


def test_significance_on_every_chart_kind(practitioner, feedback):
    study, figs = practitioner
    paired = draw(chart_spec(figs["barriers_by_group"], study))
    gap = figs["barriers_by_group"].rows[0].gap
    assert f"{gap.points:+.0f}*" in {t.get_text() for t in paired.axes[0].texts}
    fb_study, fb = feedback
    trend_fig = fb["nps_by_month"]
    spec = chart_spec(trend_fig, fb_study)
    assert spec.kind == "trend" and spec.categories == trend_fig.columns[1:]
    nps = next(r for r in trend_fig.rows if r.label == "NPS")
    assert [s.name for s in spec.series] == ["NPS"]
    assert spec.series[0].values == [nps.cells[p].value for p in spec.categories]
    texts = {t.get_text() for t in draw(spec).axes[0].texts}
    changed = [
        (p, c) for p, c in nps.cells.items() if c.change is not None and c.change.significant
    ]
    assert changed, "the sample should have a significant monthly change"
    for _, cell in changed:
        arrow = "▲" if cell.change.points > 0 else "▼"
        assert f"{cell.value:+.0f} {arrow}" in texts
    lines = draw(spec).axes[0].get_lines()
    assert len(lines) == 1 and list(lines[0].get_ydata()) == spec.series[0].values
    csat = chart_spec(fb["csat_by_month"], fb_study)
    assert csat.kind == "trend"


def test_more_than_eight_groups_are_ranked_small_multiples_named_on_the_bars(feedback):
    fb_study, fb = feedback
    fig = fb["csat_by_industry"]
    spec = chart_spec(fig, fb_study)
    assert spec.kind == "ranked" and len(spec.series) == len(fig.columns) - 1 > 8
    ax = draw(spec).axes[0]
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    row = fig.rows[0]
    order = sorted(fig.columns[1:], key=lambda c: -row.cells[c].value)
    for tick, col in zip(ticks, order, strict=True):
        assert tick.startswith(f"{col} ({fig.letters[col]})")
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths, reverse=True)
    assert len(set(series_colours(spec))) == 1  # one colour: groups are named, not coded


def test_reading_order_and_drawn_legend():
    assert reading_order(5, 4) == [0, 4, 1, 2, 3]
    assert reading_order(8, 4) == [0, 4, 1, 5, 2, 6, 3, 7]
    assert reading_order(3, 5) == [0, 1, 2]


def test_legend_reads_left_to_right_in_series_order(feedback):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fb_study, fb = feedback
    spec = chart_spec(fb["csat_by_channel"], fb_study)
    fig = draw(spec)
    FigureCanvasAgg(fig).draw()
    legend = fig.axes[0].get_legend()
    placed = [(t.get_text(), t.get_window_extent()) for t in legend.get_texts()]
    placed.sort(key=lambda tb: (-round(tb[1].y0), tb[1].x0))  # rows top down, then left to right
    assert [text for text, _ in placed] == [spec.label(s.name) for s in spec.series]
    assert len({round(b.y0) for _, b in placed}) > 1  # really more than one row


def test_wording_and_base_source_footer_under_each_chart(practitioner):
    study, figs = practitioner
    spec = chart_spec(figs["barriers_by_group"], study)
    fig = draw(spec)
    assert fig._suptitle.get_text() == spec.title
    assert fig.axes[0].get_title(loc="left") == study.questions["barriers"].text
    footer = fig._supxlabel.get_text().replace("\n", " ")
    assert (
        "Base: respondents who answered (Total n=226; CX leaders n=109; CX laggards n=105)."
        in footer
    )
    assert f"Source: {study.study}." in footer


def test_study_palette_colours_the_charts(tmp_path):
    path = tmp_path / "brand.yaml"
    text = DEFAULT_STUDY.read_text(encoding="utf-8")
    path.write_text(text + '\npalette: ["#112233", "#DDAA00"]\n', encoding="utf-8")
    study = cxsurvey.load_study(path)
    fig = cxsurvey.figures(SAMPLE_EXPORT, study, ["barriers_by_group"]).figures[0]
    ax = draw(chart_spec(fig, study.study)).axes[0]
    from matplotlib.colors import to_hex

    assert [to_hex(c.patches[0].get_facecolor()).upper() for c in ax.containers] == [
        "#112233", "#DDAA00",
    ]  # fmt: skip


def test_a_bad_palette_colour_is_a_located_error(tmp_path):
    from typer.testing import CliRunner

    path = tmp_path / "bad.yaml"
    path.write_text('version: 1\nstudy: x\npalette: ["#0072B2", "blue"]\n')
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3:22: error: palette[1]" in result.output
