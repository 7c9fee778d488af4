"""Every codebook the project has used, with its TOML source; the newest is the one in force."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from annotator.store import tables as t
from annotator.store.tables import utcnow

CODEBOOK = t.CodebookRow


def latest(conn: Connection) -> tuple[str, str, str] | None:
    """(name, content hash, TOML source) of the codebook in force, or None before `init`."""
    row = conn.execute(select(CODEBOOK.c.name, CODEBOOK.c.hash, CODEBOOK.c.source)
                       .order_by(CODEBOOK.c.pk.desc()).limit(1)).first()
    return tuple(row) if row else None


def add(conn: Connection, name: str, version: int, hash_: str, source: str) -> None:
    conn.execute(insert(CODEBOOK).values(name=name, version=version, hash=hash_, source=source, created_at=utcnow()))
