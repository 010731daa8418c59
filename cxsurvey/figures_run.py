"""The ``figures`` job: every figure a study declares, from one export."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import DataError
from .figure_result import FiguresResult
from .io.export import file_sha256
from .score_run import ScoreResult, score
from .study.load import StudyFile
from .tabulate import Options, figure


def figures(
    export: str | Path,
    study: StudyFile,
    ids: Sequence[str] = (),
    options: Options = Options(),
    scores: ScoreResult | None = None,
) -> FiguresResult:
    """Compute the study's figures (or those named in ``ids``) on ``export``."""
    known = [f.id for f in study.study.figures]
    unknown = [i for i in ids if i not in known]
    if unknown:
        import difflib

        hint = difflib.get_close_matches(unknown[0], known, n=1)
        raise DataError(
            f"no figure {unknown[0]!r} in {study.file}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
        )
    scores = scores or score(export, study)
    chosen = [f for f in study.study.figures if not ids or f.id in ids]
    results = [figure(f, scores, options) for f in chosen]
    return FiguresResult(
        study.study.study,
        __version__,
        study.sha256,
        file_sha256(scores.responses.export.path),
        scores.respondents,
        results,
        options.alpha,
        options.adjust,
    )
