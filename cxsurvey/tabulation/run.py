"""The ``figures`` job: every figure a study declares, from one export."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cxsurvey import __version__
from cxsurvey.errors import DataError
from cxsurvey.reading.export import file_sha256
from cxsurvey.scoring.run import ScoreResult, score
from cxsurvey.study.load import StudyFile
from cxsurvey.study.models import Date, Figure, Multi, Text, question_columns
from cxsurvey.tabulation.engines import EngineChoice, choose_engine
from cxsurvey.tabulation.figure import Options, figure
from cxsurvey.tabulation.multi_select import delimited_task
from cxsurvey.tabulation.results import FiguresResult


def figures(
    export: str | Path,
    study: StudyFile,
    ids: Sequence[str] = (),
    options: Options = Options(),
    scores: ScoreResult | None = None,
    progress: Any = None,
    since: str | None = None,
    until: str | None = None,
    engine: str | None = None,
) -> FiguresResult:
    """Compute the study's figures (or those named in ``ids``) on ``export``.

    ``progress``, if given, has ``stage(text, total)`` and ``advance(name)``;
    ``since``/``until`` (YYYY-MM-DD or YYYY-MM) keep the responses dated inside them
    (``scoring.window``), as ``source.include`` does; ``engine``: memory, duckdb,
    spark or auto (default: the study's ``engine``; see tabulation.engines)."""
    return figures_and_scores(export, study, ids, options, scores, progress, since, until, engine)[
        0
    ]


def figures_and_scores(
    export: str | Path,
    study: StudyFile,
    ids: Sequence[str] = (),
    options: Options = Options(),
    scores: ScoreResult | None = None,
    progress: Any = None,
    since: str | None = None,
    until: str | None = None,
    engine: str | None = None,
) -> tuple[FiguresResult, ScoreResult]:
    """``figures`` and the run's ScoreResult (respondents, export record, segments):
    with an engine, the scores hold no scale or segment (the run needed none)."""
    known = [f.id for f in study.study.figures]
    unknown = [i for i in ids if i not in known]
    if unknown:
        import difflib

        hint = difflib.get_close_matches(unknown[0], known, n=1)
        raise DataError(
            f"no figure {unknown[0]!r} in {study.file}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
        )
    chosen = [f for f in study.study.figures if not ids or f.id in ids]
    choice = (
        EngineChoice("memory") if scores else choose_engine(engine, export, study.study, chosen)
    )
    if choice.engine is not None:
        from cxsurvey.tabulation.aggregated import aggregated_figures

        if progress is not None:
            progress.stage(f"figures ({choice.name})", 1)
        results, scores, sha, reuse = aggregated_figures(
            export, study, chosen, options, choice.engine, since, until
        )
        choice = EngineChoice(choice.name, choice.note, choice.engine, reuse)
        return _result(study, scores, results, options, sha, choice), scores
    scores = scores or score(export, study, since=since, until=until)
    scores.responses.prefetch(*_shared_work(scores, chosen))
    if progress is not None:
        progress.stage("figures", len(chosen))
    results = []
    for f in chosen:
        if f.kind == "drivers":
            from cxsurvey.tabulation.drivers import drivers_figure

            results.append(drivers_figure(f, scores, options.small_base))
        else:
            results.append(figure(f, scores, options))
        if progress is not None:
            progress.advance(f.id)
    loaded = scores.responses.export
    sha = loaded.sha256 or file_sha256(loaded.path)
    return _result(study, scores, results, options, sha, choice), scores


def _result(study, scores, results, options, sha, choice: EngineChoice) -> FiguresResult:
    export = scores.export
    export["engine"] = choice.record()
    return FiguresResult(
        study.study.study,
        __version__,
        study.sha256,
        sha,
        scores.respondents,
        results,
        options.alpha,
        options.adjust,
        options.small_base,
        export,
    )


def _shared_work(
    scores: ScoreResult, figures: Sequence[Figure]
) -> tuple[list[str], dict[Any, Callable[[], Any]]]:
    """Columns the figures read as numbers, and the split of delimited multi cells."""
    study, responses = scores.study.study, scores.responses
    names = [
        n
        for f in figures
        for n in ((f.question or "").split(".")[0], f.by, f.outcome, *(f.predictors or []))
        if n
    ]
    names = [n.split(".")[0] for n in names]
    columns = [study.source.weight] if study.source.weight else []
    delimited: dict[Any, Callable[[], Any]] = {}
    for name in names:
        q = study.questions.get(name)
        if isinstance(q, Multi) and q.column is not None:
            delimited.update([delimited_task(responses, q)])
        elif q is not None and not isinstance(q, Date | Text):  # dates are parsed as dates
            columns += question_columns(q)
    return columns, delimited
