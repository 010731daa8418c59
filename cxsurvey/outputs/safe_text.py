"""Text from the data (labels, titles, ids, cells) made safe for where it is shown.

- **Spreadsheets** (CSV, XLSX): a text cell starting with one of OWASP's formula
  triggers (``=``, ``+``, ``-``, ``@``, tab, carriage return, and the full-width
  ``＝ ＋ － ＠``) gets a leading apostrophe, the convention Excel and LibreOffice
  show as plain text ("CSV injection"). A cell that is a plain number (``-5``,
  ``+1.5e3``) is left alone: a spreadsheet reads it as that number, never as a formula.
- **Markdown**: ``md_text`` backslash-escapes the characters CommonMark and GitHub
  read as markup or raw HTML, and folds line breaks, so a label is shown verbatim.

Messages are cleaned by ``cxsurvey.errors.clean_message``.
"""

from __future__ import annotations

import re
import sys
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_TRIGGER_CLASS = "[=+\\-@\\t\\r\uff1d\uff0b\uff0d\uff20]"
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER)


def neutralise_text(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    if value.startswith(TRIGGERS) and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def neutralise_array(arr: Any) -> Any:
    """The same text column (a pyarrow array) with formula-like cells neutralised
    (vectorised)."""
    import pyarrow.compute as pc

    risky = pc.match_substring_regex(arr, f"^{_TRIGGER_CLASS}")
    if not pc.any(risky).as_py():
        return arr
    risky = pc.and_not(risky, pc.match_substring_regex(arr, f"^{_NUMBER}$"))
    if not pc.any(risky).as_py():
        return arr
    return pc.if_else(risky, pc.binary_join_element_wise("'", arr, ""), arr)


def neutralise_table(table: Any) -> Any:
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            table = table.set_column(i, field.name, neutralise_array(table.column(i)))
    return table


# What CommonMark/GFM read as markup: emphasis, code, links (with `[`/`]` escaped, a
# `(` or `!` can no longer start one), raw HTML and autolinks, table pipes, headings'
# closing `#`, strikethrough, entities, and GitHub's `$` math.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~$&])")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")


def md_text(text: str) -> str:
    """``text`` as literal Markdown inline text (also safe inside a table cell)."""
    return _MD_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", text))


def visible(text: str) -> str:
    """``text`` for a terminal: control and escape characters shown as ``\\xNN`` (an
    ESC in a label must not drive the user's terminal), nothing cut."""
    from cxsurvey.errors import clean_message

    return clean_message(text, limit=sys.maxsize)
