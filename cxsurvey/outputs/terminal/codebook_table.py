"""The terminal view of ``cxsurvey describe``: layout, then one line per question."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from cxsurvey.codebook.model import Codebook, Entry
from cxsurvey.outputs.safe_text import visible
from cxsurvey.outputs.terminal.console import plain


def _options(e: Entry, limit: int = 4) -> str:
    if e.options:
        shown = [
            str(o.code) if o.label == str(o.code) else f"{o.code}={o.label}"
            for o in e.options[:limit]
        ]
        more = f" (+{len(e.options) - limit})" if len(e.options) > limit else ""
        return ", ".join(shown) + more
    return ", ".join(e.seen[:limit])


def _columns(e: Entry) -> str:
    if len(e.columns) <= 2:
        return ", ".join(e.columns)
    return f"{e.columns[0]} .. {e.columns[-1]} ({len(e.columns)})"


def codebook_view(cb: Codebook, all_columns: bool = False) -> Group:
    text = f"layout: {cb.layout}; "  # as figures names it, with encoding and delimiter
    head = Text.assemble(plain(cb.path, "bold"), "\n", text + f"responses: {cb.responses}")
    if cb.definition:
        head.append(visible(f"\nsurvey definition: {cb.definition} ({cb.survey_name})"))
    table = Table(show_edge=False, header_style="bold")
    for col in ("question", "qid", "type", "columns", "answered", "options"):
        table.add_column(col, justify="right" if col == "answered" else "left", overflow="fold")
    entries = cb.entries if all_columns else cb.questions
    for e in entries:
        table.add_row(
            plain(e.name),
            plain(e.qid or ""),
            plain(e.type),
            plain(_columns(e)),
            str(e.answered),
            plain(_options(e)),
        )
    parts: list = [head, table]
    hidden = len(cb.entries) - len(entries)
    if hidden:
        parts.append(Text(f"{hidden} metadata, timing and display-order columns not shown"))
    for w in cb.warnings:
        parts.append(Text.assemble(("warning:", "yellow"), " ", plain(w)))
    return Group(*parts)
