"""``check``: a study against a real export, every finding at once.

Errors (the study cannot produce its figures from this export): columns the
export lacks (with the nearest names), text in a scale item, duplicate
respondent ids, a ``source.include`` or figure ``filter`` that excludes everyone.
Warnings (figures run, but the data deserve a look): codes outside a question's
options or a scale's values and numbers outside a range or 0-10 (with counts and
example respondent ids), columns nobody answered, a median split with fewer
than ``MIN_GROUP`` respondents in a group.

Findings about a study key are located at that key in the study file; findings
about rows name the export and the data rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from cxsurvey.errors import DataError, Problem, shorten
from cxsurvey.reading.cells import split_codes
from cxsurvey.reading.choices import did_you_mean, kind_mismatch
from cxsurvey.reading.columns import describe_ambiguous
from cxsurvey.reading.export import closest_columns, export_layout, resolve_columns
from cxsurvey.scoring import responses as _responses
from cxsurvey.scoring.export_options import needs_export_options, with_export_options
from cxsurvey.scoring.filters import filter_mask
from cxsurvey.scoring.responses import (
    Responses,
    duplicate_ids,
    export_columns,
    load_responses,
    value_counts_text,
)
from cxsurvey.scoring.run import score_responses
from cxsurvey.scoring.scales import item_codes
from cxsurvey.study import models
from cxsurvey.study.load import StudyFile
from cxsurvey.tabulation.coded import coded_index, invalid_cells
from cxsurvey.tabulation.multi_select import delimited_task, split_task

MIN_GROUP = 10
EXAMPLES = 3


def check_export(
    export: str | Path,
    study_file: StudyFile,
    since: str | None = None,
    until: str | None = None,
    details: dict | None = None,
) -> list[Problem]:
    """Problems of ``study_file`` against ``export`` (restricted to the responses dated
    in ``since``/``until`` when given); ``details``, if given, receives the window record."""
    study = study_file.study
    paths = dict(_column_paths(study))
    missing = _missing_columns(Path(export), study_file, paths)
    if missing:
        return missing
    try:
        responses = load_responses(export, study, since, until)
    except DataError as exc:
        if "source.include keeps none" not in str(exc):
            raise
        return [_at(study_file, ("source", "include"), "error", str(exc))]
    if details is not None and responses.window is not None:
        details["window"] = {k: v for k, v in responses.window.items() if k != "warnings"}
    if needs_export_options(study):
        study_file = with_export_options(study_file, responses.export)
        study = responses.study = study_file.study
    delimited = {
        q.column
        for q in study.questions.values()
        if isinstance(q, models.Multi | models.Date | models.Text)
    }
    responses.prefetch(c for c in paths if c not in delimited and c != study.source.id)
    found: list[Problem] = _layout_notes(responses)
    found += _duplicate_ids(responses)
    found += _quality(study_file, responses)
    for name, scale in study.scales.items():
        for group, items in scale.groups.items():
            for i, item in enumerate(items):
                path = ("scales", name, "groups", group, i)
                found += _scale_item(study_file, responses, path, item, scale)
    for name, q in study.questions.items():
        found += _question(study_file, responses, name, q)
    for i, fig in enumerate(study.figures):
        if fig.filter:
            keep = filter_mask(responses.export.table, fig.filter, responses.missing)
            if not keep[responses.row_numbers].any():
                msg = f"figure {fig.id!r}: its filter excludes every included respondent"
                found.append(_at(study_file, ("figures", i, "filter"), "error", msg))
    if not any(p.severity == "error" for p in found):
        found += _segments(study_file, responses)
    return found


def export_record(export: str | Path, study: models.Study) -> dict[str, Any]:
    """How ``check`` (and every run) reads ``export``: layout, encoding, delimiter,
    header rows and the missing codes in force."""
    layout = export_layout(Path(export), study.source.format, study.source.encoding)
    return _responses.export_record(export, layout, study)


def _at(study_file: StudyFile, path: tuple[Any, ...], severity: str, message: str) -> Problem:
    line, column = study_file.where(*path)
    return Problem(study_file.file, message, line, column, severity)


def _column_paths(study: models.Study) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(column, study key path) for every column the study reads."""
    src = study.source
    for i, f in enumerate(src.include):
        if not study.is_flag(f.column):  # quality.<flag> is computed, not read
            yield f.column, ("source", "include", i, "column")
    if src.weight:
        yield src.weight, ("source", "weight")
    for key in ("cluster", "strata"):
        if getattr(src, key):
            yield getattr(src, key), ("source", key)
    if src.id:
        yield src.id, ("source", "id")
    for name, scale in study.scales.items():
        for group, items in scale.groups.items():
            for i, item in enumerate(items):
                yield item, ("scales", name, "groups", group, i)
    for name, q in study.questions.items():
        if getattr(q, "column", None):
            yield q.column, ("questions", name, "column")
        for key, column in (getattr(q, "columns", None) or {}).items():
            yield column, ("questions", name, "columns", key)
    for i, fig in enumerate(study.figures):
        for j, f in enumerate(fig.filter):
            yield f.column, ("figures", i, "filter", j, "column")
    for column, rule in study.quality.columns(study) if study.quality else []:
        yield column, ("quality", rule)


