"""Temp files and staging folders cxsurvey leaves beside what it writes.

Shared by the cache (``reading.cache``) and the outputs (``outputs.atomic``,
``outputs.dataset_out``), so it imports neither: the names cxsurvey gives its
temp files (``.NAME.cxsurvey-XXXX.tmp``) and staging folders
(``.NAME.cxsurvey-XXXX.stage``), the sweep that removes those a killed run left,
and the permissions a new file or folder gets from the umask (``mkstemp`` and
``mkdtemp`` make them private to the owner).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from pathlib import Path

TEMP_AGE = 3600.0  # seconds; a write that old was killed, not slow
_OURS = re.compile(r"^\..+\.cxsurvey-[A-Za-z0-9_]+\.(tmp|stage)$")


def sweep_temp_files(directory: str | Path, age: float = TEMP_AGE) -> int:
    """Remove temp files and staging folders cxsurvey left in ``directory`` more than
    ``age`` seconds ago (killed runs); returns how many. Other names are never touched."""
    removed = 0
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if not _OURS.match(entry.name) or entry.is_symlink():
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime <= age:
                    continue
                if entry.name.endswith(".stage") and entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                elif entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                else:
                    continue
                removed += 1
    return removed


def umask() -> int:
    """The process umask (reading it means setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The permissions ``open`` would give a new file."""
    return 0o666 & ~umask()


def new_folder_mode() -> int:
    """The permissions ``mkdir`` would give a new folder."""
    return 0o777 & ~umask()
