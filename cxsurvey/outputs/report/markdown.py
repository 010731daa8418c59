"""The Markdown report: the same content as the HTML report, with PNG charts in a
folder beside it (``report.md`` + ``report_charts/ID.png``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from cxsurvey.errors import DataError
from cxsurvey.outputs.atomic import Staging, atomic_output, check_folder, staged_folder
from cxsurvey.outputs.charts.draw import save_chart
from cxsurvey.outputs.charts.fonts import chart_plan
from cxsurvey.outputs.charts.spec import chart_spec
from cxsurvey.outputs.figures_out import figure_markdown
from cxsurvey.outputs.report.context import ReportContext
from cxsurvey.outputs.report.html import fonts_sentence
from cxsurvey.outputs.safe_names import file_stems
from cxsurvey.outputs.safe_text import md_text
from cxsurvey.study.models import Study
from cxsurvey.tabulation.results import FiguresResult


def charts_dir(out: Path) -> Path:
    return out.with_name(f"{out.stem}_charts")


def check_charts_dir(out: Path) -> None:
    """Refuse (before any work) a charts folder that is a link or a file."""
    if not out.parent.is_dir():
        raise DataError(f"{out}: directory {out.parent} does not exist; create it first")
    check_folder(charts_dir(out), "the charts folder", follow_symlink=False)


def write_markdown(
    result: FiguresResult,
    context: ReportContext,
    study: Study,
    out: Path,
    on_figure: Callable[[str], None] = lambda _id: None,
) -> None:
    """The report into ``out`` and its charts into ``<stem>_charts/``.

    Charts are drawn into a staging folder; only when all are drawn and the report
    text is written are they moved into the charts folder (replacing charts of the
    same names, leaving every other file there alone), then the report replaces
    ``out``. A failed run changes nothing.
    """
    check_charts_dir(out)
    with staged_folder(charts_dir(out), "the charts folder") as stage:
        lines = _lines(result, context, study, stage, charts_dir(out).name, on_figure)
        with atomic_output(out, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines))
            fh.flush()
            stage.commit()


def _lines(result, context, study, stage: Staging, name: str, on_figure) -> list[str]:
    stems = file_stems(f.id for f in result.figures)
    respondents = md_text(context.respondents_line())
    lines = [f"# {md_text(context.title)}", "", f"**Respondents:** {respondents}.", ""]
    lines += [md_text(context.filters), ""]
    lines += [f"**Scoring.** {md_text(s)}\n" for s in context.scoring]
    lines += [f"**Segments.** {md_text(s)}\n" for s in context.segments]
    lines += ["## Contents", ""]
    lines += [f"{i}. [{md_text(f.title)}](#{stems[f.id]})" for i, f in enumerate(result.figures, 1)]
    lines.append("")
    for fig in result.figures:
        stem = stems[fig.id]
        spec = chart_spec(fig, study)
        save_chart(spec, stage.file(f"{stem}.png"))
        lines += [
            f'<a id="{stem}"></a>',
            "",
            f"![{md_text(fig.title)}]({quote(name)}/{quote(stem)}.png)",
            "",
            *(f"> Warning: {md_text(w)}\n" for w in chart_plan(spec).warnings),
            figure_markdown(fig),
        ]
        on_figure(fig.id)
    methods = [*context.methods, fonts_sentence(result, study)]
    return [*lines, "## Methods", "", *(f"{md_text(m)}\n" for m in methods)]
