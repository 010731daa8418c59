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


class DelayedProgress:
    """Progress for a run that may be quick: nothing is drawn unless it is still
    going after ``delay`` seconds (loads and figure runs longer than a second)."""

    def __init__(self, quiet: bool = False, delay: float = 1.0):
        import threading

        self._console = Console(stderr=True)
        self._enabled = not quiet and self._console.is_terminal
        self._bar: Progress | None = None
        self._task = None
        self._stage = ("reading the export", None)
        self._done = 0
        self._lock = threading.Lock()
        self._timer = threading.Timer(delay, self._show) if self._enabled else None

    def __enter__(self) -> DelayedProgress:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
            self._enabled = False

    def _show(self) -> None:
        with self._lock:
            if not self._enabled:
                return
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn())  # fmt: skip
            self._bar = Progress(*columns, console=self._console, transient=True)
            text, total = self._stage
            self._task = self._bar.add_task(text, total=total, completed=self._done)
            self._bar.start()

    def stage(self, text: str, total: int | None = None) -> None:
        """A new step (``total`` None: an indeterminate one, such as a parse)."""
        with self._lock:
            self._stage, self._done = (text, total), 0
            if self._bar is not None:
                self._bar.update(self._task, description=text, total=total, completed=0)

    def advance(self, name: str = "") -> None:
        with self._lock:
            self._done += 1
            if self._bar is not None:
                text = f"{self._stage[0]} {name}".strip()
                self._bar.update(self._task, advance=1, description=text)
