"""The included respondents of one export under one study.

Reads the columns the study uses, applies ``source.include`` once, and hands out
per-column numbers (cached) to scoring and tabulation. Counts: ``read`` rows in
the export, ``included`` after the filters; respondents ``n_read`` and
``n_included`` (sums of the rows' counts on an aggregated export).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cxsurvey.errors import DataError, shorten
from cxsurvey.reading.cells import CellValues, cell_values
from cxsurvey.reading.export import Export, load_export
from cxsurvey.reading.frequency import Frequency
from cxsurvey.reading.sniff import Layout
from cxsurvey.study.models import Study, question_columns


@dataclass
class Responses:
    """The export's columns plus which rows ``source.include`` keeps.

    ``read`` and ``included`` count rows; on an aggregated export (a ``frequency``)
    a row stands for several respondents, and ``n_read``, ``n_included`` and
    ``count`` count respondents (on a respondent-level export they are the same).
    Per-row arrays (cells, masks, weights) always have one entry per included row.

    The table is never copied for filtering: columns are parsed whole and the
    included rows picked from the parsed numbers, which is cheaper than filtering
    every text column of a large export.
    """

    study: Study
    export: Export
    read: int
    id_column: str | None
    row_numbers: np.ndarray  # 0-based data row in the export of each included row
    _cells: dict[str, CellValues] = field(default_factory=dict, repr=False)
    outside: dict[str, str] = field(default_factory=dict)  # scale item -> codes-outside warning
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    quality: Any = None  # QualityFlags over every row read, when the study screens (quality:)
    window: dict[str, Any] | None = None  # --since/--until: the window and what it excluded

    @property
    def missing(self) -> list[Any]:
        """The codes that mean "not answered" in this export: ``source.missing``, plus
        ``source.qualtrics_missing`` (-99 by default) when the export is a Qualtrics
        layout or a .sav."""
        return effective_missing(self.study, self.export)

    def integrity_warnings(self, columns: Iterable[str] | None = None) -> list[str]:
        """Warnings for figures and scores: duplicate respondent ids, then how
        ``columns`` (all when None) were matched when not by their exact name, then
        the included respondents a quality rule could not judge."""
        from cxsurvey.scoring.quality import unjudged_warnings

        dup = self.memo(("duplicate ids",), lambda: duplicate_ids(self))
        unjudged = self.memo(("unjudged quality",), lambda: unjudged_warnings(self))
        undated = self.window["warnings"] if self.window else []
        notes, outside = self.export.notes, self.outside
        wanted = list(dict.fromkeys([*notes, *outside] if columns is None else columns))
        return [
            *dup,
            *(notes[c] for c in wanted if c in notes),
            *(outside[c] for c in wanted if c in outside),
            *unjudged,
            *undated,
        ]

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key: per-question work shared by several figures."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def included(self) -> int:
        return len(self.row_numbers)

    @property
    def all_rows(self) -> bool:
        return self.included == self.read

    @property
    def frequency(self) -> Frequency | None:
        """The respondents and weight sums of each included row (aggregated exports)."""
        freq = self.export.frequency
        if freq is None:
            return None
        return self.memo(
            ("frequency",), lambda: freq if self.all_rows else freq.take(self.row_numbers)
        )

    @property
    def counts(self) -> np.ndarray | None:
        """Respondents per included row; None when each row is one respondent."""
        freq = self.frequency
        return None if freq is None else freq.n

    @property
    def n_read(self) -> int:
        """Respondents read (rows, unless the export is aggregated)."""
        freq = self.export.frequency
        return self.read if freq is None else freq.total

    @property
    def n_included(self) -> int:
        """Respondents included (rows, unless the export is aggregated)."""
        freq = self.frequency
        return self.included if freq is None else freq.total

    def count(self, mask: np.ndarray) -> int:
        """Respondents among the included rows in ``mask`` (a bool per row)."""
        counts = self.counts
        return int(np.count_nonzero(mask)) if counts is None else int(counts[mask].sum())

    def require_respondents(self, what: str) -> None:
        """Refuse ``what`` (scales, quality rules, rim weights...) on an aggregated
        export, whose rows are not respondents (never a miscounted figure)."""
        if self.export.frequency is not None:
            raise DataError(respondent_level_message(what, self.export))

    def text(self, column: str) -> pa.Array:
        """The included cells of ``column`` as exported (text, or numbers for .sav)."""
        arr = self.export.table.column(column)
        arr = arr if self.all_rows else arr.take(pa.array(self.row_numbers))
        return arr.combine_chunks()

    @property
    def ids(self) -> pa.Array:
        """Respondent ids as text; the 1-based data row number when the export has none."""
        if self.id_column is None:
            return pa.array(self.row_numbers + 1).cast(pa.string())
        return self.text(self.id_column).cast(pa.string())

    def cells(self, column: str) -> CellValues:
        """Numbers and masks of the included cells of ``column`` (computed once;
        callers must not modify the arrays)."""
        if column not in self._cells:
            self._cells[column] = self._parse(column)
        return self._cells[column]

    def prefetch(
        self, columns: Iterable[str], memos: dict[Any, Callable[[], Any]] | None = None
    ) -> None:
        """Parse several columns (and compute ``memos``, key -> function) at once
        on all cores: pyarrow and numpy release the GIL, so a large export's casts
        need not run one after another. Small exports are left to run lazily."""
        cols = [c for c in dict.fromkeys(columns) if c not in self._cells]
        todo = {k: f for k, f in (memos or {}).items() if k not in self._memo}
        if len(cols) + len(todo) < 2 or self.included < 50_000:
            return
        workers = min(len(cols) + len(todo), os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            memo = {k: pool.submit(f) for k, f in todo.items()}
            self._cells.update(zip(cols, pool.map(self._parse, cols), strict=True))
            self._memo.update((k, f.result()) for k, f in memo.items())

    def forget(self, columns: Iterable[str]) -> None:
        """Drop parsed columns no longer needed (memory on large exports)."""
        for c in columns:
            self._cells.pop(c, None)

    def _parse(self, column: str) -> CellValues:
        cells = cell_values(self.export.table.column(column), self.missing)
        if self.all_rows:
            return cells
        rows = self.row_numbers
        return CellValues(cells.numbers[rows], cells.missing[rows], cells.non_numeric[rows])

    def describe_row(self, i: int) -> str:
        """How to name included row ``i`` in a message: its id and data row number
        (an aggregated row: how many responses gave its answers)."""
        if self.export.frequency is not None:
            n = int(self.counts[i])
            return f"{f'one of {n} responses' if n > 1 else 'a response'} with these answers"
        row = int(self.row_numbers[i])
        if self.id_column is None:
            return f"data row {row + 1}"
        rid = self.export.table.column(self.id_column)[row].as_py()
        return f"respondent {rid} (data row {row + 1})"


def study_columns(study: Study) -> tuple[list[str], dict[str, str]]:
    """Columns a study needs and, for messages, which study key asks for each."""
    where: dict[str, str] = {}
    src = study.source
    for i, f in enumerate(src.include):
        where.setdefault(f.column, f"source.include[{i}]")
    for column, rule in study.quality.columns(study) if study.quality else []:
        where.setdefault(column, f"quality.{rule}")
    if src.weight:
        where.setdefault(src.weight, "source.weight")
    for key in ("cluster", "strata"):
        if getattr(src, key):
            where.setdefault(getattr(src, key), f"source.{key}")
    for name, scale in study.scales.items():
        for col in scale.items:
            where.setdefault(col, f"scales.{name}")
    users: dict[str, list[str]] = {}
    for fig in study.figures:
        for name in ((fig.question or "").split(".")[0], fig.by, *_driver_names(fig)):
            if name in study.questions:
                users.setdefault(name, []).append(repr(fig.id))
    for name, q in study.questions.items():
        figs = users.get(name)
        figs = list(dict.fromkeys(figs or []))
        need = f", needed by figure{'s' * (len(figs) > 1)} {', '.join(figs)}" if figs else ""
        for col in question_columns(q):
            where.setdefault(col, f"questions.{name}{need}")
    for fig in study.figures:
        for f in fig.filter:
            where.setdefault(f.column, f"figure {fig.id!r} filter")
    if src.id:
        where.setdefault(src.id, "source.id")
    return study.columns(), where


def _driver_names(fig) -> list[str]:
    names = [fig.outcome, *(fig.predictors or [])] if fig.kind == "drivers" else []
    return [n.split(".")[0] for n in names if n]


def export_columns(study: Study) -> tuple[list[str], list[str], dict[str, str]]:
    """(required, optional, where) columns of the export for ``study``: without
    ``source.id``, ``ResponseId`` is read when present (for duplicate-id warnings and
    examples) but not required. ``where`` names the study key that uses each column."""
    columns, where = study_columns(study)
    if study.source.id is not None:
        return columns, [], where
    return [c for c in columns if c != "ResponseId"], ["ResponseId"], where


def read_study_export(path: str | Path, study: Study, window=None) -> Export:
    """The columns ``study`` reads from the export at ``path`` (every row): the one
    read behind ``load_responses`` and ``convert``. ``window`` (a
    ``parquet.DateWindow``) lets a partitioned dataset skip partitions outside it."""
    columns, optional, where = export_columns(study)
    return load_export(
        path,
        columns,
        fmt=study.source.format,
        encoding=study.source.encoding,
        optional=optional,
        where=where,
        window=window,
    )


def load_responses(
    path: str | Path, study: Study, since: str | None = None, until: str | None = None
) -> Responses:
    """Read the export for ``study`` and keep the rows its ``source.include`` allows
    and, with ``since``/``until`` (YYYY-MM-DD or YYYY-MM), those dated inside them
    (``scoring.window``)."""
    from cxsurvey.scoring.window import parse_window, window_question

    window = parse_window(since, until)
    pushdown = None
    if window is not None:
        from cxsurvey.reading.parquet import DateWindow

        q = window_question(study)[1]
        pushdown = DateWindow(q.column, q.timezone, window.since, window.until)
    export = read_study_export(path, study, pushdown)
    return responses_from_export(export, study, since, until)


def responses_from_export(
    export: Export,
    study: Study,
    since: str | None = None,
    until: str | None = None,
    empty_ok: bool = False,
) -> Responses:
    """The respondents of an export already read: ``source.include`` and, with
    ``since``/``until``, the window applied. An aggregated export (``export.frequency``:
    each row stands for ``n`` respondents) counts respondents as sums of ``n``; its
    rows carry no respondent ids. Quality rules need one row per respondent.
    ``empty_ok``: none kept is an answer (some rows of the export), not an error."""
    from cxsurvey.scoring.window import parse_window, window_question

    window = parse_window(since, until)
    dated = window_question(study) if window is not None else None
    _check_sav_flag_filters(export, study)
    freq = export.frequency
    if freq is not None:
        if len(freq.n) != export.num_rows:
            raise DataError(
                f"{export.path}: the aggregated export has {export.num_rows} rows but "
                f"{len(freq.n)} counts"
            )
        if study.quality is not None:
            raise DataError(respondent_level_message("quality rules", export))
    id_column = study.source.id or ("ResponseId" if export.has("ResponseId") else None)
    if freq is not None:
        id_column = None  # a row stands for several respondents: no id of its own
    read = export.num_rows
    n_read = read if freq is None else freq.total
    from cxsurvey.scoring.quality import include_mask

    keep, quality = include_mask(export.table, study, id_column, effective_missing(study, export))
    record = None
    if dated is not None:
        from cxsurvey.scoring.window import window_rows, window_warning

        name, q = dated
        rows_in = window_rows(export.table, q, window, None if freq is None else freq.n)
        keep = keep & rows_in.keep
        record = {
            **window.to_dict(),
            "question": name,
            "timezone": q.timezone,
            "outside": rows_in.outside,
            "undated": rows_in.undated,
            "warnings": window_warning(name, q, rows_in.undated),
        }
        if export.partitions is not None:
            record["partitions"] = {"read": export.partitions[0], "of": export.partitions[1]}
    rows = np.flatnonzero(keep)
    if not empty_ok and (len(rows) == 0 or (freq is not None and not freq.n[rows].any())):
        from cxsurvey.reading.choices import filter_hint

        if record is not None:
            raise DataError(
                f"{export.path}: no response of the {n_read} read is dated {window.text()} "
                f"(question {record['question']!r}, {record['timezone']}) and kept by "
                "source.include; check --since/--until"
            )
        raise DataError(
            f"{export.path}: source.include keeps none of the {n_read} responses; "
            "check the filter codes against the export"
            + filter_hint(export.table, study.source.include)
        )
    return Responses(study, export, read, id_column, rows, quality=quality, window=record)


def respondent_level_message(what: str, export: Export) -> str:
    return (
        f"{what} need one row per respondent, and {export.path} is aggregated (each row "
        "stands for several respondents); run them on the respondent-level export"
    )


_CSV_FLAG = {1.0: "true", 0.0: "false"}  # what 1 and 0 mean in a Qualtrics CSV's flag columns


def _check_sav_flag_filters(export: Export, study: Study) -> None:
    """Refuse a ``source.include`` code that means the opposite in this .sav.

    Qualtrics writes ``Finished`` (and other true/false columns) to .sav as
    1 = False, 2 = True, where its CSV has 1 = True, 0 = False: a study written for
    the CSV (``Finished in [1]``) would keep only the unfinished responses. A study
    that says ``source.format: sav`` is written for the .sav, and its codes are
    taken as they are."""
    if export.layout.kind != "sav" or study.source.format == "sav":
        return
    for i, f in enumerate(study.source.include):
        labels = {
            k: str(v).strip().lower() for k, v in export.value_labels.get(f.column, {}).items()
        }
        if set(labels.values()) != {"true", "false"}:
            continue
        codes = [c for c in (f.in_ or f.not_in or []) if isinstance(c, int | float)]
        clash = [
            c
            for c in codes
            if float(c) in _CSV_FLAG and labels.get(float(c)) not in (None, _CSV_FLAG[float(c)])
        ]
        if clash:
            coding = ", ".join(f"{k:g} = {v.title()}" for k, v in sorted(labels.items()))
            true = next(k for k, v in labels.items() if v == "true")
            raise DataError(
                f"{export.path}: source.include[{i}] ({f.column} {'in' if f.in_ is not None else 'not_in'} "
                f"{codes}): in this .sav {f.column} is coded {coding} (its value labels), so code "
                f"{clash[0]:g} does not mean what it means in the CSV export; write the .sav's codes "
                f"(e.g. in: [{true:g}] for True) and set source.format: sav"
            )


def effective_missing(study: Study, export: Export | Layout) -> list[Any]:
    """``source.missing`` plus ``source.qualtrics_missing`` for Qualtrics layouts and .sav,
    and for Parquet converted from them."""
    codes = list(study.source.missing)
    layout = export.layout if isinstance(export, Export) else export
    if layout.from_qualtrics:
        codes += [c for c in study.source.qualtrics_missing if c not in codes]
    return codes


def export_record(file: str | Path, layout: Layout, study: Study) -> dict[str, Any]:
    """How an export is read, as ``check``, ``score`` and ``figures`` report it: file,
    layout, encoding, delimiter, header rows, description and the missing codes in force."""
    record: dict[str, Any] = {"file": str(file), **layout.to_dict()}
    record["description"] = layout.description
    record["missing"] = effective_missing(study, layout)
    return record


def duplicate_ids(responses: Responses, examples: int = 3) -> list[str]:
    """One warning naming respondent ids that occur more than once among the included
    rows (with data rows), or none. Each such row still counts as a respondent.

    The one wording for ``check``, figures and scores; ids are shortened
    (``errors.shorten``), so a pathological id cannot flood every figure's warnings."""
    if responses.id_column is None:
        return []
    import pyarrow.compute as pc

    ids = responses.ids
    counts = pc.value_counts(ids.drop_null() if ids.null_count else ids)
    dup = counts.filter(pc.greater(counts.field("counts"), 1))
    if len(dup) == 0:
        return []
    shown = []
    for value in dup.field("values")[:examples]:
        where = np.flatnonzero(np.asarray(pc.fill_null(pc.equal(ids, value), False)))
        rows = responses.row_numbers[where[:4]] + 1
        shown.append(f"{shorten(value.as_py())} (data rows {', '.join(map(str, rows.tolist()))})")
    extra = int(pc.sum(dup.field("counts")).as_py()) - len(dup)
    return [
        f"{len(dup)} respondent id(s) in column {responses.id_column!r} occur more than once "
        f"({'; '.join(shown)}); every row counts, so {extra} response(s) may be counted more than once: "
        "remove duplicate responses or set source.id"
    ]