def _missing_columns(
    export: Path, study_file: StudyFile, paths: dict[str, tuple[Any, ...]]
) -> list[Problem]:
    """Columns the export lacks or holds more than once (errors, at the study key)."""
    study = study_file.study
    if not export.exists():
        raise DataError(f"{export}: export not found; check the path")
    layout = export_layout(export, study.source.format, study.source.encoding)
    columns, _, where = export_columns(study)
    found = resolve_columns(layout, columns)
    out = []
    for name in found.missing:
        close = closest_columns(name, layout)
        hint = f"; closest: {', '.join(map(repr, close))}" if close else ""
        msg = f"column {name!r} ({where.get(name, 'study')}) is not in {export}{hint}"
        out.append(_at(study_file, paths.get(name, ()), "error", msg))
    for name, positions in found.ambiguous.items():
        msg = describe_ambiguous(name, positions, layout.columns)
        out.append(_at(study_file, paths.get(name, ()), "error", msg))
    return out


def _layout_notes(responses: Responses) -> list[Problem]:
    """How the export was read: duplicate column names and tolerant column matches."""
    export = responses.export
    out = [Problem(export.path, note, severity="warning") for note in export.notes.values()]
    header = export.layout.columns
    dups = header.duplicates()
    if dups:
        shown = [
            f"{name!r} at {', '.join(header.describe(p) for p in pos[:4])}"
            for name, pos in list(dups.items())[:EXAMPLES]
        ]
        more = f" and {len(dups) - EXAMPLES} more" if len(dups) > EXAMPLES else ""
        msg = (
            f"{len(dups)} column name(s) occur more than once in the export: "
            f"{'; '.join(shown)}{more}; a study reaches them by ImportId"
        )
        out.append(Problem(export.path, msg, severity="warning"))
    return out


def _duplicate_ids(responses: Responses) -> list[Problem]:
    return [Problem(responses.export.path, msg) for msg in duplicate_ids(responses, EXAMPLES)]


QUALITY_RULES = {"speeder": "speeders", "straightliner": "straightliners",
                 "duplicate": "duplicates", "bot": "bots"}  # fmt: skip


