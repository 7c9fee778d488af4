"""The SQL the services need, on a Connection (bulk paths) or a Session (object paths)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select

from annotator.store.tables import (
    Annotation,
    AnnotationSpan,
    AnnotationStance,
    CodebookRow,
    Coder,
    Document,
    Event,
    Gold,
    GoldSpan,
    GoldStance,
    Suggestion,
    utcnow,
)

DOC = Document.__table__


def latest_codebook(conn: Connection) -> CodebookRow | None:
    row = conn.execute(select(CodebookRow.__table__).order_by(CodebookRow.pk.desc()).limit(1)).first()
    return CodebookRow.model_validate(row._mapping) if row else None


def add_codebook(conn: Connection, name: str, version: int, hash_: str, source: str) -> None:
    conn.execute(insert(CodebookRow.__table__).values(
        name=name, version=version, hash=hash_, source=source, created_at=utcnow()))


def labels_in_use(conn: Connection) -> tuple[set[str], set[tuple[str, str]]]:
    """Entity labels and (target, stance label) pairs that annotations or gold already use."""
    spans = set(conn.scalars(select(AnnotationSpan.label).distinct()))
    spans |= set(conn.scalars(select(GoldSpan.label).distinct()))
    stances = {tuple(r) for r in conn.execute(select(AnnotationStance.target, AnnotationStance.label).distinct())}
    stances |= {tuple(r) for r in conn.execute(select(GoldStance.target, GoldStance.label).distinct())}
    return spans, stances


def documents_by_hash(conn: Connection, hashes: Sequence[str]) -> dict[str, tuple[int, str]]:
    """text_hash -> (pk, id) for those of `hashes` already stored."""
    rows = conn.execute(select(DOC.c.text_hash, DOC.c.pk, DOC.c.id).where(DOC.c.text_hash.in_(hashes)))
    return {h: (pk, id_) for h, pk, id_ in rows}


def hashes_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """id -> text_hash for those of `ids` already stored."""
    return dict(conn.execute(select(DOC.c.id, DOC.c.text_hash).where(DOC.c.id.in_(ids))).all())


DOCUMENT_COLUMNS = ("id", "title", "text", "meta", "text_hash", "created_at")


def insert_documents(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Bulk insert of rows sharing one created_at.

    On SQLite the rows go straight to the driver's executemany, values converted by SQLAlchemy's own
    bind processors: per-row statement bookkeeping was a third of the import's time."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(DOC), rows)
        return
    to_meta = DOC.c.meta.type._cached_bind_processor(conn.dialect)
    created = DOC.c.created_at.type._cached_bind_processor(conn.dialect)(rows[0]["created_at"])  # one per batch
    values = [(r["id"], r["title"], r["text"], to_meta(r["meta"]), r["text_hash"], created) for r in rows]
    sql = f"INSERT INTO document ({', '.join(DOCUMENT_COLUMNS)}) VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))})"
    cursor = conn.connection.driver_connection.cursor()  # same connection, same transaction
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()


def coder_pk(conn: Connection, name: str, role: str = "coder") -> int:
    """The coder's key, adding the coder on first sight."""
    pk = conn.scalar(select(Coder.pk).where(Coder.name == name))
    if pk is None:
        pk = conn.execute(insert(Coder.__table__).values(name=name, role=role, created_at=utcnow())).inserted_primary_key[0]
    return pk


def annotation_pk(conn: Connection, document_pk: int, coder_pk_: int) -> int | None:
    return conn.scalar(select(Annotation.pk).where(
        Annotation.document_pk == document_pk, Annotation.coder_pk == coder_pk_))


def insert_annotation(conn: Connection, document_pk: int, coder_pk_: int, status: str, seconds: float,
                      spans: Iterable[dict[str, Any]], stances: Iterable[dict[str, Any]]) -> int:
    now = utcnow()
    pk = conn.execute(insert(Annotation.__table__).values(
        document_pk=document_pk, coder_pk=coder_pk_, status=status, seconds=seconds,
        suggestions_shown=False, created_at=now, updated_at=now)).inserted_primary_key[0]
    span_rows = [{**s, "annotation_pk": pk} for s in spans]
    stance_rows = [{**s, "annotation_pk": pk} for s in stances]
    if span_rows:
        conn.execute(insert(AnnotationSpan.__table__), span_rows)
    if stance_rows:
        conn.execute(insert(AnnotationStance.__table__), stance_rows)
    return pk


def add_event(conn: Connection, kind: str, *, coder_pk_: int | None = None, document_pk: int | None = None,
              annotation_pk_: int | None = None, before: dict | None = None, after: dict | None = None) -> None:
    conn.execute(insert(Event.__table__).values(
        at=utcnow(), kind=kind, coder_pk=coder_pk_, document_pk=document_pk, annotation_pk=annotation_pk_,
        before=before or {}, after=after or {}))


