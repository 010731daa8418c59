"""Findings (``Problem``) as text, JSON or GitHub Actions annotations.

- ``text``: one ``FILE:LINE:COLUMN: severity: message`` per line (what editors
  and ``grep`` understand);
- ``json``: ``{"valid": bool, "errors": n, "warnings": n, "problems": [...]}``;
- ``github``: ``::error file=F,line=L,col=C::message`` workflow commands, which
  GitHub shows as annotations on the pull request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cxsurvey.errors import Problem, clean_message

FORMATS = ("text", "json", "github")


def counts(problems: Sequence[Problem]) -> tuple[int, int]:
    errors = sum(p.severity == "error" for p in problems)
    return errors, len(problems) - errors


def format_problems(
    problems: Sequence[Problem], fmt: str, *, valid: bool, extra: dict | None = None
) -> str:
    """Every finding in ``fmt``; messages cleaned first (no terminal escapes, no line
    breaks, long values cut), since they quote the data. ``extra`` adds keys to the
    JSON document (e.g. ``check``'s ``export`` record)."""
    problems = [
        Problem(clean_message(p.file), clean_message(p.message), p.line, p.column, p.severity)
        for p in problems
    ]
    if fmt == "json":
        errors, warnings = counts(problems)
        doc = {
            "valid": valid,
            "errors": errors,
            "warnings": warnings,
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "severity": p.severity,
                    "message": p.message,
                }
                for p in problems
            ],
            **(extra or {}),
        }
        return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if fmt == "github":
        return "".join(_annotation(p) + "\n" for p in problems)
    return "".join(f"{p}\n" for p in problems)


def _annotation(p: Problem) -> str:
    props = [f"file={_escape(p.file, prop=True)}"]
    if p.line is not None:
        props.append(f"line={p.line}")
        if p.column is not None:
            props.append(f"col={p.column}")
    level = "error" if p.severity == "error" else "warning"
    return f"::{level} {','.join(props)}::{_escape(p.message)}"


def _escape(text: str, prop: bool = False) -> str:
    """GitHub's workflow-command escaping (``%``, CR, LF; also ``:`` and ``,`` in
    properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text