def _quality(study_file: StudyFile, responses: Responses) -> list[Problem]:
    """One warning per screening rule that flagged anyone: count, rule, example ids,
    and whether source.include screens them out."""
    q = responses.quality
    if q is None:
        return []
    table = responses.export.table
    included = np.zeros(responses.read, dtype=bool)
    included[responses.row_numbers] = True
    out = []
    for flag, rows in q.flags.items():
        n = int(rows.sum())
        unjudged = q.unjudged.get(flag, 0)
        if n == 0 and unjudged == 0:
            continue
        idx = np.flatnonzero(rows)[:EXAMPLES]
        if responses.id_column is not None:
            ids = [str(table.column(responses.id_column)[int(i)].as_py()) for i in idx]
        else:
            ids = [f"row {int(i) + 1}" for i in idx]
        kept = int((rows & included).sum())
        fate = (
            f"{kept} of them still included: screen them out with "
            f"{{column: quality.{flag}, in: [0]}} in source.include"
            if kept
            else "all screened out by source.include"
        )
        text = (
            f"quality: {n} of {int(q.screened.sum())} respondents flagged as {flag} "
            f"({q.rules[flag]})"
        )
        text += f", e.g. {', '.join(ids)}; {fate}" if n else ""
        if unjudged:
            why = "neither true nor false" if flag == "duplicate" else "blank or non-numeric"
            text += f"; {unjudged} could not be judged ({why} cell)"
        out.append(_at(study_file, ("quality", QUALITY_RULES[flag]), "warning", text))
    return out


def _examples(responses: Responses, column: str, mask: np.ndarray) -> str:
    """'7 (2x), 12 (1x); e.g. R_1, R_2' for the cells of ``column`` under ``mask``."""
    codes = value_counts_text(responses.text(column).filter(pa.array(mask)))
    ids = [responses.describe_row(int(i)) for i in np.flatnonzero(mask)[:EXAMPLES]]
    return f"{codes}; e.g. {', '.join(ids)}"


def _scale_item(study_file, responses, path, item: str, scale: models.Scale) -> list[Problem]:
    cells = responses.cells(item)
    numbers, unmatched = item_codes(responses, item, scale)
    out = []
    if unmatched.any():
        n = int(unmatched.sum())
        i = int(np.argmax(unmatched))
        value = responses.export.table.column(item)[int(responses.row_numbers[i])].as_py()
        mismatch = kind_mismatch(
            item, f"scale {path[1]!r}", ~cells.missing, ~cells.missing & ~unmatched,
            cells, list(scale.values), value,
        )  # fmt: skip
        msg = mismatch or (
            f"column {item!r}: {n} cell(s) are text that is neither a code nor a label of "
            f"the scale ({_examples(responses, item, unmatched)})"
            f"{did_you_mean(value, list(scale.values.values()))}; fix the export or the "
            "scale's values, or list them under source.missing if they mean not answered"
        )
        out.append(_at(study_file, path, "error", msg))
    allowed, _ = split_codes(list(scale.values))
    outside = ~cells.missing & ~unmatched & ~np.isin(numbers, allowed)
    if outside.any():
        msg = (
            f"column {item!r}: {int(outside.sum())} code(s) outside the scale's values "
            f"({_examples(responses, item, outside)}); they count as unanswered"
        )
        out.append(_at(study_file, path, "warning", msg))
    if cells.missing.all():
        out.append(_at(study_file, path, "warning", f"column {item!r}: nobody answered this item"))
    return out


