"""Figures from an engine's aggregates (``--engine duckdb|spark``).

The run reads no respondent row into memory: ``plan`` lists the groupings the
figures need, the engine computes them over the Parquet files (partitions
outside ``--since``/``--until`` skipped), and each aggregate table becomes an
export whose rows stand for ``__n`` respondents (reading.frequency). From there
the pipeline is the one of every run: ``source.include``, the window, the
figure's banner, filter, codes and design, and the statistics, which need only
the sums the aggregates hold. Memory and engines therefore give the same
figures (tests/test_one_answer.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cxsurvey.errors import shorten
from cxsurvey.reading.export import Export, require_columns
from cxsurvey.reading.frequency import Frequency
from cxsurvey.reading.parquet import DateWindow, open_dataset, parquet_layout, prune_partitions
from cxsurvey.scoring.export_options import needs_export_options, with_export_options
from cxsurvey.scoring.responses import (
    Responses,
    effective_missing,
    export_columns,
    responses_from_export,
)
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.study.load import StudyFile
from cxsurvey.study.models import Figure
from cxsurvey.tabulation.engines.base import GroupPlan, Source
from cxsurvey.tabulation.engines.partition_cache import cached_aggregate
from cxsurvey.tabulation.figure import Options, figure
from cxsurvey.tabulation.plan import plan_run


def aggregated_figures(
    path: str | Path,
    study_file: StudyFile,
    chosen: Sequence[Figure],
    options: Options,
    engine,
    since: str | None = None,
    until: str | None = None,
):
    """(figure results, run ScoreResult, export sha256, what the aggregate cache
    reused) of ``chosen`` by ``engine``."""
    from cxsurvey.scoring.window import parse_window, window_question

    study = study_file.study
    p = Path(path)
    window = parse_window(since, until)
    dated = window_question(study)[1] if window is not None else None
    pruned = None
    if dated is not None and p.is_dir():
        pruned = prune_partitions(
            p, DateWindow(dated.column, dated.timezone, window.since, window.until)
        )
    dataset = pruned.dataset if pruned else open_dataset(p)
    layout = parquet_layout(dataset)
    required, optional, where = export_columns(study)
    found = require_columns(p, layout, required, optional, where)
    columns = {name: layout.header[pos] for name, pos in found.positions.items()}
    labels = {name: layout.columns.text(pos) for name, pos in found.positions.items()}
    if needs_export_options(study):  # options the study leaves to the export, as score() fills them
        header = Export(str(p), layout, None, layout.header, labels, None, found.notes)
        study_file = with_export_options(study_file, header)
        study = study_file.study
    files = tuple(pruned.files if pruned else dataset.files)
    partitioned = _partition_names(dataset) if p.is_dir() else ()
    source = Source(str(p), files, partitioned, dataset.schema)
    id_column = study.source.id or ("ResponseId" if "ResponseId" in columns else None)
    missing = effective_missing(study, layout)
    run = plan_run(study, chosen, columns, dated, missing, id_column)
    tables = cached_aggregate(engine, source, run.plans)
    sha = tables.report.data_sha256

    def responses(table, empty_ok: bool = False) -> Responses:
        keys, frequency = Frequency.from_table(table)
        export = Export(str(p), layout, keys, layout.header, labels, sha, found.notes)
        export.frequency = frequency
        if pruned:
            export.partitions = (pruned.read, pruned.total)
        return responses_from_export(export, study, since, until, empty_ok)

    everyone = responses(tables[run.respondents])
    duplicates = _duplicate_ids(engine, source, run, study, since, until, responses, id_column)
    everyone.memo(("duplicate ids",), lambda: duplicates)
    results = []
    for fig in chosen:
        r = responses(tables[run.figure_plan[fig.id]])
        r.memo(("duplicate ids",), lambda: duplicates)
        results.append(figure(fig, ScoreResult(study_file, r, {}, {}), options))
    return results, ScoreResult(study_file, everyone, {}, {}), sha, tables.report.record()


def _partition_names(dataset) -> tuple[str, ...]:
    """The Hive keys of a dataset's paths (``year=2026/month=06/``: year, month)."""
    partitioning = getattr(dataset, "partitioning", None)
    schema = getattr(partitioning, "schema", None)
    return tuple(schema.names) if schema is not None else ()


MAX_SHOWN_IDS = 10_000  # repeated ids checked against source.include one by one


def _column_sum(column) -> int:
    import pyarrow.compute as pc

    return pc.sum(column).as_py() or 0


def _duplicate_ids(engine, source, run, study, since, until, responses, id_column) -> list[str]:
    """The duplicate-id warning of the memory run, from two small aggregates: the
    ids of more than one row, then those rows' include columns and dates."""
    if run.ids is None:
        return []
    (repeated,) = engine.aggregate(source, [GroupPlan((run.ids,), repeated=True)])
    if repeated.num_rows == 0:
        return []
    values = tuple(v for v in repeated.column(run.ids.name).to_pylist() if v is not None)
    if len(values) > MAX_SHOWN_IDS:  # e.g. an export appended to itself: say so, bounded
        # (the smallest id as the example: engines return groups in hash order)
        rows = int(_column_sum(repeated.column("__n"))) - len(values)
        return [
            f"{len(values)} respondent ids in column {id_column!r} occur more than once among "
            f"the rows read (before source.include; {rows} rows repeat an id), e.g. "
            f"{shorten(min(values))}: remove duplicate responses or set source.id"
        ]
    keys = run.plans[run.respondents].keys
    plan = GroupPlan((*keys, run.ids), only=(run.ids, values))
    (rows,) = engine.aggregate(source, [plan])
    kept = responses(rows, empty_ok=True)  # the repeated ids' rows may all be dropped
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = kept.frequency.n
    ids = kept.text(run.ids.name).cast(pa.string())  # as the memory run names them
    per_id = pa.table({"id": ids, "n": pa.array(counts)}).group_by("id").aggregate([("n", "sum")])
    dup = per_id.filter(pc.greater(per_id.column("n_sum"), 1)).sort_by("id")
    if dup.num_rows == 0:
        return []
    ids, times = dup.column("id").to_pylist()[:3], dup.column("n_sum").to_pylist()[:3]
    shown = [f"{shorten(i)} ({n} rows)" for i, n in zip(ids, times, strict=True)]
    extra = int(np.sum(dup.column("n_sum").to_numpy())) - dup.num_rows
    return [
        f"{dup.num_rows} respondent id(s) in column {id_column!r} occur more than once "
        f"({'; '.join(shown)}); every row counts, so {extra} response(s) may be counted more "
        "than once: remove duplicate responses or set source.id"
    ]
