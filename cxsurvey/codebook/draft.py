"""Write a first study file from a codebook: YAML with comments a person edits.

Keys follow the order of the study-format docs (version, study, source, scales,
segments, questions, figures). Every label is written so that YAML reads it
back exactly (quoted when YAML would read a number, boolean or null, or when it
holds characters YAML treats specially). The draft is validated before it is
returned: a draft ``cxsurvey validate`` would reject is a bug, never output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cxsurvey.codebook.grid_figures import grid_figures, top_two
from cxsurvey.codebook.model import Codebook, Entry, Option
from cxsurvey.errors import InternalError

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _()/&'.,?-]*$")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}
_LIKERT = re.compile(
    r"agree|disagree|never|always|rarely|sometimes|often|satisf|likely|poor|excellent|"
    r"good|bad|important|strongly|very|somewhat|neutral|neither|mature|capab",
    re.IGNORECASE,
)
TITLE_MAX = 100
# Characters YAML may not hold raw (and line separators it would fold): escaped.
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def scalar(value: object) -> str:
    """A YAML scalar that reads back as ``value`` (text stays text)."""
    if isinstance(value, bool):
        return json.dumps(str(value))
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if (
        _PLAIN.match(text)
        and text.lower() not in _RESERVED
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and "," not in text
    ):
        return text
    return quoted(text)


def comment(text: object) -> str:
    """Text safe inside a ``#`` comment: one line, whatever the export held."""
    return _SPACES.sub(" ", str(text)).strip()


def quoted(text: str) -> str:
    """A double-quoted YAML scalar of ``text``."""
    return _UNPRINTABLE.sub(
        lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text, ensure_ascii=False)
    )


def drafted_questions(cb: Codebook) -> list[Entry]:
    """The entries the draft declares as questions, in export order."""
    questions = [e for e in cb.entries if _in_draft(e)]
    dates = [e for e in questions if e.type == "date" and e.qid is None]
    keep = next((e for e in dates if e.columns[0] == "RecordedDate"), dates[0] if dates else None)
    return [e for e in questions if e.type != "date" or e.qid is not None or e is keep]


def draft_study(cb: Codebook) -> str:
    """The study file text for ``cb``; validated before it is returned."""
    questions = drafted_questions(cb)
    lines: list[str] = []
    out = lines.append
    source_name = Path(cb.path).name
    out(f"# Study file drafted by `cxsurvey init` from {comment(source_name)}")
    if cb.definition:
        out(f"# and its survey definition {comment(Path(cb.definition).name)}.")
    out("# Review it before trusting a number: question names, option labels, the")
    out("# include rules and the missing codes. Then run:")
    out("#   cxsurvey validate THIS_FILE")
    out(f"#   cxsurvey figures {comment(source_name)} --study THIS_FILE")
    out("version: 1")
    out(f"study: {scalar(cb.survey_name or Path(cb.path).stem)}")
    out("")
    lines += _source(cb)
    out("")
    lines += _scale_template(questions)
    out("")
    out("questions:")
    for e in questions:
        lines += _question(e)
    figures = [e for e in questions if e.analysable]
    out("")
    out("figures:")
    if not figures:
        out("  []  # no question the export holds can be tabulated yet; add figures here")
    for e in figures:
        title = _title(e)
        if e.type != "grid":
            out(f"  - {{id: {scalar(e.name)}, title: {quoted(title)}, question: {scalar(e.name)}}}")
            continue
        for fid, ftitle, show in grid_figures(e, title):
            shown = f", show: {scalar(show)}" if show is not None else ""
            out(
                f"  - {{id: {scalar(fid)}, title: {quoted(ftitle)}, "
                f"question: {scalar(e.name)}{shown}}}"
            )
    lines += _banner_hint(questions)
    lines += _left_out(cb, questions)
    text = "\n".join(lines) + "\n"
    _check(text)
    return text


def _in_draft(e: Entry) -> bool:
    if e.type in ("single", "multi", "grid", "embedded"):
        return bool(e.options)
    if e.type == "date":
        return len(e.columns) == 1
    return e.type in ("numeric", "nps", "text") and len(e.columns) == 1


def _title(e: Entry) -> str:
    text = e.text or e.name
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1].rstrip() + "…"


