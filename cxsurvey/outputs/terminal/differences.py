"""The table ``verify`` prints: every difference between approved and regenerated figures."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from cxsurvey.checks.verify import Verification
from cxsurvey.outputs.terminal.console import plain


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
    return "-" if value is None else str(value)


def differences_table(result: Verification) -> Table:
    table = Table(
        title=f"{len(result.differences)} difference(s) from the approved {result.kind}",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for name in ("figure", "row", "column", "field", "approved", "now"):
        table.add_column(
            name, justify="right" if name in ("approved", "now") else "left", overflow="fold"
        )
    for d in result.differences:
        cells = (d.figure, d.row, d.column, d.field, _show(d.approved), _show(d.now))
        table.add_row(*(plain(c) for c in cells))  # labels are data, never rich markup
    return table
