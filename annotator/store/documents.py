"""Documents: bulk insert, lookups, the queue's order, find and paging."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (BindParameter, ColumnElement, Connection, Select, and_, bindparam, func, or_, select, tuple_,
                        update)

from annotator.domain.queue_order import shuffle_key
from annotator.store import tables as t
from annotator.store.engine import bulk_insert, count_of
from annotator.store.progress import finished_annotation

DOC = t.Document
ANN = t.Annotation


@dataclass(frozen=True, slots=True)
class StoredDocument:
    pk: int
    id: str
    title: str
    text: str
    meta: dict[str, Any]
    blind: bool = False  # coders see it without suggestions


# Built once: every document opened reads these.
_GET = (select(DOC.c.pk, DOC.c.id, DOC.c.title, DOC.c.text, DOC.c.meta, DOC.c.blind)
        .where(DOC.c.pk == bindparam("document")))
_SEQ = select(DOC.c.seq).where(DOC.c.pk == bindparam("document"))


def get(conn: Connection, document_pk: int) -> StoredDocument:
    row = conn.execute(_GET, {"document": document_pk}).one()
    return StoredDocument(*row)


def by_id(conn: Connection, doc_id: str) -> StoredDocument | None:
    row = conn.execute(select(DOC.c.pk, DOC.c.id, DOC.c.title, DOC.c.text, DOC.c.meta)
                       .where(DOC.c.id == doc_id)).first()
    return StoredDocument(*row) if row else None


def count(conn: Connection) -> int:
    return last_seq(conn)


def all_pks(conn: Connection) -> list[int]:
    """Every document's key, in the project's order."""
    return list(conn.scalars(select(DOC.c.pk).order_by(DOC.c.pk)))


def headings(conn: Connection, pks: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """pk -> (id, title, the text's first 300 characters) of the given documents."""
    return {pk: (id_, title, opening) for pk, id_, title, opening in conn.execute(
        select(DOC.c.pk, DOC.c.id, DOC.c.title, func.substr(DOC.c.text, 1, 300)).where(DOC.c.pk.in_(pks)))}


def by_hash(conn: Connection, hashes: Sequence[str]) -> dict[str, tuple[int, str]]:
    """text_hash -> (pk, id) for those of `hashes` already stored."""
    rows = conn.execute(select(DOC.c.text_hash, DOC.c.pk, DOC.c.id).where(DOC.c.text_hash.in_(hashes)))
    return {h: (pk, id_) for h, pk, id_ in rows}


def titles_and_meta(conn: Connection, pks: Sequence[int]) -> dict[int, tuple[str, dict[str, Any]]]:
    """pk -> (title, meta) of those documents (a seek on the primary key each)."""
    if not pks:
        return {}
    return {pk: (title, meta) for pk, title, meta in conn.execute(
        select(DOC.c.pk, DOC.c.title, DOC.c.meta).where(DOC.c.pk.in_(pks)))}


def hashes_by_id(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """id -> text_hash for those of `ids` already stored."""
    return dict(conn.execute(select(DOC.c.id, DOC.c.text_hash).where(DOC.c.id.in_(ids))).all())


def insert_many(conn: Connection, rows: list[dict[str, Any]], created_at: datetime) -> None:
    """Bulk insert of rows sharing one created_at, at the driver's executemany speed on SQLite:
    per-row statement bookkeeping was a third of the import's time."""
    first = last_seq(conn) + 1  # under the import's write lock: a concurrent one on a server conflicts and retries
    bulk_insert(conn, DOC, [{**r, "created_at": created_at, "shuffle": shuffle_key(r["id"]), "seq": first + i}
                            for i, r in enumerate(rows)])
    if conn.dialect.name == "sqlite":
        # The find index takes the batch in one statement: FTS5 writes out its pending terms at every
        # savepoint, so a trigger (a savepoint a row) made a segment of each document (migration 0015).
        conn.exec_driver_sql(FIND_INDEX_FILL, (first,))


# The batch's rows found by a seek on ix_document_seq (a test reads the plan back).
FIND_INDEX_FILL = ("INSERT INTO document_fts(rowid, id, title, text) "
                   "SELECT pk, id, title, text FROM document WHERE seq >= ?")


def last_seq(conn: Connection) -> int:
    """The project's size: seq runs 1, 2, 3, ... without gaps, so its largest value is one seek."""
    return conn.scalar(select(func.max(DOC.c.seq))) or 0


SIMILAR_LONGEST = 200  # longer than any id a person types; SQLite refuses LIKE patterns past 50,000 bytes


def similar_ids(conn: Connection, doc_id: str, limit: int = 5) -> list[str]:
    """Ids containing what was typed, else those sharing its first characters (% and _ in it are
    themselves, not wildcards). None for what is longer than an id a person would type."""
    if len(doc_id) > SIMILAR_LONGEST:
        return []
    for matching in (DOC.c.id.contains(doc_id, autoescape=True), DOC.c.id.startswith(doc_id[:4], autoescape=True)):
        found = list(conn.scalars(select(DOC.c.id).where(matching).order_by(DOC.c.pk).limit(limit)))
        if found:
            return found
    return []


def find(conn: Connection, text: str, limit: int = 20) -> list[tuple[int, str, str]]:
    """(pk, id, title) of the documents best matching every word typed (the last as a prefix),
    in id, title or text: SQLite's FTS5 index ranked by BM25, or PostgreSQL's GIN index over
    document.search ranked by ts_rank."""
    if conn.dialect.name == "postgresql":
        return _server_find(conn, text, limit)
    terms = fts_terms(text)
    if not terms:
        return []
    # Ranking reads every match: fine for a few hundred; a word matching half the project ("d",
    # "doc") would cost a walk over it on each keystroke, so then the first matches in queue order.
    first = [pk for pk, in conn.exec_driver_sql(
        "SELECT rowid FROM document_fts WHERE document_fts MATCH ? LIMIT ?", (" ".join(terms), RANKED + 1))]
    ordered = first if len(first) > RANKED else _ranked(conn, terms, set(first))
    exact = conn.scalar(select(DOC.c.pk).where(DOC.c.id == text.strip()))  # an id typed whole: it first
    if exact is not None:
        ordered = [exact, *(pk for pk in ordered if pk != exact)]
    ordered = ordered[:limit]
    headings = {pk: (pk, id_, title) for pk, id_, title in conn.execute(
        select(DOC.c.pk, DOC.c.id, DOC.c.title).where(DOC.c.pk.in_(ordered)))}
    return [headings[pk] for pk in ordered if pk in headings]


def _ranked(conn: Connection, terms: list[str], matches: set[int]) -> list[int]:
    """The matches by BM25, weighed by the terms found in at most RANKED documents. BM25 weighs a
    term by how rare it is, which it learns by reading every document holding it: for a term in
    most of the project ("doc", "the") that read was 30 ms a keystroke at a million documents,
    for a weight near nothing. Such a term still filters (every word typed is required); it does
    not rank. With no rare term, queue order."""
    rare = [t for t in terms if _matches_at_most(conn, t, RANKED)]
    if not rare:
        return sorted(matches)
    ranked = [pk for pk, in conn.exec_driver_sql(
        "SELECT rowid FROM document_fts WHERE document_fts MATCH ? ORDER BY rank", (" ".join(rare),))]
    return [pk for pk in ranked if pk in matches]


def _matches_at_most(conn: Connection, term: str, n: int) -> bool:
    return len(conn.exec_driver_sql("SELECT rowid FROM document_fts WHERE document_fts MATCH ? LIMIT ?",
                                    (term, n + 1)).all()) <= n


RANKED = 500  # at most this many matches are ranked by BM25


def _server_find(conn: Connection, text: str, limit: int) -> list[tuple[int, str, str]]:
    """`find` on PostgreSQL: the same words, prefix and ranking rule, through to_tsquery."""
    words = [w.lower() for w in re.findall(r"[^\W_]+", text)][:20]  # as migration 0010 indexes them
    if not words:
        return []
    terms = [f"'{w}'" for w in words]
    if not text[-1:].isspace():
        terms[-1] += ":*"
    query = "to_tsquery('simple', %(query)s)"
    parameters = {"query": " & ".join(terms), "limit": limit, "ranked": RANKED + 1}
    if len(words[-1]) == 1 and terms[-1].endswith(":*"):
        # One character typed: the term '^c' that every text with a word starting with c holds
        # (migration 0020), as the server parses the character (its locale may drop it, or fold it).
        initial = conn.exec_driver_sql(
            "SELECT tsvector_to_array(to_tsvector('simple', regexp_replace(%(typed)s, '[^[:alnum:]]+', ' ', 'g')))",
            {"typed": words[-1]}).scalar()
        if not initial:  # not a word to the server: the other words alone, as to_tsquery would drop it
            if len(words) == 1:
                return []
            parameters["query"] = " & ".join(terms[:-1])
        else:
            others = "to_tsquery('simple', %(others)s) && " if len(words) > 1 else ""
            query = f"({others}CAST(%(initial)s AS tsquery))"
            parameters |= {"others": " & ".join(terms[:-1]), "initial": _tsquery_term("^" + initial[0][0])}
    matches = f"search @@ {query}"
    first = [pk for pk, in conn.exec_driver_sql(f"SELECT pk FROM document WHERE {matches} LIMIT %(ranked)s",
                                                parameters)]
    if len(first) > RANKED:
        rows = conn.execute(select(DOC.c.pk, DOC.c.id, DOC.c.title).where(DOC.c.pk.in_(first[:limit]))
                            .order_by(DOC.c.pk))
    else:  # ranked by the words as typed: the initials have no positions, so ts_rank weighs them all alike
        rows = conn.exec_driver_sql(
            f"SELECT pk, id, title FROM document WHERE {matches} "
            "ORDER BY ts_rank(search, to_tsquery('simple', %(query)s)) DESC, pk LIMIT %(limit)s", parameters)
    return [tuple(r) for r in rows]


def _tsquery_term(lexeme: str) -> str:
    """A lexeme as a quoted tsquery term, taken as it is."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def fts_terms(text: str) -> list[str]:
    """What was typed as FTS5 terms, all of them required: each word quoted (FTS syntax in it means
    nothing), the last one (still being typed) as a prefix. A finished word is one term, read
    lazily; a prefix of 4 letters or more merges every term it starts."""
    words = re.findall(r"\w+", text)[:20]
    if not words:
        return []
    return [*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"' + ("" if text[-1:].isspace() else "*")]


# The queue: documents in import order ------------------------------------------------------------
ASSIGN = t.Assignment
ORDER_KEYS = {"random": DOC.c.shuffle, "uncertain": DOC.c.certainty}  # `code --order`; sequential: pk


def _unfinished(coder_pk: ColumnElement[int], server: bool = False) -> ColumnElement[bool]:
    """Documents this coder has not marked done or skipped. On PostgreSQL as a lookup of the
    finished annotation a document (a scalar subquery is not made a join): as NOT EXISTS, the
    planner may merge the coder's annotations in document order instead, and the (document, coder)
    key then reads every other coder's annotations ahead of the document until this coder's next
    one, all the way when there is none (23 ms for a coder 1,000 documents in, at a million)."""
    finished = finished_annotation(DOC.c.pk, coder_pk)
    if server:
        return finished.limit(1).scalar_subquery().is_(None)
    return ~finished.exists()


def position(conn: Connection, document_pk: int, order: str = "sequential", assigned_to: int | None = None) -> int:
    """1-based place of the document in the queue's order (of the coder's documents, with assigned_to)."""
    key = ORDER_KEYS.get(order)
    if key is None and assigned_to is None:
        return conn.scalar(_SEQ, {"document": document_pk}) or 0
    if key is not None:
        at = conn.scalar(select(key).where(DOC.c.pk == document_pk))
        # PostgreSQL reads a row comparison from the (key, pk) index alone; the OR of two ranges it
        # read as a bitmap over the table's rows, six times as long (100 ms deep in a million)
        before = (tuple_(key, DOC.c.pk) <= tuple_(at, document_pk) if conn.dialect.name == "postgresql"
                  else or_(key < at, and_(key == at, DOC.c.pk <= document_pk)))
        return _count(conn, before, assigned_to)
    return _count(conn, DOC.c.pk <= document_pk, assigned_to)


def neighbour(conn: Connection, document_pk: int, forward: bool, unfinished_by: int | None = None,
              order: str = "sequential", assigned_to: int | None = None, free_for: int | None = None) -> int | None:
    """The next (or previous) document in the queue's order (import order, or a seek on the
    order's key with pk breaking ties); with unfinished_by (a coder), the next one that coder has
    not finished; with assigned_to (a coder), only documents assigned to them; with free_for (a
    coder), none another coder holds a lease on."""
    key = ORDER_KEYS.get(order)
    server = conn.dialect.name == "postgresql"
    at = None
    if key is not None:
        if not document_pk and not forward:
            return None
        if document_pk and not server:  # (PostgreSQL reads it in the statement: a round trip less a key)
            at = conn.scalar(_order_key_of(order), {"document": document_pk})
    query = _neighbour_query(order, forward, bool(key is not None and document_pk), unfinished_by is not None,
                             assigned_to is not None, free_for is not None, server)
    found: int | None = conn.scalar(query, {"document": document_pk, "at": at, "unfinished_by": unfinished_by,
                                            "assigned_to": assigned_to, "free_for": free_for, "now": t.utcnow()})
    return found


@functools.cache
def _order_key_of(order: str) -> Select[Any]:
    return select(ORDER_KEYS[order]).where(DOC.c.pk == bindparam("document"))


@functools.cache
def _neighbour_query(order: str, forward: bool, from_document: bool, unfinished: bool, assigned: bool,
                     free: bool, server: bool = False) -> Select[Any]:
    """The statement for one kind of neighbour, built once: the screen asks on every `n` and `d`,
    and building it cost ten times what SQLite takes to run it."""
    key = ORDER_KEYS.get(order)
    document: BindParameter[int] = bindparam("document")
    at: BindParameter[Any] = bindparam("at")
    if key is None:
        query = select(DOC.c.pk).where(DOC.c.pk > document if forward else DOC.c.pk < document)
        ordering = [DOC.c.pk if forward else DOC.c.pk.desc()]
    else:
        query = select(DOC.c.pk)
        if from_document and server:
            # (key, pk) after (at, document_pk) as a row comparison, which PostgreSQL seeks on the
            # (key, pk) index: as an OR of two ranges it reads every document past this one when the
            # keys tie (certainty is 2.0 for all without stance suggestions), sorted. The document's
            # key is read once, before the seek (an init plan).
            at_server = select(key).where(DOC.c.pk == document).scalar_subquery()
            query = query.where(tuple_(key, DOC.c.pk) > tuple_(at_server, document) if forward
                                else tuple_(key, DOC.c.pk) < tuple_(at_server, document))
        elif from_document:
            # SQLite seeks a row comparison on its first column alone, and then reads every document
            # tied with this one on the way to it (40 ms deep in a million ties): the documents tied
            # with this one past it, else those past its key, each a seek on (key, pk).
            tied = _filtered(select(DOC.c.pk).where(key == at, DOC.c.pk > document if forward else DOC.c.pk < document),
                             unfinished, assigned, free, server)
            past = _filtered(select(DOC.c.pk).where(key > at if forward else key < at), unfinished, assigned, free, server)
            by_key = [key, DOC.c.pk] if forward else [key.desc(), DOC.c.pk.desc()]
            return select(func.coalesce(tied.order_by(*by_key).limit(1).scalar_subquery(),
                                        past.order_by(*by_key).limit(1).scalar_subquery()))
        ordering = [key, DOC.c.pk] if forward else [key.desc(), DOC.c.pk.desc()]
    return _filtered(query, unfinished, assigned, free, server).order_by(*ordering).limit(1)


def _filtered(query: Select[Any], unfinished: bool, assigned: bool, free: bool, server: bool) -> Select[Any]:
    """The queue's conditions on a query of documents: not finished by the coder, assigned to them,
    not held by another coder's lease."""
    if unfinished:
        query = query.where(_unfinished(bindparam("unfinished_by"), server))
    if assigned:
        query = query.where(_assigned())
    if free:
        from annotator.store.leases import free_for

        query = query.where(free_for(bindparam("free_for"), bindparam("now")))
    return query


def _assigned() -> ColumnElement[bool]:
    return select(ASSIGN.c.pk).where(ASSIGN.c.document_pk == DOC.c.pk, ASSIGN.c.coder_pk == bindparam("assigned_to")).exists()


def order_stamp(conn: Connection) -> tuple[int, int]:
    """What moves documents' places in the keyed orders, read in two seeks: the newest document
    (an import adds to the random order anywhere) and the newest suggestion (a suggestion moves a
    document in the uncertain order)."""
    newest_document, newest_suggestion = conn.execute(_ORDER_STAMP).one()
    return newest_document or 0, newest_suggestion or 0


_ORDER_STAMP = select(select(func.max(DOC.c.seq)).scalar_subquery(), select(func.max(t.Suggestion.c.pk)).scalar_subquery())


def count_between(conn: Connection, order: str, after_pk: int, through_pk: int, assigned_to: int | None = None) -> int | None:
    """How many documents of the queue lie after one and up to another in a keyed order (random,
    uncertain), with assigned_to only that coder's; None when the second does not come after the
    first. Seeks over the documents between them alone, however deep in the order they lie: where
    `position` counts every document before. (On SQLite, which seeks a row comparison on its first
    column alone, in up to three parts: ties at either end, and the keys between.)"""
    key = ORDER_KEYS[order]
    if conn.dialect.name == "postgresql":  # one statement (a round trip each cost more than the counts):
        # a row comparison, which PostgreSQL seeks on (key, pk); 0 counted: the second is not after
        keys = [select(key).where(DOC.c.pk == bindparam(name)).scalar_subquery() for name in ("after", "through")]
        between = and_(tuple_(key, DOC.c.pk) > tuple_(keys[0], bindparam("after")),
                       tuple_(key, DOC.c.pk) <= tuple_(keys[1], bindparam("through")))
        return _count(conn, between, assigned_to, after=after_pk, through=through_pk) or None
    after, through = (conn.scalar(_order_key_of(order), {"document": pk}) for pk in (after_pk, through_pk))
    if after is None or through is None or (through, through_pk) <= (after, after_pk):
        return None
    if after == through:
        parts = [and_(key == after, DOC.c.pk > after_pk, DOC.c.pk <= through_pk)]
    else:
        parts = [and_(key == after, DOC.c.pk > after_pk), and_(key > after, key < through),
                 and_(key == through, DOC.c.pk <= through_pk)]
    return sum(_count(conn, part, assigned_to) for part in parts)


def _count(conn: Connection, condition: ColumnElement[bool], assigned_to: int | None, **parameters: Any) -> int:
    """The documents meeting the condition, with assigned_to only that coder's."""
    query = select(func.count()).select_from(DOC).where(condition)
    if assigned_to is not None:
        query = query.where(_assigned())
    return count_of(conn, query, {"assigned_to": assigned_to, **parameters})


def set_blind(conn: Connection, chosen: set[int]) -> int:
    """Make exactly `chosen` blind, except documents a coder already worked on, which stay as they
    were shown; returns how many are blind now."""
    unworked = ~select(ANN.c.pk).where(ANN.c.document_pk == DOC.c.pk).exists()
    conn.execute(update(DOC).where(DOC.c.blind, unworked).values(blind=False))
    wanted = sorted(chosen)
    for start in range(0, len(wanted), 500):
        conn.execute(update(DOC).where(DOC.c.pk.in_(wanted[start:start + 500]), unworked).values(blind=True))
    return count_of(conn, select(func.count()).select_from(DOC).where(DOC.c.blind))