def _source(cb: Codebook) -> list[str]:
    lines = ["source:", f"  format: auto  # detected: {comment(cb.layout)}"]
    if cb.encoding_given and cb.encoding not in ("utf-8", "utf-16"):
        lines.append(f"  encoding: {scalar(cb.encoding)}")
    if cb.id_column:
        col = "ResponseId" if cb.id_column == "V1" else cb.id_column
        lines.append(f"  id: {scalar(col)}")
    include = []
    if cb.finished:
        col, seen = cb.finished
        col = "Finished" if col == "V10" else col
        keep = "1" if "1" in seen else ("True" if "True" in seen else None)
        if keep is not None:
            value = 1 if keep == "1" else '"True"'
            include.append(f"    - {{column: {col}, in: [{value}]}}  # completed responses only")
    if cb.status:
        col, seen = cb.status
        col = "Status" if col == "V7" else col
        if all(_is_int(v) for v in seen):
            include.append(
                f"    - {{column: {col}, not_in: [1, 8]}}  # 1 = survey preview, 8 = spam"
            )
        else:
            include.append(f'    - {{column: {col}, not_in: ["Survey Preview", "Spam"]}}')
    if include:
        lines.append("  include:")
        lines += include
    if cb.missing:
        codes = ", ".join(scalar(c) for c in cb.missing)
        why = "user-missing in the .sav" if cb.layout.startswith("SPSS") else "seen but unanswered"
        lines.append(f"  missing: [{codes}]  # {why}")
    else:
        lines.append("  missing: []  # codes that mean 'not answered' in every column, e.g. -99")
    na = sorted({o.label for e in cb.entries for o in e.options if o.not_applicable})
    if na:
        lines.append("  # 'Don't know' style answers are set as not_applicable on their questions")
        lines.append(
            "  # (left out of bases): "
            + comment(", ".join(na[:6]))
            + (" ..." if len(na) > 6 else "")
        )
    return lines


def _is_int(text: str) -> bool:
    return bool(re.match(r"^-?\d+$", text))


def _question(e: Entry) -> list[str]:
    lines = [f"  {scalar(e.name)}:"]
    if e.text:
        lines.append(f"    text: {scalar(e.text)}")
    lines.append(f"    type: {'single' if e.type == 'embedded' else e.type}")
    if e.type == "embedded":
        lines.append("    # embedded data: a banner candidate (no figure drafted)")
    if e.type == "grid":
        lines.append("    columns:")
        for label, col in _unique_items(e.items):
            lines.append(f"      {scalar(label)}: {scalar(col)}")
    elif e.type == "multi" and e.choice_columns:
        lines.append("    columns:")
        for code, col in e.choice_columns:
            lines.append(f"      {scalar(code)}: {scalar(col)}")
    else:
        lines.append(f"    column: {scalar(e.columns[0])}")
    if e.delimiter and e.delimiter != ",":
        lines.append(f"    delimiter: {scalar(e.delimiter)}")
    if e.options and e.type in ("single", "multi", "grid", "embedded"):
        note = {
            "observed codes": "  # codes seen in the export: replace each label",
            "observed labels": "  # labels seen in the export",
            "sav labels": "  # from the .sav value labels",
        }.get(e.options_from, "")
        lines.append(f"    options:{note}")
        for opt in _unique_labels(e.options):
            lines.append(f"      {scalar(opt.code)}: {scalar(opt.label)}")
        na = [o for o in e.options if o.not_applicable]
        if na and e.type != "multi":
            codes = ", ".join(scalar(o.code) for o in na)
            lines.append(f"    not_applicable: [{codes}]  # left out of the base")
        net = top_two(e)
        if net is not None:
            codes = ", ".join(scalar(c) for c in net[1])
            check = (
                ": check them, the codes are unlabelled"
                if e.options_from == "observed codes"
                else ""
            )
            lines.append(
                f"    nets:  # the two best points of the scale{check}; its figure shows it"
            )
            lines.append(f"      {scalar(net[0])}: [{codes}]")
    for col in e.other_text:
        lines.append(f"    # other-specify text: {comment(col)}")
    for note in e.notes:
        lines.append(f"    # {comment(note)}")
    return lines


def _unique_labels(options: tuple[Option, ...]) -> list[Option]:
    seen: set[str] = set()
    out = []
    codes: set[str] = set()
    for o in options:
        if str(o.code) in codes:
            continue
        codes.add(str(o.code))
        label = o.label or str(o.code)
        if label in seen:
            label = f"{label} ({o.code})"
        seen.add(label)
        out.append(Option(o.code, label, o.count, o.not_applicable))
    return out


