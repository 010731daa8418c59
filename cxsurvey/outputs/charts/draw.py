"""Draw a ChartSpec with matplotlib (the optional ``charts`` extra).

Colour from a colour-blind-safe palette (Okabe-Ito, or the study's ``palette``)
ordered so that neighbouring series also differ in lightness, bands in a ramp of
one hue from light to dark, lines with distinct markers and dashes: a chart
still reads printed in grey. Every bar carries its value and its significance
marks; the question's wording sits under the title; legends read left to right
in series order; a footer gives the bases and the source. Only
``matplotlib.figure.Figure`` is used (no pyplot, no global backend), so drawing
is safe inside a library or a notebook. Labels are drawn as plain text
(mathtext off), never parsed.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

from cxsurvey.outputs.charts import fonts
from cxsurvey.outputs.charts.spec import ChartSpec
from cxsurvey.outputs.display import format_number

WRAP = 34
WIDTH = 8.0  # inches
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
DASHES = ["-", "--", "-.", ":"]
NPS_COLOURS = {"Detractors": 1, "Passives": None, "Promoters": 0}  # palette index; None: grey
PASSIVE_GREY = "#BBBBBB"
TEXT = "#1a1a1a"


def _matplotlib():
    from cxsurvey.extras import require

    matplotlib = require("matplotlib", "charts", "drawing charts")
    from matplotlib.figure import Figure

    return matplotlib, Figure


def value_text(value: float, stat: str, mark: str = "") -> str:
    if stat == "mean":
        text = format_number(value, 2)
    elif stat == "nps":
        text = format_number(value, sign=True)
    else:
        text = format_number(value) + "%"
    return f"{text} {mark}" if mark else text


SEGMENT_LABEL_MIN = 5.0  # %: a narrower stacked segment has no room for a label
SEGMENT_MARK_MIN = 9.0  # %: nor, under this, for its letters or *


def segment_label(value: float | None, mark: str = "") -> str:
    """A stacked segment's label, the same on the PNG/SVG charts and the slides:
    nothing for an empty segment or one under 5% (its label would overprint the
    category name or its neighbour), the value alone under 9%."""
    if value is None or value < SEGMENT_LABEL_MIN:
        return ""
    return value_text(value, "percent", mark if value >= SEGMENT_MARK_MIN else "")


def grey_level(colour: str) -> float:
    """The luminance (0-255) a colour prints as in greyscale (ITU-R BT.601)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def _ink(colour: str) -> str:
    return "white" if grey_level(colour) < 128 else TEXT


def ramp(base: str, n: int) -> list[str]:
    """``n`` shades of one colour from light to the colour itself (ordered bands):
    lightness falls monotonically, so bands stay ordered in greyscale too."""
    r, g, b = (int(base[i : i + 2], 16) for i in (1, 3, 5))
    out = []
    for k in range(n):
        t = 0.18 + 0.82 * (k / (n - 1)) if n > 1 else 1.0  # share of the colour
        mix = [round(255 - (255 - c) * t) for c in (r, g, b)]
        out.append("#" + "".join(f"{c:02X}" for c in mix))
    return out


def series_colours(spec: ChartSpec) -> list[str]:
    """The fill colour of each series, as drawn."""
    if spec.kind == "stacked" and spec.stat == "nps":
        colours = []
        for s in spec.series:
            idx = NPS_COLOURS.get(s.name)
            colours.append(PASSIVE_GREY if idx is None else spec.palette[idx % len(spec.palette)])
        return colours
    if spec.kind == "stacked":
        return ramp(spec.palette[0], len(spec.series))
    if spec.kind == "ranked":
        return [spec.palette[0]] * len(spec.series)
    return [spec.palette[k % len(spec.palette)] for k in range(len(spec.series))]


