"""Rules that relate one part of a study file to another (references, order, names).

Runs after the structural validation in ``models``; each finding is located at
the YAML node it is about.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from cxsurvey.errors import Problem
from cxsurvey.reading.labels import normalise_label, number_of
from cxsurvey.study import models
from cxsurvey.study.variables import DerivedVariable, resolve_variable
from cxsurvey.study.yamlpos import Positions, locate

SHOW_KEYWORDS = ("options", "nets", "both")


class _Report:
    def __init__(self, pos: Positions, file: str):
        self.pos, self.file, self.problems = pos, file, []
        self.dropped: set[str] = set()
        self.numeric_cells = False

    def known_broken(self, name: str) -> bool:
        return name.partition(".")[0] in self.dropped

    def add(
        self, path: tuple[Any, ...], message: str, severity: str = "error", key: bool = False
    ) -> None:
        line, col = locate(self.pos, path, key=key)
        self.problems.append(Problem(self.file, message, line, col, severity))


def semantic_problems(
    study: models.Study,
    pos: Positions,
    file: str,
    dropped: set[str] = frozenset(),
    figure_index: list[int] | None = None,
    numeric_cells: bool = False,
) -> list[Problem]:
    """Cross-reference findings; names in ``dropped`` (already reported) are not chased.

    ``figure_index`` maps each figure of ``study`` to its index in the file when
    broken figures were left out. ``numeric_cells``: the study is checked against
    an export whose answers are all numbers (a .sav), so a label that is a number
    cannot be read as a choice-text cell.
    """
    report = _Report(pos, file)
    report.dropped = dropped
    report.numeric_cells = numeric_cells
    _check_names(study, report)
    for name, scale in study.scales.items():
        _check_scale(name, scale, report)
    for name, seg in study.segments.items():
        _check_segment(name, seg, study, report)
    for name, q in study.questions.items():
        _check_question(name, q, report)
    _check_source(study.source, report)
    _check_date_source(study, report)
    _check_qualtrics_missing(study, report)
    from cxsurvey.study.quality_checks import check_quality

    check_quality(study, report)
    seen: dict[str, int] = {}
    index = figure_index or list(range(len(study.figures)))
    for i, fig in zip(index, study.figures, strict=True):
        if fig.id in seen:
            report.add(
                ("figures", i, "id"),
                f"duplicate figure id {fig.id!r} (first used by figures[{seen[fig.id]}]); "
                "figure ids must be unique",
            )
        seen.setdefault(fig.id, i)
        _check_figure(i, fig, study, report)
    return report.problems


def _nearest(name: str, choices: Iterable[str]) -> str:
    hint = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def _check_names(study: models.Study, report: _Report) -> None:
    owner: dict[str, str] = {}
    for section in ("scales", "segments", "questions"):
        for name in getattr(study, section):
            if section == "scales" and "." in name:
                report.add((section, name), f"scale name {name!r} must not contain '.'", key=True)
            if name in owner:
                report.add(
                    (section, name),
                    f"name {name!r} is used in both {owner[name]} and {section}; "
                    "figures refer to them by name, so names must be unique",
                    key=True,
                )
            owner.setdefault(name, section)


def _numeric_codes(codes: Iterable[Any]) -> list[float] | None:
    out = []
    for code in codes:
        if isinstance(code, int | float):
            out.append(float(code))
        else:
            try:
                out.append(float(code))
            except ValueError:
                return None
    return out


def _check_scale(name: str, scale: models.Scale, report: _Report) -> None:
    at = ("scales", name)
    values = _numeric_codes(scale.values)
    if values is None:
        report.add((*at, "values"), f"scale {name!r}: `values` codes must be numbers to be scored")
        return
    items = scale.items
    seen: set[str] = set()
    for group, cols in scale.groups.items():
        for j, col in enumerate(cols):
            if col in seen:
                report.add(
                    (*at, "groups", group, j),
                    f"scale {name!r}: item {col!r} appears more than once",
                )
            seen.add(col)
    for j, col in enumerate(scale.reverse):
        if col not in seen:
            report.add(
                (*at, "reverse", j),
                f"scale {name!r}: reverse item {col!r} is not in any group" + _nearest(col, items),
            )
    _check_label_clash(f"scale {name!r}", scale.values, (*at, "values"), report)
    if not report.numeric_cells:
        _check_number_labels(f"scale {name!r}", scale.values, (*at, "values"), report)
    _check_bands(name, scale, values, report)


def score_range(scale: models.Scale) -> tuple[float, float]:
    """The smallest and largest total a respondent can get (all items answered)."""
    values = _numeric_codes(scale.values) or [0.0]
    lo, hi = min(values), max(values)
    sizes = [len(items) for items in scale.groups.values()]
    per_group = [(lo * n, hi * n) if scale.group_score == "sum" else (lo, hi) for n in sizes]
    total_lo = sum(g[0] for g in per_group)
    total_hi = sum(g[1] for g in per_group)
    if scale.total == "mean":
        total_lo, total_hi = total_lo / len(sizes), total_hi / len(sizes)
    return total_lo, total_hi


def _check_bands(name: str, scale: models.Scale, values: list[float], report: _Report) -> None:
    at = ("scales", name, "bands")
    labels: set[str] = set()
    for j, band in enumerate(scale.bands):
        if band.label in labels:
            report.add(
                (*at, j, "label"), f"scale {name!r}: band label {band.label!r} is used twice"
            )
        labels.add(band.label)
        if j and band.from_ <= scale.bands[j - 1].from_:
            report.add(
                (*at, j, "from"),
                f"scale {name!r}: band {band.label!r} starts at {band.from_}, not above "
                f"the previous band's {scale.bands[j - 1].from_}; list bands in "
                "increasing order of `from`",
            )
    if not scale.bands:
        return
    lo, hi = score_range(scale)
    if scale.bands[0].from_ > lo:
        report.add(
            (*at, 0, "from"),
            f"scale {name!r}: totals from {lo:g} to below {scale.bands[0].from_:g} fall in no band",
            "warning",
        )
    for j, band in enumerate(scale.bands):
        if band.from_ > hi:
            report.add(
                (*at, j, "from"),
                f"scale {name!r}: no total can reach band {band.label!r} (from "
                f"{band.from_:g}; the highest possible total is {hi:g})",
                "warning",
            )


def _check_segment(name: str, seg: models.Segment, study: models.Study, report: _Report) -> None:
    at = ("segments", name)
    if seg.kind == "clusters":
        from cxsurvey.study.cluster_checks import check_clusters

        check_clusters(name, seg, study, report)
        return
    if seg.median_split not in study.scales and not report.known_broken(seg.median_split):
        report.add(
            (*at, "median_split"),
            f"segment {name!r} splits unknown scale {seg.median_split!r}"
            + _nearest(seg.median_split, study.scales),
        )
    if seg.high == seg.low:
        report.add((*at, "low"), f"segment {name!r}: `high` and `low` must be different labels")


def _check_question(name: str, q: Any, report: _Report) -> None:
    at = ("questions", name)
    if isinstance(q, models.Numeric) and q.range and q.range[0] > q.range[1]:
        report.add((*at, "range"), f"question {name!r}: range minimum is above its maximum")
    if not isinstance(q, models._Coded):
        return
    codes = {_code_key(c) for c in q.options}
    _check_huge_codes(f"question {name!r}", q.options, (*at, "options"), report)
    _check_label_clash(f"question {name!r}", q.options, (*at, "options"), report)
    if not report.numeric_cells:
        _check_number_labels(f"question {name!r}", q.options, (*at, "options"), report)
    if isinstance(q, models.Multi) and q.column is not None:
        _check_label_overlap(f"question {name!r}", q, (*at, "options"), report)
    members: dict[Any, str] = {}
    for net, net_codes in q.nets.items():
        same = [c for c, label in q.options.items() if label == net]
        if same and {_code_key(c) for c in net_codes} != {_code_key(same[0])}:
            report.add(
                (*at, "nets", net),
                f"question {name!r}: net {net!r} has the label of "
                "option {same[0]!r} but other codes; `show` picks the net",
                "warning",
                key=True,
            )
        for j, code in enumerate(net_codes):
            key = _code_key(code)
            if key not in codes and q.options:  # no options: the .sav's, checked at run
                report.add(
                    (*at, "nets", net, j),
                    f"question {name!r}: net {net!r} names code {code!r}, which is not "
                    "among the options",
                    "warning",
                )
            if key in members and members[key] != net:
                report.add(
                    (*at, "nets", net, j),
                    f"question {name!r}: code {code!r} is in nets {members[key]!r} and "
                    f"{net!r}; overlapping nets are counted in both",
                    "warning",
                )
            members.setdefault(key, net)
    if isinstance(q, models.Multi) and q.columns is not None and q.options:
        for code in q.columns:
            if _code_key(code) not in codes:
                report.add(
                    (*at, "columns", code),
                    f"question {name!r}: column for code {code!r}, which is not among the options",
                    key=True,
                )


_EXACT_INTEGERS = 2**53  # beyond this, float64 merges neighbouring whole numbers


def _check_huge_codes(
    who: str, options: dict[Any, str], at: tuple[Any, ...], report: _Report
) -> None:
    """Unquoted whole-number codes beyond float64's exact range (|code| >= 2**53).

    Numeric codes and cells compare as float64 numbers, so two such codes that
    round to the same float64 would count as one option: an error. A lone one
    would also take cells that differ from it in the last digits: a warning.
    Quoted, a code is text and compared exactly."""
    seen: dict[float, Any] = {}
    for code in options:
        if isinstance(code, bool) or not isinstance(code, int) or abs(code) < _EXACT_INTEGERS:
            continue
        key = float(code)
        if key in seen:
            report.add(
                (*at, code),
                f"{who}: codes {seen[key]} and {code} are too large to tell apart as numbers "
                f'(whole numbers from 2**53 on); quote them ("{code}": ...) so that they are '
                "text and compared exactly",
                key=True,
            )
            continue
        seen[key] = code
        twin = [c for c in options if c is not code and isinstance(c, int) and float(c) == key]
        if not twin:
            report.add(
                (*at, code),
                f"{who}: code {code} is too large to compare exactly as a number (whole "
                "numbers from 2**53 on), so a cell differing from it in the last digits "
                f'would match it; quote it ("{code}": ...) to compare it exactly as text',
                "warning",
                key=True,
            )


def _check_number_labels(
    who: str, options: dict[Any, str], at: tuple[Any, ...], report: _Report
) -> None:
    """A label that is a number other than its own code but equal to another
    option's code: a numeric export's cell and a choice-text export's cell of
    that number mean different options, and nothing in the cells says which
    export it is (``{1: "0", 2: "1"}``: is the cell 1 the code of "0" or the
    label "1"?). Refused, so that no cell is counted in the wrong option."""
    numbers: dict[float, Any] = {}
    for code in options:
        if not isinstance(code, bool) and isinstance(code, int | float):
            numbers.setdefault(float(code), code)
    for code, label in options.items():
        value = number_of(label) if isinstance(label, str) else None
        own = float(code) if not isinstance(code, bool) and isinstance(code, int | float) else None
        if value is None or value == own or value not in numbers:
            continue
        other = numbers[value]
        report.add(
            (*at, code),
            f"{who}: option {code} (label {label!r}) is ambiguous: a numeric export's cell "
            f"{label.strip()} is option {other} ({options[other]!r}), a choice-text export's "
            f"cell {label.strip()!r} is option {code}, and the cells cannot say which export "
            "this is; relabel the options (e.g. 'Score 1'), or declare codes equal to the "
            f'labels ({{{label.strip()}: "{label.strip()}"}})',
            key=True,
        )


def _check_label_overlap(who: str, q: models.Multi, at: tuple[Any, ...], report: _Report) -> None:
    """A label holding the delimiter whose leading or trailing part is itself a
    label: a one-cell answer may then split into the labels in more than one way
    ("Red, Green, Blue" with "Red, Green", "Green, Blue", "Red", "Blue"); such a
    cell is invalid at run time, so say so here."""
    keys = {normalise_label(label) for label in q.options.values()}
    for code, label in q.options.items():
        pieces = label.split(q.delimiter)
        parts = [q.delimiter.join(pieces[:k]) for k in range(1, len(pieces))]
        parts += [q.delimiter.join(pieces[k:]) for k in range(1, len(pieces))]
        inside = [p.strip() for p in parts if normalise_label(p) in keys]
        if inside:
            report.add(
                (*at, code),
                f"{who}: option {label!r} contains the delimiter {q.delimiter!r} and "
                f"{inside[0]!r} is an option too, so a cell holding them may split into the "
                "labels in more than one way; such a cell is counted as invalid. Relabel the "
                "options, or export with numeric values",
                "warning",
                key=True,
            )


def _check_label_clash(
    who: str, options: dict[Any, str], at: tuple[Any, ...], report: _Report
) -> None:
    """Labels must stay distinct once case, surrounding spaces and quote style are
    ignored: that is how a choice-text export's cells are matched to them."""
    seen: dict[str, str] = {}
    for code, label in options.items():
        key = normalise_label(label)
        if key in seen:
            same = "share a label" if seen[key] == label else "have labels that differ"
            extra = "" if seen[key] == label else " only in case, spaces or quotes"
            report.add(
                (*at, code),
                f"{who}: options {seen[key]!r} and {label!r} {same}{extra}; a "
                "choice-text export could not tell them apart",
                key=True,
            )
        seen.setdefault(key, label)


