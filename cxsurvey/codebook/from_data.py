"""Questions typed from the data alone: value labels of a .sav, else the values seen.

Numbers with few distinct whole values read as codes (to be labelled), text with
few repeating values as the labels of a choice-text export, ``1,3,5`` in one
cell as a one-cell multiple answer; the rules are listed in docs/init.md.
"""

from __future__ import annotations

import re

from cxsurvey.codebook.entries import (
    MAX_CODES,
    MAX_LABELS,
    all_dates,
    common_text,
    is_not_applicable,
    make_entry,
    nps_note,
    observed_codes,
    per_column,
    question_name,
    text_suffix,
)
from cxsurvey.codebook.grouping import Column, Group
from cxsurvey.codebook.model import Code, Entry, Option
from cxsurvey.codebook.values import MISSING_TEXT
from cxsurvey.reading.cells import as_code, code_key, count_code, number_of


def classify_from_data(g: Group, cols: list[Column], other, value_labels: dict) -> list[Entry]:
    name = question_name(g)
    text = common_text(cols)
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
            out += classify_from_data(part, sub, (), value_labels)
        return out
    seen = observed_codes(cols)
    numeric = all(c.summary.numeric or not c.summary.answered for c in cols)
    if _looks_split_multi(cols):
        return [_multi_data(name, text, cols, g, other)]
    if numeric and seen and _few_integers(seen):
        opts = tuple(
            Option(as_code(v), v, n) for v, n in sorted(seen.items(), key=lambda kv: float(kv[0]))
        )
        items = tuple((text_suffix(c.text, text) or c.name, c.name) for c in cols)
        return [
            make_entry(
                name, "grid", text, cols, g, other,
                ("options are the codes seen in the export: label them",),
                options=opts, options_from="observed codes", items=items,
            )
        ]  # fmt: skip
    if not numeric and seen and len(seen) <= MAX_LABELS and _repeats(seen):
        opts = tuple(Option(v, v, n) for v, n in seen.items())
        items = tuple((text_suffix(c.text, text) or c.name, c.name) for c in cols)
        return [
            make_entry(
                name, "grid", text, cols, g, other,
                options=opts, options_from="observed labels", items=items,
            )
        ]  # fmt: skip
    kind = "numeric" if numeric else "text"
    return [per_column(name, kind, text, c, g, ()) for c in cols]


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
        code: Code = as_code(suffix) if (number_of(suffix) is not None) else i
        values = [v for v in col.summary.values if v not in MISSING_TEXT and v not in ("0", "1")]
        label = (
            values[0]
            if values and not col.summary.numeric
            else (text_suffix(col.text, text) or col.name)
        )
        pairs.append((code, col.name))
        opts.append(Option(code, label, col.summary.answered))
    return make_entry(
        name, "multi", text, cols, g, other,
        options=tuple(opts), options_from="observed labels", choice_columns=tuple(pairs),
    )  # fmt: skip


def _one_column(name, text, col: Column, g: Group, other) -> Entry:
    s = col.summary
    seen = observed_codes([col])
    if g.nps_group is not None or (
        s.numeric
        and seen
        and _few_integers(seen)
        and _within(seen, 0, 10)
        and "recommend" in text.lower()
    ):
        return make_entry(name, "nps", text, [col], g, other, nps_note(g))
    if not s.answered:
        return make_entry(
            name, "text", text, [col], g, other, ("no answers in the export to classify",)
        )
    tokens = _one_cell_codes(seen)
    if tokens is not None:
        opts = tuple(
            Option(as_code(v), v, n) for v, n in sorted(tokens.items(), key=lambda kv: float(kv[0]))
        )
        return make_entry(
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
            return make_entry(
                name, "single", text, [col], g, other,
                ("options are the codes seen in the export: label them",),
                options=opts, options_from="observed codes",
            )  # fmt: skip
        return make_entry(name, "numeric", text, [col], g, other)
    if all_dates(s.values):
        return make_entry(name, "date", text, [col], g, other)
    if len(seen) <= MAX_LABELS and _repeats(seen) and len(s.values) < 200:
        opts = tuple(Option(v, v, n) for v, n in seen.items())
        return make_entry(
            name, "single", text, [col], g, other, options=opts, options_from="observed labels"
        )
    return make_entry(name, "text", text, [col], g, other)


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
        seen = observed_codes([col])
        out = [
            Option(code, str(lab), count_code(seen, code), is_not_applicable(str(lab)))
            for code, lab in mapping.items()
        ]
        known = {code_key(o.code) for o in out}
        out += [Option(as_code(v), v, n) for v, n in seen.items() if code_key(v) not in known]
        return tuple(out)

    if len(cols) == 1:
        mapping = labels[0] or {}
        if (
            set(mapping)
            and all(isinstance(k, int) for k in mapping)
            and set(mapping) <= set(range(11))
            and (len(mapping) == 11 or "recommend" in text.lower())
            and {0, 10} <= set(mapping)
            and set(observed_codes(cols)) <= {str(i) for i in range(11)}
        ):  # 0-10 labelled (often only at the ends) with "recommend" in its wording
            return [make_entry(name, "nps", text, cols, g, other)]
        return [
            make_entry(
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
            key: Code = as_code(suffix) if (number_of(suffix) is not None) else code
            pairs.append((key, col.name))
            opts.append(Option(key, str(lab), col.summary.answered))
        return [
            make_entry(
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
    items = tuple((text_suffix(c.text, text) or c.name, c.name) for c in cols)
    seen = observed_codes(cols)
    opts = [
        Option(code, str(lab), count_code(seen, code), is_not_applicable(str(lab)))
        for code, lab in mapping.items()
    ]
    return [
        make_entry(
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
