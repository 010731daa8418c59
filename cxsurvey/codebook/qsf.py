"""The Qualtrics survey definition (``.qsf``): questions, choices and exported codes.

A ``.qsf`` is JSON: ``SurveyEntry`` and a list of ``SurveyElements``; each
``SQ`` element's ``Payload`` is one question with its ``QuestionType``
(``MC``, ``Matrix``, ``Slider``, ``TE``, ``SBS``, ``CS``, ``RO``, ...),
``Selector``, ``Choices`` (options of a multiple-choice question, items of a
matrix or slider), ``Answers`` (the scale points of a matrix) and
``RecodeValues``. The code a numeric export writes for a choice is its recode
value when one is set, else the choice id, never its position in the list.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxsurvey.errors import DataError
from cxsurvey.reading.cells import as_code


@dataclass(frozen=True)
class Choice:
    id: str
    label: str  # display text, HTML stripped
    code: int | float | str  # the exported code: recode value, else the id
    text_entry: bool = False  # "other, please specify"
    exclusive: bool = False


@dataclass(frozen=True)
class DefQuestion:
    qid: str
    tag: str  # DataExportTag: the export's column name stem
    type: str  # QuestionType
    selector: str
    sub_selector: str
    text: str
    choices: tuple[Choice, ...] = ()  # in display order
    answers: tuple[Choice, ...] = ()  # matrix scale points, in display order
    content: str = ""  # TE validation content type (ValidNumber, ValidDate, ...)
    sbs: dict[str, DefQuestion] = field(default_factory=dict)  # side-by-side columns

    def choice(self, cid: str) -> Choice | None:
        return next((c for c in self.choices if c.id == cid), None)

    def answer(self, aid: str) -> Choice | None:
        return next((a for a in self.answers if a.id == aid), None)


@dataclass(frozen=True)
class SurveyDefinition:
    path: str
    name: str
    questions: dict[str, DefQuestion]  # by QID, in survey order


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def strip_html(text: Any) -> str:
    """Display text without markup: tags dropped, entities decoded, spaces collapsed."""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", " ", text)
    text = _TAG.sub("", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


def load_qsf(path: str | Path) -> SurveyDefinition:
    """Read a survey definition; DataError (one line) when it is not one."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: survey definition not found; check the --qsf path")
    if p.is_dir():
        raise DataError(f"{p}: is a directory; give the .qsf file")
    try:
        data = json.loads(p.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise DataError(
            f"{p}: not a Qualtrics survey definition (not JSON); export it from "
            "Survey > Tools > Import/Export > Export Survey"
        ) from None
    elements = data.get("SurveyElements") if isinstance(data, dict) else None
    if not isinstance(elements, list):
        raise DataError(
            f"{p}: not a Qualtrics survey definition (no SurveyElements); export it "
            "from Survey > Tools > Import/Export > Export Survey"
        )
    from cxsurvey.codebook.qsf_shape import shape_problem

    problem = shape_problem(elements)
    if problem:
        raise DataError(
            f"{p}: not a valid survey definition: {problem}; export it again from "
            "Survey > Tools > Import/Export > Export Survey"
        )
    questions: dict[str, DefQuestion] = {}
    for element in elements:
        if not isinstance(element, dict) or element.get("Element") != "SQ":
            continue
        payload = element.get("Payload")
        if isinstance(payload, dict) and isinstance(payload.get("QuestionID"), str):
            q = _question(payload)
            questions[q.qid] = q
    if not questions:
        raise DataError(f"{p}: the survey definition holds no questions")
    entry = data.get("SurveyEntry") if isinstance(data.get("SurveyEntry"), dict) else {}
    name = strip_html(entry.get("SurveyName")) or p.stem
    return SurveyDefinition(str(p), name, questions)


def _question(payload: dict[str, Any]) -> DefQuestion:
    qtype = str(payload.get("QuestionType") or "")
    recodes = _mapping(payload.get("RecodeValues"))
    choices_raw = _mapping(payload.get("Choices"))
    answers_raw = _mapping(payload.get("Answers"))
    is_matrix = qtype == "Matrix" or (qtype == "SBS")
    choice_recodes = {} if is_matrix else recodes
    answer_recodes = recodes if is_matrix else {}
    choices = tuple(
        _choice(cid, choices_raw[cid], choice_recodes)
        for cid in _order(payload.get("ChoiceOrder"), choices_raw)
    )
    answers = tuple(
        _choice(aid, answers_raw[aid], answer_recodes)
        for aid in _order(payload.get("AnswerOrder"), answers_raw)
    )
    validation = payload.get("Validation")
    settings = validation.get("Settings") if isinstance(validation, dict) else None
    content = str(settings.get("ContentType") or "") if isinstance(settings, dict) else ""
    sbs = {}
    if qtype == "SBS":
        for key, sub in _mapping(payload.get("AdditionalQuestions")).items():
            if isinstance(sub, dict):
                sbs[str(key)] = _question({**sub, "QuestionID": f"{payload['QuestionID']}#{key}"})
    return DefQuestion(
        qid=payload["QuestionID"],
        tag=str(payload.get("DataExportTag") or payload["QuestionID"]),
        type=qtype,
        selector=str(payload.get("Selector") or ""),
        sub_selector=str(payload.get("SubSelector") or ""),
        text=strip_html(payload.get("QuestionText"))
        or strip_html(payload.get("QuestionDescription")),
        choices=choices,
        answers=answers,
        content=content,
        sbs=sbs,
    )


def _mapping(value: Any) -> dict[str, Any]:
    """QSF writes empty mappings as ``[]`` and sometimes lists for mappings."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i + 1): v for i, v in enumerate(value) if v is not None}
    return {}


def _order(order: Any, items: dict[str, Any]) -> list[str]:
    ids = [str(x) for x in order] if isinstance(order, list) else []
    ids = [i for i in ids if i in items]
    return ids + [i for i in items if i not in ids]


def _choice(cid: str, raw: Any, recodes: dict[str, Any]) -> Choice:
    raw = raw if isinstance(raw, dict) else {}
    label = strip_html(raw.get("Display")) or cid
    code = as_code(recodes[cid]) if cid in recodes and str(recodes[cid]).strip() else as_code(cid)
    return Choice(
        cid,
        label,
        code,
        text_entry=str(raw.get("TextEntry", "")).lower() in ("true", "on", "1"),
        exclusive=bool(raw.get("ExclusiveAnswer")),
    )