def _question(study_file, responses, name: str, q: Any) -> list[Problem]:
    out = []
    key = ("questions", name)
    if isinstance(q, models.Multi) and q.column is None:
        try:
            _, _, invalid, _ = responses.memo(*split_task(responses, q))
        except DataError as exc:
            msg = str(exc).removeprefix(f"{responses.export.path}: ")
            return [_at(study_file, (*key, "columns"), "error", msg)]
        for code, column in q.columns.items():
            path = (*key, "columns", code)
            if column in invalid:
                n, example, hint = invalid[column]
                msg = (
                    f"column {column!r} ({name}): {n} response(s) are not a multi-select "
                    f"value (e.g. {shorten(example)}{hint}; selected: 1, True, Yes or the option's "
                    "label; not selected: 0, False, No or blank); figures exclude them from "
                    "the base"
                )
                out.append(_at(study_file, path, "warning", msg))
            if responses.cells(column).missing.all():
                msg = f"column {column!r} ({name}): nobody answered"
                out.append(_at(study_file, path, "warning", msg))
        return out
    if isinstance(q, models.Text):
        return out
    if isinstance(q, models.Date):
        from cxsurvey.reading.dates import parse_dates

        parsed = parse_dates(responses.text(q.column), q.format, q.timezone)
        if parsed.unparseable.any():
            msg = (
                f"column {q.column!r} ({name}): {int(parsed.unparseable.sum())} response(s) "
                f"are not dates ({_examples(responses, q.column, parsed.unparseable)}); date "
                "banners exclude them"
            )
            out.append(_at(study_file, (*key, "column"), "warning", msg))
        return out
    columns = list(q.columns.items()) if isinstance(q, models.Grid) else [(None, q.column)]
    for item, column in columns:
        path = (*key, "columns", item) if item is not None else (*key, "column")
        try:
            invalid, what, hint = _invalid(responses, column, q, name)
        except DataError as exc:
            msg = str(exc).removeprefix(f"{responses.export.path}: ")
            out.append(_at(study_file, path, "error", msg))
            continue
        if invalid.any():
            msg = (
                f"column {column!r} ({name}): {int(invalid.sum())} response(s) {what} "
                f"({_examples(responses, column, invalid)}){hint}; figures exclude them from "
                "the base"
            )
            out.append(_at(study_file, path, "warning", msg))
        if _nobody_answered(responses, column, q):
            msg = f"column {column!r} ({name}): nobody answered"
            out.append(_at(study_file, path, "warning", msg))
    return out


def _nobody_answered(responses: Responses, column: str, q: Any) -> bool:
    if isinstance(q, models.Multi):  # delimited: blank cells are null
        return responses.text(column).null_count == responses.included
    return bool(responses.cells(column).missing.all())


def _invalid(responses: Responses, column: str, q: Any, name: str) -> tuple[np.ndarray, str, str]:
    """Answered cells that are not valid for the question, and how to say so.
    Raises DataError when the column is of the other kind (labels vs codes)."""
    if isinstance(q, models.Multi):  # one delimited cell
        _, _, invalid, bad = responses.memo(*delimited_task(responses, q))
        hint = invalid[column][2] if column in invalid else ""
        return bad, "hold codes that are not options", hint
    cells = responses.cells(column)
    answered = ~cells.missing
    if isinstance(q, models.Nps):
        x = cells.numbers
        ok = (x >= 0) & (x <= 10) & (x == np.round(x))
        return answered & ~ok, "are not whole numbers 0-10", ""
    if isinstance(q, models.Numeric):
        ok = ~np.isnan(cells.numbers)
        if q.range is not None:
            ok &= (cells.numbers >= q.range[0]) & (cells.numbers <= q.range[1])
            return answered & ~ok, f"are not numbers within {q.range[0]}-{q.range[1]}", ""
        return answered & ~ok, "are not numbers", ""
    idx = coded_index(responses, column, q)
    invalid, _, hint = invalid_cells(responses, column, q, name, idx)
    return invalid, "have codes outside the options", hint


def _segments(study_file: StudyFile, responses: Responses) -> list[Problem]:
    if not study_file.study.segments:
        return []
    out = []
    try:
        scored = score_responses(responses, study_file)
    except DataError as exc:  # e.g. a clusters segment whose model file is missing
        return [_at(study_file, ("segments",), "error", str(exc))]
    for name, split in scored.segments.items():
        sizes = split.sizes()
        small = {label: n for label, n in sizes.items() if n < MIN_GROUP}
        if small:
            msg = (
                f"segment {name!r}: fewer than {MIN_GROUP} respondents in "
                f"{', '.join(f'{k} (n={v})' for k, v in small.items())}; its gaps will not be "
                "reliable"
            )
            out.append(_at(study_file, ("segments", name), "warning", msg))
    return out