def _unique_items(items: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for label, col in _without_column_names(items):
        label = label or col
        if label in seen:
            label = f"{label} ({col})"
        seen.add(label)
        out.append((label, col))
    return out


def _without_column_names(items: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """``Lead - Q5_1`` (a header text ending in its own column name) as ``Lead 1``:
    the group, numbered within it; ``Lead`` alone when it is the group's only item."""
    heads = [label[: -len(col)].rstrip(" -") if label.endswith(" - " + col) else None
             for label, col in items]  # fmt: skip
    count = {h: heads.count(h) for h in heads if h}
    out, k = [], dict.fromkeys(count, 0)
    for (label, col), head in zip(items, heads, strict=True):
        if head:
            k[head] += 1
            label = head if count[head] == 1 else f"{head} {k[head]}"
        out.append((label, col))
    return out


def _scale_template(questions: list[Entry]) -> list[str]:
    battery = next((e for e in questions if _is_battery(e)), None)
    if battery is None:
        return [
            "# scales: none drafted; a multi-item rating battery (a grid of 1..5 items)",
            "# can be scored into group scores, a total and bands; see docs/study-format.md",
        ]
    values = [o for o in battery.options if not o.not_applicable]
    groups: dict[str, list[str]] = {}
    for label, col in battery.items:
        head = label.split(" - ", 1)[0] if " - " in label else "All items"
        groups.setdefault(head, []).append(col)
    if len(groups) == len(battery.items):
        groups = {"All items": [c for _, c in battery.items]}
    name = f"{battery.name}_score"
    vals = ", ".join(f"{scalar(o.code)}: {scalar(o.label)}" for o in values)
    return [
        f"# {battery.name} looks like a rating battery; uncomment to score it and to split",
        "# respondents at the median score (edit groups, bands and labels first):",
        "# scales:",
        f"#   {name}:",
        f"#     label: {scalar(_title(battery))}",
        f"#     values: {{{vals}}}",
        "#     groups:",
        *(f"#       {scalar(g)}: [{', '.join(scalar(c) for c in cs)}]" for g, cs in groups.items()),
        "#     group_score: mean",
        "#     total: mean",
        "#     min_answered: 0.5",
        "# segments:",
        f"#   {battery.name}_split:",
        f"#     median_split: {name}",
        "#     high: High scorers",
        "#     low: Low scorers",
    ]


def _is_battery(e: Entry) -> bool:
    if e.type != "grid" or len(e.items) < 3:
        return False
    values = [o for o in e.options if not o.not_applicable]
    if not 4 <= len(values) <= 7 or not all(isinstance(o.code, int) for o in values):
        return False
    codes = sorted(o.code for o in values)  # type: ignore[type-var]
    consecutive = codes == list(range(codes[0], codes[0] + len(codes)))
    if e.options_from == "observed codes":  # unlabelled: a long battery of 1..n ratings
        return consecutive and len(e.items) >= 6
    return consecutive and sum(bool(_LIKERT.search(o.label)) for o in values) >= 2


def _banner_hint(questions: list[Entry]) -> list[str]:
    candidates = [
        e
        for e in questions
        if e.type in ("single", "embedded")
        and 2 <= len([o for o in e.options if not o.not_applicable]) <= 6
    ]
    dates = [e for e in questions if e.type == "date"]
    if not candidates and not dates:
        return []
    lines = ["", "# Banners: split a figure by a single question (or a date, by period) with `by:`"]
    if candidates:
        first = candidates[0]
        other = next((e for e in questions if e.analysable and e is not first), first)
        lines.append(
            f"#   - {{id: {other.name}_by_{first.name}, question: {other.name}, by: {first.name}}}"
        )
        names = ", ".join(f"{e.name} ({len(e.options)} options)" for e in candidates[:8])
        lines.append(f"# Candidate banners: {names}")
    if dates:
        lines.append(f"# Trends: by: {dates[0].name}, period: month (or week, quarter)")
    return lines


def _left_out(cb: Codebook, questions: list[Entry]) -> list[str]:
    """Questions of the export the draft does not declare, each with its reason."""
    drafted = {id(e) for e in questions}
    skipped = [
        e
        for e in cb.entries
        if id(e) not in drafted and e.type in ("single", "multi", "grid", "numeric", "nps", "other")
    ]
    if not skipped:
        return []
    lines = ["", "# Not drafted (declare them by hand if you need them):"]
    for e in skipped:
        why = e.notes[0] if e.notes else ("no options" if not e.options else "several columns")
        lines.append(
            f"#   {e.name} ({e.type}, {comment(', '.join(e.columns[:3]))}): {comment(why)}"
        )
    return lines


def _check(text: str) -> None:
    from cxsurvey.errors import StudyError
    from cxsurvey.study.load import parse_study

    try:
        parse_study(text, "<draft>")
    except StudyError as exc:
        raise InternalError(f"the drafted study file does not validate: {exc}") from None
