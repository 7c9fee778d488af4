"""SQL for the coding screen: a coder's queue, one document's view, and storing one annotation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from annotator.store.tables import (
    Annotation,
    AnnotationSpan,
    AnnotationStance,
    Document,
    Suggestion,
    SuggestionDecision,
    utcnow,
)

DOC = Document.__table__
ANN = Annotation.__table__
SPAN = AnnotationSpan.__table__
STANCE = AnnotationStance.__table__
DECISION = SuggestionDecision.__table__
SUG = Suggestion.__table__


def _unfinished(coder_pk: int):
    """Documents this coder has not marked done or skipped."""
    finished = select(ANN.c.pk).where(ANN.c.document_pk == DOC.c.pk, ANN.c.coder_pk == coder_pk,
                                      ANN.c.status.in_(("done", "skipped")))
    return ~finished.exists()


def queue_size(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(DOC))


def queue_position(conn: Connection, document_pk: int) -> int:
    """1-based place of the document in the queue."""
    return conn.scalar(select(func.count()).select_from(DOC).where(DOC.c.pk <= document_pk))


def neighbour(conn: Connection, document_pk: int, forward: bool, coder_pk: int | None = None) -> int | None:
    """The next (or previous) document in queue order; with coder_pk, the next unfinished one."""
    column = DOC.c.pk
    query = select(column).where(column > document_pk if forward else column < document_pk)
    if coder_pk is not None:
        query = query.where(_unfinished(coder_pk))
    return conn.scalar(query.order_by(column if forward else column.desc()).limit(1))


def done_since(conn: Connection, coder_pk: int, since: datetime) -> int:
    return conn.scalar(select(func.count()).select_from(ANN).where(
        ANN.c.coder_pk == coder_pk, ANN.c.status == "done", ANN.c.updated_at >= since))


def document(conn: Connection, document_pk: int):
    return conn.execute(select(DOC.c.pk, DOC.c.id, DOC.c.title, DOC.c.text, DOC.c.meta)
                        .where(DOC.c.pk == document_pk)).first()


def latest_suggestion(conn: Connection, document_pk: int):
    return conn.execute(select(SUG.c.model, SUG.c.version, SUG.c.spans, SUG.c.stances)
                        .where(SUG.c.document_pk == document_pk).order_by(SUG.c.pk.desc()).limit(1)).first()


def annotation(conn: Connection, document_pk: int, coder_pk: int):
    """(annotation row, spans, stances, decisions) or None."""
    row = conn.execute(select(ANN).where(ANN.c.document_pk == document_pk, ANN.c.coder_pk == coder_pk)).first()
    if row is None:
        return None
    spans = conn.execute(select(SPAN).where(SPAN.c.annotation_pk == row.pk).order_by(SPAN.c.start)).all()
    stances = conn.execute(select(STANCE).where(STANCE.c.annotation_pk == row.pk).order_by(STANCE.c.pk)).all()
    decisions = conn.execute(select(DECISION).where(DECISION.c.annotation_pk == row.pk)).all()
    return row, spans, stances, decisions


def store_annotation(conn: Connection, document_pk: int, coder_pk: int, status: str, spans: list[dict[str, Any]],
                     stances: list[dict[str, Any]], decisions: list[dict[str, Any]], add_seconds: float = 0.0) -> int:
    """Make the stored annotation exactly this (rows replaced, not merged); returns its key."""
    now = utcnow()
    pk = conn.scalar(select(ANN.c.pk).where(ANN.c.document_pk == document_pk, ANN.c.coder_pk == coder_pk))
    if pk is None:
        pk = conn.execute(insert(ANN).values(document_pk=document_pk, coder_pk=coder_pk, status=status,
                                             seconds=add_seconds, suggestions_shown=True, created_at=now,
                                             updated_at=now)).inserted_primary_key[0]
    else:
        conn.execute(update(ANN).where(ANN.c.pk == pk).values(
            status=status, updated_at=now, seconds=ANN.c.seconds + add_seconds))
        for table in (SPAN, STANCE, DECISION):
            conn.execute(delete(table).where(table.c.annotation_pk == pk))
    for table, rows in ((SPAN, spans), (STANCE, stances), (DECISION, decisions)):
        if rows:
            conn.execute(insert(table), [{**r, "annotation_pk": pk} for r in rows])
    return pk


def add_seconds(conn: Connection, document_pk: int, coder_pk: int, seconds: float) -> None:
    conn.execute(update(ANN).where(ANN.c.document_pk == document_pk, ANN.c.coder_pk == coder_pk)
                 .values(seconds=ANN.c.seconds + seconds))


def find_documents(conn: Connection, text: str, limit: int = 20):
    """Documents whose id or title contains `text` (any case), in queue order."""
    pattern = f"%{text}%"
    return conn.execute(select(DOC.c.pk, DOC.c.id, DOC.c.title)
                        .where(or_(DOC.c.id.ilike(pattern), DOC.c.title.ilike(pattern)))
                        .order_by(DOC.c.pk).limit(limit)).all()


