"""Classify grouped columns into typed questions with their options and codes.

Options come from the survey definition when given (the exported code is the
recode value where one is set, else the choice id), else from .sav value labels,
else from the data: the labels themselves in a choice-text export, the codes
seen in a numeric export (marked for the user to label).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from cxsurvey.codebook.grouping import Column, Group
from cxsurvey.codebook.model import Code, Entry, Option
from cxsurvey.codebook.qsf import Choice, DefQuestion, as_code
from cxsurvey.codebook.values import MISSING_TEXT

_NA = re.compile(
    r"\b(n/?a|not applicable|does not apply|doesn't apply|don't know|do not know|dont know|"
    r"not sure|unsure|no opinion|prefer not to (say|answer)|rather not (say|answer)|"
    r"no basis|can't say|cannot say|can't answer|cannot answer|decline to answer|"
    r"never had|never tried|not relevant|no experience|haven't used|have not used)\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?$|^\d{1,2}/\d{1,2}/\d{4}")
MAX_CODES = 12  # a numeric column with at most this many distinct integers reads as coded
MAX_LABELS = 20  # a text column with at most this many distinct values reads as choice text

MA_SELECTORS = ("MAVR", "MAHR", "MACOL", "MSB")


def is_not_applicable(label: str) -> bool:
    return bool(_NA.search(label.replace("\u2019", "'").replace("\u2018", "'")))


def classify(group: Group, dq: DefQuestion | None, value_labels: dict) -> list[Entry]:
    """Entries for one group (a question can become several: one per matrix item)."""
    if group.kind in ("metadata", "embedded", "order", "timing", "derived"):
        return [_simple(group)]
    cols = group.cols or group.text_cols
    other = tuple(c.name for c in group.text_cols) if group.cols else ()
    if not cols:
        return []
    if dq is not None:
        return _with_definition(group, dq, cols, other)
    if not group.cols and group.from_ids:  # only *_TEXT columns: a text-entry question
        name = _name(group)
        if len(cols) == 1:
            return [_entry(name, "text", cols[0].text, cols, group)]
        return [_per_column(name, "text", _common_text(cols), c, group, ()) for c in cols]
    return _from_data(group, cols, other, value_labels)


def _simple(group: Group) -> Entry:
    col = group.cols[0]
    kind = group.kind
    if kind == "metadata" and col.summary.values and _all_dates(col.summary.values):
        kind = "date"
    return Entry(
        group.stem,
        "metadata" if kind == "date" and not _is_recorded(col.name) else kind,
        col.text,
        tuple(c.name for c in group.cols),
        group.qid,
        answered=col.summary.answered,
        seen=_seen(col.summary.values),
    )


def _is_recorded(name: str) -> bool:
    return name.lower() in ("recordeddate", "enddate", "v9")


def _all_dates(values: dict[str, int]) -> bool:
    return all(_DATE.match(v) for v in values)


def _seen(values: dict[str, int], n: int = 6) -> tuple[str, ...]:
    return tuple(v if len(v) <= 40 else v[:39] + "…" for v in list(values)[:n])


def _answered(cols: Iterable[Column]) -> int:
    return max((c.summary.answered for c in cols), default=0)


# --- with a survey definition -------------------------------------------------


def _with_definition(g: Group, dq: DefQuestion, cols: list[Column], other) -> list[Entry]:
    qtype, sel, sub = dq.type, dq.selector, dq.sub_selector
    text = dq.text
    if g.sbs and g.sbs in dq.sbs:
        sub_q = dq.sbs[g.sbs]
        return _with_definition(
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
    name = _name(g, dq.tag.split("#")[0])
    if qtype == "MC" and sel == "NPS":
        codes = sorted(_num_key(c.code) for c in dq.choices)
        numeric = cols[0].summary.numeric or not cols[0].summary.answered
        if numeric and codes == sorted(_num_key(i) for i in range(11)):
            return [_entry(name, "nps", text, cols, g, other=other, notes=_nps_note(g))]
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
            return [_per_column(name, kind, text, c, g, dq.choices) for c in cols]
        if sub == "MultipleAnswer":
            return _matrix_multi(name, text, cols, g, dq)
        return [_grid_def(name, text, cols, g, dq, other)]
    if qtype in ("Slider", "CS", "RO"):
        if len(cols) == 1 and not cols[0].parts:
            return [_entry(name, "numeric", text, cols, g)]
        return [_per_column(name, "numeric", text, c, g, dq.choices) for c in cols]
    if qtype == "TE":
        kind = {"ValidNumber": "numeric", "ValidDate": "date"}.get(dq.content, "text")
        if len(cols) == 1:
            return [_entry(name, kind, text, cols, g)]
        return [_per_column(name, kind, text, c, g, dq.choices) for c in cols]
    if qtype == "Timing":
        return [_entry(name, "timing", text, cols, g)]
    return [_entry(name, "other", text, cols, g, notes=(f"{qtype} question: not tabulated",))]


def _name(g: Group, tag: str | None = None) -> str:
    if tag is None and g.loop and g.stem.startswith(f"{g.loop}_"):
        tag = g.stem[len(g.loop) + 1 :]
    name = g.stem if tag is None else (f"{tag}_loop{g.loop}" if g.loop else tag)
    if g.sbs:
        name += f"_c{g.sbs}"
    return name


def _entry(name, kind, text, cols, g, other=(), notes=(), **kw) -> Entry:
    return Entry(
        name,
        kind,
        text,
        tuple(c.name for c in cols),
        g.qid,
        answered=_answered(cols),
        other_text=tuple(other),
        notes=tuple(notes),
        seen=_seen(cols[0].summary.values) if cols else (),
        **kw,
    )


def _nps_note(g: Group) -> tuple[str, ...]:
    return (f"NPS group column: {g.nps_group.name}",) if g.nps_group else ()


def _per_column(name, kind, text, col: Column, g: Group, choices) -> Entry:
    item = _item_label(col, choices, text)
    suffix = "_".join(col.parts) or str(col.pos)
    return Entry(
        f"{name}_{suffix}",
        kind,
        f"{text} - {item}" if item else text,
        (col.name,),
        g.qid,
        answered=col.summary.answered,
        seen=_seen(col.summary.values),
    )


def _item_label(col: Column, choices, text: str) -> str:
    if col.parts:
        for c in choices:
            if c.id == col.parts[0]:
                return c.label
    return _text_suffix(col.text, text) or col.name


def _text_suffix(col_text: str, question_text: str) -> str:
    """The item part of a column's header text (``Question - Item`` or ``Question-Item``)."""
    if question_text and col_text.startswith(question_text):
        tail = col_text[len(question_text) :].strip().lstrip("-").strip()
        if tail:
            return tail
    for sep in (" - ", "-"):
        if sep in col_text:
            tail = col_text.rsplit(sep, 1)[1].strip()
            if tail and tail not in question_text:
                return tail
    return ""


