"""The importance x performance (quadrant) chart of a key-drivers figure.

One point per predictor: across, its share of R² (Shapley, as % of R²); up, its
mean (performance). The dashed lines are the average share (100 / number of
predictors) and the average of the means, so the four quadrants read as the
usual driver map: important and strong (keep), important and weak (fix first),
less important and strong, less important and weak. Drawn in greys like the
other charts, with the point's bootstrap interval as a horizontal whisker.
"""

from __future__ import annotations

from cxsurvey.outputs.charts import fonts
from cxsurvey.outputs.charts.spec import ChartSpec, Series
from cxsurvey.outputs.display import format_number
from cxsurvey.tabulation.results import FigureResult

QUADRANTS = (
    ("Strengths: keep", "right", "top"),
    ("Priorities: improve", "right", "bottom"),
    ("Secondary strengths", "left", "top"),
    ("Lower priority", "left", "bottom"),
)


def quadrant_spec(fig: FigureResult) -> ChartSpec:
    d = fig.drivers
    labels = [r.label for r in fig.rows]
    share = [r.cells["Shapley %"].value for r in fig.rows]
    mean = [r.cells["Mean"].value for r in fig.rows]
    low = [(r.cells["Shapley %"].ci or (None, None))[0] for r in fig.rows]
    high = [(r.cells["Shapley %"].ci or (None, None))[1] for r in fig.rows]
    top = max([v for v in [*share, *high] if v is not None] + [100 / max(len(labels), 1)])
    foot = f"n = {d.n}; R² = {format_number(d.r2, 3)}." if d else ""
    if d and d.replicates:
        foot += f" Whiskers: {d.level:.0%} bootstrap intervals ({d.replicates} resamples)."
    return ChartSpec(
        fig.id,
        "quadrant",
        fig.title,
        "drivers",
        labels,
        [
            Series("Importance (% of R²)", share),
            Series("Performance (mean)", mean),
            Series("low", low),
            Series("high", high),
        ],
        (0.0, top * 1.1),
        {},
        footnote=foot,
    )


OFFSETS = (((5, 4), "left"), ((5, -11), "left"), ((-5, 4), "right"), ((-5, -11), "right"))


def _label_place(fx: float, fy: float, placed: list[tuple[float, float]]):
    """The first label offset whose anchor is not crowded by an earlier label."""
    for (dx, dy), align in OFFSETS:
        ax_, ay = fx + dx / 500, fy + dy / 350
        if all(abs(ax_ - px) > 0.12 or abs(ay - py) > 0.03 for px, py in placed):
            placed.append((ax_, ay))
            return (dx, dy), align
    placed.append((fx, fy))
    return OFFSETS[0]


def draw_quadrant(spec: ChartSpec):
    from cxsurvey.outputs.charts.draw import _matplotlib

    _, Figure = _matplotlib()
    share, mean, low, high = (s.values for s in spec.series)
    fig = Figure(figsize=(8.0, 5.6), layout="constrained")
    ax = fig.add_subplot()
    points = [
        (x, y, lo, hi)
        for x, y, lo, hi in zip(share, mean, low, high, strict=True)
        if x is not None and y is not None
    ]
    ys = [p[1] for p in points] or [0.0]
    pad = max((max(ys) - min(ys)) * 0.25, 0.05)
    y_low, y_span = min(ys) - pad, max(ys) - min(ys) + 2 * pad
    x_span = spec.axis[1] - spec.axis[0] or 1.0
    placed: list[tuple[float, float]] = []  # label anchors, in axis fractions
    for (x, y, lo, hi), label in zip(points, spec.categories, strict=False):
        if lo is not None and hi is not None:
            ax.plot([lo, hi], [y, y], color="#b3b3b3", linewidth=1.0, zorder=1)
        ax.scatter([x], [y], s=36, color="#262626", zorder=2)
        offset, align = _label_place(x / x_span, (y - y_low) / y_span, placed)
        ax.annotate(
            fonts.fill(label, 24),
            (x, y),
            xytext=offset,
            textcoords="offset points",
            ha=align,
            fontsize=7.5,
        )
    if points:
        x_mid = 100 / len(spec.categories)
        y_mid = sum(p[1] for p in points) / len(points)
        ax.axvline(x_mid, color="#595959", linestyle="--", linewidth=0.8)
        ax.axhline(y_mid, color="#595959", linestyle="--", linewidth=0.8)
        ax.set_ylim(y_low, y_low + y_span)
        for text, h, v in QUADRANTS:
            ax.text(
                0.98 if h == "right" else 0.02,
                0.97 if v == "top" else 0.03,
                text,
                transform=ax.transAxes,
                ha=h,
                va=v,
                fontsize=7,
                color="#737373",
                style="italic",
            )
    ax.set_xlim(*spec.axis)
    ax.xaxis.set_major_formatter(lambda x, _pos: format_number(x) + "%")
    ax.set_xlabel(spec.series[0].name, fontsize=8)
    ax.set_ylabel(spec.series[1].name, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(fonts.fill(spec.title, 80), fontsize=10, loc="left", fontweight="bold")
    if spec.footnote:
        ax.annotate(
            fonts.fill(spec.footnote, 120),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -34),
            textcoords="offset points",
            va="top",
            fontsize=6.5,
            color="#333333",
            annotation_clip=False,
        )
    return fig
