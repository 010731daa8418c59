"""Neutralise text cells that a spreadsheet would run as a formula.

A cell starting with ``=``, ``+``, ``-`` or ``@`` gets a leading apostrophe, the
convention Excel and LibreOffice show as plain text (OWASP "CSV injection").
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

TRIGGERS = ("=", "+", "-", "@")


def neutralise_text(value: str) -> str:
    return "'" + value if value.startswith(TRIGGERS) else value


def neutralise_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The same text column with formula-like cells neutralised (vectorised)."""
    risky = pc.match_substring_regex(arr, r"^[=+\-@]")
    if not pc.any(risky).as_py():
        return arr
    return pc.if_else(risky, pc.binary_join_element_wise("'", arr, ""), arr)


def neutralise_table(table: pa.Table) -> pa.Table:
    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type):
            table = table.set_column(i, field.name, neutralise_array(table.column(i)))
    return table
