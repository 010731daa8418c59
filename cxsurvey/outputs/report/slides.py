"""The report as a PowerPoint deck (the optional ``pptx`` extra, python-pptx).

A title slide, a summary slide (respondents, who is included, scoring, the split),
one slide per figure and a methods slide, 16:9 unless a ``--template`` deck
decides. Each figure's chart is a native, editable PowerPoint chart whose data
sheet holds the figure's own values (percentages as the JSON's 0-100 numbers
with a ``0"%"`` format), drawn from the same ChartSpec as the PNG/SVG charts:
the same kinds, colours, significance marks (letters and ▲/▼ on the data labels,
paired gaps in a table beside the chart), the question wording under the title
and the footnote, bases and source under the chart. The figure's table is in
the slide's notes. A template's own slides are dropped; its layouts ("Title
Slide", "Title Only") and theme are used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from cxsurvey.errors import DataError
from cxsurvey.outputs.charts.draw import ramp, segment_label, series_colours, value_text
from cxsurvey.outputs.charts.spec import ChartSpec, Series, chart_marks, chart_spec
from cxsurvey.outputs.figures_out import figure_markdown
from cxsurvey.outputs.report.context import ReportContext
from cxsurvey.study.models import Study
from cxsurvey.tabulation.results import FigureResult, FiguresResult

WIDE = (12192000, 6858000)  # 13.333 x 7.5 inches in EMU: 16:9
EMU_PER_INCH = 914400
RANKED_PER_SLIDE = 4  # small multiples on one slide, 2 x 2
TITLE_SIZES = (40, 36, 32, 28, 24, 20)  # points, the largest whose lines fit is used
SUBTITLE_SIZES = (20, 18, 16, 14, 12)


def require_pptx() -> None:
    """A one-line error naming the extra when python-pptx is missing (its module is
    ``pptx``, its package python-pptx, so the message is written here)."""
    try:
        import pptx  # noqa: F401
    except ImportError:
        raise DataError(
            "PowerPoint output needs python-pptx, from the optional 'pptx' extra: "
            "pip install 'cxsurvey[pptx]' (in a checkout: pip install '.[pptx]')"
        ) from None


def write_pptx(
    result: FiguresResult,
    context: ReportContext,
    study: Study,
    out: IO[bytes],
    template: Path | None = None,
    on_figure: Callable[[str], None] = lambda _id: None,
) -> None:
    require_pptx()
    deck = Deck(template)
    deck.title_slide(context.title, _title_lines(result))
    summary = [f"Respondents: {', '.join(context.respondents)}.", context.filters]
    summary += [f"Scoring. {s}" for s in context.scoring]
    summary += [f"Split. {s}" for s in context.segments]
    warned = [f.id for f in result.figures if f.warnings]
    if warned:
        summary.append(
            f"{len(warned)} figure(s) carry warnings (small bases or invalid codes); see their "
            "footnotes."
        )
    deck.text_slide("Summary", summary)
    for fig in result.figures:
        deck.figure_slide(fig, chart_spec(fig, study))
        on_figure(fig.id)
    export = [context.export[0].upper() + context.export[1:] + "."] if context.export else []
    deck.text_slide("Methods", [*export, *context.methods])
    deck.save(out)


def _inches(value: float) -> int:
    return int(value * EMU_PER_INCH)


class Deck:
    def __init__(self, template: Path | None) -> None:
        from pptx import Presentation

        if template is None:
            self.prs = Presentation()
            self.prs.slide_width, self.prs.slide_height = WIDE
        else:
            try:
                self.prs = Presentation(str(template))
            except Exception as exc:  # python-pptx raises several kinds for a bad package
                raise DataError(
                    f"{template}: not a PowerPoint deck python-pptx can read ({exc}); "
                    "give a .pptx file"
                ) from None
            self._drop_slides()
        self.width = self.prs.slide_width
        self.height = self.prs.slide_height
        self.own_theme = template is not None  # a template's title styles are kept

    def _drop_slides(self) -> None:
        ids = self.prs.slides._sldIdLst
        for sld in list(ids):
            self.prs.part.drop_rel(sld.rId)
            ids.remove(sld)

    def _layout(self, *names: str, fallback: int):
        layouts = list(self.prs.slide_layouts)
        for name in names:
            for layout in layouts:
                if layout.name.lower() == name.lower():
                    return layout
        return layouts[min(fallback, len(layouts) - 1)]

    def _slide(self, title: str, layout_names=("Title Only",), fallback: int = 5):
        slide = self.prs.slides.add_slide(self._layout(*layout_names, fallback=fallback))
        if slide.shapes.title is not None:
            shape = slide.shapes.title
            shape.text = title
            if not self.own_theme:  # the default theme's 44pt centred titles wrap and crowd
                from pptx.enum.text import PP_ALIGN
                from pptx.util import Pt

                shape.left, shape.top = _inches(0.5), _inches(0.25)
                shape.width, shape.height = self.width - _inches(1.0), _inches(0.8)
                para = shape.text_frame.paragraphs[0]
                para.font.size, para.font.bold, para.alignment = Pt(26), True, PP_ALIGN.LEFT
            top = shape.top + shape.height
        else:
            box = slide.shapes.add_textbox(
                _inches(0.5), _inches(0.3), self.width - _inches(1), _inches(0.9)
            )
            box.text_frame.text = title
            top = box.top + box.height
        return slide, top

    def title_slide(self, title: str, lines: list[str]) -> None:
        """The study's name and, under it, who answered and the source: centred on
        the slide, wrapped, sized for their length and set to shrink on overflow."""
        from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
        from pptx.util import Pt

        slide = self.prs.slides.add_slide(self._layout("Title Slide", fallback=0))
        head = slide.shapes.title
        body = next((p for p in slide.placeholders if p.placeholder_format.idx == 1), None)
        place = not self.own_theme or self._layouts_misfit()
        if head is None or body is None or None in (head.width, head.height, body.width):
            place = True  # no title layout, or one whose boxes have no size of their own
            head = head or slide.shapes.add_textbox(0, 0, 1, 1)
            body = body or slide.shapes.add_textbox(0, 0, 1, 1)
        w, h = self.width, self.height
        if place:  # the default layout is placed for a 4:3 slide: centre both on this one
            head.left, head.top, head.width, head.height = (
                int(w * 0.08), int(h * 0.22), int(w * 0.84), int(h * 0.3)
            )  # fmt: skip
            body.left, body.top, body.width, body.height = (
                int(w * 0.12), int(h * 0.56), int(w * 0.76), int(h * 0.22)
            )  # fmt: skip
        for shape, text, sizes in ((head, [title], TITLE_SIZES), (body, lines, SUBTITLE_SIZES)):
            frame = shape.text_frame
            frame.text = "\n".join(text)
            frame.word_wrap = True
            frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # PowerPoint shrinks on overflow
            size = _fitting_size(text, shape.width, shape.height, sizes)
            for para in frame.paragraphs:
                para.font.size = Pt(size)
                if place:
                    para.alignment = PP_ALIGN.CENTER

    def _layouts_misfit(self) -> bool:
        """Whether the template's layouts were drawn for another slide size: the
        master's title spans under 80% of the slide, or a placeholder leaves it."""
        master = self.prs.slide_master
        boxes = [p for p in master.placeholders if p.width is not None]
        if not boxes:
            return False
        right = max(p.left + p.width for p in boxes)
        bottom = max(p.top + p.height for p in boxes)
        return right < 0.8 * self.width or right > self.width or bottom > self.height

    def text_slide(self, title: str, paragraphs: list[str]) -> None:
        from pptx.enum.text import MSO_AUTO_SIZE
        from pptx.util import Pt

        slide, top = self._slide(title)
        box = slide.shapes.add_textbox(
            _inches(0.6), top + _inches(0.15), self.width - _inches(1.2),
            self.height - top - _inches(0.5),
        )  # fmt: skip
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        size = 14 if sum(len(p) for p in paragraphs) < 900 else 11
        for i, text in enumerate(paragraphs):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text = text
            para.font.size = Pt(size)
            para.space_after = Pt(6)

    def figure_slide(self, fig: FigureResult, spec: ChartSpec) -> None:
        """One slide, or for ranked small multiples one slide per four rows."""
        if spec.kind != "ranked":
            self._figure_page(fig, spec)
            return
        rows = list(range(len(spec.categories)))
        for k in range(0, len(rows), RANKED_PER_SLIDE):
            self._figure_page(fig, spec, rows[k : k + RANKED_PER_SLIDE], continued=k > 0)

    def _figure_page(self, fig, spec: ChartSpec, rows=None, continued: bool = False) -> None:
        from pptx.util import Pt

        slide, top = self._slide(spec.title + (" (continued)" if continued else ""))
        left = _inches(0.5)
        width = self.width - _inches(1.0)
        y = top + _inches(0.05)
        if spec.wording:
            box = slide.shapes.add_textbox(left, y, width, _inches(0.4))
            box.text_frame.word_wrap = True
            para = box.text_frame.paragraphs[0]
            para.text = spec.wording
            para.font.size, para.font.italic = Pt(12), True
            y += _inches(0.45)
        footer = [p for p in (spec.footnote, spec.footer) if p]
        foot_h = _inches(0.25 + 0.17 * sum(1 + len(p) // 190 for p in footer))
        chart_h = self.height - y - foot_h - _inches(0.15)
        side = _side_table(fig, spec)
        if side:
            side_w = _inches(2.8)
            self._chart(
                slide, spec, left, y, width - side_w - _inches(0.2), chart_h,
                categories=_categories(fig, spec),
            )  # fmt: skip
            self._table(slide, side, left + width - side_w, y, side_w)
        elif spec.kind == "quadrant":
            self._scatter(slide, spec, left, y, width, chart_h)
        elif spec.kind == "ranked":
            self._ranked(slide, spec, rows, left, y, width, chart_h)
        else:
            self._chart(slide, spec, left, y, width, chart_h, categories=_categories(fig, spec))
        box = slide.shapes.add_textbox(left, self.height - foot_h - _inches(0.1), width, foot_h)
        box.text_frame.word_wrap = True
        for i, text in enumerate(footer):
            para = box.text_frame.paragraphs[0] if i == 0 else box.text_frame.add_paragraph()
            para.text = text
            para.font.size = Pt(9)
        slide.notes_slide.notes_text_frame.text = figure_markdown(fig)

    def _chart(self, slide, spec: ChartSpec, x, y, cx, cy, name=None, categories=None):
        from pptx.chart.data import CategoryChartData
        from pptx.enum.chart import XL_CHART_TYPE

        number_format = _number_format(spec)
        data = CategoryChartData(number_format=number_format)
        data.categories = categories or spec.categories
        for s in spec.series:
            data.add_series(_lettered(s.name, spec.letters), s.values)
        kind = {
            "stacked": XL_CHART_TYPE.BAR_STACKED,
            "trend": XL_CHART_TYPE.LINE_MARKERS,
        }.get(spec.kind, XL_CHART_TYPE.BAR_CLUSTERED)
        frame = slide.shapes.add_chart(kind, x, y, cx, cy, data)
        frame.name = name or f"chart:{spec.figure_id}"
        _style(frame.chart, spec)
        frame.chart.has_title = False
        return frame.chart

    def _ranked(self, slide, spec: ChartSpec, rows: list[int], x, y, cx, cy) -> None:
        """One chart per row, the groups sorted by value and named on the axis."""
        n = len(rows)
        ncols = 1 if n == 1 else 2
        nrows = -(-n // ncols)
        w, h = cx // ncols, cy // nrows
        for k, i in enumerate(rows):
            row = spec.categories[i]
            items = [(s.values[i], s.name, s.marks[i] if s.marks else "") for s in spec.series]
            items.sort(key=lambda t: (t[0] is None, -(t[0] or 0.0)))
            one = ChartSpec(
                spec.figure_id, "bars", row, spec.stat,
                [_lettered(name, spec.letters) for _, name, _ in items],
                [Series(row, [v for v, _, _ in items], [m for _, _, m in items])],
                spec.axis, {}, palette=spec.palette,
            )  # fmt: skip
            chart = self._chart(
                slide, one, x + (k % ncols) * w, y + (k // ncols) * h, w, h,
                name=f"chart:{spec.figure_id}:{i}",
            )  # fmt: skip
            chart.has_title = len(spec.categories) > 1
            if chart.has_title:
                chart.chart_title.text_frame.text = row

    def _scatter(self, slide, spec: ChartSpec, x, y, cx, cy) -> None:
        """A key-drivers quadrant: one point per predictor, importance across, performance up."""
        from pptx.chart.data import XyChartData
        from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
        from pptx.util import Pt

        share, mean = spec.series[0], spec.series[1]
        data = XyChartData()
        points = data.add_series(f"{share.name} x {mean.name}")
        kept = []
        for label, sx, my in zip(spec.categories, share.values, mean.values, strict=True):
            if sx is not None and my is not None:
                points.add_data_point(sx, my)
                kept.append(label)
        frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER, x, y, cx, cy, data)
        frame.name = f"chart:{spec.figure_id}"
        chart = frame.chart
        chart.has_legend = False
        chart.font.size = Pt(10)
        series = chart.plots[0].series[0]
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = _rgb(spec.palette[0])
        for i, label in enumerate(kept):
            dl = series.points[i].data_label
            dl.text_frame.text = label
            dl.position = XL_LABEL_POSITION.RIGHT
            dl.font.size = Pt(9)
        chart.value_axis.has_title = True
        chart.value_axis.axis_title.text_frame.text = mean.name
        chart.category_axis.has_title = True
        chart.category_axis.axis_title.text_frame.text = share.name

    def _table(self, slide, rows: list[tuple[str, str, bool]], x, y, cx) -> None:
        from pptx.util import Pt

        height = _inches(0.28) * len(rows)
        table = slide.shapes.add_table(len(rows), 2, x, y, cx, height).table
        table.columns[0].width = cx - _inches(0.9)
        table.columns[1].width = _inches(0.9)
        for r, (label, value, bold) in enumerate(rows):
            for c, text in enumerate((label, value)):
                cell = table.cell(r, c)
                cell.text = text
                para = cell.text_frame.paragraphs[0]
                para.font.size = Pt(9)
                para.font.bold = r == 0 or (bold and c == 1)

    def save(self, out: IO[bytes]) -> None:
        self.prs.save(out)


def _title_lines(result: FiguresResult) -> list[str]:
    """Under the title: who answered, and the source (the export's file name)."""
    r = result.respondents
    lines = [f"{r['included']} respondents ({r['read']} responses read)"]
    source = Path(result.export["file"]).name if result.export.get("file") else ""
    lines.append((f"Source: {source} · " if source else "") + f"cxsurvey {result.cxsurvey_version}")
    return lines


def _fitting_size(lines: list[str], width: int, height: int, sizes) -> int:
    """The largest font size (points) at which ``lines`` fit the box, wrapped: a
    character takes about half the size in width, a line 1.2 times it in height."""
    for size in sizes:
        per_line = max(1, int(width / EMU_PER_INCH * 72 / (0.52 * size)))
        needed = sum(-(-max(len(t), 1) // per_line) for t in lines)
        if needed * 1.2 * size <= height / EMU_PER_INCH * 72 * 0.9:
            return size
    return sizes[-1]


def _lettered(name: str, letters: dict[str, str]) -> str:
    return f"{name} ({letters[name]})" if name in letters else name


def _categories(fig: FigureResult, spec: ChartSpec) -> list[str]:
    """The chart's categories as the figure names them (columns of a stacked chart,
    with their letters; rows or periods otherwise): the data sheet holds the JSON's
    labels, bases and NPS go to the footer and the side table."""
    if spec.kind == "stacked":
        return [_lettered(c, spec.letters) for c in fig.columns]
    return list(spec.categories)


def _side_table(fig: FigureResult, spec: ChartSpec) -> list[tuple[str, str, bool]]:
    """Paired charts: each row's gap (* significant); NPS charts: each column's NPS
    with its letters; otherwise nothing."""
    if spec.gaps:
        return [("", "Gap", False)] + [
            (c, g, sig)
            for c, g, sig in zip(spec.categories, spec.gaps, spec.significant, strict=True)
        ]
    if spec.kind == "stacked" and fig.stat == "nps":
        nps = next(r for r in fig.rows if r.label == "NPS")
        rows = [("", "NPS", False)]
        for c in fig.columns:
            cell = nps.cells[c]
            text = "" if cell.value is None else value_text(cell.value, "nps", chart_marks(cell))
            rows.append((_lettered(c, spec.letters), text, bool(chart_marks(cell))))
        return rows
    return []


def _number_format(spec: ChartSpec) -> str:
    if spec.stat == "mean":
        return "0.00"
    if spec.stat == "nps" and spec.kind == "trend":
        return "+0;-0;0"
    return '0"%"'


def _rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def _style(chart, spec: ChartSpec) -> None:
    from pptx.enum.chart import XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.util import Pt

    chart.font.size = Pt(10)
    plot = chart.plots[0]
    colours = series_colours(spec) if spec.kind != "stacked" else _stacked_colours(spec)
    many = len(spec.series) > 1
    chart.has_legend = many
    if many:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    number_format = _number_format(spec)
    if spec.kind == "stacked":
        number_format_labels = '0"%";-0"%";;'  # empty segments stay unlabelled
        position = XL_LABEL_POSITION.CENTER
        plot.overlap = 100
        plot.gap_width = 60
    elif spec.kind == "trend":
        number_format_labels = number_format
        position = XL_LABEL_POSITION.ABOVE
    else:
        number_format_labels = number_format
        position = XL_LABEL_POSITION.OUTSIDE_END
        plot.gap_width = 50
    label_stat = "percent" if spec.kind == "stacked" else spec.stat
    markers = [XL_MARKER_STYLE.CIRCLE, XL_MARKER_STYLE.SQUARE, XL_MARKER_STYLE.TRIANGLE,
               XL_MARKER_STYLE.DIAMOND, XL_MARKER_STYLE.X, XL_MARKER_STYLE.PLUS,
               XL_MARKER_STYLE.STAR, XL_MARKER_STYLE.DASH]  # fmt: skip
    for k, (series, s) in enumerate(zip(plot.series, spec.series, strict=True)):
        colour = _rgb(colours[k])
        if spec.kind == "trend":
            series.format.line.color.rgb = colour
            series.format.line.width = Pt(2.25)
            series.smooth = False
            series.marker.style = markers[k % len(markers)]
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = colour
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = colour
        labels = series.data_labels  # per series: PowerPoint and LibreOffice both honour it
        labels.show_value = True
        labels.number_format = number_format_labels
        labels.number_format_is_linked = False
        labels.position = position
        labels.font.size = Pt(8 if len(spec.series) > 3 else 9)
        marks = s.marks or [""] * len(s.values)
        for i, (value, mark) in enumerate(zip(s.values, marks, strict=True)):
            if value is None:
                continue
            point = series.points[i]
            text = (
                segment_label(value, mark)
                if spec.kind == "stacked"
                else value_text(value, label_stat, mark)
            )
            if not text:  # a stacked segment too narrow for a label
                _hide_label(point)
                continue
            # written out, rounded as every table rounds (half away from zero), marks included
            point.data_label.text_frame.text = text
            point.data_label.font.size = Pt(8)
            point.data_label.position = position
    if spec.kind != "trend":
        chart.category_axis.reverse_order = True  # first row at the top, as in the tables
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = spec.kind == "trend"
    value_axis.tick_labels.number_format = number_format
    value_axis.tick_labels.number_format_is_linked = False
    lo, hi = spec.axis
    if spec.kind == "stacked":
        lo, hi = 0.0, 100.0
    if spec.kind == "trend" and spec.stat == "nps":
        values = [v for s in spec.series for v in s.values if v is not None]
        lo = max(-100.0, (min(values, default=0) // 10 - 1) * 10)
        hi = min(100.0, (max(values, default=0) // 10 + 2) * 10)
    value_axis.minimum_scale, value_axis.maximum_scale = lo, hi
    chart.category_axis.tick_labels.font.size = Pt(9)


def _stacked_colours(spec: ChartSpec) -> list[str]:
    if spec.stat == "nps":
        return series_colours(spec)
    return ramp(spec.palette[0], len(spec.series))


def _hide_label(point) -> None:
    """No label on this point (``<c:delete val="1"/>`` in its own ``c:dLbl``)."""
    from lxml import etree
    from pptx.oxml.ns import qn

    dlbl = point.data_label._get_or_add_dLbl()
    for child in list(dlbl):
        if child.tag != qn("c:idx"):
            dlbl.remove(child)
    etree.SubElement(dlbl, qn("c:delete")).set("val", "1")
