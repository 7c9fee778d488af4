"""Each coder's finished-through marks: every document of their queue up to the mark is finished
(done or skipped), so the next unfinished one is a seek from the mark, however far they are.

The marks are lower bounds: raised past runs of finished documents as a coder finishes them,
lowered when a coder takes a document back to draft, reset when their assignment changes."""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from annotator.store import tables as t

ANN = t.Annotation.__table__
ASSIGN = t.Assignment.__table__
CODER = t.Coder.__table__
DOC = t.Document.__table__
FINISHED = ("done", "skipped")
STEP = 200  # queue entries read at a time while raising a mark


def marks(conn: Connection, coder_pk: int) -> tuple[int, int]:
    """(document key, assignment position) up to which the coder's queue is finished."""
    row = conn.execute(select(CODER.c.finished_through_pk, CODER.c.finished_through_position)
                       .where(CODER.c.pk == coder_pk)).one()
    return row[0], row[1]


def raise_mark(conn: Connection, coder_pk: int, assigned: bool) -> int:
    """Move the mark past the finished documents right after it (those since the last raise: each
    document is passed once); returns the mark."""
    at = marks(conn, coder_pk)[assigned]
    start = at
    while True:
        done = select(ANN.c.pk).where(ANN.c.coder_pk == coder_pk, ANN.c.status.in_(FINISHED))
        if assigned:
            query = (select(ASSIGN.c.position, done.where(ANN.c.document_pk == ASSIGN.c.document_pk).exists())
                     .where(ASSIGN.c.coder_pk == coder_pk, ASSIGN.c.position > at).order_by(ASSIGN.c.position))
        else:
            query = (select(DOC.c.pk, done.where(ANN.c.document_pk == DOC.c.pk).exists())
                     .where(DOC.c.pk > at).order_by(DOC.c.pk))
        rows = conn.execute(query.limit(STEP)).all()
        for key, finished in rows:
            if not finished:
                break
            at = key
        else:  # every one of them finished: read on, unless the queue ended
            if len(rows) == STEP:
                continue
        break
    if at != start:
        column = CODER.c.finished_through_position if assigned else CODER.c.finished_through_pk
        conn.execute(update(CODER).where(CODER.c.pk == coder_pk).values({column: at}))
    return at


def lower_marks(conn: Connection, coder_pk: int, document_pk: int) -> None:
    """The coder took a document back to draft: the marks fall below it (its queue position too)."""
    position = conn.scalar(select(ASSIGN.c.position).where(ASSIGN.c.coder_pk == coder_pk,
                                                           ASSIGN.c.document_pk == document_pk))
    values = {"finished_through_pk": func.min(CODER.c.finished_through_pk, document_pk - 1)}
    if position is not None:
        values["finished_through_position"] = func.min(CODER.c.finished_through_position, position - 1)
    if conn.dialect.name == "postgresql":  # min() of two values is least() there
        values = {k: func.least(*v.clauses) for k, v in values.items()}
    conn.execute(update(CODER).where(CODER.c.pk == coder_pk).values(values))


def reset_positions(conn: Connection) -> None:
    """A new assignment renumbers every queue: position marks start again from 0."""
    conn.execute(update(CODER).values(finished_through_position=0))
