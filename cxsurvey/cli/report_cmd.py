"""``cxsurvey report``: the whole study as one self-contained HTML report, Markdown with
PNG charts, or a PowerPoint deck with native charts."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from cxsurvey.cli import app
from cxsurvey.cli.errors import handle_errors
from cxsurvey.cli.options import (
    CACHE_DIR_OPTION,
    ENGINE_OPTION,
    NO_CACHE_OPTION,
    SINCE_OPTION,
    STUDY_OPTION,
    UNTIL_OPTION,
    EngineName,
    apply_cache_options,
    load_study_option,
    protect_inputs,
)
from cxsurvey.cli.out_format import REPORT, out_format
from cxsurvey.errors import UserError


class ReportFormat(str, Enum):
    html = "html"
    md = "md"
    pptx = "pptx"


@app.command()
@handle_errors
def report(
    export: Path = typer.Argument(..., help="The survey export."),
    study: Path | None = STUDY_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    cache_dir: Path | None = CACHE_DIR_OPTION,
    out: Path = typer.Option(..., "--out", "-o", help="The report file (report.html, report.md)."),
    fmt: ReportFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="html, md or pptx (default: from the --out extension, else html). A --format "
        "contradicting the --out extension is an error.",
    ),
    template: Path | None = typer.Option(
        None, "--template", help="pptx only: a PowerPoint deck whose layouts and theme to use."
    ),
    alpha: float = typer.Option(0.05, "--alpha", min=0.0, max=1.0, help="Significance level."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    engine: EngineName | None = ENGINE_OPTION,
) -> None:
    """Charts, tables, summary and methods of every figure, in one file."""
    from cxsurvey.outputs.report.context import report_context
    from cxsurvey.outputs.terminal.progress import progress
    from cxsurvey.tabulation.figure import Options
    from cxsurvey.tabulation.run import figures_and_scores

    apply_cache_options(no_cache, cache_dir)
    study_file = load_study_option(study)
    fmt = ReportFormat(out_format(out, fmt.value if fmt else None, REPORT, "html"))
    protect_inputs(export, study_file, out=out)
    if fmt is ReportFormat.md:
        from cxsurvey.outputs.report.markdown import check_charts_dir

        check_charts_dir(out)  # before any work: a link or a file there is refused
    if template is not None and fmt is not ReportFormat.pptx:
        raise UserError(f"{template}: --template is for PowerPoint output (--format pptx)")
    if template is not None and not template.is_file():
        raise UserError(f"{template}: no such template file; give a .pptx deck")
    if fmt is ReportFormat.pptx:
        from cxsurvey.outputs.report.slides import require_pptx

        require_pptx()
    if template is not None and _same_file(out, template):
        raise UserError(f"{out}: --out is the --template deck; writing there would destroy it")
    result, scores = figures_and_scores(
        export,
        study_file,
        options=Options(alpha=alpha),
        since=since,
        until=until,
        engine=engine.value if engine else None,
    )
    context = report_context(result, scores)
    with progress(len(result.figures), "charts", quiet) as step:
        if fmt is ReportFormat.md:
            from cxsurvey.outputs.report.markdown import charts_dir, write_markdown

            write_markdown(result, context, study_file.study, out, step)
            where = f"{out} (charts in {charts_dir(out)})"
        elif fmt is ReportFormat.pptx:
            from cxsurvey.outputs.atomic import atomic_output
            from cxsurvey.outputs.report.slides import write_pptx

            with atomic_output(out, "wb") as fh:
                write_pptx(result, context, study_file.study, fh, template, step)
            where = str(out)
        else:
            from cxsurvey.outputs.atomic import atomic_output
            from cxsurvey.outputs.report.html import write_html

            with atomic_output(out, "w", encoding="utf-8") as fh:
                write_html(result, context, study_file.study, fh, step)
            where = str(out)
    if not quiet:
        typer.echo(f"wrote {where}: {len(result.figures)} figures", err=True)


def _same_file(a: Path, b: Path) -> bool:
    import os

    try:
        return os.path.realpath(a) == os.path.realpath(b) or (a.exists() and a.samefile(b))
    except OSError:
        return False
