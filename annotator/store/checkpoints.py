"""A long write's log copied into the project file beside it, not in its own commits (SQLite).

SQLite copies its write-ahead log back into the file (a checkpoint) in the commit that takes the
log past 1,000 pages, and syncs the file. An import's batches did that every few commits, each one
waiting for the index pages it had just written to be copied: into a million-document project, a
third of the import (20,000 documents in 5.1 s, against 3.4 s with the copies made by a thread beside
it). So while an import stores, its connections do not checkpoint, and a thread does, every 20 ms:
PASSIVE, it neither waits for nor holds up a writer or a reader. A coder saving meanwhile still
checkpoints what is left past 1,000 pages, some milliseconds of the import's writing at most."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from annotator.store.engine import sqlite_path

EVERY = 0.02  # seconds between two copies
PAGES = 1000  # SQLite's own threshold, which the connections get back


@dataclass
class Copies:
    made: int = 0  # checkpoints the thread ran


@contextmanager
def copied_aside(engine: Engine) -> Iterator[Copies]:
    """While the block runs, the engine's connections leave checkpoints to a thread of their own."""
    copies = Copies()
    path = sqlite_path(engine)
    if path is None or engine.url.query.get("mode") == "ro":  # a server, or nothing written
        yield copies
        return

    def checked_out(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    def checked_in(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:  # (None: a connection dropped as broken)
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={PAGES}")

    stop = threading.Event()
    copier = threading.Thread(target=_copy_until, args=(path, stop, copies), name="checkpoints", daemon=True)
    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)
    copier.start()
    try:
        yield copies
    finally:
        stop.set()
        copier.join()
        event.remove(engine, "checkout", checked_out)
        event.remove(engine, "checkin", checked_in)


def _copy_until(path: Path, stop: threading.Event, copies: Copies) -> None:
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True, isolation_level=None)
    except sqlite3.Error:
        return  # the commits' own checkpoints come back with the import's end
    with closing(connection):
        while not stop.wait(EVERY):
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                continue  # (busy: another checkpoint runs; the next round copies on)
            copies.made += 1