def reading_order(n: int, ncols: int) -> list[int]:
    """The order to hand ``n`` legend entries to matplotlib, which fills ``ncols``
    columns top to bottom, so that they read left to right, row by row."""
    ncols = max(1, min(ncols, n))
    sizes = [n // ncols + (1 if j < n % ncols else 0) for j in range(ncols)]
    grid: list[list[int]] = [[] for _ in range(ncols)]
    k = 0
    for i in range(max(sizes, default=0)):
        for j in range(ncols):
            if i < sizes[j]:
                grid[j].append(k)
                k += 1
    return [k for column in grid for k in column]


def _height(spec: ChartSpec) -> float:
    n_cat, n_series = len(spec.categories), len(spec.series)
    if spec.kind == "trend":
        body = 3.6
    elif spec.kind == "ranked":
        per_panel = 0.26 * n_series + 0.7
        body = per_panel * math.ceil(n_cat / 2 if n_cat > 1 else 1)
    elif spec.kind in ("stacked", "bars"):
        body = 0.5 * max(n_cat, 1) + 0.3
    else:
        body = (0.26 * n_series + 0.22) * max(n_cat, 1)
    head = 0.2 + 0.35 * bool(spec.title) + 0.2 * bool(spec.wording)
    legend = 0.0
    if spec.kind in ("paired", "grouped", "stacked"):
        legend = 0.22 * math.ceil(len(spec.series) / _legend_cols(spec)) + 0.1
    foot = 0.14 * len(_footer_lines(spec)) + 0.1
    return head + body + legend + foot + 0.5


def _legend_cols(spec: ChartSpec) -> int:
    widest = max((len(spec.label(s.name)) for s in spec.series), default=10)
    return max(1, min(len(spec.series), int(100 // (widest + 6))))


def _footer_lines(spec: ChartSpec) -> list[str]:
    lines = []
    for part in (spec.footnote, spec.footer):
        if part:
            lines += fonts.wrap_lines(part, 150)
    return lines


def draw(spec: ChartSpec):
    """The chart as a matplotlib Figure."""
    if spec.kind == "quadrant":
        from cxsurvey.outputs.charts.quadrant import draw_quadrant

        return draw_quadrant(spec)
    _, Figure = _matplotlib()
    fig = Figure(figsize=(WIDTH, _height(spec)), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.06, w_pad=0.06)
    if spec.title:  # an HTML report gives the title and wording as text instead
        fig.suptitle(fonts.fill(spec.title, 80), x=0.01, ha="left", fontsize=11, fontweight="bold")
    if spec.kind == "ranked":
        axes = _ranked(fig, spec)
    else:
        ax = fig.add_subplot()
        axes = [ax]
        {"trend": _trend, "stacked": _stacked}.get(spec.kind, _bars)(ax, spec)
    if spec.wording:
        axes[0].set_title(
            fonts.fill(spec.wording, 100), loc="left", fontsize=8.5, style="italic",
            color="#333333", pad=8,
        )  # fmt: skip
    if spec.kind in ("paired", "grouped", "stacked") and spec.series:
        _legend(fig, axes[0], spec)
    lines = _footer_lines(spec)
    if lines:
        fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=6.5, color="#333333")
    return fig


def _legend(fig, ax, spec: ChartSpec) -> None:
    """Under the plot (an axes legend, so the layout keeps it clear of the footer)."""
    from matplotlib.transforms import offset_copy

    handles = list(ax.containers)[: len(spec.series)]
    labels = [spec.label(s.name) for s in spec.series]
    ncols = _legend_cols(spec)
    order = reading_order(len(labels), ncols)
    ax.legend(
        [handles[k] for k in order],
        [labels[k] for k in order],
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        bbox_transform=offset_copy(ax.transAxes, fig=fig, y=-22, units="points"),
        ncols=ncols,
        fontsize=7.5,
        frameon=False,
        borderaxespad=0.0,
    )


def _style_axis(ax, spec: ChartSpec, axis: str = "x") -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    fmt = ax.xaxis if axis == "x" else ax.yaxis
    if spec.stat == "nps" and spec.kind == "trend":
        fmt.set_major_formatter(lambda v, _pos: format_number(v, sign=True) if round(v) else "0")
    elif spec.stat != "mean":
        fmt.set_major_formatter(lambda v, _pos: format_number(v) + "%")


def _bars(ax, spec: ChartSpec) -> None:
    n = len(spec.series)
    height = 0.8 / n
    span = spec.axis[1] - spec.axis[0]
    colours = series_colours(spec)
    for k, series in enumerate(spec.series):
        offset = (k - (n - 1) / 2) * height
        ys = [i + offset for i in range(len(spec.categories))]
        widths = [0.0 if v is None else v - spec.axis[0] for v in series.values]
        bars = ax.barh(
            ys,
            widths,
            height=height * 0.9,
            left=spec.axis[0],
            color=colours[k],
            edgecolor="white",
            linewidth=0.5,
            label=spec.label(series.name),
        )
        marks = series.marks or [""] * len(series.values)
        for bar, value, mark in zip(bars, series.values, marks, strict=True):
            if value is None:
                continue
            ax.text(
                value + span * 0.01,
                bar.get_y() + bar.get_height() / 2,
                value_text(value, spec.stat, mark),
                va="center",
                fontsize=7 if n > 1 else 8,
                color=TEXT,
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
    labels = [fonts.fill(c, WRAP) for c in spec.categories]
    ax.set_yticks(range(len(spec.categories)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(*spec.axis)
    _style_axis(ax, spec)


def _stacked(ax, spec: ChartSpec) -> None:
    left = [0.0] * len(spec.categories)
    colours = series_colours(spec)
    for k, series in enumerate(spec.series):
        widths = [v or 0.0 for v in series.values]
        colour = colours[k]
        bars = ax.barh(
            range(len(spec.categories)),
            widths,
            left=left,
            height=0.62,
            color=colour,
            edgecolor="white",
            linewidth=0.6,
            label=series.name,
        )
        marks = series.marks or [""] * len(widths)
        for bar, width, mark in zip(bars, widths, marks, strict=True):
            text = segment_label(width, mark)
            if text:  # smaller segments stay unlabelled rather than overlap
                ax.text(
                    bar.get_x() + width / 2,
                    bar.get_y() + bar.get_height() / 2,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=_ink(colour),
                )
        left = [a + b for a, b in zip(left, widths, strict=True)]
    labels = [fonts.fill(spec.label(c), WRAP) for c in spec.categories]
    ax.set_yticks(range(len(spec.categories)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    _style_axis(ax, spec)


def _ranked(fig, spec: ChartSpec) -> list:
    """Small multiples: one panel per row, groups sorted by value, named on the axis."""
    n = len(spec.categories)
    ncols = 1 if n == 1 else 2
    nrows = math.ceil(n / ncols)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    axes = [ax for row in grid for ax in row]
    colour = spec.palette[0]
    span = spec.axis[1] - spec.axis[0]
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_visible(False)
            continue
        items = [(s.values[i], s.name, (s.marks or [""] * n)[i]) for s in spec.series]
        items.sort(key=lambda t: (t[0] is None, -(t[0] or 0.0)))
        names = [
            f"{name} ({spec.letters[name]})" if name in spec.letters else name
            for _, name, _ in items
        ]
        values = [0.0 if v is None else v - spec.axis[0] for v, _, _ in items]
        ax.barh(range(len(items)), values, left=spec.axis[0], color=colour, height=0.72,
                edgecolor="white", linewidth=0.5)  # fmt: skip
        for y, (v, _name, mark) in enumerate(items):
            if v is not None:
                ax.text(v + span * 0.01, y, value_text(v, spec.stat, mark), va="center",
                        fontsize=7, color=TEXT)  # fmt: skip
        labels = [
            f"{nm} ({spec.bases.get(name, '')})"
            for nm, (_, name, _) in zip(names, items, strict=True)
        ]
        ax.set_yticks(range(len(items)), [fonts.fill(lb, 30) for lb in labels], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(*spec.axis)
        total = spec.total[i] if i < len(spec.total) else None
        head = spec.categories[i]
        if total is not None:
            ax.axvline(total, color=TEXT, linestyle="--", linewidth=0.8)
            head += f": Total {value_text(total, spec.stat)} (dashed)"
        # the row above its panel (as the axis label: the axes title is the wording's)
        ax.xaxis.set_label_position("top")
        wrap = 30 if ncols == 2 else 80
        ax.set_xlabel(fonts.fill(head, wrap), fontsize=8, fontweight="bold", loc="left")
        _style_axis(ax, spec)
    return axes


def _trend(ax, spec: ChartSpec) -> None:
    x = list(range(len(spec.categories)))
    colours = series_colours(spec)
    label_all = len(spec.series) <= 2
    ends = []
    for k, series in enumerate(spec.series):
        colour = colours[k]
        ax.plot(
            x, [math.nan if v is None else v for v in series.values], color=colour,
            marker=MARKERS[k % len(MARKERS)], linestyle=DASHES[k % len(DASHES)], linewidth=1.8,
            markersize=5, label=series.name,
        )  # fmt: skip
        marks = series.marks or [""] * len(x)
        for xi, v, mark in zip(x, series.values, marks, strict=True):
            if v is None:
                continue
            if label_all or mark or xi == x[-1]:
                ax.annotate(value_text(v, spec.stat, mark), (xi, v), xytext=(0, 6),
                            textcoords="offset points", ha="center", fontsize=7,
                            color=TEXT)  # fmt: skip
        last = next((v for v in reversed(series.values) if v is not None), None)
        if last is not None:
            ends.append([last, series.name, colour])
    lo, hi = spec.axis
    if spec.stat == "nps":
        values = [v for s in spec.series for v in s.values if v is not None]
        lo = max(-100.0, math.floor((min(values, default=0) - 10) / 10) * 10)
        hi = min(100.0, math.ceil((max(values, default=0) + 10) / 10) * 10)
    ax.set_ylim(lo, hi)
    step = (hi - lo) * 0.06  # direct labels at the line ends, nudged apart
    ends.sort(key=lambda e: e[0])
    for j in range(1, len(ends)):
        ends[j][0] = max(ends[j][0], ends[j - 1][0] + step)
    for y, name, colour in ends:
        ax.text(x[-1] + 0.35, y, fonts.fill(name, 22), va="center", fontsize=7.5,
                color=colour if grey_level(colour) < 190 else TEXT)  # fmt: skip
    ax.set_xlim(-0.4, x[-1] + 0.4 if x else 1)
    ax.set_xticks(x, spec.categories, fontsize=7.5, rotation=45 if len(x) > 8 else 0)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    _style_axis(ax, spec, axis="y")


def figure_bytes(fig, fmt: str, salt: str, fonts_used: str = "") -> bytes:
    matplotlib, _ = _matplotlib()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None, "Fonts": fonts_used}
        fig.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    return buffer.getvalue()


def render(spec: ChartSpec, fmt: str) -> bytes:
    """PNG or SVG bytes of the chart (deterministic: no dates, stable ids)."""
    return render_many(spec, [fmt])[fmt]


def render_many(spec: ChartSpec, formats: list[str]) -> dict[str, bytes]:
    """The chart drawn once and saved in each format."""
    matplotlib, _ = _matplotlib()
    plan = fonts.chart_plan(spec)
    fonts.warn_once(plan)
    rc = {
        "svg.fonttype": "none",
        "svg.hashsalt": spec.figure_id,
        "font.family": list(plan.families),
        "text.parse_math": False,  # labels are data: `Pay $5 or $10` keeps its dollars
    }
    with matplotlib.rc_context(rc), warnings.catch_warnings(), fonts.quiet_font_manager():
        # Missing glyphs are reported once, by script, through the plan's warnings.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig = draw(spec)
        out = {}
        for fmt in formats:
            out[fmt] = figure_bytes(fig, fmt, spec.figure_id, ", ".join(plan.families))
            fig.set_layout_engine("none")  # laid out once; later formats reuse the positions
        return out


def inline_svg(spec: ChartSpec) -> str:
    """The chart as an ``<svg>`` element to embed in HTML (prolog and doctype dropped)."""
    text = render(spec, "svg").decode("utf-8")
    return text[text.index("<svg") :]


def save_chart(spec: ChartSpec, path: Path) -> None:
    save_charts(spec, [path])


def save_charts(spec: ChartSpec, paths: list[Path]) -> None:
    """Write the chart to each path in the format of its extension (drawn once)."""
    from cxsurvey.outputs.atomic import atomic_output

    data = render_many(spec, [p.suffix.lstrip(".").lower() for p in paths])
    for path in paths:
        with atomic_output(path, "wb") as fh:
            fh.write(data[path.suffix.lstrip(".").lower()])
