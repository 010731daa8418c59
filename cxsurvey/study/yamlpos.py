"""Read YAML safely while remembering where every value was written.

``yaml.compose`` (the safe loader) gives a node tree with start marks; we turn it into
plain Python values plus a map from key path (a tuple of keys and list indexes)
to a 1-based (line, column), so every later problem can name its location.

The reader is bounded, so a hostile or broken file is a located error in bounded
time and memory, never a MemoryError or RecursionError: before composing, one
pass over the event stream refuses nesting deeper than ``MAX_DEPTH``, recursive
aliases, and documents whose aliases expand to more than ``MAX_VALUES`` values
(a 452-byte "billion laughs" file is refused at once). Numbers must be finite
(``.nan``, ``.inf`` are refused) and integers fit in 64 bits.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from cxsurvey.errors import Problem, StudyError

# libyaml's safe loader when installed (ten times faster); marks are the same.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path = tuple[Any, ...]
Positions = dict[Path, tuple[int, int]]


MAX_DEPTH = 64
MAX_VALUES = 200_000
INT_LIMIT = 2**63 - 1


def read_yaml(text: str, file: str) -> tuple[Any, Positions, list[Problem]]:
    """Parse ``text`` into (value, positions, warnings); raise StudyError on bad YAML."""
    try:
        _check_bounds(text, file)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = exc.problem or exc.context or ""
        if "nesting depth" in problem:  # PyYAML's own limit (6.0.3+) may trip before ours
            msg = f"nested deeper than {MAX_DEPTH} levels; a study file needs far fewer"
        else:
            msg = f"invalid YAML: {problem}"
        raise StudyError([Problem(file, msg, line, col)]) from None
    except yaml.YAMLError as exc:
        raise StudyError([Problem(file, f"invalid YAML: {exc}")]) from None
    positions: Positions = {}
    problems: list[Problem] = []
    if node is None:
        return None, positions, []
    value = _convert(node, (), positions, problems, file)
    if any(p.severity == "error" for p in problems):
        raise StudyError(problems)
    return value, positions, problems


def _check_bounds(text: str, file: str) -> None:
    """Refuse, from the event stream alone (no recursion, no expansion), documents
    nested deeper than MAX_DEPTH, recursive aliases, and alias expansions past
    MAX_VALUES values."""
    counts: list[int] = [0]  # values inside each open collection, aliases expanded
    anchors: list[str | None] = [None]
    sizes: dict[str, int] = {}

    def fail(event: yaml.Event, message: str) -> None:
        line, col = event.start_mark.line + 1, event.start_mark.column + 1
        raise StudyError([Problem(file, message, line, col)])

    def add(event: yaml.Event, n: int) -> None:
        counts[-1] += n
        if counts[-1] > MAX_VALUES:
            fail(
                event,
                f"the file expands to more than {MAX_VALUES:,} values (through YAML "
                "aliases such as *name); a study file needs far fewer: remove the aliases",
            )

    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            add(event, 1)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in anchors:
                fail(event, f"recursive alias *{event.anchor} (it refers to itself)")
            if event.anchor not in sizes:
                fail(event, f"unknown alias *{event.anchor}; define &{event.anchor} first")
            add(event, sizes[event.anchor])
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(counts) > MAX_DEPTH:
                fail(event, f"nested deeper than {MAX_DEPTH} levels; a study file needs far fewer")
            counts.append(1)
            anchors.append(event.anchor)
        elif isinstance(event, yaml.CollectionEndEvent):
            n, anchor = counts.pop(), anchors.pop()
            if anchor:
                sizes[anchor] = n
            add(event, n)


def _is_comma_split(key_node: yaml.Node, value_node: yaml.Node) -> bool:
    """A plain key with no `:` and no value, as `B` in `{title: A, B}`."""
    return (
        isinstance(key_node, yaml.ScalarNode)
        and not key_node.style  # plain: None (Python loader) or "" (libyaml)
        and key_node.tag == "tag:yaml.org,2002:str"
        and isinstance(value_node, yaml.ScalarNode)
        and value_node.tag == "tag:yaml.org,2002:null"
        and value_node.value == ""
        and value_node.start_mark.index == key_node.end_mark.index
    )


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, path: Path, pos: Positions, problems: list[Problem], file: str):
    pos[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        previous: Any = None
        for key_node, value_node in node.value:
            if node.flow_style and previous is not None and _is_comma_split(key_node, value_node):
                # `{title: A, B}`: an unquoted comma split a text value. Rejoin it, warn.
                out[previous] = f"{out[previous]}, {key_node.value}"
                line, col = _mark(key_node)
                problems.append(
                    Problem(
                        file,
                        f"unquoted comma in {previous!r} inside {{...}}; read as "
                        f"{out[previous]!r}: quote the value to make this explicit",
                        line,
                        col,
                        "warning",
                    )
                )
                continue
            key = (
                _located(key_node, problems, file)
                if isinstance(key_node, yaml.ScalarNode)
                else None
            )
            if key is None and not isinstance(key_node, yaml.ScalarNode):
                line, col = _mark(key_node)
                problems.append(Problem(file, "a mapping key must be a plain value", line, col))
                continue
            if key in out:
                line, col = _mark(key_node)
                problems.append(
                    Problem(file, f"duplicate key {key!r}: remove one of them", line, col)
                )
                continue
            child = (*path, key)
            out[key] = _convert(value_node, child, pos, problems, file)
            # The key's own position is more useful than the value's for "unknown key".
            pos[(*child, "__key__")] = _mark(key_node)
            plain_text = isinstance(value_node, yaml.ScalarNode) and not value_node.style
            previous = key if plain_text and isinstance(out[key], str) else None
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, i), pos, problems, file) for i, item in enumerate(node.value)
        ]
    return _located(node, problems, file)


def _located(node: yaml.Node, problems: list[Problem], file: str) -> Any:
    try:
        return _scalar(node)
    except _BadNumber as exc:
        problems.append(Problem(file, str(exc), *_mark(node)))
        return node.value


_CONSTRUCTOR = yaml.SafeLoader("")


class _BadNumber(ValueError):
    pass


def _scalar(node: yaml.Node) -> Any:
    """The Python value of a scalar node under the safe (YAML 1.1) rules.

    Raises _BadNumber for a non-finite float or an integer beyond 64 bits: no
    field of a study takes them, and they would reach numpy as NaN or overflow.
    """
    try:
        value = _CONSTRUCTOR.construct_object(node, deep=True)
    except yaml.YAMLError:
        return node.value
    except ValueError:  # an integer past Python's digit limit
        raise _BadNumber(f"number too large ({len(node.value):,} characters)") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _BadNumber(
            f"{node.value!r} is not a finite number; write a number, or quote it if it is text"
        )
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_LIMIT:
        shown = node.value if len(node.value) <= 30 else node.value[:20] + "..."
        raise _BadNumber(f"integer {shown} is out of range (more than 64 bits)")
    return value


def locate(pos: Positions, path: Path, key: bool = False) -> tuple[int | None, int | None]:
    """Line and column of ``path``, or of its nearest located ancestor."""
    p = tuple(path)
    if key and (*p, "__key__") in pos:
        return pos[(*p, "__key__")]
    while p:
        if p in pos:
            return pos[p]
        p = p[:-1]
    return pos.get((), (None, None))
