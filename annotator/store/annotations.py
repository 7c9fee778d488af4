"""Coders and their annotations: one writer for every path (coding, import), typed reads back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

from annotator.domain.coding import Annotation
from annotator.domain.display import name_problem
from annotator.domain.errors import InputError
from annotator.domain.spans import Span, Stance
from annotator.domain.vocabulary import Status
from annotator.store import events, tally
from annotator.store import tables as t
from annotator.store.engine import bound, bulk_insert, bulk_insert_values, count_of, inserted_pk
from annotator.store.tables import utcnow

ANN = t.Annotation
SPAN = t.AnnotationSpan
STANCE = t.AnnotationStance
SPAN_DECISION = t.SuggestionDecision
STANCE_DECISION = t.StanceDecision
CODER = t.Coder
CHILDREN = (SPAN, STANCE, SPAN_DECISION, STANCE_DECISION)
ROWS_PER_INSERT = 10_000  # rows a write inserts at once, telling its progress in between

# Built once: a coder's every key runs these, and building a statement costs more than running it.
_OF = (ANN.c.document_pk == bindparam("document"), ANN.c.coder_pk == bindparam("coder"))
_PK = select(ANN.c.pk).where(*_OF)
_PK_STATUS = select(ANN.c.pk, ANN.c.status).where(*_OF)
_INSERT = insert(ANN)
_REWRITE = update(ANN).where(ANN.c.pk == bindparam("annotation")).values(
    status=bindparam("new_status"), updated_at=bindparam("now"), seconds=ANN.c.seconds + bindparam("add"),
    suggestions_shown=ANN.c.suggestions_shown | bindparam("shown"),
    entity_model=func.coalesce(bindparam("entity_model"), ANN.c.entity_model),
    stance_model=func.coalesce(bindparam("stance_model"), ANN.c.stance_model))
_ADD_SECONDS = update(ANN).where(*_OF).values(seconds=ANN.c.seconds + bindparam("add"))
_CLEAR = [delete(table).where(table.c.annotation_pk == bindparam("annotation")) for table in CHILDREN]
_FILL = {table: insert(table) for table in CHILDREN}
_READ = [select(table).where(table.c.annotation_pk == bindparam("annotation")).order_by(*order) for table, order in (
    (SPAN, (SPAN.c.start, SPAN.c.end)), (STANCE, (STANCE.c.pk,)),
    (SPAN_DECISION, (SPAN_DECISION.c.pk,)), (STANCE_DECISION, (STANCE_DECISION.c.pk,)))]
_SET_LAST = update(CODER).where(CODER.c.pk == bindparam("coder")).values(last_document_pk=bindparam("document"))


@dataclass(frozen=True, slots=True)
class StoredAnnotation:
    coder: str
    seconds: float
    suggestions_shown: bool
    annotation: Annotation


def coder_pk(conn: Connection, name: str, role: str = "coder", actor: str | None = None) -> int:
    """The coder's key, adding the coder on first sight (with an event: who added whom, as what)."""
    pk = conn.scalar(select(CODER.c.pk).where(CODER.c.name == name))
    if pk is None:
        problem = name_problem(name)  # every way a coder is made (code --coder, import, gold) meets the rule
        if problem:
            raise InputError(problem)
        pk = inserted_pk(conn.execute(insert(CODER).values(name=name, role=role, created_at=utcnow())))
        # named in `after`, as a role change is: an event's coder_pk is the coder whose work changed
        events.add(conn, "coder_add", after={"name": name, "role": role}, actor=actor)
    return pk


def set_last_document(conn: Connection, coder_pk_: int, document_pk: int) -> None:
    conn.execute(_SET_LAST, {"coder": coder_pk_, "document": document_pk})


def last_document(conn: Connection, coder_pk_: int) -> int | None:
    return conn.scalar(select(CODER.c.last_document_pk).where(CODER.c.pk == coder_pk_))


def exists(conn: Connection, document_pk: int, coder_pk_: int) -> bool:
    return conn.scalar(_PK, {"document": document_pk, "coder": coder_pk_}) is not None


