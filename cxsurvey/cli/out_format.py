"""The output format of ``--out``: its extension decides, and contradicting it is an error.

- a known extension (``.csv``, ``.html``...) gives the format when ``--format`` is
  absent; ``--format`` naming a different format is an error (no CSV in a
  ``.xlsx`` file, no Markdown in a ``.html`` file);
- an extension of a format the command does not write (``.pdf``, ``.docx``,
  ``.xls``...) is an error that says what to do instead;
- any other name (no extension, ``/dev/stdout``) takes ``--format``, else the
  command's default.
"""

from __future__ import annotations

from pathlib import Path

from cxsurvey.errors import UserError

FIGURES = {".json": "json", ".csv": "csv", ".md": "md", ".markdown": "md", ".xlsx": "xlsx",
           ".txt": "table"}  # fmt: skip
REPORT = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".pptx": "pptx"}
ADVICE = {
    ".pdf": "write an HTML report (cxsurvey report --out report.html) and print it to PDF "
    "from a browser (it has a print stylesheet), or slides with --out report.pptx",
    ".xls": "write .xlsx",
    ".docx": "write .html, .md or .pptx",
    ".doc": "write .html, .md or .pptx",
    ".ppt": "write .pptx",
    ".htm": "write the report with cxsurvey report",
    ".html": "write the report with cxsurvey report",
    ".pptx": "write the slides with cxsurvey report --format pptx",
    ".tsv": "write .csv",
}


def out_format(out: Path | None, given: str | None, known: dict[str, str], default: str) -> str:
    """The format to write ``out`` in (``given`` is ``--format``, or None)."""
    if out is None:
        return given or default
    suffix = out.suffix.lower()
    implied = known.get(suffix)
    if implied is not None:
        if given is not None and given != implied:
            raise UserError(
                f"{out}: --format {given} does not match the {suffix} extension; drop --format "
                f"or name the file {out.with_suffix('').name}{_suffix_for(given, known)}"
            )
        return implied
    if suffix in ADVICE:
        raise UserError(f"{out}: cannot write {suffix} files; {ADVICE[suffix]}")
    return given or default


def _suffix_for(fmt: str, known: dict[str, str]) -> str:
    return next((s for s, f in known.items() if f == fmt), f".{fmt}")
