"""Coders, their roles, and the assignment table: each coder's queue by position.

Every queue step is a seek on (coder_pk, position) or (document_pk, coder_pk): the cost of `n` does
not grow with the queue's length or how far into it the coder is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, literal, select, update

from annotator.domain.assignment import Assigned
from annotator.store import tables as t
from annotator.store import tally
from annotator.store.progress import finished_annotation
from annotator.store.tables import utcnow

CODER = t.Coder
ASSIGN = t.Assignment
ANN = t.Annotation


@dataclass(frozen=True, slots=True)
class CoderRow:
    name: str
    role: str
    assigned: int
    overlap: int
    done: int


# Coders ------------------------------------------------------------------------------------------
def role_of(conn: Connection, name: str) -> str | None:
    return conn.scalar(select(CODER.c.role).where(CODER.c.name == name))


def has_lead(conn: Connection) -> bool:
    return conn.scalar(select(CODER.c.pk).where(CODER.c.role == "lead").limit(1)) is not None


def coder_pk_of(conn: Connection, name: str) -> int | None:
    return conn.scalar(select(CODER.c.pk).where(CODER.c.name == name))


def set_role(conn: Connection, name: str, role: str) -> None:
    conn.execute(update(CODER).where(CODER.c.name == name).values(role=role))


def coder_names(conn: Connection) -> list[str]:
    """Every coder's name (a project has a handful: read whole to compare a new name with)."""
    return list(conn.scalars(select(CODER.c.name)))


def pks_by_name(conn: Connection, names: Sequence[str]) -> dict[str, int]:
    return dict(conn.execute(select(CODER.c.name, CODER.c.pk).where(CODER.c.name.in_(names))).all())


def coders(conn: Connection) -> list[CoderRow]:
    """Every coder with what is assigned to them and what they have done."""
    assigned, done = {}, {}
    for kind, pk, key, _, n, total in tally.rows(conn, ["assigned", "annotations"]):
        if kind == "assigned":
            assigned[pk] = (n, int(total))
        elif key == "done":
            done[pk] = n
    return [CoderRow(name, role, *assigned.get(pk, (0, 0)), done.get(pk, 0))
            for pk, name, role in conn.execute(select(CODER.c.pk, CODER.c.name, CODER.c.role).order_by(CODER.c.name))]


# Assignment --------------------------------------------------------------------------------------
def worked_on(conn: Connection) -> dict[str, list[int]]:
    """coder name -> documents they have an annotation of (work a new assignment must keep)."""
    kept: dict[str, list[int]] = {}
    for name, document_pk in conn.execute(select(CODER.c.name, ANN.c.document_pk)
                                          .join(ANN, ANN.c.coder_pk == CODER.c.pk)):
        kept.setdefault(name, []).append(document_pk)
    return kept


def replace(conn: Connection, queues: Mapping[int, Sequence[Assigned]]) -> int:
    """The whole assignment, replaced in this transaction; returns the rows written."""
    conn.execute(delete(ASSIGN))
    now = utcnow()
    rows = [{"document_pk": a.document, "coder_pk": coder_pk, "position": i, "overlap": a.overlap, "created_at": now}
            for coder_pk, queue in queues.items() for i, a in enumerate(queue, 1)]
    for start in range(0, len(rows), 50_000):
        conn.execute(ASSIGN.insert(), rows[start:start + 50_000])
    return len(rows)


def has_queue(conn: Connection, coder_pk: int) -> bool:
    return conn.scalar(select(ASSIGN.c.pk).where(ASSIGN.c.coder_pk == coder_pk).limit(1)) is not None


def queue_length(conn: Connection, coder_pk: int) -> int:
    """The last position: positions are dense from 1, so this is one seek, not a count."""
    return conn.scalar(select(func.max(ASSIGN.c.position)).where(ASSIGN.c.coder_pk == coder_pk)) or 0


def position(conn: Connection, coder_pk: int, document_pk: int) -> int | None:
    return conn.scalar(select(ASSIGN.c.position).where(ASSIGN.c.coder_pk == coder_pk,
                                                       ASSIGN.c.document_pk == document_pk))


def neighbour(conn: Connection, coder_pk: int, after: int, forward: bool, unfinished: bool = False) -> int | None:
    """The document at the next (or previous) position of the coder's queue after position `after`;
    with unfinished, the next one the coder has not marked done or skipped."""
    query = select(ASSIGN.c.document_pk).where(
        ASSIGN.c.coder_pk == coder_pk, ASSIGN.c.position > after if forward else ASSIGN.c.position < after)
    if unfinished:
        finished = finished_annotation(ASSIGN.c.document_pk, literal(coder_pk))
        # On PostgreSQL a lookup a document, as documents._unfinished says why: as NOT EXISTS the
        # planner may join the coder's annotations whole and sort the rest of the queue.
        query = query.where(finished.limit(1).scalar_subquery().is_(None) if conn.dialect.name == "postgresql"
                            else ~finished.exists())
    from annotator.store.leases import LEASE  # another coder's live lease: passed by

    query = query.where(~select(LEASE.c.document_pk).where(LEASE.c.document_pk == ASSIGN.c.document_pk,
                                                           LEASE.c.coder_pk != coder_pk, LEASE.c.until > utcnow()).exists())
    order = ASSIGN.c.position if forward else ASSIGN.c.position.desc()
    return conn.scalar(query.order_by(order).limit(1))
