"""Write outputs safely: atomically, never over an input, one line on a full disk.

- ``atomic_output``: a temp file in the same directory (``.NAME.cxsurvey-XXXX.tmp``),
  then a rename, so a failed or interrupted run never leaves a partial output and an
  existing file is replaced only by a complete one. Temp files of killed runs older
  than an hour are removed by the next write into that directory.
- ``protect``: the run's inputs (export, study); an output that resolves to one of
  them (the same path, through a symlink or a relative path, or a hard link) is
  refused (exit 2) instead of overwriting it.
- ``staged_folder``: files for a folder (charts) are written into a hidden sibling
  staging folder and moved into place only when the run succeeds (every destination
  checked before the first move); nothing else in the folder is touched. ``staging``
  is the one staging folder maker, also used for Parquet datasets.
- Temp names, the sweep of killed runs' leftovers and umask permissions live in
  ``cxsurvey.tempfiles``, shared with the cache.
- Disk-full, quota and permission errors while writing are a one-line ``DataError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from cxsurvey.errors import DataError
from cxsurvey.tempfiles import (  # noqa: F401  (sweep_temp_files: re-exported)
    TEMP_AGE,
    new_file_mode,
    new_folder_mode,
    sweep_temp_files,
)

_WRITE_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is too large for this file system",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "an I/O error occurred",
}
_protected: list[tuple[str, Path]] = []


def protect(inputs: Iterable[tuple[str, str | Path | None]] = ()) -> None:
    """Make ``(role, path)`` the inputs of this run (replacing any earlier ones):
    writing to any of them is refused."""
    _protected[:] = [(role, Path(p)) for role, p in inputs if p is not None]


def check_not_input(target: str | Path, option: str = "--out") -> None:
    """Raise DataError when writing ``target`` would overwrite an input of this run."""
    target = Path(target)
    for role, source in _protected:
        if _same_file(target, source):
            raise DataError(
                f"{target}: {option} is the {role} ({source}); writing there would destroy "
                "an input, so choose another output path"
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def os_reason(exc: OSError) -> str:
    """The cause of a disk or permission error in words."""
    return _WRITE_ERRORS.get(exc.errno or 0) or exc.strerror or str(exc)


def write_error(target: Path, exc: OSError) -> DataError:
    """A one-line error for an OSError met while writing ``target``."""
    reason = os_reason(exc)
    hint = (
        "free some space or choose another output path"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        else "check the permissions or choose another output path"
    )
    return DataError(f"{target}: cannot write: {reason}; {hint}")


def is_write_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Yield a file object; on success it replaces ``path``, on error it vanishes."""
    target = Path(path)
    check_not_input(target)
    if target.is_dir():
        raise DataError(f"{target}: is a directory; give an output file name")
    if target.exists() and not target.is_file():
        # A device or pipe (/dev/null, a FIFO): there is nothing to replace atomically.
        try:
            with open(target, mode, **kwargs) as fh:
                yield fh
        except OSError as exc:
            if is_write_error(exc):
                raise write_error(target, exc) from None
            raise
        return
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise DataError(f"{target}: directory {directory} does not exist; create it first")
    sweep_temp_files(directory)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.cxsurvey-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise write_error(target, exc) from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.chmod(tmp, _mode(target))  # mkstemp's 0600 would hide the output from others
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_write_error(exc):
            raise write_error(target, exc) from None  # type: ignore[arg-type]
        raise


def _mode(target: Path) -> int:
    """The existing file's permissions, else what the umask gives a new file."""
    if target.exists():
        return target.stat().st_mode & 0o7777
    return new_file_mode()


class Staging:
    """A staging folder for the files of ``folder``; ``commit`` moves them in."""

    def __init__(self, folder: Path, path: Path, option: str):
        self.folder, self.path, self.option = folder, path, option
        self.names: list[str] = []

    def file(self, name: str) -> Path:
        """Where to write the file that will be ``folder/name`` (a plain file name)."""
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"not a plain file name: {name!r}")
        self.names.append(name)
        return self.path / name

    def check(self) -> None:
        """Raise DataError if any staged file could not land: the folder is a file or
        an unfollowed link, or a destination is an input or a folder. Call it before
        writing the run's other outputs, so a refusal leaves nothing behind."""
        check_folder(self.folder, self.option, follow_symlink=self.option == "--chart")
        for name in self.names:
            dest = self.folder / name
            check_not_input(dest, self.option)
            if dest.is_dir() and not dest.is_symlink():
                raise DataError(f"{dest}: is a folder; move it away to write this chart")

    def commit(self) -> None:
        """Move every staged file into the folder (created if needed), replacing files
        of the same names and leaving every other file alone.

        Every destination is checked before the first move, so a refusal leaves the
        folder as it was rather than with some of this run's files in it."""
        self.check()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name in self.names:
                os.replace(self.path / name, self.folder / name)
        except OSError as exc:
            raise write_error(self.folder, exc) from None


def check_folder(folder: Path, option: str, follow_symlink: bool) -> None:
    check_not_input(folder, option)
    if folder.is_symlink() and not follow_symlink:
        raise DataError(
            f"{folder}: is a symbolic link; cxsurvey writes charts only into a real folder "
            "beside the report, so remove the link or choose another --out"
        )
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder}: {option} needs a folder, and this is a file")


@contextlib.contextmanager
def staged_folder(folder: str | Path, option: str = "--chart") -> Iterator[Staging]:
    """A staging folder beside ``folder``, removed on exit; call ``commit()`` on success.

    ``option`` names the setting in messages; a symbolic link is followed only for
    a folder the user named (``--chart``), not for one cxsurvey derives from --out.
    """
    folder = Path(folder)
    check_folder(folder, option, follow_symlink=option == "--chart")
    # Beside the real folder (a --chart link may point to another file system), so
    # the final moves are renames.
    with staging(folder, folder.resolve().parent) as path:
        yield Staging(folder, path, option)


@contextlib.contextmanager
def staging(target: Path, parent: Path | None = None) -> Iterator[Path]:
    """A new hidden staging folder for ``target`` (``.NAME.cxsurvey-XXXX.stage`` in
    ``parent``, by default the target's folder), readable as a folder made by
    ``mkdir`` would be, and removed on exit with whatever is still in it.

    The one way outputs stage files: a killed run's staging folder is swept by the
    next write there (``tempfiles.sweep_temp_files``)."""
    parent = target.parent if parent is None else parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        sweep_temp_files(parent)
        path = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.cxsurvey-", suffix=".stage", dir=parent)
        )
        path.chmod(new_folder_mode())  # mkdtemp's 0700 would hide the output from others
    except OSError as exc:
        raise write_error(target, exc) from None
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
