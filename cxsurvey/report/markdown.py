"""The Markdown report: the same content as the HTML report, with PNG charts in a
folder beside it (``report.md`` + ``report_charts/ID.png``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..charts.draw import save_chart
from ..charts.spec import chart_spec
from ..figure_result import FiguresResult
from ..io.atomic import atomic_output
from ..io.figures_out import figure_markdown
from ..study.models import Study
from .context import ReportContext


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
    folder.mkdir(exist_ok=True)
    lines = [f"# {context.title}", "", f"**Respondents:** {', '.join(context.respondents)}.", ""]
    lines += [context.filters, ""]
    lines += [f"**Scoring.** {s}\n" for s in context.scoring]
    lines += [f"**Segments.** {s}\n" for s in context.segments]
    lines += ["## Contents", ""]
    lines += [f"{i}. [{f.title}](#{f.id})" for i, f in enumerate(result.figures, 1)]
    lines.append("")
    for fig in result.figures:
        save_chart(chart_spec(fig, study), folder / f"{fig.id}.png")
        lines += [
            f'<a id="{fig.id}"></a>',
            "",
            f"![{fig.title}]({folder.name}/{fig.id}.png)",
            "",
            figure_markdown(fig),
        ]
        on_figure(fig.id)
    lines += ["## Methods", "", *(f"{m}\n" for m in context.methods)]
    with atomic_output(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
