"""The Markdown report: the same content as the HTML report, with PNG charts in a
folder beside it (``report.md`` + ``report_charts/ID.png``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.outputs.atomic import atomic_output
from cxsurvey.outputs.charts.draw import save_chart
from cxsurvey.outputs.charts.fonts import chart_plan
from cxsurvey.outputs.charts.spec import chart_spec
from cxsurvey.outputs.figures_out import figure_markdown
from cxsurvey.outputs.report.context import ReportContext
from cxsurvey.outputs.report.html import fonts_sentence
from cxsurvey.study.models import Study
from cxsurvey.tabulation.results import FiguresResult


def charts_dir(out: Path) -> Path:
    return out.with_name(f"{out.stem}_charts")


def write_markdown(
    result: FiguresResult,
    context: ReportContext,
    study: Study,
    out: Path,
    on_figure: Callable[[str], None] = lambda _id: None,
) -> None:
    folder = charts_dir(out)
    if not out.parent.is_dir():
        raise DataError(f"{out}: directory {out.parent} does not exist; create it first")
    # Charts go to a temporary folder that replaces the old one only once the
    # report is complete, so a failed run leaves no half-written report.
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp's 0700 would hide the charts from others
    try:
        lines = _lines(result, context, study, staging, folder.name, on_figure)
        with atomic_output(out, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines))
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _lines(result, context, study, charts: Path, name: str, on_figure) -> list[str]:
    lines = [f"# {context.title}", "", f"**Respondents:** {', '.join(context.respondents)}.", ""]
    lines += [context.filters, ""]
    lines += [f"**Scoring.** {s}\n" for s in context.scoring]
    lines += [f"**Segments.** {s}\n" for s in context.segments]
    lines += ["## Contents", ""]
    lines += [f"{i}. [{f.title}](#{f.id})" for i, f in enumerate(result.figures, 1)]
    lines.append("")
    for fig in result.figures:
        spec = chart_spec(fig, study)
        save_chart(spec, charts / f"{fig.id}.png")
        lines += [
            f'<a id="{fig.id}"></a>',
            "",
            f"![{fig.title}]({name}/{fig.id}.png)",
            "",
            *(f"> Warning: {w}\n" for w in chart_plan(spec).warnings),
            figure_markdown(fig),
        ]
        on_figure(fig.id)
    methods = [*context.methods, fonts_sentence(result, study)]
    return [*lines, "## Methods", "", *(f"{m}\n" for m in methods)]