def _observed_codes(cols: Iterable[Column]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for c in cols:
        for v, n in c.summary.values.items():
            if v not in MISSING_TEXT:
                seen[v] = seen.get(v, 0) + n
    return seen


def _options(
    choices: Iterable[Choice], seen: dict[str, int], notes: list[str]
) -> tuple[Option, ...]:
    """The definition's options, or its labels as codes when the export wrote labels."""
    choices = list(choices)
    labels = {c.label for c in choices}
    non_numeric = [v for v in seen if not _number(v)]
    text_export = bool(non_numeric) and sum(v in labels for v in non_numeric) >= max(
        1, len(non_numeric) / 2
    )
    opts = []
    for c in choices:
        code: Code = c.label if text_export else c.code
        count = seen.get(str(code), 0) if text_export else _count(seen, c.code)
        opts.append(Option(code, c.label, count, is_not_applicable(c.label)))
    known = {str(o.code) for o in opts} | {_num_key(o.code) for o in opts}
    stray = [v for v in seen if v not in known and _num_key(v) not in known]
    if stray:
        notes.append(
            "values in the export that the definition does not list: "
            + ", ".join(stray[:5])
            + (" ..." if len(stray) > 5 else "")
        )
    return tuple(opts)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _num_key(code: object) -> str:
    try:
        f = float(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(code)
    return repr(f)


def _count(seen: dict[str, int], code: Code) -> int:
    key = _num_key(code)
    return sum(n for v, n in seen.items() if _num_key(v) == key)


def _single_def(name, text, col: Column, g, choices, other) -> Entry:
    notes: list[str] = []
    opts = _options(choices, _observed_codes([col]), notes)
    return _entry(
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
        return _entry(
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
    by_code = {_num_key(c.code): c for c in choices}
    pairs: list[tuple[Code, str]] = []
    opts = []
    for col in cols:
        part = col.parts[-1] if col.parts else ""
        if g.from_ids:
            choice = by_id.get(part)
        else:
            choice = _choice_by_text(col, choices) or by_code.get(_num_key(part)) or by_id.get(part)
        if choice is None:
            notes.append(f"column {col.name}: no choice of the definition matches it")
            continue
        pairs.append((choice.code, col.name))
        opts.append(Option(choice.code, choice.label, col.summary.answered))
    return _entry(
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
    tail = _text_suffix(col.text, "")
    return next((c for c in choices if tail and c.label == tail), None)


def _grid_def(name, text, cols: list[Column], g, dq: DefQuestion, other) -> Entry:
    notes: list[str] = []
    opts = _options(dq.answers, _observed_codes(cols), notes)
    items = []
    for col in cols:
        items.append((_item_label(col, dq.choices, text), col.name))
    if not dq.answers:
        return _from_data(g, cols, other, {})[0]
    return _entry(
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
                (a for a in answers if _num_key(a.code) == _num_key(aid)), None
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
                answered=_answered(item_cols),
                notes=tuple(notes),
            )
        )
    return out


# --- from the data alone ---------------------------------------------------------


def _from_data(g: Group, cols: list[Column], other, value_labels: dict) -> list[Entry]:
    name = _name(g)
    text = _common_text(cols)
    labels = [value_labels.get(c.name) for c in cols]
    if any(labels):
        return _from_sav_labels(name, text, cols, g, other, labels)
    if len(cols) == 1:
        return [_one_column(name, text, cols[0], g, other)]
    if all(len(c.parts) >= 2 for c in cols) and len({c.parts[0] for c in cols}) > 1:
        out = []  # a multiple-answer matrix: one question per item
        for item in dict.fromkeys(c.parts[0] for c in cols):
            sub = [
                Column(c.pos, c.name, c.text, c.summary, c.parts[1:])
                for c in cols
                if c.parts[0] == item
            ]
            part = Group(f"{g.stem}_{item}", g.qid, g.loop, g.sbs, from_ids=g.from_ids)
            out += _from_data(part, sub, (), value_labels)
        return out
    seen = _observed_codes(cols)
    numeric = all(c.summary.numeric or not c.summary.answered for c in cols)
    if _looks_split_multi(cols):
        return [_multi_data(name, text, cols, g, other)]
    if numeric and seen and _few_integers(seen):
        opts = tuple(
            Option(as_code(v), v, n) for v, n in sorted(seen.items(), key=lambda kv: float(kv[0]))
        )
        items = tuple((_text_suffix(c.text, text) or c.name, c.name) for c in cols)
        return [
            _entry(
                name, "grid", text, cols, g, other,
                ("options are the codes seen in the export: label them",),
                options=opts, options_from="observed codes", items=items,
            )
        ]  # fmt: skip
    if not numeric and seen and len(seen) <= MAX_LABELS and _repeats(seen):
        opts = tuple(Option(v, v, n) for v, n in seen.items())
        items = tuple((_text_suffix(c.text, text) or c.name, c.name) for c in cols)
        return [
            _entry(
                name, "grid", text, cols, g, other,
                options=opts, options_from="observed labels", items=items,
            )
        ]  # fmt: skip
    kind = "numeric" if numeric else "text"
    return [_per_column(name, kind, text, c, g, ()) for c in cols]


def _common_text(cols: list[Column]) -> str:
    """The question text the columns' header texts share, cut at a `` - `` or ``-``."""
    texts = [c.text for c in cols if c.text]
    if not texts:
        return ""
    if len(texts) == 1:
        return texts[0]
    prefix = texts[0]
    for t in texts[1:]:
        while not t.startswith(prefix):
            prefix = prefix[:-1]
    if all(t == prefix for t in texts):
        return prefix
    for sep in (" - ", "-"):
        if sep in prefix:
            return prefix.rsplit(sep, 1)[0].strip()
    return prefix.strip() or texts[0]


def _few_integers(seen: dict[str, int]) -> bool:
    try:
        nums = [float(v) for v in seen]
    except ValueError:
        return False
    return len(nums) <= MAX_CODES and all(n.is_integer() for n in nums)


def _repeats(seen: dict[str, int]) -> bool:
    return sum(seen.values()) > len(seen)


def _looks_split_multi(cols: list[Column]) -> bool:
    """Every column holds one value at most (1, or its own label) and 0 for 'not selected'."""
    if not all(c.parts for c in cols):
        return False
    for c in cols:
        vals = set(c.summary.values) - MISSING_TEXT - {"0"}
        if len(vals) > 1:
            return False
        if vals and c.summary.numeric and vals != {"1"} and not _suffix_equals(c, vals):
            return False
    return any(c.summary.answered for c in cols)


def _suffix_equals(c: Column, vals: set[str]) -> bool:
    return bool(c.parts) and vals == {c.parts[-1]}


def _multi_data(name, text, cols: list[Column], g, other) -> Entry:
    pairs, opts = [], []
    for i, col in enumerate(cols, 1):
        suffix = col.name.rsplit("_", 1)[-1]
        code: Code = as_code(suffix) if _number(suffix) else i
        values = [v for v in col.summary.values if v not in MISSING_TEXT and v not in ("0", "1")]
        label = (
            values[0]
            if values and not col.summary.numeric
            else (_text_suffix(col.text, text) or col.name)
        )
        pairs.append((code, col.name))
        opts.append(Option(code, label, col.summary.answered))
    return _entry(
        name, "multi", text, cols, g, other,
        options=tuple(opts), options_from="observed labels", choice_columns=tuple(pairs),
    )  # fmt: skip


def _one_column(name, text, col: Column, g: Group, other) -> Entry:
    s = col.summary
    seen = _observed_codes([col])
    if g.nps_group is not None or (
        s.numeric
        and seen
        and _few_integers(seen)
        and _within(seen, 0, 10)
        and "recommend" in text.lower()
    ):
        return _entry(name, "nps", text, [col], g, other, _nps_note(g))
    if not s.answered:
        return _entry(
            name, "text", text, [col], g, other, ("no answers in the export to classify",)
        )
    tokens = _one_cell_codes(seen)
    if tokens is not None:
        opts = tuple(
            Option(as_code(v), v, n) for v, n in sorted(tokens.items(), key=lambda kv: float(kv[0]))
        )
        return _entry(
            name, "multi", text, [col], g, other,
            ("options are the codes seen in the export: label them",),
            options=opts, options_from="observed codes", delimiter=",",
        )  # fmt: skip
    if s.numeric:
        if _few_integers(seen):
            opts = tuple(
                Option(as_code(v), v, n)
                for v, n in sorted(seen.items(), key=lambda kv: float(kv[0]))
            )
            return _entry(
                name, "single", text, [col], g, other,
                ("options are the codes seen in the export: label them",),
                options=opts, options_from="observed codes",
            )  # fmt: skip
        return _entry(name, "numeric", text, [col], g, other)
    if _all_dates(s.values):
        return _entry(name, "date", text, [col], g, other)
    if len(seen) <= MAX_LABELS and _repeats(seen) and len(s.values) < 200:
        opts = tuple(Option(v, v, n) for v, n in seen.items())
        return _entry(
            name, "single", text, [col], g, other, options=opts, options_from="observed labels"
        )
    return _entry(name, "text", text, [col], g, other)


def _one_cell_codes(seen: dict[str, int]) -> dict[str, int] | None:
    """Codes of a one-cell multiple answer (``1,3,5``): respondents per code, else None."""
    if not any("," in v for v in seen):
        return None
    tokens: dict[str, int] = {}
    for v, n in seen.items():
        for t in v.split(","):
            t = t.strip()
            if not re.fullmatch(r"-?\d+", t):
                return None
            tokens[t] = tokens.get(t, 0) + n
    return tokens if len(tokens) <= 50 else None


def _within(seen: dict[str, int], lo: float, hi: float) -> bool:
    return all(lo <= float(v) <= hi for v in seen)


def _from_sav_labels(name, text, cols, g, other, labels) -> list[Entry]:
    def opts_for(col: Column, mapping: dict) -> tuple[Option, ...]:
        seen = _observed_codes([col])
        out = [
            Option(code, str(lab), _count(seen, code), is_not_applicable(str(lab)))
            for code, lab in mapping.items()
        ]
        known = {_num_key(o.code) for o in out}
        out += [Option(as_code(v), v, n) for v, n in seen.items() if _num_key(v) not in known]
        return tuple(out)

    if len(cols) == 1:
        mapping = labels[0] or {}
        if (
            set(mapping)
            and all(isinstance(k, int) for k in mapping)
            and set(mapping) <= set(range(11))
            and len(mapping) == 11
        ):
            return [_entry(name, "nps", text, cols, g, other)]
        return [
            _entry(
                name,
                "single",
                text,
                cols,
                g,
                other,
                options=opts_for(cols[0], mapping),
                options_from="sav labels",
            )
        ]
    if all(m and len(m) == 1 for m in labels):
        pairs, opts = [], []
        for col, m in zip(cols, labels, strict=True):
            code, lab = next(iter(m.items()))
            suffix = col.name.rsplit("_", 1)[-1]
            key: Code = as_code(suffix) if _number(suffix) else code
            pairs.append((key, col.name))
            opts.append(Option(key, str(lab), col.summary.answered))
        return [
            _entry(
                name,
                "multi",
                text,
                cols,
                g,
                other,
                options=tuple(opts),
                options_from="sav labels",
                choice_columns=tuple(pairs),
            )
        ]
    mapping = next(m for m in labels if m)
    items = tuple((_text_suffix(c.text, text) or c.name, c.name) for c in cols)
    seen = _observed_codes(cols)
    opts = [
        Option(code, str(lab), _count(seen, code), is_not_applicable(str(lab)))
        for code, lab in mapping.items()
    ]
    return [
        _entry(
            name,
            "grid",
            text,
            cols,
            g,
            other,
            options=tuple(opts),
            options_from="sav labels",
            items=items,
        )
    ]