def _code_key(code: Any) -> Any:
    """Codes compare as numbers when they are numbers (1 == 1.0 == "1")."""
    try:
        return float(code)
    except (TypeError, ValueError):
        return code


def _check_source(source: models.Source, report: _Report) -> None:
    if source.encoding != "auto":
        import codecs

        try:
            codec = codecs.lookup(source.encoding)
        except LookupError:
            report.add(
                ("source", "encoding"),
                f"unknown encoding {source.encoding!r}; use e.g. utf-8, utf-16, cp1252 or auto",
            )
            return
        if not getattr(codec, "_is_text_encoding", True):  # rot13, base64, zlib, hex...
            report.add(
                ("source", "encoding"),
                f"{source.encoding!r} is a data transform, not a text encoding; use e.g. "
                "utf-8, utf-16, cp1252 or auto",
            )


def _check_date_source(study: models.Study, report: _Report) -> None:
    """``source.date`` names a date question (the one --since/--until filter on)."""
    name = study.source.date
    if name is None or isinstance(study.questions.get(name), models.Date):
        return
    dates = [k for k, q in study.questions.items() if isinstance(q, models.Date)]
    what = "not a question" if name not in study.questions else "not a date question"
    choose = f"choose one of {', '.join(dates)}" if dates else "declare a question of type: date"
    report.add(("source", "date"), f"source.date: {name!r} is {what} of the study; {choose}")


