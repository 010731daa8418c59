"""``cxsurvey figures``: the cross-tabs a study declares."""

from __future__ import annotations

import contextlib
import sys
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
from cxsurvey.cli.out_format import FIGURES, out_format


class FigureFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"
    xlsx = "xlsx"


class Adjust(str, Enum):
    none = "none"
    bonferroni = "bonferroni"
    bh = "bh"


class Interval(str, Enum):
    wilson = "wilson"
    beta = "beta"
    logit = "logit"


@app.command()
@handle_errors
def figures(
    export: Path = typer.Argument(..., help="The survey export."),
    study: Path | None = STUDY_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    cache_dir: Path | None = CACHE_DIR_OPTION,
    figure: list[str] = typer.Option([], "--figure", help="Only these figure ids (repeatable)."),
    fmt: FigureFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="Output format (default: from the --out extension; else table on a terminal, "
        "else json). A --format contradicting the --out extension is an error.",
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file."),
    alpha: float = typer.Option(
        0.05, "--alpha", min=0.0, max=1.0, help="Significance level of gaps and letters."
    ),
    adjust: Adjust = typer.Option(
        Adjust.bonferroni,
        "--adjust",
        help="Multiple-comparison correction for letters (3+ groups).",
    ),
    small_base: int = typer.Option(30, "--small-base", min=0, help="Flag bases under this size."),
    interval: Interval | None = typer.Option(
        None,
        "--interval",
        help="Percent intervals under weights, clusters or strata (default: the study's, "
        "else beta = Korn-Graubard); a figure's own `interval` wins.",
    ),
    chart: Path | None = typer.Option(
        None, "--chart", help="Also write a PNG and an SVG chart of each figure into this folder."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    engine: EngineName | None = ENGINE_OPTION,
) -> None:
    """Compute every figure of the study: bases, values, intervals, gaps and tests."""
    from cxsurvey.tabulation.figure import Options
    from cxsurvey.tabulation.run import figures as run_figures

    apply_cache_options(no_cache, cache_dir)
    study_file = load_study_option(study)
    default = "table" if out is None and sys.stdout.isatty() else "json"
    fmt = FigureFormat(out_format(out, fmt.value if fmt else None, FIGURES, default))
    if fmt is FigureFormat.xlsx and out is None:
        raise typer.BadParameter("xlsx needs --out FILE", param_hint="--format")
    from cxsurvey.outputs.terminal.progress import DelayedProgress

    options = Options(
        alpha=alpha,
        adjust=adjust.value,
        small_base=small_base,
        interval=interval.value if interval else None,
    )
    protect_inputs(export, study_file, out=out)
    with contextlib.ExitStack() as stack:
        stage = None
        if chart is not None:
            from cxsurvey.outputs.atomic import staged_folder

            stage = stack.enter_context(staged_folder(chart, "--chart"))
        with DelayedProgress(quiet) as bar:
            result = run_figures(
                export,
                study_file,
                figure,
                options,
                progress=bar,
                since=since,
                until=until,
                engine=engine.value if engine else None,
            )
        if stage is not None:
            _write_charts(result, study_file, stage, quiet)
            stage.check()  # a chart that cannot land refuses the run before any output
        _write_output(result, fmt, out, study_file.study)
        if stage is not None:
            stage.commit()  # charts land only once everything else succeeded


def _write_output(result, fmt: FigureFormat, out: Path | None, study=None) -> None:
    if fmt is FigureFormat.table:
        from cxsurvey.outputs.terminal.console import console
        from cxsurvey.outputs.terminal.figure_table import figures_view

        if out is None:
            terminal = console()
            terminal.print(figures_view(result, terminal.width))
            return
        from cxsurvey.outputs.atomic import atomic_output

        with atomic_output(out, "w", encoding="utf-8") as fh:
            from rich.console import Console

            Console(file=fh, width=120, highlight=False).print(figures_view(result, 120))
        return
    from cxsurvey.outputs.figures_out import TEXT_WRITERS, figures_xlsx

    if fmt is FigureFormat.xlsx:
        from cxsurvey.outputs.atomic import atomic_output

        with atomic_output(out, "wb") as fh:
            figures_xlsx(result, fh, study)
        return
    writer = TEXT_WRITERS[fmt.value]
    if out is None:
        writer(result, sys.stdout)
        return
    from cxsurvey.outputs.atomic import atomic_output

    with atomic_output(out, "w", encoding="utf-8", newline="") as fh:
        writer(result, fh)


def _write_charts(result, study_file, stage, quiet: bool) -> None:
    """PNG and SVG of every figure into the staging folder, named by safe file stems
    (each chart drawn and laid out once, saved in both formats)."""
    from cxsurvey.outputs.charts.draw import save_charts
    from cxsurvey.outputs.charts.spec import chart_spec
    from cxsurvey.outputs.safe_names import file_stems
    from cxsurvey.outputs.terminal.progress import progress

    stems = file_stems(f.id for f in result.figures)
    with progress(len(result.figures), "charts", quiet) as step:
        for fig in result.figures:
            spec = chart_spec(fig, study_file.study)
            stem = stems[fig.id]
            save_charts(spec, [stage.file(f"{stem}.png"), stage.file(f"{stem}.svg")])
            step(fig.id)
