"""Load a study file: YAML with positions -> pydantic models -> semantic checks.

Every problem is collected and reported at once as ``FILE:LINE:COL: severity:
message``; pydantic's error locations are mapped back to the YAML nodes.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from cxsurvey.errors import Problem, StudyError
from cxsurvey.study import models
from cxsurvey.study.checks import semantic_problems
from cxsurvey.study.yamlpos import Positions, locate, read_yaml


@dataclass(frozen=True)
class StudyFile:
    """A validated study with where it came from and what was noticed."""

    study: models.Study
    file: str
    sha256: str
    warnings: list[Problem] = field(default_factory=list)
    positions: Positions = field(default_factory=dict, repr=False, compare=False)

    def where(self, *path: Any) -> tuple[int | None, int | None]:
        """(line, column) of the value at ``path`` in the file (or its nearest parent)."""
        return locate(self.positions, tuple(path))


MAX_BYTES = 10_000_000  # a hand-written study is a few kB; bounded reading beyond that


def load_study(path: str | Path, *, strict: bool = False) -> StudyFile:
    """Read and validate a study file; raise StudyError listing every problem."""
    file = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise StudyError(
                [Problem(file, f"larger than {MAX_BYTES // 1_000_000} MB: not a study file")]
            )
    except FileNotFoundError:
        raise StudyError([Problem(file, "study file not found; check the path")]) from None
    except IsADirectoryError:
        raise StudyError([Problem(file, "is a directory, not a study file")]) from None
    except OSError as exc:
        raise StudyError([Problem(file, f"cannot read study file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StudyError(
            [Problem(file, f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]
        ) from None
    return parse_study(text, file, sha256=hashlib.sha256(raw).hexdigest(), strict=strict)


def parse_study(
    text: str, file: str = "<study>", *, sha256: str | None = None, strict: bool = False
) -> StudyFile:
    """Validate study-file text; ``file`` names it in messages."""
    data, pos, problems = read_yaml(text, file)
    if not isinstance(data, dict):
        raise StudyError(
            [
                Problem(
                    file,
                    "a study file must be a YAML mapping with `version`, "
                    "`study`, `source`, ... at the top level",
                    1,
                    1,
                )
            ]
        )
    study, dropped, figure_index = _validate(data, pos, file, problems)
    if study is not None:
        problems += semantic_problems(study, pos, file, dropped, figure_index)
    problems = [_name_yaml_word(p, text) for p in problems]
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    if any(p.severity == "error" or strict for p in problems):
        raise StudyError(problems)
    digest = sha256 or hashlib.sha256(text.encode()).hexdigest()
    return StudyFile(study, file, digest, problems, pos)


_YAML_BOOL = re.compile(
    r"YAML read this (code|label) as (True|False) \(an unquoted [^)]*\); quote it, e\.g\. \"\w+\""
)


_BOOL_WORDS = {
    "True": r"yes|Yes|YES|on|On|ON|true|True|TRUE",
    "False": r"no|No|NO|off|Off|OFF|false|False|FALSE",
}


def _name_yaml_word(problem: Problem, text: str) -> Problem:
    """Name the word YAML took for a boolean (On, no, TRUE...) in a code or label
    problem: the first such unquoted word from the problem's position on (the
    position is the item's, or its list's when the list was checked as a whole)."""
    match = _YAML_BOOL.search(problem.message)
    if match is None or problem.line is None or problem.column is None:
        return problem
    what, value = match.groups()
    lines = text.splitlines()[problem.line - 1 : problem.line + 20]
    if not lines:
        return problem
    lines[0] = lines[0][problem.column - 1 :]
    pattern = rf"(?<![\w\"'])({_BOOL_WORDS[value]})(?![\w\"'])"
    word = re.search(pattern, "\n".join(line.split("#")[0] for line in lines))
    if word is None:
        return problem
    message = problem.message.replace(
        match.group(0),
        f"YAML read the unquoted {word.group(1)} as {value}, not as a {what}; quote it: "
        f'"{word.group(1)}"',
    )
    joined = "\n".join(lines)
    if word.start() == 0 and joined[word.end() :].lstrip(" ").startswith(":"):
        # A mapping key: pydantic located it as [1] or [0] (True == 1); name it.
        message = re.sub(r"\[[01]\](?=: YAML read)", f".{word.group(1)}", message, count=1)
    return dataclasses.replace(problem, message=message)


def _validate(
    data: dict[str, Any], pos: Positions, file: str, problems: list[Problem]
) -> tuple[models.Study | None, set[str], list[int]]:
    """Validate; on errors, report them all and retry without the broken parts.

    The retry lets the semantic checks (dangling references, band order...) run in
    the same pass, so a user sees every problem of the file at once. An unknown key
    is removed on its own; any other error drops its whole entry, and references
    to a dropped entry are not reported again. Returns the study, the dropped
    names and, per remaining figure, its index in the file.
    """
    figure_index = list(range(len(data.get("figures") or [])))
    try:
        return models.Study.model_validate(data), set(), figure_index
    except ValidationError as exc:
        errors = exc.errors()
    problems += [_problem(err, data, pos, file) for err in errors]
    pruned = copy.deepcopy(data)
    dropped: set[str] = set()
    bad_figures: set[int] = set()
    for err in errors:
        loc = data_path(tuple(err["loc"]), data)
        if err["type"] == "extra_forbidden" and len(loc) > 1:
            parent = _get(pruned, loc[:-1])
            if isinstance(parent, dict):
                parent.pop(loc[-1], None)
            continue
        section = loc[0] if loc else None
        if section in ("scales", "segments", "questions") and len(loc) > 1:
            if isinstance(pruned.get(section), dict):
                pruned[section].pop(loc[1], None)
            dropped.add(str(loc[1]))
        elif section == "figures" and len(loc) > 1:
            bad_figures.add(loc[1])
        elif section is not None:
            pruned.pop(section, None)
    if isinstance(pruned.get("figures"), list):
        figure_index = [i for i in figure_index if i not in bad_figures]
        pruned["figures"] = [pruned["figures"][i] for i in figure_index]
    pruned.setdefault("version", 1)
    pruned.setdefault("study", "?")
    try:
        return models.Study.model_validate(pruned), dropped, figure_index
    except ValidationError:
        return None, dropped, figure_index


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# --- pydantic errors -> located, actionable messages --------------------------


def data_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """A pydantic error location as a path into ``data``: the parts that are not in the
    data (union tags, validator names, '[key]') dropped. Also used by ``verify``."""
    path: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            path.append(part)
            node = node[part]
    return tuple(path)


def _problem(err: dict[str, Any], data: Any, pos: Positions, file: str) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        path = data_path(loc, data)
        key = path[-1] if path else loc[-1]
        line, col = locate(pos, path, key=True)
        valid = _valid_keys(loc[:-1], data)
        hint = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.5)
        msg = f"unknown key {key!r}"
        msg += f"; did you mean {hint[0]!r}?" if hint else f"; valid keys: {', '.join(valid)}"
        return Problem(file, f"{_dotted(path[:-1])}: {msg}" if path[:-1] else msg, line, col)
    path = data_path(loc, data)
    if kind == "missing":
        line, col = locate(pos, path)
        return Problem(file, f"{_dotted(path)}: missing required key {loc[-1]!r}", line, col)
    if kind == "union_tag_invalid":
        path = (*path, "type")
    line, col = locate(pos, path, key=bool(loc) and loc[-1] == "[key]")
    return Problem(file, f"{_dotted(path)}: {_message(err)}", line, col)


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "too_short":
        return (
            "must not be empty"
            if ctx.get("min_length", 1) <= 1
            else f"needs at least {ctx['min_length']} entries"
        )
    if kind == "union_tag_invalid":
        return f"unknown question type {ctx.get('tag')!r}; use one of {', '.join(models.QUESTION_TYPES)}"
    if kind == "union_tag_not_found":
        return f"missing `type`; use one of {', '.join(models.QUESTION_TYPES)}"
    if kind == "literal_error":
        return f"got {err['input']!r}; expected {ctx.get('expected')}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind.endswith(("_type", "_parsing")) or kind.startswith(("less_than", "greater_than")):
        msg += f" (got {err['input']!r})"
    return msg


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "study"


def _valid_keys(loc: tuple[Any, ...], data: Any) -> list[str]:
    """The keys the model at ``loc`` accepts (for nearest-key hints)."""
    model: Any = models.Study
    for part in loc:
        model = _step(model, part)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _step(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, f in tp.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple) and isinstance(part, int):
        return args[0]
    if origin is dict:
        return args[1]
    if origin in (typing.Union, types.UnionType):
        for arg in args:  # discriminated union: the tag names the member
            arg = _unwrap(arg)
            fields = getattr(arg, "model_fields", {})
            t = fields.get("type")
            if t is not None and part in typing.get_args(t.annotation):
                return arg
        return None
    return None


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        if len(real) == 1:
            return _unwrap(real[0])
    return tp
