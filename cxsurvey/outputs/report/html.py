"""The self-contained HTML report: inline CSS and SVG charts, no network needed.

Every figure is a ``<section id="fig-ID" data-figure="ID">`` with its chart
(``<svg>``) and its table; each value cell carries its unrounded value in
``data-value`` (the number shown is rounded for display only), so the report
can be checked against ``figures --format json``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape
from typing import IO

from cxsurvey.outputs.charts.draw import inline_svg
from cxsurvey.outputs.charts.fonts import CSS_FAMILIES, chart_plan
from cxsurvey.outputs.charts.spec import chart_spec
from cxsurvey.outputs.display import base_row, display_cell, display_gap, figure_notes, header
from cxsurvey.outputs.report.context import ReportContext
from cxsurvey.study.models import Study
from cxsurvey.tabulation.results import FigureResult, FiguresResult

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, FAMILIES;
       color: #1a1a1a; max-width: 1080px; margin: 2rem auto; padding: 0 1.2rem; }
h1 { font-size: 1.9rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.6rem; border-top: 2px solid #1a1a1a; padding-top: .6rem; }
.summary, .methods { background: #f4f4f4; padding: .8rem 1.2rem; border-radius: 4px; }
nav ol { columns: 2; font-size: .92rem; }
a { color: #1a1a1a; }
.wording { font-style: italic; color: #333; margin: .2rem 0 .6rem; }
.chart svg { width: 100%; max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .88rem; margin: .8rem 0; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #d0d0d0; text-align: right; }
th { vertical-align: bottom; min-width: 4.5em; white-space: normal; }
td { white-space: nowrap; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; white-space: normal; min-width: 10em;
       max-width: 22em; position: sticky; left: 0; background: #fff; }
tr.base td { font-style: italic; color: #555; }
.sig { font-weight: bold; }
.notes { font-size: .82rem; color: #444; }
.warning { color: #8a4b00; }
footer { margin-top: 3rem; font-size: .8rem; color: #666; }
@page { size: A4; margin: 14mm 12mm; }
@page wide { size: A4 landscape; margin: 12mm 10mm; }
@media print {
  body { font-size: 10pt; max-width: none; margin: 0; padding: 0; }
  nav, .summary, .methods { break-inside: avoid; }
  section.figure { break-before: page; }
  section.figure[data-print="wide"] { page: wide; }
  h2 { margin-top: 0; border-top: none; }
  .chart { break-inside: avoid; }
  .chart svg { max-height: 150mm; width: auto; }
  .table-wrap { overflow: visible; }
  table { font-size: 7.5pt; width: 100%; break-inside: auto; }
  tr { break-inside: avoid; }
  th, td { padding: 1pt 3pt; }
  th { min-width: 0; }
  th:first-child, td:first-child { position: static; min-width: 0; }
  #methods { break-before: page; }
  a { text-decoration: none; }
}
""".replace("FAMILIES", CSS_FAMILIES)
WIDE = 8  # a figure with more columns than this prints on a landscape page


def fonts_sentence(result: FiguresResult, study: Study) -> str:
    """Which fonts the charts were drawn in (chosen for the characters of their labels)."""
    families: dict[str, None] = {}
    for fig in result.figures:
        families.update(dict.fromkeys(chart_plan(chart_spec(fig, study)).families))
    return (
        f"Chart text is drawn in {', '.join(families)}, chosen for the characters of the "
        "labels (a font per script, in that order)."
    )


def write_html(
    result: FiguresResult,
    context: ReportContext,
    study: Study,
    out: IO[str],
    on_figure: Callable[[str], None] = lambda _id: None,
) -> None:
    out.write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    out.write(f"<title>{escape(context.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n")
    out.write(f"<h1>{escape(context.title)}</h1>\n")
    out.write(_summary(context, result))
    out.write(_toc(result))
    for fig in result.figures:
        out.write(_figure(fig, study))
        on_figure(fig.id)
    out.write('<h2 id="methods">Methods</h2>\n<div class="methods">\n')
    out.write("".join(f"<p>{escape(m)}</p>\n" for m in context.methods))
    out.write(f"<p>{escape(fonts_sentence(result, study))}</p>\n")
    out.write("</div>\n")
    out.write(
        f"<footer>cxsurvey {escape(result.cxsurvey_version)} · study file sha256 "
        f"{escape(result.config_sha256[:16])}… · data sha256 {escape(result.data_sha256[:16])}…"
        "</footer>\n</body>\n</html>\n"
    )


