"""Group an export's columns into questions.

With ImportIds (current and 2016 exports) a column belongs to its QID, loop &
merge iteration and side-by-side column; ``_TEXT``, ``_DO``, ``_NPS_GROUP`` and
timing columns are set aside beside their question. Without ImportIds (legacy
two-row exports, plain CSV, .sav) columns are matched to the definition's export
tags when a ``.qsf`` is given, else grouped by their name stem (``Q5_1``,
``Q5_2`` -> ``Q5``; ``Q7#1_2`` -> ``Q7``, side-by-side column 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cxsurvey.codebook.header import TIMING, ExportHeader, ImportId
from cxsurvey.codebook.qsf import SurveyDefinition
from cxsurvey.codebook.values import ColumnSummary


@dataclass(frozen=True)
class Column:
    pos: int
    name: str
    text: str
    summary: ColumnSummary
    parts: tuple[str, ...] = ()  # item/choice ids after the question id


@dataclass
class Group:
    stem: str  # export tag or name stem
    qid: str | None = None
    loop: str | None = None
    sbs: str | None = None
    kind: str = "question"  # question | metadata | embedded | order | timing
    cols: list[Column] = field(default_factory=list)
    text_cols: list[Column] = field(default_factory=list)
    nps_group: Column | None = None
    from_ids: bool = False  # parts come from ImportIds (choice ids), not from names


_META = {
    "responseid", "responseset", "responsesetid", "ipaddress", "startdate", "enddate",
    "recordeddate", "status", "progress", "duration", "durationinseconds", "finished",
    "recipientlastname", "recipientfirstname", "recipientemail", "externalreference",
    "externaldatareference", "locationlatitude", "locationlongitude", "locationaccuracy",
    "distributionchannel", "userlanguage", "recordid", "name", "emailaddress",
    "responsetype",
}  # fmt: skip
LEGACY_META = {f"V{i}" for i in range(1, 11)}


def is_metadata(name: str, raw_id: str | None = None) -> bool:
    for text in (raw_id, name):
        if not text:
            continue
        key = re.sub(r"^(panel|location)-", "", text, flags=re.I)
        key = re.sub(r"[^a-z0-9]", "", key.lower())
        if key in _META or text.startswith("Q_"):
            return True
    return False


def group_columns(
    header: ExportHeader,
    summaries: list[ColumnSummary],
    definition: SurveyDefinition | None,
    skip: set[int],
) -> list[Group]:
    """Groups in order of first appearance; positions in ``skip`` are left out."""
    groups: dict[tuple, Group] = {}
    by_tag = _tags(definition)
    for pos, name in enumerate(header.names):
        if pos in skip:
            continue
        iid = header.import_ids[pos]
        text = header.texts[pos]
        summary = summaries[pos]
        if iid is not None:
            key, group, col = _by_import_id(pos, name, text, summary, iid)
        else:
            key, group, col = _by_name(pos, name, text, summary, header, by_tag)
        role = key[-1] if isinstance(key[-1], str) and key[-1].startswith("role:") else ""
        target = groups.setdefault(key[:-1] if role else key, group)
        _place(target, col, role)
    return list(groups.values())


def _place(target: Group, col: Column, role: str) -> None:
    if role == "role:TEXT" and target.kind == "question":
        target.text_cols.append(col)
    elif role == "role:NPS_GROUP":
        target.nps_group = col
    else:
        target.cols.append(col)


def _by_import_id(pos, name, text, summary, iid: ImportId):
    if iid.qid is None:
        kind = "metadata" if is_metadata(name, iid.raw) else "embedded"
        return (kind, pos), Group(name, kind=kind), Column(pos, name, text, summary)
    col = Column(pos, name, text, summary, iid.parts)
    base = (iid.loop, iid.qid, iid.sbs)
    if iid.suffix == "DO":
        return (*base, "DO"), Group(name, iid.qid, iid.loop, iid.sbs, "order"), col
    if iid.suffix == "TEXTIQ":
        return (*base, "textiq", pos), Group(name, iid.qid, kind="derived"), col
    if iid.suffix in TIMING:
        return (*base, "timing"), Group(f"{iid.qid}_timing", iid.qid, kind="timing"), col
    stem = _stem(name)
    group = Group(stem, iid.qid, iid.loop, iid.sbs, from_ids=True)
    if iid.suffix == "TEXT":
        return (*base, "q", "role:TEXT"), group, col
    if iid.suffix == "NPS_GROUP":
        return (*base, "q", "role:NPS_GROUP"), group, col
    return (*base, "q"), group, col


_STEM = re.compile(r"^(?P<stem>.+?)(?:#\d+)?(?P<rest>(?:_[^_#]+)*)$")


def _stem(name: str) -> str:
    """``Q5_1`` -> ``Q5``; ``1_Q5_2`` -> ``1_Q5``; ``Q7#1_2`` -> ``Q7``; ``fruits`` -> ``fruits``."""
    base = name.removesuffix("_TEXT").removesuffix("_NPS_GROUP")
    if "#" in base:
        return base.split("#", 1)[0]
    m = re.match(r"^(?P<loop>\d+_)?(?P<stem>.+?)(?:_\d+)*$", base)
    return (m.group("loop") or "") + m.group("stem") if m else base


def _tags(definition: SurveyDefinition | None) -> list[tuple[str, str]]:
    if definition is None:
        return []
    tags = [(q.tag, q.qid) for q in definition.questions.values()]
    return sorted(tags, key=lambda t: -len(t[0]))


def _by_name(pos, name, text, summary, header: ExportHeader, by_tag):
    if name in LEGACY_META and header.kind == "qualtrics-legacy":
        return ("metadata", pos), Group(name, kind="metadata"), Column(pos, name, text, summary)
    if is_metadata(name):
        return ("metadata", pos), Group(name, kind="metadata"), Column(pos, name, text, summary)
    is_text = name.endswith("_TEXT")
    base = name.removesuffix("_TEXT")
    loop = None
    m = re.match(r"^(\d+)_(.+)$", base)
    for candidate, lp in ((base, None), *([(m.group(2), m.group(1))] if m else [])):
        for tag, qid in by_tag:
            if candidate == tag or candidate.startswith((tag + "_", tag + "#")):
                sbs, parts = _side_by_side(candidate[len(tag) :])
                loop = lp
                col = Column(pos, name, text, summary, parts)
                key = (loop, qid, sbs, "q")
                if is_text:
                    key = (*key, "role:TEXT")
                return key, Group(tag if lp is None else f"{lp}_{tag}", qid, loop, sbs), col
    stem = _stem(name)
    sbs, parts = _side_by_side(base[len(stem) :] if base.startswith(stem) else "")
    col = Column(pos, name, text, summary, parts)
    key = (None, stem, sbs, "q")
    if is_text:
        key = (*key, "role:TEXT")
    return key, Group(stem, None, None, sbs), col


def _side_by_side(rest: str) -> tuple[str | None, tuple[str, ...]]:
    """(side-by-side number, name parts) of what follows a question's tag:
    ``#2_1_3`` -> ("2", ("1", "3")); ``_4`` -> (None, ("4",))."""
    sbs = None
    if rest.startswith("#"):
        found = re.match(r"#(\d+)", rest)
        sbs = found.group(1) if found else None
        rest = rest[len(found.group(0)) if found else 1 :]
    return sbs, tuple(p for p in rest.split("_") if p)