def write(conn: Connection, document_pk: int, coder_pk_: int, annotation: Annotation, *,
          add_seconds: float = 0.0, suggestions_shown: bool = False,
          models_shown: tuple[str | None, str | None] = (None, None),
          progress: Callable[[int, int], None] | None = None) -> int:
    """Make the stored annotation exactly `annotation` (its rows replaced, not merged), add the
    seconds spent, and remember for good that suggestions were shown, and whose ("name:version" of
    the entity and the stance model, when shown). Returns its key. `progress(rows written, rows
    in all)` is told after each batch of rows: a document's accept all may write half a million."""
    entity_model, stance_model = models_shown
    now = utcnow()
    pk = conn.scalar(_PK, {"document": document_pk, "coder": coder_pk_})
    if pk is None:
        pk = inserted_pk(conn.execute(_INSERT, {
            "document_pk": document_pk, "coder_pk": coder_pk_, "status": annotation.status, "seconds": add_seconds,
            "suggestions_shown": suggestions_shown, "created_at": now, "updated_at": now,
            "entity_model": entity_model, "stance_model": stance_model}))
    else:
        conn.execute(_REWRITE, {"annotation": pk, "new_status": annotation.status, "now": now, "add": add_seconds,
                                "shown": suggestions_shown, "entity_model": entity_model,
                                "stance_model": stance_model})
        for clear in _CLEAR:
            conn.execute(clear, {"annotation": pk})
    rows = _child_rows([(pk, annotation)])
    total, written = sum(len(values) for values in rows.values()), 0
    for table, values in rows.items():
        for at in range(0, len(values), ROWS_PER_INSERT):
            batch = values[at:at + ROWS_PER_INSERT]
            conn.execute(_FILL[table], batch)
            written += len(batch)
            if progress is not None:
                progress(written, total)
    return pk


def _child_rows(annotations: list[tuple[int, Annotation]]) -> dict[Table, list[dict[str, Any]]]:
    """The rows of each child table that hold these annotations (by key) in full."""
    return {
        SPAN: [{"annotation_pk": pk, "start": s.start, "end": s.end, "label": s.label, "origin": s.origin,
                "aligned": s.aligned, "source_start": s.source[0] if s.source else None,
                "source_end": s.source[1] if s.source else None, "source_label": s.source[2] if s.source else None}
               for pk, annotation in annotations for s in annotation.spans],
        STANCE: [{"annotation_pk": pk, "target": s.target, "label": s.label, "origin": s.origin,
                  "source_label": s.source} for pk, annotation in annotations for s in annotation.stances],
        SPAN_DECISION: [{"annotation_pk": pk, "start": a, "end": b, "label": c, "decision": d}
                        for pk, annotation in annotations for (a, b, c), d in annotation.decisions.items()],
        STANCE_DECISION: [{"annotation_pk": pk, "target": a, "label": b, "decision": d}
                          for pk, annotation in annotations for (a, b), d in annotation.stance_decisions.items()],
    }


