"""What coders did with suggestions, counted in the database: decisions by coder and label, and
time spent on done documents."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from annotator.store import tables as t

ANN = t.Annotation.__table__
CODER = t.Coder.__table__
DOC = t.Document.__table__
SPAN_DECISION = t.SuggestionDecision.__table__
STANCE_DECISION = t.StanceDecision.__table__


def decisions(conn: Connection) -> list[tuple[str, str, str, str, int]]:
    """(kind "entity" or "stance", coder, label, decision, count), grouped in the database."""
    rows = []
    for kind, table in (("entity", SPAN_DECISION), ("stance", STANCE_DECISION)):
        query = (select(CODER.c.name, table.c.label, table.c.decision, func.count())
                 .select_from(table).join(ANN, ANN.c.pk == table.c.annotation_pk).join(CODER, CODER.c.pk == ANN.c.coder_pk)
                 .group_by(CODER.c.name, table.c.label, table.c.decision))
        rows += [(kind, *row) for row in conn.execute(query)]
    return rows


def seconds(conn: Connection) -> list[tuple[str, bool, int, float]]:
    """(coder, blind, done documents, seconds on them) for done annotations."""
    query = (select(CODER.c.name, DOC.c.blind, func.count(), func.coalesce(func.sum(ANN.c.seconds), 0.0))
             .select_from(ANN).join(CODER, CODER.c.pk == ANN.c.coder_pk).join(DOC, DOC.c.pk == ANN.c.document_pk)
             .where(ANN.c.status == "done").group_by(CODER.c.name, DOC.c.blind))
    return [(name, bool(blind), n, float(total)) for name, blind, n, total in conn.execute(query)]
