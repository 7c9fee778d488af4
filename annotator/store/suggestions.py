"""Suggestions: stored per (document, model, version), read back as domain Suggestion values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, delete, func, select, tuple_, update

from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion
from annotator.domain.queue_order import certainty
from annotator.store import models, tally, tables as t
from annotator.store.engine import bulk_update, count_of, dialect_insert
from annotator.store.tables import utcnow

SUG = t.Suggestion
# Built once: every document opened reads them. The versions first, newest first, then only the rows shown.
_VERSIONS = (select(SUG.c.pk, SUG.c.model, SUG.c.version).where(SUG.c.document_pk == bindparam("document"))
             .order_by(SUG.c.pk.desc()))
_ROW = select(SUG.c.model, SUG.c.version, SUG.c.spans, SUG.c.stances).where(SUG.c.pk == bindparam("pk"))
PROGRESS = t.SuggestProgress
CLAIM = t.SuggestClaim
DOC = t.Document
ANN = t.Annotation


def _to_row(suggestion: Suggestion) -> dict[str, Any]:
    return {"model": suggestion.model, "version": suggestion.version,
            "spans": [{"start": s.start, "end": s.end, "label": s.label, "score": s.score} for s in suggestion.spans],
            "stances": [{"target": s.target, "label": s.label, "score": s.score,
                         "evidence": [list(e) for e in s.evidence]} for s in suggestion.stances]}


def _from_row(model: str, version: str, spans: list[dict[str, Any]], stances: list[dict[str, Any]]) -> Suggestion:
    return Suggestion(
        model, version,
        spans=tuple(sorted((SuggestedSpan(s["start"], s["end"], s["label"], s.get("score")) for s in spans),
                           key=lambda s: (s.start, s.end))),
        stances=tuple(SuggestedStance(s["target"], s["label"], s.get("score"),
                                      tuple(tuple(e) for e in s.get("evidence", ()))) for s in stances))


def shown_rows(conn: Connection, document_pk: int, in_use: dict[str, tuple[str, str]] | None = None
               ) -> tuple[int, int] | None:
    """The keys of the suggestion rows the coding screen shows for the document: (entities',
    stances') from the entity and the stance model in use (`in_use`: task -> (model, version)); for
    a task with none in use, or whose model has not suggested for this document, the newest."""
    versions = conn.execute(_VERSIONS, {"document": document_pk}).all()
    if not versions:
        return None
    in_use = models.in_use(conn) if in_use is None else in_use

    def pick(task: str) -> int:
        return int(next((pk for pk, model, version in versions if (model, version) == in_use.get(task)), versions[0][0]))

    return pick("entities"), pick("stance")


def shown(conn: Connection, document_pk: int, in_use: dict[str, tuple[str, str]] | None = None) -> Suggestion | None:
    """What the coding screen shows for the document (see shown_rows), as one suggestion."""
    return of_rows(conn, shown_rows(conn, document_pk, in_use))


def of_rows(conn: Connection, rows: tuple[int, int] | None) -> Suggestion | None:
    """One suggestion from the entities of one row and the stances of another (or the same)."""
    if rows is None:
        return None
    entities_pk, stances_pk = rows
    entities = _from_row(*conn.execute(_ROW, {"pk": entities_pk}).one())
    if stances_pk == entities_pk:
        return entities
    stances = _from_row(*conn.execute(_ROW, {"pk": stances_pk}).one())
    return Suggestion(entities.model, entities.version, entities.spans, stances.stances,
                      stances_by=(stances.model, stances.version))


def of_document(conn: Connection, document_pk: int) -> list[Suggestion]:
    rows = conn.execute(select(SUG.c.model, SUG.c.version, SUG.c.spans, SUG.c.stances)
                        .where(SUG.c.document_pk == document_pk).order_by(SUG.c.pk))
    return [_from_row(*r) for r in rows]


def save(conn: Connection, suggestions: list[tuple[int, Suggestion]], replace: bool, keep_order: bool = False) -> int:
    """Store (document pk, suggestion) pairs; an existing (document, model, version) is kept, or
    replaced if asked. The unique key makes a rerun after a crash unable to duplicate anything."""
    if not suggestions:
        return 0
    now = utcnow()
    statement = dialect_insert(conn)(SUG)
    keys = ["document_pk", "model", "version"]
    if replace:
        statement = statement.on_conflict_do_update(index_elements=keys, set_={
            "spans": statement.excluded.spans, "stances": statement.excluded.stances,
            "created_at": statement.excluded.created_at})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    if not replace:  # another run may have stored some of these since they were read: count only ours
        model_version = {(s.model, s.version) for _, s in suggestions}
        taken = {pk for pk, in conn.execute(select(SUG.c.document_pk).where(
            SUG.c.document_pk.in_([pk for pk, _ in suggestions]),
            tuple_(SUG.c.model, SUG.c.version).in_(list(model_version))))}
        suggestions = [(pk, s) for pk, s in suggestions if pk not in taken]
        if not suggestions:
            return 0
    conn.execute(statement, [{**_to_row(s), "document_pk": pk, "created_at": now} for pk, s in suggestions])
    if not keep_order:
        refresh_certainty(conn, [pk for pk, _ in suggestions])
    return len(suggestions)


def refresh_certainty(conn: Connection, document_pks: list[int]) -> None:
    """The uncertain queue order's key: from the stances each document shows, the stance model in
    use's, else its newest suggestion's (a redo of an older model rewrites an older row, which
    leaves the newest as it was)."""
    chosen = models.in_use(conn).get("stance")
    newest = select(func.max(SUG.c.pk)).where(SUG.c.document_pk.in_(document_pks)).group_by(SUG.c.document_pk)
    shown = dict(conn.execute(select(SUG.c.document_pk, SUG.c.stances).where(SUG.c.pk.in_(newest))).all())
    if chosen:
        shown |= dict(conn.execute(select(SUG.c.document_pk, SUG.c.stances).where(
            SUG.c.document_pk.in_(document_pks), SUG.c.model == chosen[0], SUG.c.version == chosen[1])).all())
    bulk_update(conn, DOC, [{"pk": doc, "certainty": certainty(
        SuggestedStance(s["target"], s["label"], s.get("score")) for s in stances)} for doc, stances in shown.items()])


def _unsuggested(model: str, version: str, after_pk: int = 0) -> ColumnElement[bool]:
    """No suggestion from the model version. `after_pk`: the documents asked about lie past it, said
    again of the suggestions so PostgreSQL, which may read them merged in document order rather
    than one probe a document, starts its read there (it does not carry pk > n across pk = document_pk)."""
    return ~select(SUG.c.pk).where(SUG.c.document_pk == DOC.c.pk, SUG.c.model == model, SUG.c.version == version,
                                   SUG.c.document_pk > after_pk).exists()


def count_unsuggested(conn: Connection, model: str, version: str) -> int:
    """Documents without a suggestion from this model version: those after its progress mark, less
    the ones after the mark it has done. Those after the mark are the project's size less the mark
    document's place: seq numbers the documents 1, 2, 3, ... in key order (two seeks, where a count
    read every document of a model that has not started)."""
    through = progress_through(conn, model, version)
    upto = conn.scalar(select(DOC.c.seq).where(DOC.c.pk <= through).order_by(DOC.c.pk.desc()).limit(1)) or 0
    after = (conn.scalar(select(func.max(DOC.c.seq))) or 0) - upto
    done = count_of(conn, select(func.count()).select_from(SUG).where(SUG.c.model == model, SUG.c.version == version,
                                                                    SUG.c.document_pk > through))
    return after - done


def versions_of(conn: Connection, model: str) -> list[str]:
    """The versions of a model that have suggested here: one seek per version on (model, version)."""
    found: list[str] = []
    while (version := conn.scalar(select(func.min(SUG.c.version)).where(
            SUG.c.model == model, *([SUG.c.version > found[-1]] if found else [])))) is not None:
        found.append(version)
    return found


def progress_through(conn: Connection, model: str, version: str) -> int:
    """Every document with a key up to this has a suggestion from the model version."""
    return conn.scalar(select(PROGRESS.c.through).where(PROGRESS.c.model == model, PROGRESS.c.version == version)) or 0


def raise_progress(conn: Connection, model: str, version: str, step: int = 200) -> int:
    """Move the model version's mark past the documents right after it that it has suggested for
    (each passed once, as they are stored); returns the mark."""
    start = at = progress_through(conn, model, version)
    while True:
        rows = conn.execute(select(DOC.c.pk, ~_unsuggested(model, version)).where(DOC.c.pk > at)
                            .order_by(DOC.c.pk).limit(step)).all()
        for pk, suggested in rows:
            if not suggested:
                break
            at = pk
        else:
            if len(rows) == step:
                continue
        break
    if at != start:  # another run may raise it too: the higher mark wins
        statement = dialect_insert(conn)(PROGRESS).values(model=model, version=version, through=at)
        larger = func.greatest if conn.dialect.name == "postgresql" else func.max
        conn.execute(statement.on_conflict_do_update(index_elements=["model", "version"],
                                                     set_={"through": larger(PROGRESS.c.through, statement.excluded.through)}))
    return at


def count_without_any(conn: Connection) -> int:
    """Documents with no suggestion from any model (cheap: needs no model loaded to ask)."""
    return count_of(conn, select(func.count()).select_from(DOC).where(
        ~select(SUG.c.pk).where(SUG.c.document_pk == DOC.c.pk).exists()))


def count_suggested_documents(conn: Connection) -> int:
    return sum(n for *_, n, _ in tally.rows(conn, ["suggested"]))


def texts_page(conn: Connection, after_pk: int, limit: int, unsuggested_by: tuple[str, str] | None,
               unstarted_only: bool = False) -> list[tuple[int, str, dict[str, Any]]]:
    """(pk, text, meta) of the next `limit` documents after `after_pk`, optionally only those without
    a suggestion from (model, version), and only those no coder has started. Keyset paging: each
    page is one short read."""
    if unsuggested_by:  # what lies up to the model's progress mark is all suggested: start past it
        after_pk = max(after_pk, progress_through(conn, *unsuggested_by))
    query = select(DOC.c.pk, DOC.c.text, DOC.c.meta).where(DOC.c.pk > after_pk).order_by(DOC.c.pk).limit(limit)
    if unsuggested_by:
        query = query.where(_unsuggested(*unsuggested_by, after_pk))
    if unstarted_only:
        query = query.where(_unstarted(after_pk))
    return [tuple(r) for r in conn.execute(query)]


def _unstarted(after_pk: int = 0) -> ColumnElement[bool]:
    """No coder has an annotation of the document: a seek on the annotation's (document, coder) key
    (`after_pk` as _unsuggested's)."""
    return ~select(ANN.c.pk).where(ANN.c.document_pk == DOC.c.pk, ANN.c.document_pk > after_pk).exists()


def claim_page(conn: Connection, after_pk: int, limit: int, model: str, version: str, run: str,
               lease: timedelta, unstarted_only: bool = False) -> list[tuple[int, str, dict[str, Any]]]:
    """Take the next `limit` documents after `after_pk` that have no suggestion from the model
    version and no live claim of another run: claimed for `run` until `until`, and returned as
    texts_page returns them. Call in a transaction of its own: on PostgreSQL the documents are
    locked while they are claimed, and locked ones are skipped (FOR NO KEY UPDATE SKIP LOCKED), so
    runs on several machines never take the same one and never wait for each other; on SQLite the
    claim holds the write lock from its first statement, which does the same on one machine."""
    now = utcnow()
    if conn.dialect.name == "sqlite":
        conn.execute(update(CLAIM).where(CLAIM.c.document_pk == -1).values(run=CLAIM.c.run))  # the write lock, now
    after_pk = max(after_pk, progress_through(conn, model, version))
    claimed = select(CLAIM.c.document_pk).where(CLAIM.c.document_pk == DOC.c.pk, CLAIM.c.model == model,
                                                CLAIM.c.version == version, CLAIM.c.until > now,
                                                CLAIM.c.document_pk > after_pk).exists()
    query = (select(DOC.c.pk, DOC.c.text, DOC.c.meta)
             .where(DOC.c.pk > after_pk, _unsuggested(model, version, after_pk), ~claimed,
                    *([_unstarted(after_pk)] if unstarted_only else [])).order_by(DOC.c.pk).limit(limit))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, key_share=True, of=DOC)  # coders' inserts still pass
    rows = [tuple(r) for r in conn.execute(query)]
    if not rows:
        return rows
    statement = dialect_insert(conn)(CLAIM).values([{"document_pk": pk, "model": model, "version": version, "run": run,
                                              "until": now + lease} for pk, *_ in rows])
    statement = statement.on_conflict_do_update(  # an expired claim of a run that died, and only that
        index_elements=["document_pk", "model", "version"],
        set_={"run": statement.excluded.run, "until": statement.excluded.until}, where=CLAIM.c.until <= now)
    if conn.dialect.name != "postgresql":  # SQLite: under the write lock nothing changed since the read
        conn.execute(statement)
        return rows
    # PostgreSQL reads each statement as of its start: another run may have claimed, or suggested
    # and released, some of these since. The claims this run got are the arbiter, and what is
    # suggested by now is left out (and its claim given back).
    got = set(conn.scalars(statement.returning(CLAIM.c.document_pk)))
    fresh = set(conn.scalars(select(DOC.c.pk).where(DOC.c.pk.in_(got), _unsuggested(model, version))))
    if got - fresh:
        release(conn, run, sorted(got - fresh))
    return [row for row in rows if row[0] in fresh]


def claiming_runs(conn: Connection) -> list[str]:
    """The runs holding claims (a few: the claims live only while their pages are suggested)."""
    return list(conn.scalars(select(CLAIM.c.run).distinct()))


def release(conn: Connection, run: str, document_pks: list[int] | None = None) -> None:
    """The run's claims on these documents (all of them when None) end: stored, or given up."""
    query = delete(CLAIM).where(CLAIM.c.run == run)
    if document_pks is None:
        conn.execute(query)
        return
    for start in range(0, len(document_pks), 500):
        conn.execute(query.where(CLAIM.c.document_pk.in_(document_pks[start:start + 500])))
