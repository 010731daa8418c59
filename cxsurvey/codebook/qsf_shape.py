"""The shape a survey definition must have before it is used: one message per damage.

Checked for every ``SurveyElements`` entry (an object with a string ``Element``)
and every question (``SQ``) payload: ``QuestionID``, ``QuestionType``,
``Selector``, ``SubSelector``, ``DataExportTag`` and ``QuestionText`` are text;
``Choices`` and ``Answers`` map ids to objects (Qualtrics writes an empty one as
``[]``, and some exports write a list of objects); ``RecodeValues`` maps ids to
codes (``[]`` when empty); ``ChoiceOrder`` and ``AnswerOrder`` list ids; the
side-by-side ``AdditionalQuestions`` hold question payloads of the same shape.
"""

from __future__ import annotations

from typing import Any

_TEXT_KEYS = ("QuestionType", "Selector", "SubSelector", "DataExportTag", "QuestionText")
_SCALAR = (str, int, float)


def shape_problem(elements: list[Any]) -> str | None:
    """The first damage found, as ``where: what``; None when the shape is sound."""
    for i, element in enumerate(elements):
        if not isinstance(element, dict):
            return f"SurveyElements entry {i + 1} is {_kind(element)}, not an object"
        if not isinstance(element.get("Element"), str):
            return f"SurveyElements entry {i + 1}: Element is {_kind(element.get('Element'))}"
        if element["Element"] != "SQ":
            continue
        payload = element.get("Payload")
        if not isinstance(payload, dict):
            return f"SurveyElements entry {i + 1} (SQ): Payload is {_kind(payload)}, not an object"
        problem = payload_problem(payload)
        if problem:
            return problem
    return None


def payload_problem(payload: dict[str, Any], where: str = "") -> str | None:
    qid = payload.get("QuestionID")
    if not isinstance(qid, str) or not qid:
        return f"a question{where}: QuestionID is {_kind(qid)}, not text"
    if "QuestionType" not in payload:
        return f"{qid}{where}: QuestionType is missing"
    for key in _TEXT_KEYS:
        if key in payload and payload[key] is not None and not isinstance(payload[key], str):
            return f"{qid}{where}: {key} is {_kind(payload[key])}, not text"
    for key in ("Choices", "Answers"):
        value = payload.get(key)
        items = _items(value)
        if items is None:
            return f"{qid}{where}: {key} is {_kind(value)}, not a mapping of ids to choices"
        for cid, choice in items:
            if choice is not None and not isinstance(choice, dict):
                return f"{qid}{where}: {key} {cid} is {_kind(choice)}, not an object"
    recodes = payload.get("RecodeValues")
    items = _items(recodes)
    if items is None:
        return f"{qid}{where}: RecodeValues is {_kind(recodes)}, not a mapping of ids to codes"
    for cid, code in items:
        if code is not None and not isinstance(code, _SCALAR):
            return f"{qid}{where}: RecodeValues {cid} is {_kind(code)}, not a code"
    for key in ("ChoiceOrder", "AnswerOrder"):
        order = payload.get(key)
        if order is None:
            continue
        if not isinstance(order, list) or not all(
            isinstance(x, _SCALAR) and not isinstance(x, bool) for x in order
        ):
            return f"{qid}{where}: {key} is {_kind(order)}, not a list of ids"
    if payload.get("QuestionType") == "SBS":
        subs = payload.get("AdditionalQuestions")
        items = _items(subs)
        if items is None:
            return f"{qid}{where}: AdditionalQuestions is {_kind(subs)}, not a mapping"
        for key, sub in items:
            if not isinstance(sub, dict):
                return f"{qid}{where}: AdditionalQuestions {key} is {_kind(sub)}, not an object"
            problem = payload_problem({"QuestionID": qid, **sub}, f" (side-by-side {key})")
            if problem:
                return problem
    return None


def _items(value: Any) -> list[tuple[str, Any]] | None:
    if value is None:
        return []
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list):
        return [(str(i + 1), v) for i, v in enumerate(value)]
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    names = {str: "text", int: "a number", float: "a number", bool: "true/false"}
    names.update({list: "a list", dict: "an object"})
    kind = names.get(type(value), type(value).__name__)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        shown = repr(value) if len(repr(value)) <= 20 else repr(value)[:19] + "…"
        return f"{kind} ({shown})"
    return kind
