"""Questions typed by the survey definition: its question types, choices and recodes.

The code a numeric export writes for a choice is its recode value when one is
set, else the choice id, never its position; a choice-text export writes the
labels, which then become the codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from cxsurvey.codebook.entries import (
    answered_of,
    is_not_applicable,
    item_label,
    make_entry,
    nps_note,
    observed_codes,
    per_column,
    question_name,
    text_suffix,
)
from cxsurvey.codebook.from_data import classify_from_data
from cxsurvey.codebook.grouping import Column, Group
from cxsurvey.codebook.model import Code, Entry, Option
from cxsurvey.codebook.qsf import Choice, DefQuestion, strip_html
from cxsurvey.reading.cells import code_key, count_code, number_of

MA_SELECTORS = ("MAVR", "MAHR", "MACOL", "MSB")  # multiple-answer multiple choice


def classify_with_definition(g: Group, dq: DefQuestion, cols: list[Column], other) -> list[Entry]:
    entries = _classify(g, dq, cols, other)
    if g.loop:  # loop & merge: one question per iteration, told apart in their titles
        entries = [replace(e, text=f"{e.text} (loop {g.loop})") for e in entries]
    return entries


def _classify(g: Group, dq: DefQuestion, cols: list[Column], other) -> list[Entry]:
    qtype, sel, sub = dq.type, dq.selector, dq.sub_selector
    text = dq.text
    if g.sbs and g.sbs in dq.sbs:
        sub_q = dq.sbs[g.sbs]
        return _classify(
            Group(
                g.stem,
                g.qid,
                g.loop,
                g.sbs,
                cols=g.cols,
                text_cols=g.text_cols,
                from_ids=g.from_ids,
            ),
            DefQuestion(
                sub_q.qid,
                sub_q.tag,
                sub_q.type,
                sub_q.selector,
                sub_q.sub_selector,
                f"{text} - {sub_q.text}" if sub_q.text else text,
                dq.choices if not sub_q.choices else sub_q.choices,
                sub_q.answers,
                sub_q.content,
            ),
            cols,
            other,
        )
    name = question_name(g, dq.tag.split("#")[0])
    if qtype == "MC" and sel == "NPS":
        codes = sorted((code_key(c.code) for c in dq.choices), key=repr)  # text and numbers
        numeric = cols[0].summary.numeric or not cols[0].summary.answered
        if numeric and codes == sorted((float(i) for i in range(11)), key=repr):
            return [make_entry(name, "nps", text, cols, g, other=other, notes=nps_note(g))]
        single = _single_def(name, text, cols[0], g, dq.choices, other)
        why = "the export holds labels" if not numeric else "its codes are not 0-10"
        return [replace(single, notes=(*single.notes, f"an NPS question drafted as single: {why}"))]
    if qtype == "MC":
        if sel in MA_SELECTORS or sel.startswith("MA"):
            return [_multi_def(name, text, cols, g, dq.choices, other)]
        return [_single_def(name, text, cols[0], g, dq.choices, other)]
    if qtype == "Matrix":
        if sel in ("TE", "CS", "RO") or sub in ("CS",):
            kind = "text" if sel == "TE" else "numeric"
            return [per_column(name, kind, text, c, g, dq.choices) for c in cols]
        if sub == "MultipleAnswer":
            return _matrix_multi(name, text, cols, g, dq)
        return [_grid_def(name, text, cols, g, dq, other)]
    if qtype in ("Slider", "CS", "RO"):
        if len(cols) == 1 and not cols[0].parts:
            return [make_entry(name, "numeric", text, cols, g)]
        return [per_column(name, "numeric", text, c, g, dq.choices) for c in cols]
    if qtype == "TE":
        kind = {"ValidNumber": "numeric", "ValidDate": "date"}.get(dq.content, "text")
        if len(cols) == 1:
            return [make_entry(name, kind, text, cols, g)]
        return [per_column(name, kind, text, c, g, dq.choices) for c in cols]
    if qtype == "Timing":
        return [make_entry(name, "timing", text, cols, g)]
    return [make_entry(name, "other", text, cols, g, notes=(f"{qtype} question: not tabulated",))]


def _options(
    choices: Iterable[Choice], seen: dict[str, int], notes: list[str]
) -> tuple[Option, ...]:
    """The definition's options, or its labels as codes when the export wrote labels."""
    choices = list(choices)
    labels = {c.label for c in choices}
    non_numeric = [v for v in seen if not (number_of(v) is not None)]
    text_export = bool(non_numeric) and sum(v in labels for v in non_numeric) >= max(
        1, len(non_numeric) / 2
    )
    opts = []
    for c in choices:
        code: Code = c.label if text_export else c.code
        count = seen.get(str(code), 0) if text_export else count_code(seen, c.code)
        opts.append(Option(code, c.label, count, is_not_applicable(c.label)))
    known = {str(o.code) for o in opts} | {code_key(o.code) for o in opts}
    stray = [v for v in seen if v not in known and code_key(v) not in known]
    if stray:
        notes.append(
            "values in the export that the definition does not list: "
            + ", ".join(stray[:5])
            + (" ..." if len(stray) > 5 else "")
        )
    return tuple(opts)


