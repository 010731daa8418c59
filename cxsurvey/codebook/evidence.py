"""Does a survey definition belong to this export? The evidence the export carries.

Qualtrics numbers questions ``QID1``, ``QID2``... in every survey, so a ``.qsf``
of another survey shares ids with any export. Each question the export shares
with the definition is judged on two pieces of evidence:

- **text**: the export's question-text header (3-row and legacy exports, .sav
  variable labels) against the definition's ``QuestionText`` without markup,
  compared word by word ignoring case, spacing and punctuation; the export's
  text may carry a `` - item`` suffix (grids, split multiples) and may be cut
  short with ``...`` (2016 exports: ``text cut shor...-Item``); piped text
  (``${...}``) and what follows it is not compared;
- **values**: the answers of a single choice, one-cell multiple choice or
  single-answer matrix against the definition's exported codes (recode values,
  else choice ids) and, for choice-text exports, its choice labels. The values
  disagree when fewer than half of the answered cells hold a listed code/label.

A question disagrees when its text or its values disagree; agrees when at least
one agrees and none disagrees; else (no text, no coded answers) it is not judged.
The definition is refused (``DataError``) when more than half of the judged
questions disagree; otherwise each disagreeing question is named in a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxsurvey.codebook.grouping import Group
from cxsurvey.codebook.qsf import DefQuestion, SurveyDefinition
from cxsurvey.codebook.values import MISSING_TEXT
from cxsurvey.reading.cells import code_key

_WORD = re.compile(r"\w+")
_CUT = re.compile(r"\.\.\.|\u2026")
_MIN_SHARE = 0.5  # the share of answered cells a definition must list to agree


@dataclass(frozen=True)
class Verdict:
    qid: str
    stem: str
    text: bool | None  # True agrees, False disagrees, None not judged
    values: bool | None

    @property
    def disagrees(self) -> bool:
        return self.text is False or self.values is False

    @property
    def judged(self) -> bool:
        return self.text is not None or self.values is not None


def check_belongs(groups: list[Group], definition: SurveyDefinition, export: str) -> list[str]:
    """Warnings for questions whose evidence disagrees; DataError when most do."""
    from cxsurvey.errors import DataError

    by_qid: dict[str, list[Verdict]] = {}
    for g in groups:
        if g.kind == "question" and g.qid in definition.questions:
            by_qid.setdefault(g.qid, []).append(judge(g, definition.questions[g.qid]))
    verdicts = [_combine(vs) for vs in by_qid.values()]  # loop & merge: one question
    judged = [v for v in verdicts if v.judged]
    wrong = [v for v in judged if v.disagrees]
    if not wrong:
        return []
    what = _what(wrong)
    if len(wrong) * 2 > len(judged):
        raise DataError(
            f"{definition.path}: the survey definition belongs to another survey: "
            f"{len(wrong)} of {len(judged)} questions it shares ids with {export} have "
            f"other {what}; check you exported the definition of this survey"
        )
    names = ", ".join(f"{v.stem} ({v.qid})" for v in wrong[:8]) + (" ..." if len(wrong) > 8 else "")
    return [
        f"{definition.path}: {len(wrong)} of {len(judged)} questions it shares ids with the "
        f"export have other {what} than the export: {names}; the definition was edited after "
        "the export, or belongs to another survey: check them"
    ]


def _combine(verdicts: list[Verdict]) -> Verdict:
    def one(values: list[bool | None]) -> bool | None:
        return False if False in values else (True if True in values else None)

    first = verdicts[0]
    return Verdict(
        first.qid, first.stem, one([v.text for v in verdicts]), one([v.values for v in verdicts])
    )


def _what(wrong: list[Verdict]) -> str:
    text = any(v.text is False for v in wrong)
    values = any(v.values is False for v in wrong)
    if text and values:
        return "question text or values"
    return "question text" if text else "values"


def judge(g: Group, dq: DefQuestion) -> Verdict:
    return Verdict(dq.qid, dq.tag, _text_agrees(g, dq), _values_agree(g, dq))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _text_agrees(g: Group, dq: DefQuestion) -> bool | None:
    texts = [c.text for c in (*g.cols, *g.text_cols) if c.text and c.text.strip()]
    mine = words(dq.text.split("${", 1)[0])  # piped text: only the words before it
    if not texts or not mine:
        return None
    return any(text_matches(t, mine) for t in texts[:3])


def text_matches(export_text: str, def_words: list[str]) -> bool:
    """The export's header text is the definition's text, plus an item suffix or cut short."""
    cut = _CUT.search(export_text)  # 2016 exports: "text cut shor...-Item"
    theirs = words(export_text[: cut.start()] if cut else export_text)
    if not theirs:
        return True  # nothing to compare (a header of punctuation only)
    if theirs[: len(def_words)] == def_words:  # equal, or followed by " - item"
        return True
    if cut or len(theirs) >= 3:  # cut short: a prefix of the definition's text
        joined, full = " ".join(theirs), " ".join(def_words)
        return full.startswith(joined)
    return False


def _values_agree(g: Group, dq: DefQuestion) -> bool | None:
    if g.sbs:
        return None
    if dq.type == "MC" and len(g.cols) == 1 and not g.cols[0].parts:
        listed = dq.choices
        split = dq.selector.startswith("MA") or dq.selector == "MSB"
    elif dq.type == "Matrix" and dq.answers and dq.selector == "Likert":
        if dq.sub_selector == "MultipleAnswer":
            return None
        listed, split = dq.answers, False
    else:
        return None
    if not listed:
        return None
    codes = {code_key(c.code) for c in listed}
    labels = {" ".join(words(c.label)) for c in listed}
    total = hit = 0
    for col in g.cols:
        for value, n in col.summary.values.items():
            tokens = value.split(",") if split and value not in labels else [value]
            for token in tokens:
                token = token.strip()
                if not token or token in MISSING_TEXT:
                    continue
                total += n
                if code_key(token) in codes or " ".join(words(token)) in labels:
                    hit += n
    if total == 0:
        return None
    return hit >= _MIN_SHARE * total