def _check_qualtrics_missing(study: models.Study, report: _Report) -> None:
    """An option or scale value that ``source.qualtrics_missing`` (-99 by default)
    turns into "missing" in Qualtrics exports would never be counted there."""
    missing = {_code_key(c) for c in study.source.qualtrics_missing}
    if not missing:
        return
    declared: list[tuple[tuple[Any, ...], Any]] = []
    for name, scale in study.scales.items():
        declared += [(("scales", name, "values"), c) for c in scale.values]
    for name, q in study.questions.items():
        for key in ("options", "not_applicable"):
            declared += [(("questions", name, key), c) for c in getattr(q, key, None) or []]
    for path, code in declared:
        if _code_key(code) in missing:
            report.add(
                path,
                f"{'.'.join(map(str, path))}: code {code!r} is missing in Qualtrics exports "
                "(source.qualtrics_missing), so it would never be counted there; set "
                "source.qualtrics_missing: [] if it is an answer",
                "warning",
            )


def _check_figure(i: int, fig: models.Figure, study: models.Study, report: _Report) -> None:
    from cxsurvey.study import drivers_checks

    if fig.kind == "drivers":
        drivers_checks.check_drivers(i, fig, study, report)
        return
    if not drivers_checks.check_table_keys(i, fig, report):
        return
    at = ("figures", i)
    var = resolve_variable(fig.question, study)
    if var is None and report.known_broken(fig.question):
        return
    if var is None:
        choices = [*study.questions, *study.scales]
        report.add(
            (*at, "question"),
            f"figure {fig.id!r}: unknown question {fig.question!r}"
            + _nearest(fig.question, choices),
        )
        return
    if var.kind in ("date", "text"):
        use = "use it as `by` with a `period`" if var.kind == "date" else "it is not tabulated"
        report.add(
            (*at, "question"),
            f"figure {fig.id!r}: {var.kind} question {fig.question!r} cannot be a figure's "
            f"question; {use}",
        )
        return
    if fig.by is not None and not report.known_broken(fig.by):
        _check_banner(i, fig, study, report)
    if fig.period is not None and not isinstance(study.questions.get(fig.by or ""), models.Date):
        report.add(
            (*at, "period"),
            f"figure {fig.id!r}: `period` applies only when `by` is a date question",
        )
    if fig.stat is not None and fig.stat not in var.stats:
        report.add(
            (*at, "stat"),
            f"figure {fig.id!r}: stat {fig.stat!r} does not apply to "
            f"{var.kind} {fig.question!r}; use {' or '.join(var.stats)}",
        )
    elif fig.stat == "mean" and isinstance(var.question, models._Coded):
        text = [c for c in var.question.options if _numeric_codes([c]) is None]
        if text:
            report.add(
                (*at, "stat"),
                f"figure {fig.id!r}: stat 'mean' needs a number for every option of "
                f"{fig.question!r}, but {text[0]!r} has none (options declared by label "
                "only); declare them as {value: label}, e.g. {1: Poor, 2: Fair, 3: Good}",
            )
    _check_show(i, fig, var, report)


