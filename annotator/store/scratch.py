"""Scratch tables private to one command, in SQLite's temporary database: what an import has read
so far, spilled to a file past a few megabytes, so a file of a million records does not hold a
million ids in memory. SQLite deletes that file as it opens it: a killed import leaves nothing."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from annotator.domain.errors import InputError

CHUNK = 500  # bound parameters per statement, well under SQLite's limit


class SeenRecords:
    """The texts read so far (by hash), and each id with the hash of the text it names."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)  # "": a temporary database on disk
        self._db.execute("PRAGMA journal_mode = OFF")  # nothing here outlives the command
        self._db.execute("CREATE TABLE id (id TEXT PRIMARY KEY, text_hash TEXT NOT NULL) WITHOUT ROWID")
        self._db.execute("CREATE TABLE text (text_hash TEXT PRIMARY KEY) WITHOUT ROWID")

    def ids(self, ids: Sequence[str]) -> dict[str, str]:
        """id -> text_hash for those of `ids` seen."""
        return dict(self._select("SELECT id, text_hash FROM id WHERE id IN ({})", ids))

    def texts(self, hashes: Sequence[str]) -> set[str]:
        return {h for (h,) in self._select("SELECT text_hash FROM text WHERE text_hash IN ({})", hashes)}

    def add(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Records (id, text_hash) pairs: texts that were new, under ids that were new or named them."""
        pairs = list(pairs)
        with _room_said():
            self._db.executemany("INSERT OR IGNORE INTO id VALUES (?, ?)", pairs)
            self._db.executemany("INSERT OR IGNORE INTO text VALUES (?)", ((h,) for _, h in pairs))

    def _select(self, sql: str, values: Sequence[str]) -> list[tuple[Any, ...]]:
        values = list(dict.fromkeys(values))
        found = []
        for start in range(0, len(values), CHUNK):
            part = values[start:start + CHUNK]
            with _room_said():
                found += self._db.execute(sql.format(",".join("?" * len(part))), part).fetchall()
        return found

    def close(self) -> None:
        self._db.close()


@contextmanager
def _room_said() -> Iterator[None]:
    """A full disk under SQLite's temporary folder is said as such, not as the project's disk."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_FULL":
            raise
        folder = os.environ.get("SQLITE_TMPDIR") or os.environ.get("TMPDIR") or "/var/tmp or /tmp"
        raise InputError(f"the disk holding the temporary folder ({folder}), where an import keeps what it has "
                         f"read, is full ({exc}); free some space there, or set TMPDIR to a folder on a disk with "
                         "room") from None