def counts(conn: Connection) -> dict[str, Any]:
    """The numbers behind `annotator status`."""
    by_coder: dict[str, dict[str, int]] = {}
    rows = conn.execute(select(Coder.name, Annotation.status, func.count())
                        .join(Annotation, Annotation.coder_pk == Coder.pk)
                        .group_by(Coder.name, Annotation.status).order_by(Coder.name))
    for name, status, n in rows:
        by_coder.setdefault(name, {"draft": 0, "done": 0, "skipped": 0})[status] = n
    return {
        "documents": conn.scalar(select(func.count()).select_from(DOC)),
        "suggested": conn.scalar(select(func.count(Suggestion.document_pk.distinct()))),
        "gold": conn.scalar(select(func.count()).select_from(Gold.__table__)),
        "annotations": by_coder,
    }


def document_by_id(conn: Connection, doc_id: str):
    return conn.execute(select(DOC).where(DOC.c.id == doc_id)).first()


def similar_ids(conn: Connection, doc_id: str, limit: int = 5) -> list[str]:
    """Ids containing what was typed, else those sharing its first characters."""
    for pattern in (f"%{doc_id}%", f"{doc_id[:4]}%"):
        found = list(conn.scalars(select(DOC.c.id).where(DOC.c.id.like(pattern)).order_by(DOC.c.pk).limit(limit)))
        if found:
            return found
    return []


def suggestions_of(conn: Connection, document_pk: int):
    table = Suggestion.__table__
    return conn.execute(select(table).where(table.c.document_pk == document_pk).order_by(table.c.pk)).all()


def annotations_of(conn: Connection, document_pk: int):
    """(annotation row, coder name) for every coder's annotation of the document."""
    return conn.execute(select(Annotation.__table__, Coder.name.label("coder"))
                        .join(Coder, Coder.pk == Annotation.coder_pk)
                        .where(Annotation.document_pk == document_pk).order_by(Coder.name)).all()


def spans_of(conn: Connection, annotation_pk_: int):
    t = AnnotationSpan.__table__
    return conn.execute(select(t).where(t.c.annotation_pk == annotation_pk_).order_by(t.c.start, t.c.end)).all()


def stances_of(conn: Connection, annotation_pk_: int):
    t = AnnotationStance.__table__
    return conn.execute(select(t).where(t.c.annotation_pk == annotation_pk_).order_by(t.c.pk)).all()


def gold_of(conn: Connection, document_pk: int):
    """(gold row, spans, stances) with the adjudicator's name, or None."""
    gold = conn.execute(select(Gold.__table__).where(Gold.document_pk == document_pk)).first()
    if gold is None:
        return None
    spans = conn.execute(select(GoldSpan.__table__, Coder.name.label("by"))
                         .outerjoin(Coder, Coder.pk == GoldSpan.by_coder_pk)
                         .where(GoldSpan.gold_pk == gold.pk).order_by(GoldSpan.start)).all()
    stances = conn.execute(select(GoldStance.__table__, Coder.name.label("by"))
                           .outerjoin(Coder, Coder.pk == GoldStance.by_coder_pk)
                           .where(GoldStance.gold_pk == gold.pk).order_by(GoldStance.pk)).all()
    return gold, spans, stances


def count_documents(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(DOC))


def _unsuggested(model: str, version: str):
    sug = Suggestion.__table__
    return ~select(sug.c.pk).where(sug.c.document_pk == DOC.c.pk, sug.c.model == model,
                                   sug.c.version == version).exists()


def count_unsuggested(conn: Connection, model: str, version: str) -> int:
    return conn.scalar(select(func.count()).select_from(DOC).where(_unsuggested(model, version)))


def documents_page(conn: Connection, after_pk: int, limit: int, unsuggested_by: tuple[str, str] | None):
    """(pk, text) of the next `limit` documents after `after_pk`, optionally only those without
    a suggestion from (model, version). Keyset paging: each page is one short read."""
    query = select(DOC.c.pk, DOC.c.text).where(DOC.c.pk > after_pk).order_by(DOC.c.pk).limit(limit)
    if unsuggested_by:
        query = query.where(_unsuggested(*unsuggested_by))
    return conn.execute(query).all()


def save_suggestions(conn: Connection, rows: list[dict[str, Any]], replace: bool) -> int:
    """Insert (document, model, version) suggestions; an existing one is kept, or replaced if asked.
    The unique constraint makes a rerun after a crash unable to duplicate anything."""
    if not rows:
        return 0
    dialect = conn.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    now = utcnow()
    statement = upsert(Suggestion.__table__)
    keys = ["document_pk", "model", "version"]
    if replace:
        statement = statement.on_conflict_do_update(index_elements=keys, set_={
            "spans": statement.excluded.spans, "stances": statement.excluded.stances,
            "created_at": statement.excluded.created_at})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    conn.execute(statement, [{**r, "created_at": now} for r in rows])
    return len(rows)


def document_text(conn: Connection, document_pk: int) -> str:
    return conn.scalar(select(DOC.c.text).where(DOC.c.pk == document_pk))


def count_without_suggestions(conn: Connection) -> int:
    """Documents with no suggestion from any model (cheap: needs no model loaded to ask)."""
    sug = Suggestion.__table__
    return conn.scalar(select(func.count()).select_from(DOC).where(
        ~select(sug.c.pk).where(sug.c.document_pk == DOC.c.pk).exists()))