def value_counts_text(cells: pa.Array, shown: int = 5, counts: np.ndarray | None = None) -> str:
    """``'7' (2x), '12' (1x)``: the most frequent values of ``cells``, for warnings
    and ``check`` (each value shortened by ``errors.shorten``); ``counts``: the
    respondents each cell stands for (an aggregated export)."""
    import pyarrow.compute as pc

    text = cells.cast(pa.string())
    if counts is None:
        found = pc.value_counts(text)
        values, times = found.field("values"), found.field("counts")
    else:
        table = pa.table({"v": text, "n": pa.array(counts, pa.int64())})
        found = table.group_by("v", use_threads=False).aggregate([("n", "sum")])
        values, times = found.column("v"), found.column("n_sum")
    pairs = sorted(
        zip(values.to_pylist(), times.to_pylist(), strict=True),
        key=lambda vc: -vc[1],
    )
    return ", ".join(f"{shorten(v)} ({n}x)" for v, n in pairs[:shown])


def outside_warning(responses: Responses, column: str, scale: str, outside: np.ndarray) -> str:
    codes = value_counts_text(responses.text(column).filter(pa.array(outside)))
    return (
        f"{int(outside.sum())} response(s) in column {column!r} are not values of scale "
        f"{scale!r} ({codes}); they count as unanswered items"
    )
