"""The audit trail: an append-only record of every change (who, when, what, before, after)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, literal_column
from typing import Any

from annotator.store import identity
from annotator.store import tables as t
from annotator.store.engine import bound, bulk_insert_values
from annotator.store.tables import utcnow

EVENT = t.Event
_INSERT = insert(EVENT)  # built once: every stored key adds an event
_INSERT_AS_SESSION = insert(EVENT).values(actor=literal_column("session_user"))  # PostgreSQL's own answer


def add(conn: Connection, kind: str, *, coder_pk: int | None = None, document_pk: int | None = None,
        annotation_pk: int | None = None, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
        actor: str | None = None) -> None:
    """`actor`: who acts, where the database does not say (SQLite); by default the claimed name."""
    row = {"at": utcnow(), "kind": kind, "coder_pk": coder_pk, "document_pk": document_pk,
           "annotation_pk": annotation_pk, "before": before or {}, "after": after or {}}
    if identity.enforced(conn):
        conn.execute(_INSERT_AS_SESSION, row)
    else:
        conn.execute(_INSERT, {**row, "actor": actor or identity.claimed()})


_MANY_COLUMNS = ("at", "kind", "coder_pk", "document_pk", "annotation_pk", "before", "after", "actor")


def add_many(conn: Connection, kind: str, rows: list[tuple[int | None, int | None, int | None, dict[str, Any]]],
             actor: str | None = None) -> None:
    """Events of one kind at once, as `add` stores each (rows: coder_pk, document_pk, annotation_pk
    and after): an import adds thousands a transaction."""
    if not rows:
        return
    at = utcnow()
    if identity.enforced(conn):
        conn.execute(_INSERT_AS_SESSION, [
            {"at": at, "kind": kind, "coder_pk": coder, "document_pk": document, "annotation_pk": annotation,
             "before": {}, "after": after} for coder, document, annotation, after in rows])
        return
    stamp, before, by = bound(conn, EVENT.c.at, at), bound(conn, EVENT.c.before, {}), actor or identity.claimed()
    bulk_insert_values(conn, EVENT, _MANY_COLUMNS, [
        (stamp, kind, coder, document, annotation, before, bound(conn, EVENT.c.after, after), by)
        for coder, document, annotation, after in rows])