def _check_banner(i: int, fig: models.Figure, study: models.Study, report: _Report) -> None:
    by = fig.by
    ok = by in study.segments or isinstance(study.questions.get(by), models.Single | models.Date)
    scale = by[: -len(".band")] if by.endswith(".band") else None
    if scale in study.scales:
        ok = bool(study.scales[scale].bands)
    if ok:
        return
    q = study.questions.get(by)
    if q is not None:
        why = (
            f"`by` question {by!r} is a {q.type} question; a banner needs a single or date "
            "question, a segment or a scale's band"
        )
    elif scale in study.scales:
        why = f"`by` {by!r}: scale {scale!r} has no bands; add bands or use a segment"
    else:
        choices = [
            *study.segments,
            *(n for n, q in study.questions.items() if isinstance(q, models.Single)),
            *(f"{s}.band" for s in study.scales),
        ]
        why = (
            "`by` must name a segment, a single or date question or a scale's band, "
            f"not {by!r}" + _nearest(by, choices)
        )
    report.add(("figures", i, "by"), f"figure {fig.id!r}: {why}")


def _check_show(i: int, fig: models.Figure, var: DerivedVariable, report: _Report) -> None:
    if fig.show == "options":
        return
    if fig.show in SHOW_KEYWORDS[1:] and var.nets is not None:
        if not var.nets:
            report.add(
                ("figures", i, "show"),
                f"figure {fig.id!r}: show {fig.show!r} but question {fig.question!r} has no nets",
            )
        return
    choices = list(var.options or []) + list(var.nets or [])
    if isinstance(var.question, models._Coded) and not var.question.options:
        return  # the export's value labels: checked once they are read
    if fig.show not in choices:
        report.add(
            ("figures", i, "show"),
            f"figure {fig.id!r}: show {fig.show!r} is not options, nets, both or the "
            f"label of an option or net of {fig.question!r}" + _nearest(fig.show, choices),
        )
