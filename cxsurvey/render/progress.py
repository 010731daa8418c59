"""A progress bar on stderr for long runs; silent when stderr is not a terminal
or with ``--quiet`` (so logs and pipes stay clean)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextlib.contextmanager
def progress(total: int, description: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """Yield ``step(name)``, to call once per finished item."""
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield lambda _name: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda name: bar.update(task, advance=1, description=f"{description} {name}")
