"""Build the codebook of an export, optionally with its survey definition."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from cxsurvey.codebook.classify import classify
from cxsurvey.codebook.evidence import check_belongs
from cxsurvey.codebook.grouping import Group, group_columns
from cxsurvey.codebook.header import ExportHeader, read_export_header
from cxsurvey.codebook.model import Codebook, Entry
from cxsurvey.codebook.qsf import SurveyDefinition, load_qsf
from cxsurvey.codebook.values import ExportValues, read_values
from cxsurvey.errors import DataError

_ID_NAMES = ("ResponseId", "ResponseID", "_recordId")


def build_codebook(
    export: str | Path,
    qsf: str | Path | None = None,
    *,
    fmt: str = "auto",
    encoding: str = "auto",
) -> Codebook:
    """Read ``export`` (and ``qsf``) and classify every column."""
    header = read_export_header(export, fmt, encoding)
    definition = load_qsf(qsf) if qsf is not None else None
    values = read_values(header)
    if values.rows == 0:
        raise DataError(_no_responses(export, header))
    warnings: list[str] = []
    header, skip, dup = _unambiguous(header)
    if dup:
        warnings.append(
            f"{len(dup)} column name(s) appear more than once and have no ImportId to tell "
            f"them apart; left out: {', '.join(dup[:5])}" + (" ..." if len(dup) > 5 else "")
        )
    groups = group_columns(header, values.summaries, definition, skip)
    if definition is not None:
        warnings += _match_definition(header, groups, definition)
        warnings += check_belongs(groups, definition, str(export))
    entries: list[Entry] = []
    for g in groups:
        dq = definition.questions.get(g.qid) if definition is not None and g.qid else None
        for entry in classify(g, dq, header.value_labels):
            entries.append(_with_answered(entry, g, header, values))
    entries = _unique_names(entries)
    if definition is not None:
        warnings += _unlisted_values(entries, definition.path)
    return Codebook(
        path=str(export),
        layout=header.layout.description,
        encoding=header.encoding,
        encoding_given=encoding != "auto",
        delimiter=header.delimiter,
        responses=values.rows,
        entries=tuple(entries),
        definition=str(qsf) if qsf is not None else None,
        survey_name=definition.name if definition is not None else None,
        id_column=_find(header, _ID_NAMES, legacy="V1"),
        finished=_column_values(header, values, ("Finished",), "V10"),
        status=_column_values(header, values, ("Status",), "V7"),
        missing=_missing(entries, header, values, warnings),
        warnings=tuple(warnings),
    )


def _no_responses(export: str | Path, header: ExportHeader) -> str:
    """Why an export without responses is refused: a Qualtrics or SPSS file with only its
    header, or a file that is not a survey export at all (one line of text)."""
    if header.layout.is_qualtrics or header.kind in ("sav", "parquet"):
        return f"{export}: the export has a header but no responses"
    n = len(header.names)
    what = "one line of text" if n == 1 else f"one line of {n} column names"
    return (
        f"{export}: not a survey export: {what} and no responses; give the responses "
        "exported as CSV/TSV (a header row, then one row per response), .sav or Parquet"
    )


def _unambiguous(header: ExportHeader) -> tuple[ExportHeader, set[int], list[str]]:
    """A column whose name occurs more than once is named by its ImportId (which the
    reader resolves); without ImportIds (legacy exports) it is left out."""
    counts = Counter(header.names)
    names = list(header.names)
    skip: set[int] = set()
    dup: set[str] = set()
    for i, name in enumerate(header.names):
        iid = header.import_ids[i]
        if not name:
            skip.add(i)
        elif counts[name] > 1 and iid is not None and iid.ref:
            names[i] = iid.ref
        elif counts[name] > 1:
            skip.add(i)
            dup.add(name)
    return replace(header, names=names), skip, sorted(dup)


def _match_definition(
    header: ExportHeader, groups: list[Group], definition: SurveyDefinition
) -> list[str]:
    qids = [g.qid for g in groups if g.qid and g.kind == "question"]
    if not any(q in definition.questions for q in qids):
        what = "QIDs" if any(header.import_ids) else "question export tags"
        raise DataError(
            f"{definition.path}: shares no {what} with {header.path}; it belongs to "
            "another survey (export the definition of this survey)"
        )
    out = []
    unmatched = [g.stem for g in groups if g.kind == "question" and g.qid is None]
    if unmatched:
        out.append(
            f"{definition.path}: {len(unmatched)} question(s) of the export match no export "
            f"tag of the survey definition (renamed in Qualtrics?): {', '.join(unmatched[:8])}"
            + (" ..." if len(unmatched) > 8 else "")
            + "; they are classified from the data"
        )
    missing = sorted(set(q for q in qids if q not in definition.questions), key=_qid_order)
    if missing:
        return [
            *out,
            f"{definition.path}: {len(missing)} question(s) of the export are not in the "
            f"survey definition (edited after the export?): {', '.join(missing[:8])}"
            + (" ..." if len(missing) > 8 else "")
            + "; they are classified from the data",
        ]
    return out


UNLISTED = "values in the export that the definition does not list: "


def _unlisted_values(entries: list[Entry], qsf: str) -> list[str]:
    """One line naming each question whose values the definition does not list."""
    found = [
        (e.name, note[len(UNLISTED) :])
        for e in entries
        for note in e.notes
        if note.startswith(UNLISTED)
    ]
    if not found:
        return []
    shown = "; ".join(f"{name} ({values})" for name, values in found[:8])
    return [
        f"{qsf}: {len(found)} question(s) hold values the definition does not list: {shown}"
        + (" ..." if len(found) > 8 else "")
        + "; figures count them in their warnings: label them or check the definition"
    ]


def _qid_order(qid: str) -> tuple[int, str]:
    m = re.match(r"QID(\d+)", qid)
    return (int(m.group(1)) if m else 0, qid)


def _with_answered(entry: Entry, g: Group, header: ExportHeader, values: ExportValues) -> Entry:
    if entry.type in ("metadata", "timing", "order", "derived"):
        return entry
    index = {n: i for i, n in enumerate(header.names)}
    positions = [index[c] for c in entry.columns if c in index]
    return replace(entry, answered=values.answered_any(positions))


def _unique_names(entries: list[Entry]) -> list[Entry]:
    seen: set[str] = set()
    out = []
    for e in entries:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", e.name).strip("_") or "q"
        if base[0].isdigit():
            base = "q" + base
        name, k = base, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        out.append(replace(e, name=name) if name != e.name else e)
    return out


def _find(header: ExportHeader, names: tuple[str, ...], legacy: str) -> str | None:
    for n in names:
        if n in header.names:
            return n
    if header.kind == "qualtrics-legacy" and legacy in header.names:
        return legacy
    return None


def _column_values(header, values: ExportValues, names, legacy):
    col = _find(header, names, legacy)
    if col is None:
        return None
    summary = values.summaries[header.names.index(col)]
    return col, tuple(summary.values)


def _missing(
    entries: list[Entry], header: ExportHeader, values: ExportValues, warnings: list[str]
) -> tuple:
    """-99 when a question column holds it (Qualtrics: seen but unanswered), and a .sav's
    user-missing codes of question columns unless another question labels the code as an
    answer (then the warning names it: source.missing applies to every column)."""
    index = {n: i for i, n in enumerate(header.names)}
    out: list = []
    questions = [e for e in entries if e.type in ("single", "multi", "grid", "numeric", "nps")]
    if any(c in index and values.summaries[index[c]].missing for e in questions for c in e.columns):
        out.append(-99)
    columns = [c for e in questions for c in e.columns]
    declared = {code for c in columns for code in header.user_missing.get(c, ())}
    answers = {
        code: c
        for c in columns
        for code in header.value_labels.get(c, {})
        if code not in header.user_missing.get(c, ())
    }
    clash = sorted((c for c in declared if c in answers), key=_code_order)
    if clash:
        warnings.append(
            f"{header.path}: user-missing code(s) {', '.join(map(str, clash))} label an answer "
            f"in another column ({', '.join(answers[c] for c in clash[:3])}); not drafted "
            "as source.missing, which applies to every column: the reader still reads them "
            "as missing where SPSS declares them so"
        )
    out += sorted((c for c in declared if c not in answers and c not in out), key=_code_order)
    return tuple(out)


def _code_order(code) -> tuple:
    return (1, 0.0, code) if isinstance(code, str) else (0, float(code), "")
