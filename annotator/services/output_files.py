"""Where a command may write a file it was given (`export --out`, `backup PATH`).

The rule: a missing path, or a regular file (replaced only with --force). A symlink is written
through: the file it points to is replaced and the link stays. Anything else (a device such as
/dev/null, a FIFO, a socket, a folder, a link to one of these or to nothing) is refused, --force or
not: the file is written beside its target and renamed over it, and a rename over /dev/null run as
root would put a regular file in its place.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from annotator.domain.errors import InputError

_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def output_target(path: Path) -> Path:
    """The path to replace when writing `path`: itself, or the regular file its symlink points to.
    Raises InputError for anything else."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise InputError(f"cannot look at it: {exc.strerror}; give a file path you can write", str(path)) from None
    if stat.S_ISLNK(found.st_mode):
        target = Path(os.path.realpath(path))
        try:
            found = os.stat(target)
        except OSError as exc:
            why = ("a loop of symlinks that leads to no file" if exc.errno == errno.ELOOP
                   else f"a symlink to {target}, which does not exist")
            raise InputError(f"{why}; give a regular file's path", str(path)) from None
        if stat.S_ISREG(found.st_mode):
            return target
        raise InputError(f"a symlink to {target}, which is {_kind(found.st_mode)}, not a regular file; "
                         "give a regular file's path (nothing was written)", str(path))
    if not stat.S_ISREG(found.st_mode):
        raise InputError(f"{_kind(found.st_mode)}, not a regular file; give a regular file's path "
                         "(nothing was written)", str(path))
    return path


PROJECT_SIBLINGS = ("", "-wal", "-shm", "-journal")


def refuse_project_files(target: Path, project: Path | None) -> None:
    """An output that would replace the project file or one of SQLite's files beside it (its WAL holds
    coders' latest saves) is refused, --force or not."""
    if project is None:
        return
    resolved, home = Path(os.path.realpath(target)), Path(os.path.realpath(project))
    for suffix in PROJECT_SIBLINGS:
        if resolved == home.with_name(home.name + suffix):
            what = "the project itself" if not suffix else f"the project's {suffix[1:]} file (SQLite's, beside it)"
            raise InputError(f"{what}: writing there would destroy coders' work; give another path", str(target))


def still_replaceable(path: Path) -> None:
    """Checked again just before the rename: what was a regular file (or nothing) at the start may
    have been swapped for a device or a link meanwhile."""
    if output_target(path) != path:
        raise InputError("became a symlink while it was being written; nothing was put in its place", str(path))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")
