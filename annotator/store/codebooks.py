"""Every codebook the project has used, with its TOML source; the newest is the one in force."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from annotator.store import tables as t
from annotator.store.tables import utcnow

CODEBOOK = t.CodebookRow.__table__


@dataclass(frozen=True, slots=True)
class StoredCodebook:
    name: str
    version: int
    hash: str
    source: str  # the TOML text as it was loaded


def latest(conn: Connection) -> StoredCodebook | None:
    row = conn.execute(select(CODEBOOK.c.name, CODEBOOK.c.version, CODEBOOK.c.hash, CODEBOOK.c.source)
                       .order_by(CODEBOOK.c.pk.desc()).limit(1)).first()
    return StoredCodebook(*row) if row else None


def add(conn: Connection, name: str, version: int, hash_: str, source: str) -> None:
    conn.execute(insert(CODEBOOK).values(name=name, version=version, hash=hash_, source=source, created_at=utcnow()))
