"""Each coder's finished-through marks: every document of their queue up to the mark is finished
(done or skipped), so the next unfinished one is a seek from the mark, however far they are.

The marks are lower bounds: raised past runs of finished documents as a coder finishes them,
lowered when a coder takes a document back to draft, reset when their assignment changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, select, update

from annotator.store import tables as t

ANN = t.Annotation
ASSIGN = t.Assignment
CODER = t.Coder
DOC = t.Document
FINISHED = ("done", "skipped")
STEP = 200  # queue entries read at a time while raising a mark

# Built once: these run on every `d`, and building a statement costs more than SQLite running it.
_MARKS = select(CODER.c.finished_through_pk, CODER.c.finished_through_position).where(CODER.c.pk == bindparam("coder"))


def finished_annotation(document_pk: ColumnElement[int], coder_pk: ColumnElement[int]) -> Select[Any]:
    """The coder's annotation of the document if it is finished, as a query of its document_pk:
    on PostgreSQL read from ix_annotation_finished alone, never the table's rows (migration 0021),
    so no column outside that index."""
    return select(ANN.c.document_pk).where(ANN.c.document_pk == document_pk, ANN.c.coder_pk == coder_pk,
                                           ANN.c.status.in_(FINISHED))


_AFTER_MARK = {
    True: (select(ASSIGN.c.position, finished_annotation(ASSIGN.c.document_pk, bindparam("coder")).exists())
           .where(ASSIGN.c.coder_pk == bindparam("coder"), ASSIGN.c.position > bindparam("at"))
           .order_by(ASSIGN.c.position).limit(STEP)),
    False: (select(DOC.c.pk, finished_annotation(DOC.c.pk, bindparam("coder")).exists())
            .where(DOC.c.pk > bindparam("at")).order_by(DOC.c.pk).limit(STEP)),
}
_SET_MARK = {assigned: update(CODER).where(CODER.c.pk == bindparam("coder"))
             .values({column: bindparam("at")})
             for assigned, column in ((True, CODER.c.finished_through_position), (False, CODER.c.finished_through_pk))}


def marks(conn: Connection, coder_pk: int) -> tuple[int, int]:
    """(document key, assignment position) up to which the coder's queue is finished."""
    row = conn.execute(_MARKS, {"coder": coder_pk}).one()
    return row[0], row[1]


def raise_mark(conn: Connection, coder_pk: int, assigned: bool) -> int:
    """Move the mark past the finished documents right after it (those since the last raise: each
    document is passed once); returns the mark."""
    at = marks(conn, coder_pk)[assigned]
    start = at
    while True:
        # Read row by row: the first unfinished document usually comes next, and SQLite then stops
        # there (reading all STEP rows, each with its probe, cost 2 ms of every `d`).
        read = 0
        with conn.execute(_AFTER_MARK[assigned], {"coder": coder_pk, "at": at}) as rows:
            for key, finished in rows:
                read += 1
                if not finished:
                    break
                at = key
            else:  # every one of them finished: read on, unless the queue ended
                if read == STEP:
                    continue
        break
    if at != start:
        conn.execute(_SET_MARK[assigned], {"coder": coder_pk, "at": at})
    return at


def lower_marks(conn: Connection, coder_pk: int, document_pk: int) -> None:
    """The coder took a document back to draft: the marks fall below it (its queue position too)."""
    position = conn.scalar(select(ASSIGN.c.position).where(ASSIGN.c.coder_pk == coder_pk,
                                                           ASSIGN.c.document_pk == document_pk))
    values: dict[str, ColumnElement[Any]] = {"finished_through_pk": func.min(CODER.c.finished_through_pk, document_pk - 1)}
    if position is not None:
        values["finished_through_position"] = func.min(CODER.c.finished_through_position, position - 1)
    if conn.dialect.name == "postgresql":  # min() of two values is least() there
        values = {k: func.least(*v.clauses) for k, v in values.items()}
    conn.execute(update(CODER).where(CODER.c.pk == coder_pk).values(values))


def reset_positions(conn: Connection) -> None:
    """A new assignment renumbers every queue: position marks start again from 0."""
    conn.execute(update(CODER).values(finished_through_position=0))
