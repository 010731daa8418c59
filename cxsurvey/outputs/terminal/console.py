"""The rich consoles cxsurvey prints to."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from cxsurvey.outputs.safe_text import visible


def plain(text: str, style: str = "") -> Text:
    """Data (a label, an id) for a rich renderable: never read as markup, and with
    control characters made visible; line breaks stay line breaks."""
    return Text("\n".join(visible(line) for line in text.split("\n")), style=style)


def console(stderr: bool = False, wide: bool = False) -> Console:
    """A console; ``wide`` gives logs and pipes (not terminals) 200 columns, so CI
    output of wide tables is neither truncated nor wrapped."""
    out = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if wide and not out.is_terminal:
        out = Console(stderr=stderr, highlight=False, soft_wrap=False, width=200)
    return out