def _single_def(name, text, col: Column, g, choices, other) -> Entry:
    notes: list[str] = []
    opts = _options(choices, observed_codes([col]), notes)
    return make_entry(
        name, "single", text, [col], g, other, notes, options=opts, options_from="definition"
    )


def _multi_def(name, text, cols: list[Column], g, choices, other) -> Entry:
    notes: list[str] = []
    if len(cols) == 1 and not cols[0].parts:
        seen = {}
        for v, n in cols[0].summary.values.items():
            for token in v.split(","):
                seen[token.strip()] = seen.get(token.strip(), 0) + n
        opts = _options(choices, seen, notes)
        return make_entry(
            name,
            "multi",
            text,
            cols,
            g,
            other,
            notes,
            options=tuple(Option(o.code, o.label, o.count) for o in opts),
            options_from="definition",
            delimiter=",",
        )
    by_id = {c.id: c for c in choices}
    by_code = {code_key(c.code): c for c in choices}
    pairs: list[tuple[Code, str]] = []
    opts = []
    used: set[str] = set()
    for col in cols:
        part = col.parts[-1] if col.parts else ""
        if g.from_ids:
            choice = by_id.get(part)
        else:
            choice = _choice_by_text(col, choices)
            if choice is None:
                choice = by_code.get(code_key(part)) or by_id.get(part)
                if choice is not None:
                    notes.append(
                        f"column {col.name}: matched to choice {choice.label!r} by its name, "
                        "not by its header text; check it"
                    )
        if choice is None:
            notes.append(f"column {col.name}: no choice of the definition matches it")
            continue
        if code_key(choice.code) in used:
            notes.append(f"column {col.name}: choice {choice.label!r} already has a column")
            continue
        used.add(code_key(choice.code))
        pairs.append((choice.code, col.name))
        opts.append(Option(choice.code, choice.label, col.summary.answered))
    return make_entry(
        name,
        "multi",
        text,
        cols,
        g,
        other,
        notes,
        options=tuple(opts),
        options_from="definition",
        choice_columns=tuple(pairs),
    )


def _choice_by_text(col: Column, choices) -> Choice | None:
    tail = strip_html(text_suffix(col.text, ""))  # legacy header texts keep the markup
    return next((c for c in choices if tail and c.label == tail), None)


def _grid_def(name, text, cols: list[Column], g, dq: DefQuestion, other) -> Entry:
    notes: list[str] = []
    opts = _options(dq.answers, observed_codes(cols), notes)
    items = []
    for col in cols:
        items.append((item_label(col, dq.choices, text), col.name))
    if not dq.answers:
        return classify_from_data(g, cols, other, {})[0]
    return make_entry(
        name,
        "grid",
        text,
        cols,
        g,
        other,
        notes,
        options=opts,
        options_from="definition",
        items=tuple(items),
    )


def _matrix_multi(name, text, cols: list[Column], g, dq: DefQuestion) -> list[Entry]:
    """A multiple-answer matrix: one multi question per item (row)."""
    by_item: dict[str, list[Column]] = {}
    for col in cols:
        by_item.setdefault(col.parts[0] if col.parts else col.name, []).append(col)
    out = []
    for item_id, item_cols in by_item.items():
        choice = dq.choice(item_id)
        label = choice.label if choice else item_id
        answers = dq.answers
        pairs, opts, notes = [], [], []
        for col in item_cols:
            aid = col.parts[-1] if len(col.parts) > 1 else ""
            answer = dq.answer(aid) or next(
                (a for a in answers if code_key(a.code) == code_key(aid)), None
            )
            if answer is None:
                notes.append(f"column {col.name}: no scale point of the definition matches it")
                continue
            pairs.append((answer.code, col.name))
            opts.append(Option(answer.code, answer.label, col.summary.answered))
        out.append(
            Entry(
                f"{name}_{item_id}",
                "multi",
                f"{text} - {label}",
                tuple(c.name for c in item_cols),
                g.qid,
                choice_columns=tuple(pairs),
                options=tuple(opts),
                options_from="definition",
                answered=answered_of(item_cols),
                notes=tuple(notes),
            )
        )
    return out
