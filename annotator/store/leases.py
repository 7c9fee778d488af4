"""Leases on single-coded documents: one coder at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, bindparam, delete, func, select

from annotator.store import tables as t
from annotator.store.engine import dialect_insert
from annotator.store.tables import utcnow

LEASE = t.DocumentLease
ASSIGN = t.Assignment
DOC = t.Document
_CODERS = select(func.count()).select_from(ASSIGN).where(ASSIGN.c.document_pk == bindparam("document"))  # every open


def take(conn: Connection, document_pk: int, coder_pk: int, length: timedelta) -> bool | None:
    """Lease the document to the coder (or renew their lease) when it is single-coded, unless
    another coder's lease on it is live: True when the coder holds it now, False when another
    coder does, None when the document takes no lease (coded by several, or by whoever)."""
    if conn.scalar(_CODERS, {"document": document_pk}) != 1:
        return None
    now = utcnow()
    statement = dialect_insert(conn)(LEASE).values(document_pk=document_pk, coder_pk=coder_pk, until=now + length)
    conn.execute(statement.on_conflict_do_update(
        index_elements=["document_pk"], set_={"coder_pk": coder_pk, "until": now + length},
        where=(LEASE.c.coder_pk == coder_pk) | (LEASE.c.until <= now)))
    return conn.scalar(select(LEASE.c.coder_pk).where(LEASE.c.document_pk == document_pk)) == coder_pk


def release(conn: Connection, document_pk: int, coder_pk: int) -> None:
    conn.execute(delete(LEASE).where(LEASE.c.document_pk == document_pk, LEASE.c.coder_pk == coder_pk))


def free_for(coder_pk: ColumnElement[int], now: ColumnElement[datetime]) -> ColumnElement[bool]:
    """A condition on document rows: no other coder holds a live lease on it at `now` (a primary-key
    seek); both may be bound parameters."""
    return ~select(LEASE.c.document_pk).where(LEASE.c.document_pk == DOC.c.pk, LEASE.c.coder_pk != coder_pk,
                                              LEASE.c.until > now).exists()
