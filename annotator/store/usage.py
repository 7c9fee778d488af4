"""What coders did with suggestions, counted in the database: decisions by coder and label, and
time spent on done documents."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from annotator.store import tables as t
from annotator.store import tally

ANN = t.Annotation
CODER = t.Coder
DOC = t.Document
SPAN_DECISION = t.SuggestionDecision
STANCE_DECISION = t.StanceDecision


def decisions(conn: Connection) -> list[tuple[str, str, str, str, int]]:
    """(kind "entity" or "stance", coder, label, decision, count), from the tally."""
    names = tally.coder_names(conn)
    kinds = {"entity_decisions": "entity", "stance_decisions": "stance"}
    return [(kinds[kind], names[coder], label, decision, n)
            for kind, coder, decision, label, n, _ in tally.rows(conn, kinds) if coder in names]


def seconds(conn: Connection) -> list[tuple[str, bool, int, float]]:
    """(coder, blind, done documents, seconds on them) for done annotations that took time (an
    imported annotation that gave no time keeps 0 seconds: it is no time, left out of the means)."""
    names = tally.coder_names(conn)
    return [(names[coder], key == "blind", n, total) for _, coder, key, _, n, total in tally.rows(conn, ["done_seconds"])]


EVENT = t.Event


def decisions_by_model(conn: Connection) -> list[tuple[str, str, str, int]]:
    """(kind "entity" or "stance", "name:version", decision, count): what coders did with each
    model version's suggestions, by the model each annotation showed for that task."""
    rows = []
    for kind, table, model in (("entity", SPAN_DECISION, ANN.c.entity_model), ("stance", STANCE_DECISION, ANN.c.stance_model)):
        query = (select(model, table.c.decision, func.count()).select_from(table)
                 .join(ANN, ANN.c.pk == table.c.annotation_pk).where(model.is_not(None))
                 .group_by(model, table.c.decision))
        rows += [(kind, *row) for row in conn.execute(query)]
    return rows


def actions_by_model(conn: Connection) -> dict[str, tuple[int, int]]:
    """"name:version" -> (done documents that showed its suggestions, the coders' actions on them:
    each an event, undo and redo included)."""
    per_annotation = (select(ANN.c.pk, ANN.c.entity_model, ANN.c.stance_model, func.count(EVENT.c.pk).label("actions"))
                      .select_from(ANN).join(EVENT, (EVENT.c.document_pk == ANN.c.document_pk)
                                             & (EVENT.c.annotation_pk == ANN.c.pk), isouter=True)
                      .where(ANN.c.status == "done", (ANN.c.entity_model.is_not(None)) | (ANN.c.stance_model.is_not(None)))
                      .group_by(ANN.c.pk, ANN.c.entity_model, ANN.c.stance_model))
    found: dict[str, list[int]] = {}
    for _, entity, stance, actions in conn.execute(per_annotation):
        for model in {entity, stance} - {None}:
            counts = found.setdefault(model, [0, 0])
            counts[0] += 1
            counts[1] += actions
    return {model: (documents, actions) for model, (documents, actions) in found.items()}
