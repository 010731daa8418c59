"""``cxsurvey report``: the whole study as one self-contained HTML (or Markdown) report."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from cxsurvey.cli import app
from cxsurvey.cli.errors import handle_errors
from cxsurvey.cli.options import (
    CACHE_DIR_OPTION,
    NO_CACHE_OPTION,
    STUDY_OPTION,
    apply_cache_options,
    load_study_option,
    protect_inputs,
)
from cxsurvey.cli.out_format import REPORT, out_format


class ReportFormat(str, Enum):
    html = "html"
    md = "md"


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
    alpha: float = typer.Option(0.05, "--alpha", min=0.0, max=1.0, help="Significance level."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Charts, tables, summary and methods of every figure, in one file."""
    from cxsurvey.outputs.report.context import report_context
    from cxsurvey.outputs.terminal.progress import progress
    from cxsurvey.scoring.run import score
    from cxsurvey.tabulation.figure import Options
    from cxsurvey.tabulation.run import figures as run_figures

    apply_cache_options(no_cache, cache_dir)
    study_file = load_study_option(study)
    fmt = ReportFormat(out_format(out, fmt.value if fmt else None, REPORT, "html"))
    protect_inputs(export, study_file, out=out)
    if fmt is ReportFormat.md:
        from cxsurvey.outputs.report.markdown import check_charts_dir

        check_charts_dir(out)  # before any work: a link or a file there is refused
    scores = score(export, study_file)
    result = run_figures(export, study_file, options=Options(alpha=alpha), scores=scores)
    context = report_context(result, scores)
    with progress(len(result.figures), "charts", quiet) as step:
        if fmt is ReportFormat.md:
            from cxsurvey.outputs.report.markdown import charts_dir, write_markdown

            write_markdown(result, context, study_file.study, out, step)
            where = f"{out} (charts in {charts_dir(out)})"
        else:
            from cxsurvey.outputs.atomic import atomic_output
            from cxsurvey.outputs.report.html import write_html

            with atomic_output(out, "w", encoding="utf-8") as fh:
                write_html(result, context, study_file.study, fh, step)
            where = str(out)
    if not quiet:
        typer.echo(f"wrote {where}: {len(result.figures)} figures", err=True)