def stored_keys(conn: Connection, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(document, coder) -> the annotation's key, for those of `pairs` that have one."""
    if not pairs:
        return {}
    documents, coders = {d for d, _ in pairs}, {c for _, c in pairs}
    rows = conn.execute(select(ANN.c.document_pk, ANN.c.coder_pk, ANN.c.pk)
                        .where(ANN.c.document_pk.in_(documents), ANN.c.coder_pk.in_(coders)))
    wanted = set(pairs)
    return {(d, c): pk for d, c, pk in rows if (d, c) in wanted}


_ANN_COLUMNS = ("document_pk", "coder_pk", "status", "seconds", "suggestions_shown", "created_at", "updated_at")
_SPAN_COLUMNS = ("annotation_pk", "start", "end", "label", "origin", "aligned", "source_start", "source_end",
                 "source_label")
_STANCE_COLUMNS = ("annotation_pk", "target", "label", "origin", "source_label")
_NO_SOURCE = (None, None, None)


def add_many(conn: Connection, new: Sequence[tuple[int, int, Annotation, float]]) -> list[int]:
    """Store annotations (document, coder, annotation, seconds spent) that no (document, coder) of
    has yet, in a few statements whatever their number, rows given to the driver as they go in (an
    import stores thousands a transaction: a statement each was most of its time). Returns their
    keys, in order."""
    if not new:
        return []
    now, shown = bound(conn, ANN.c.created_at, utcnow()), bound(conn, ANN.c.suggestions_shown, False)
    bulk_insert_values(conn, ANN, _ANN_COLUMNS, [(d, c, a.status, seconds, shown, now, now) for d, c, a, seconds in new])
    keys = stored_keys(conn, [(d, c) for d, c, _, _ in new])
    pks = [keys[d, c] for d, c, _, _ in new]
    flag = {True: bound(conn, SPAN.c.aligned, True), False: bound(conn, SPAN.c.aligned, False)}
    bulk_insert_values(conn, SPAN, _SPAN_COLUMNS, [
        (pk, s.start, s.end, s.label, s.origin, flag[s.aligned], *(s.source or _NO_SOURCE))
        for pk, (_, _, a, _) in zip(pks, new) for s in a.spans])
    bulk_insert_values(conn, STANCE, _STANCE_COLUMNS, [
        (pk, s.target, s.label, s.origin, s.source) for pk, (_, _, a, _) in zip(pks, new) for s in a.stances])
    if decided := [(pk, a) for pk, (_, _, a, _) in zip(pks, new) if a.decisions or a.stance_decisions]:
        rows = _child_rows(decided)
        bulk_insert(conn, SPAN_DECISION, rows[SPAN_DECISION])
        bulk_insert(conn, STANCE_DECISION, rows[STANCE_DECISION])
    return pks


def add_seconds(conn: Connection, document_pk: int, coder_pk_: int, seconds: float) -> None:
    conn.execute(_ADD_SECONDS, {"document": document_pk, "coder": coder_pk_, "add": seconds})


def _read(conn: Connection, pk: int, status: Status) -> Annotation:
    spans, stances, span_decisions, stance_decisions = (conn.execute(read, {"annotation": pk}) for read in _READ)
    return Annotation(
        status=status,
        spans=tuple(Span(s.start, s.end, s.label, s.origin, s.aligned,
                         (s.source_start, s.source_end, s.source_label) if s.source_label is not None else None)
                    for s in spans),
        stances=tuple(Stance(s.target, s.label, s.origin, s.source_label) for s in stances),
        decisions={(d.start, d.end, d.label): d.decision for d in span_decisions},
        stance_decisions={(d.target, d.label): d.decision for d in stance_decisions})


def of_coder(conn: Connection, document_pk: int, coder_pk_: int) -> Annotation | None:
    row = conn.execute(_PK_STATUS, {"document": document_pk, "coder": coder_pk_}).first()
    return _read(conn, row.pk, row.status) if row else None


def count_not_done(conn: Connection) -> int:
    """Annotations not done (drafts, skipped): what a coders export leaves out."""
    return count_of(conn, select(func.count()).select_from(ANN).where(ANN.c.status != "done"))


def seconds_of(conn: Connection, document_pk: int, coder_pk_: int) -> float | None:
    """The seconds a coder's annotation of the document records (None: no annotation)."""
    found = conn.scalar(select(ANN.c.seconds).where(ANN.c.document_pk == document_pk, ANN.c.coder_pk == coder_pk_))
    return None if found is None else float(found)


def of_document(conn: Connection, document_pk: int) -> list[StoredAnnotation]:
    """Every coder's annotation of the document, by coder name."""
    rows = conn.execute(select(ANN.c.pk, ANN.c.status, ANN.c.seconds, ANN.c.suggestions_shown, CODER.c.name)
                        .join(CODER, CODER.c.pk == ANN.c.coder_pk)
                        .where(ANN.c.document_pk == document_pk).order_by(CODER.c.name)).all()
    return [StoredAnnotation(r.name, r.seconds, r.suggestions_shown, _read(conn, r.pk, r.status)) for r in rows]


def done_since(conn: Connection, coder_pk_: int, since: datetime) -> int:
    """Done since `since` (a midnight), read from the tally's quarter hours."""
    return tally.done_since(conn, coder_pk_, since)


def counts_by_coder(conn: Connection) -> dict[str, dict[str, int]]:
    """coder -> status -> number of annotations, for every coder with one, by name."""
    names = tally.coder_names(conn)
    by_coder: dict[str, dict[str, int]] = {}
    for _, coder, status, _, n, _ in tally.rows(conn, ["annotations"]):
        by_coder.setdefault(names[coder], {"draft": 0, "done": 0, "skipped": 0})[status] = n
    return dict(sorted(by_coder.items()))


def labels_in_use(conn: Connection) -> tuple[set[str], set[tuple[str, str]]]:
    """Entity labels and (target, stance label) pairs that annotations use."""
    spans = set(conn.scalars(select(SPAN.c.label).distinct()))
    stances = {tuple(r) for r in conn.execute(select(STANCE.c.target, STANCE.c.label).distinct())}
    return spans, stances
