"""Write output files atomically: a temp file in the same directory, then rename.

A failed or interrupted run never leaves a partial output, and an existing file
is replaced only by a complete one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from cxsurvey.errors import DataError


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Yield a file object; on success it replaces ``path``, on error it vanishes."""
    target = Path(path)
    if target.is_dir():
        raise DataError(f"{target}: is a directory; give an output file name")
    if target.exists() and not target.is_file():
        # A device or pipe (/dev/null, a FIFO): there is nothing to replace atomically.
        with open(target, mode, **kwargs) as fh:
            yield fh
        return
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise DataError(f"{target}: directory {directory} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.chmod(tmp, _mode(target))  # mkstemp's 0600 would hide the output from others
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode(target: Path) -> int:
    """The existing file's permissions, else what the umask gives a new file."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