def _summary(context: ReportContext, result: FiguresResult) -> str:
    parts = ['<section class="summary" id="summary">\n']
    parts.append(f"<p><strong>Respondents:</strong> {escape(context.respondents_line())}.</p>\n")
    parts.append(f"<p>{escape(context.filters)}</p>\n")
    parts += [f"<p><strong>Scoring.</strong> {escape(s)}</p>\n" for s in context.scoring]
    parts += [f"<p><strong>Segments.</strong> {escape(s)}</p>\n" for s in context.segments]
    warned = [f for f in result.figures if f.warnings]
    if warned:
        parts.append(
            f'<p class="warning">{len(warned)} figure(s) carry warnings (small bases or invalid '
            "codes); see their notes.</p>\n"
        )
    parts.append("</section>\n")
    return "".join(parts)


def _toc(result: FiguresResult) -> str:
    items = "".join(
        f'<li><a href="#fig-{escape(f.id)}">{escape(f.title)}</a></li>' for f in result.figures
    )
    return f'<nav><h2>Contents</h2><ol>{items}<li><a href="#methods">Methods</a></li></ol></nav>\n'


def _figure(fig: FigureResult, study: Study) -> str:
    spec = chart_spec(fig, study)
    svg = inline_svg(replace(spec, title="", wording=""))  # both are in the page's text
    font_notes = "".join(
        f'<p class="warning">Warning: {escape(w)}</p>' for w in chart_plan(spec).warnings
    )
    wording = spec.wording  # the question's wording, unless the title is that wording
    wide = ' data-print="wide"' if len(fig.columns) > WIDE else ""
    return (
        f'<section class="figure" id="fig-{escape(fig.id)}" data-figure="{escape(fig.id)}"'
        f"{wide}>\n"
        f"<h2>{escape(fig.title)}</h2>\n"
        + (f'<p class="wording">{escape(wording)}</p>\n' if wording else "")
        + f'<div class="chart">{svg}</div>\n'
        f"{_table(fig)}{_notes(fig)}{font_notes}</section>\n"
    )


def _table(fig: FigureResult) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header(fig))
    rows = [f"<tr>{head}</tr>"]
    rows.append(
        '<tr class="base">' + "".join(f"<td>{escape(c)}</td>" for c in base_row(fig)) + "</tr>"
    )
    gap = fig.by is not None and len(fig.columns) == 3
    for row in fig.rows:
        cells = [f"<td>{escape(row.label)}</td>"]
        for col in fig.columns:
            cell = row.cells[col]
            value = "" if cell.value is None else repr(cell.value)
            cells.append(
                f'<td data-column="{escape(col)}" data-value="{value}" data-base="{cell.base!r}">'
                f"{escape(display_cell(cell, fig.stat, row.label))}</td>"
            )
        if gap:
            text = display_gap(row.gap, fig.stat, row.label)
            p = row.gap.p_value if row.gap is not None else None
            title = "" if p is None else f' title="{escape(row.gap.test)}, p = {p:.3g}"'
            klass = ' class="sig"' if row.gap is not None and row.gap.significant else ""
            cells.append(f"<td{klass}{title}>{escape(text)}</td>")
        rows.append(f'<tr data-row="{escape(row.label)}">' + "".join(cells) + "</tr>")
    return (
        '<div class="table-wrap"><table class="figure-table">\n'
        + "\n".join(rows)
        + "\n</table></div>\n"
    )


def _notes(fig: FigureResult) -> str:
    body = "".join(f"<p>{escape(n)}</p>" for n in figure_notes(fig, warnings=False))
    if fig.letters:
        letters = ", ".join(f"{v} = {k}" for k, v in fig.letters.items())
        body += f"<p>{escape(letters)}</p>"
    body += "".join(f'<p class="warning">Warning: {escape(w)}</p>' for w in fig.warnings)
    return f'<div class="notes">{body}</div>\n' if body else ""
