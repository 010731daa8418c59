"""Draw a ChartSpec with matplotlib (the optional ``charts`` extra).

Horizontal bars in greys with hatching, so a chart reads the same printed in
black and white; every bar carries its value, every legend entry or category its
base; long labels wrap; the figure grows with its rows so labels never overlap.
Only ``matplotlib.figure.Figure`` is used (no pyplot, no global backend), so
drawing is safe inside a library or a notebook.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from pathlib import Path

from cxsurvey.outputs.charts import fonts
from cxsurvey.outputs.charts.spec import ChartSpec

GREYS = ["#262626", "#8c8c8c", "#d0d0d0", "#595959", "#b3b3b3", "#404040", "#e6e6e6", "#737373"]
HATCHES = ["", "///", "...", "xxx", "\\\\\\", "---", "+++", "ooo"]
WRAP = 34


def _matplotlib():
    from cxsurvey.extras import require

    matplotlib = require("matplotlib", "charts", "drawing charts")
    from matplotlib.figure import Figure

    return matplotlib, Figure


def _value_text(value: float, stat: str) -> str:
    return f"{value:.2f}" if stat == "mean" else f"{value:.0f}%"


def _dark(colour: str) -> bool:
    return int(colour[1:3], 16) < 0x80


def draw(spec: ChartSpec):
    """The chart as a matplotlib Figure."""
    if spec.kind == "quadrant":
        from cxsurvey.outputs.charts.quadrant import draw_quadrant

        return draw_quadrant(spec)
    _, Figure = _matplotlib()
    n_cat, n_series = len(spec.categories), len(spec.series)
    per_row = 0.55 if spec.kind in ("stacked", "bars") else 0.3 * n_series + 0.25
    height = 1.6 + per_row * max(n_cat, 1) + 0.35 * (spec.footnote != "")
    fig = Figure(figsize=(8.0, height), layout="constrained")
    ax = fig.add_subplot()
    labels = [
        textwrap.fill(spec.label(c) if spec.kind == "stacked" else c, WRAP) for c in spec.categories
    ]
    if spec.kind == "stacked":
        _stacked(ax, spec)
    else:
        _bars(ax, spec)
    ax.set_yticks(range(n_cat), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(*spec.axis)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=8)
    if spec.stat != "mean":
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0f}%")
    title = spec.title
    if spec.kind == "bars" and spec.series:
        title += f"  ({spec.bases.get(spec.series[0].name, '')})"
    ax.set_title(textwrap.fill(title, 80), fontsize=10, loc="left", fontweight="bold")
    below = 20.0  # points under the axes: tick labels, then the legend, then the footnote
    if spec.kind != "bars":
        from matplotlib.transforms import offset_copy

        ncol = min(n_series, 4)
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(0.0, 0.0),
            bbox_transform=offset_copy(ax.transAxes, fig=fig, y=-below, units="points"),
            ncol=ncol,
            fontsize=7,
            frameon=False,
        )
        below += 14.0 * math.ceil(n_series / ncol) + 4
    if spec.footnote:
        ax.annotate(
            textwrap.fill(spec.footnote, 120),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -below - 4),
            textcoords="offset points",
            va="top",
            fontsize=6.5,
            color="#333333",
            annotation_clip=False,
        )
    return fig


def _bars(ax, spec: ChartSpec) -> None:
    n = len(spec.series)
    height = 0.8 / n
    span = spec.axis[1] - spec.axis[0]
    for k, series in enumerate(spec.series):
        offset = (k - (n - 1) / 2) * height
        ys = [i + offset for i in range(len(spec.categories))]
        widths = [0.0 if v is None else v - spec.axis[0] for v in series.values]
        bars = ax.barh(
            ys,
            widths,
            height=height * 0.92,
            left=spec.axis[0],
            color=GREYS[k % len(GREYS)],
            hatch=HATCHES[k % len(HATCHES)],
            edgecolor="#000000",
            linewidth=0.4,
            label=spec.label(series.name),
        )
        for bar, value in zip(bars, series.values, strict=True):
            if value is None:
                continue
            ax.text(
                value + span * 0.01,
                bar.get_y() + bar.get_height() / 2,
                _value_text(value, spec.stat),
                va="center",
                fontsize=7 if n > 1 else 8,
            )
    for i, (gap, significant) in enumerate(zip(spec.gaps, spec.significant, strict=True)):
        ax.text(
            1.01,
            i,
            gap,
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            fontweight="bold" if significant else "normal",
        )
    if spec.gaps:
        ax.text(1.01, -0.7, "gap", transform=ax.get_yaxis_transform(), fontsize=7, va="center")


def _stacked(ax, spec: ChartSpec) -> None:
    left = [0.0] * len(spec.categories)
    for k, series in enumerate(spec.series):
        widths = [v or 0.0 for v in series.values]
        colour = GREYS[k % len(GREYS)]
        bars = ax.barh(
            range(len(spec.categories)),
            widths,
            left=left,
            height=0.6,
            color=colour,
            hatch=HATCHES[k % len(HATCHES)],
            edgecolor="#000000",
            linewidth=0.4,
            label=series.name,
        )
        for bar, width in zip(bars, widths, strict=True):
            if width >= 5:  # smaller segments stay unlabelled rather than overlap
                ax.text(
                    bar.get_x() + width / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{width:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if _dark(colour) else "black",
                    bbox={"facecolor": colour, "edgecolor": "none", "pad": 0.5},
                )
        left = [a + b for a, b in zip(left, widths, strict=True)]


def render(spec: ChartSpec, fmt: str) -> bytes:
    """PNG or SVG bytes of the chart (deterministic: no dates, stable ids)."""
    matplotlib, _ = _matplotlib()
    plan = fonts.chart_plan(spec)
    fonts.warn_once(plan)
    rc = {
        "svg.fonttype": "none",
        "svg.hashsalt": spec.figure_id,
        "hatch.linewidth": 0.5,
        "font.family": list(plan.families),
        "text.parse_math": False,  # labels are data: `Pay $5 or $10` keeps its dollars
    }
    with matplotlib.rc_context(rc), warnings.catch_warnings(), fonts.quiet_font_manager():
        # Missing glyphs are reported once, by script, through the plan's warnings.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig = draw(spec)
        buffer = io.BytesIO()
        fonts_used = ", ".join(plan.families)
        metadata = {"Date": None} if fmt == "svg" else {"Software": None, "Fonts": fonts_used}
        fig.savefig(
            buffer, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight", pad_inches=0.15
        )
    return buffer.getvalue()


def inline_svg(spec: ChartSpec) -> str:
    """The chart as an ``<svg>`` element to embed in HTML (prolog and doctype dropped)."""
    text = render(spec, "svg").decode("utf-8")
    return text[text.index("<svg") :]


def save_chart(spec: ChartSpec, path: Path) -> None:
    from cxsurvey.outputs.atomic import atomic_output

    with atomic_output(path, "wb") as fh:
        fh.write(render(spec, path.suffix.lstrip(".").lower()))
