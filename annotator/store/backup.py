"""A SQLite project's own file: checked whole, and copied while coders keep working."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from annotator.domain.errors import InputError
from annotator.store.engine import Engine, StoreBusy, driver_connection, driver_errors


def damage(engine: Engine, most: int = 3) -> list[str]:
    """What SQLite's quick check finds wrong in a SQLite project (up to `most` lines); empty when
    it is whole. Reads every page once."""
    with engine.connect() as conn:
        cursor = driver_connection(conn).cursor()
        try:
            with driver_errors("PRAGMA quick_check", conn):
                found = [" ".join(line.split()) for (line,) in cursor.execute(f"PRAGMA quick_check({int(most)})")]
        finally:
            cursor.close()
    return [] if found == ["ok"] else found


def backup_to(engine: Engine, target: Path, before_rename: Callable[[], None] = lambda: None) -> int:
    """A consistent copy of a SQLite project at `target` while coders keep working: SQLite's online
    backup in one step reads one snapshot (WAL lets writers go on meanwhile); written beside the
    target and renamed, so a failed copy leaves nothing half-made. Returns the copy's size.
    `before_rename` may still refuse (raising), and the copy is then removed."""
    staging = target.with_name(f".{target.name}.partial")
    staging.unlink(missing_ok=True)
    try:
        with engine.connect() as conn:
            source = driver_connection(conn)
            copy = sqlite3.connect(staging)
            try:
                source.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            finally:
                copy.close()
        before_rename()
        staging.replace(target)
    except sqlite3.OperationalError as exc:  # the source was read whole by its check: the copy failed
        name = getattr(exc, "sqlite_errorname", "")
        if name == "SQLITE_FULL":
            raise InputError(f"the disk holding {target} is full ({exc}); no copy was made: free some space there, "
                             "or give a path on another disk") from None
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")):
            raise InputError(f"cannot write {target} ({exc}): its folder is read-only or not yours; no copy was "
                             "made: give a path in a folder you may write") from None
        raise StoreBusy("backup", None, exc) from exc
    finally:
        staging.unlink(missing_ok=True)  # nothing half-made stays behind, whatever stopped the copy
    return target.stat().st_size
