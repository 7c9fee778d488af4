"""Gold: the adjudicated version of a document, item by item, with how each item was reached."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, ScalarSelect, Table, bindparam, delete, func, insert, select, update

from annotator.domain.gold import Decided
from annotator.domain.spans import Span, Stance
from annotator.store import tables as t
from annotator.store import tally
from annotator.store.engine import (bound, bulk_insert, bulk_insert_values, bulk_rows, bulk_update, count_of,
                                    dialect_insert, driver_connection, driver_errors, inserted_pk)
from annotator.store.tables import utcnow

GOLD = t.Gold
GOLD_SPAN = t.GoldSpan
GOLD_STANCE = t.GoldStance
CODER = t.Coder
STALE = t.GoldStale
# Built once: a coder's every stored key asks it.
_DERIVED_DIGEST = select(GOLD.c.derived_digest).where(GOLD.c.document_pk == bindparam("document")).with_for_update()


@dataclass(frozen=True, slots=True)
class GoldItem:
    item: Span | Stance
    how: str  # unanimous | majority | adjudicated
    by: str | None  # the adjudicating lead


def of_document(conn: Connection, document_pk: int) -> list[GoldItem] | None:
    """The document's gold items (spans by position, then stances), or None when it has no gold."""
    gold_pk = conn.scalar(select(GOLD.c.pk).where(GOLD.c.document_pk == document_pk))
    if gold_pk is None:
        return None
    spans = conn.execute(select(GOLD_SPAN, CODER.c.name.label("by"))
                         .outerjoin(CODER, CODER.c.pk == GOLD_SPAN.c.by_coder_pk)
                         .where(GOLD_SPAN.c.gold_pk == gold_pk).order_by(GOLD_SPAN.c.start, GOLD_SPAN.c.end))
    stances = conn.execute(select(GOLD_STANCE, CODER.c.name.label("by"))
                           .outerjoin(CODER, CODER.c.pk == GOLD_STANCE.c.by_coder_pk)
                           .where(GOLD_STANCE.c.gold_pk == gold_pk).order_by(GOLD_STANCE.c.pk))
    return ([GoldItem(Span(s.start, s.end, s.label), s.how, s.by) for s in spans]
            + [GoldItem(Stance(s.target, s.label), s.how, s.by) for s in stances])


def annotators_of(conn: Connection, document_pk: int) -> list[str]:
    """The coders the document's gold names as its annotators (imported gold keeps its file's)."""
    return list(conn.scalar(select(GOLD.c.annotators).where(GOLD.c.document_pk == document_pk)) or [])


def count(conn: Connection) -> int:
    return sum(n for *_, n, _ in tally.rows(conn, ["gold"]))


def labels_in_use(conn: Connection) -> tuple[set[str], set[tuple[str, str]]]:
    """Entity labels and (target, stance label) pairs that gold uses."""
    spans = set(conn.scalars(select(GOLD_SPAN.c.label).distinct()))
    stances = {tuple(r) for r in conn.execute(select(GOLD_STANCE.c.target, GOLD_STANCE.c.label).distinct())}
    return spans, stances


ADJUDICATION = t.GoldAdjudication
ANN = t.Annotation


@dataclass(frozen=True, slots=True)
class Adjudication:
    pk: int
    kind: str  # span | stance
    start: int
    end: int
    target: str | None
    by: str


def gold_pk(conn: Connection, document_pk: int, create: bool = False) -> int | None:
    pk = conn.scalar(select(GOLD.c.pk).where(GOLD.c.document_pk == document_pk))
    if pk is None and create:
        now = utcnow()
        pk = inserted_pk(conn.execute(insert(GOLD).values(document_pk=document_pk, created_at=now, updated_at=now)))
    return pk


def remove(conn: Connection, document_pk: int) -> None:
    """The document's gold goes (its items and decisions with it, by cascade)."""
    gold = gold_pk(conn, document_pk)
    if gold is not None:
        for table in (GOLD_SPAN, GOLD_STANCE, ADJUDICATION):
            conn.execute(delete(table).where(table.c.gold_pk == gold))
        conn.execute(delete(GOLD).where(GOLD.c.pk == gold))


def has_derived(conn: Connection, document_pk: int) -> bool:
    """is_derived without the lock, for a writer who may not write gold (it only marks it stale)."""
    return conn.scalar(select(GOLD.c.derived_digest).where(GOLD.c.document_pk == document_pk)) is not None


def mark_stale(conn: Connection, document_pk: int) -> None:
    conn.execute(dialect_insert(conn)(STALE).values(document_pk=document_pk).on_conflict_do_nothing())


def stale(conn: Connection, limit: int) -> list[int]:
    """Documents whose derived gold coders' changes made stale, oldest key first (a primary-key walk)."""
    return list(conn.scalars(select(STALE.c.document_pk).order_by(STALE.c.document_pk).limit(limit)))


def stale_count(conn: Connection) -> int:
    """How many documents wait to be derived again (only those coders changed since the last run)."""
    return count_of(conn, select(func.count()).select_from(STALE))


def forget_stale(conn: Connection, document_pks: Sequence[int] | None = None) -> None:
    """Derived again: every document (None), or these."""
    query = delete(STALE)
    conn.execute(query if document_pks is None else query.where(STALE.c.document_pk.in_(document_pks)))


def is_derived(conn: Connection, document_pk: int) -> bool:
    """Whether the document's gold was derived here (imported gold has no digest of derived items).
    On PostgreSQL the gold row stays locked to the end of the transaction: two coders changing the
    document at once derive its gold one after the other, the second seeing the first's change
    (SQLite's single writer does the same by itself)."""
    if conn.dialect.name == "postgresql":  # the table's lock first: a gold run holding it is waited
        conn.exec_driver_sql("LOCK TABLE gold IN ROW EXCLUSIVE MODE")  # for before any row is held
    return conn.scalar(_DERIVED_DIGEST, {"document": document_pk}) is not None


def min_agreement(conn: Connection, document_pk: int) -> int | None:
    return conn.scalar(select(GOLD.c.min_agreement).where(GOLD.c.document_pk == document_pk))


def adjudications(conn: Connection, between: tuple[int, int]) -> dict[int, list[Adjudication]]:
    """document pk -> the lead's decisions on it, for documents with keys in [from, to): one range
    seek on gold's document key (a slice of the project, or one document)."""
    query = (select(GOLD.c.document_pk, ADJUDICATION.c.pk, ADJUDICATION.c.kind, ADJUDICATION.c.start, ADJUDICATION.c.end,
                    ADJUDICATION.c.target, CODER.c.name)
             .join(GOLD, GOLD.c.pk == ADJUDICATION.c.gold_pk).join(CODER, CODER.c.pk == ADJUDICATION.c.by_coder_pk)
             .where(GOLD.c.document_pk >= between[0], GOLD.c.document_pk < between[1]).order_by(ADJUDICATION.c.pk))
    found: dict[int, list[Adjudication]] = {}
    for doc, *row in conn.execute(query):
        found.setdefault(doc, []).append(Adjudication(*row))
    return found


def hold_writes(conn: Connection) -> None:
    """Take the database's write lock now rather than at the first write: gold read in other
    processes then matches what this transaction writes, as no coder's change can land between."""
    if conn.dialect.name == "sqlite":
        conn.execute(update(GOLD).where(GOLD.c.pk == -1).values(pk=GOLD.c.pk))  # any write statement locks
    else:
        conn.exec_driver_sql("LOCK TABLE gold IN SHARE ROW EXCLUSIVE MODE")


class DerivedRow(NamedTuple):
    """One document's derived gold, as `replace_derived` stores it: its items as the rows of
    gold_span (start, end, label, how) and gold_stance (target, label, how)."""
    document_pk: int
    spans: list[tuple[int, int, str, str]]
    stances: list[tuple[str, str, str]]
    disputed: int  # items left to a lead
    coders: list[str]  # whose done annotations it was derived from
    digest: str | None = None  # of items and coders; computed when not given

    @classmethod
    def of(cls, document_pk: int, decided: Sequence[Decided], disputed: int, coders: list[str]) -> DerivedRow:
        return cls(document_pk, [(*key, how) for key, how, _ in decided if len(key) == 3],
                   [(*key, how) for key, how, _ in decided if len(key) == 2], disputed, coders)


def to_write(conn: Connection, derived: Sequence[DerivedRow], min_agreement_: int | None) -> list[DerivedRow]:
    """Of the derived rows, those `replace_derived` would write (with their digests): documents
    without gold, and derived gold whose items, bar or disputed count changed."""
    stored = {doc: rest for doc, *rest in _gold_rows(conn, [row.document_pk for row in derived])}
    wanted = []
    for row in derived:
        row = row._replace(digest=_digest(row))
        was = stored.get(row.document_pk)
        if was is None or (was[3] is not None and (was[3] != row.digest or was[2] != row.disputed
                                                   or was[1] != min_agreement_)):
            wanted.append(row)  # (was[3] None: imported gold, kept as it came, never derived over)
    return wanted


def replace_derived(conn: Connection, derived: Sequence[DerivedRow], min_agreement_: int | None) -> None:
    """For each derived row: its gold row made or kept, its derived items replaced by these;
    adjudicated items stay as they are. Only documents whose derived items change are written
    (compared by digest): deriving a settled project again writes nothing but what changed."""
    if not derived:
        return
    now = utcnow()
    stored = {doc: rest for doc, *rest in _gold_rows(conn, [row.document_pk for row in derived])}
    new, fill, changed, updates = [], [], [], []
    for row in derived:
        digest = row.digest or _digest(row)
        if row.document_pk not in stored:
            new.append((row.document_pk, row.disputed, digest, row.coders))
            continue
        gold, bar, was_disputed, was = stored[row.document_pk]
        if was is None:  # imported gold: kept as it came, never derived over
            continue
        if digest != was:
            changed.append(gold)
            fill.append((gold, row))
        if digest != was or bar != min_agreement_ or was_disputed != row.disputed:
            updates.append({"pk": gold, "updated_at": now, "min_agreement": min_agreement_, "disputed": row.disputed,
                            "derived_digest": digest, "annotators": row.coders})
    for start in range(0, len(changed), 500):
        part = changed[start:start + 500]
        conn.execute(delete(GOLD_SPAN).where(GOLD_SPAN.c.gold_pk.in_(part), GOLD_SPAN.c.how != "adjudicated"))
        conn.execute(delete(GOLD_STANCE).where(GOLD_STANCE.c.gold_pk.in_(part), GOLD_STANCE.c.how != "adjudicated"))
    bulk_update(conn, GOLD, updates)
    if new:
        stamp = bound(conn, GOLD.c.created_at, now)
        bulk_insert_values(conn, GOLD, ("document_pk", "created_at", "updated_at", "min_agreement", "disputed",
                                        "derived_digest", "annotators"),
                           [(doc, stamp, stamp, min_agreement_, disputed, digest, bound(conn, GOLD.c.annotators, coders))
                            for doc, disputed, digest, coders in new])
        by_document = {row.document_pk: row for row in derived}
        fill += [(gold, by_document[doc]) for doc, gold, *_ in _gold_rows(conn, [doc for doc, *_ in new])]
    spans = [(gold, *span) for gold, row in fill for span in row.spans]
    stances = [(gold, *stance) for gold, row in fill for stance in row.stances]
    bulk_insert_values(conn, GOLD_SPAN, ("gold_pk", "start", "end", "label", "how"), spans)
    bulk_insert_values(conn, GOLD_STANCE, ("gold_pk", "target", "label", "how"), stances)


_STAGING = ("CREATE TABLE staged_gold (document_pk INTEGER PRIMARY KEY, disputed INTEGER, digest TEXT, annotators TEXT)",
            'CREATE TABLE staged_span (document_pk INTEGER, start INTEGER, "end" INTEGER, label TEXT, how TEXT)',
            "CREATE TABLE staged_stance (document_pk INTEGER, target TEXT, label TEXT, how TEXT)")


def pack(conn: Connection, rows: list[DerivedRow]) -> bytes | list[DerivedRow]:
    """What `to_write` chose, ready to send from a worker process to the one that writes: on SQLite
    a serialized in-memory database holding the rows as gold, gold_span and gold_stance will, keyed
    by document, which `store_packed` copies in with one statement per table: 2.5 x faster than
    binding hundreds of thousands of items from Python. Elsewhere, the rows themselves."""
    if conn.dialect.name != "sqlite" or not rows:
        return rows
    staging = sqlite3.connect(":memory:", isolation_level=None)
    for table in _STAGING:
        staging.execute(table)
    staging.execute("BEGIN")
    annotators: dict[tuple[str, ...], str] = {}  # a few sets of coders, serialized once each
    for row in rows:
        if tuple(row.coders) not in annotators:
            annotators[tuple(row.coders)] = bound(conn, GOLD.c.annotators, row.coders)
    staging.executemany("INSERT INTO staged_gold VALUES (?, ?, ?, ?)",
                        [(row.document_pk, row.disputed, row.digest, annotators[tuple(row.coders)]) for row in rows])
    staging.executemany("INSERT INTO staged_span VALUES (?, ?, ?, ?, ?)",
                        [(row.document_pk, *span) for row in rows for span in row.spans])
    staging.executemany("INSERT INTO staged_stance VALUES (?, ?, ?, ?)",
                        [(row.document_pk, *stance) for row in rows for stance in row.stances])
    staging.execute("COMMIT")
    data = staging.serialize()
    staging.close()
    return data


def store_packed(conn: Connection, packed: bytes | list[DerivedRow], min_agreement_: int | None) -> None:
    """`replace_derived` for what `pack` made in another process (under this one's write lock, so
    what the worker read is what this transaction holds)."""
    if not isinstance(packed, bytes):
        replace_derived(conn, packed, min_agreement_)
        return
    driver = driver_connection(conn)
    if not any(name == "staged" for _, name, _ in driver.execute("PRAGMA database_list")):
        driver.execute("ATTACH DATABASE ':memory:' AS staged")  # detached with the connection
    driver.deserialize(packed, name="staged")
    now = bound(conn, GOLD.c.updated_at, utcnow())
    staged = "document_pk IN (SELECT document_pk FROM staged.staged_gold)"
    from_staged = "(SELECT {} FROM staged.staged_gold s WHERE s.document_pk = gold.document_pk)"
    gold_of = "FROM staged.{} s JOIN gold g ON g.document_pk = s.document_pk"
    statements = [
        # derived gold that changed: its row updated, its derived items replaced (adjudicated ones stay)
        (f"UPDATE gold SET updated_at = ?, min_agreement = ?, disputed = {from_staged.format('disputed')}, "
         f"derived_digest = {from_staged.format('digest')}, annotators = {from_staged.format('annotators')} "
         f"WHERE {staged}", (now, min_agreement_)),
        *((f"DELETE FROM {table} WHERE how != 'adjudicated' AND gold_pk IN "
           f"(SELECT pk FROM gold WHERE {staged})", ()) for table in ("gold_span", "gold_stance")),
        ("INSERT INTO gold (document_pk, created_at, updated_at, min_agreement, disputed, derived_digest, annotators) "
         "SELECT document_pk, ?, ?, ?, disputed, digest, annotators FROM staged.staged_gold s "
         "WHERE NOT EXISTS (SELECT 1 FROM gold WHERE gold.document_pk = s.document_pk)", (now, now, min_agreement_)),
        ('INSERT INTO gold_span (gold_pk, start, "end", label, how) SELECT g.pk, s.start, s."end", s.label, s.how '
         f"{gold_of.format('staged_span')}", ()),
        (f"INSERT INTO gold_stance (gold_pk, target, label, how) SELECT g.pk, s.target, s.label, s.how "
         f"{gold_of.format('staged_stance')}", ()),
    ]
    for sql, parameters in statements:
        with driver_errors(sql, conn):
            driver.execute(sql, parameters)


def _gold_rows(conn: Connection, document_pks: Sequence[int]) -> list[tuple[Any, ...]]:
    """(document pk, gold pk, bar, disputed, digest) of these documents' gold: one range seek from the
    lowest to the highest key (callers pass a slice of the project or one document)."""
    if not document_pks:
        return []
    wanted = set(document_pks)
    query = (select(GOLD.c.document_pk, GOLD.c.pk, GOLD.c.min_agreement, GOLD.c.disputed, GOLD.c.derived_digest)
             .where(GOLD.c.document_pk >= min(wanted), GOLD.c.document_pk <= max(wanted)))
    return [row for row in bulk_rows(conn, query) if row[0] in wanted]


def _digest(row: DerivedRow) -> str:
    """Stable across processes (unlike hash()), and the same text as gold derived by earlier
    releases digested, so their gold is not written again for nothing. `derive` lists items in one
    order for one outcome (spans by position, stances in codebook order): no sorting needed."""
    text = "\x1e".join(["\x1f".join(map(str, item)) for item in chain(row.spans, row.stances)] + row.coders)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def adjudicate(conn: Connection, document_pk: int, lead_pk: int, kind: str, start: int, end: int,
               target: str | None, items: Sequence[Span | Stance]) -> int:
    """Store a lead's decision on a region or target, replacing what gold held there; returns its pk."""
    gold = gold_pk(conn, document_pk, create=True)
    assert gold is not None, "made when absent"
    _clear(conn, gold, kind, start, end, target)
    now = utcnow()
    pk = inserted_pk(conn.execute(insert(ADJUDICATION).values(gold_pk=gold, kind=kind, start=start, end=end, target=target,
                                                              by_coder_pk=lead_pk, at=now)))
    for item in items:
        if isinstance(item, Span):
            conn.execute(insert(GOLD_SPAN).values(gold_pk=gold, start=item.start, end=item.end, label=item.label,
                                                  how="adjudicated", by_coder_pk=lead_pk))
        else:
            conn.execute(insert(GOLD_STANCE).values(gold_pk=gold, target=item.target, label=item.label,
                                                    how="adjudicated", by_coder_pk=lead_pk))
    conn.execute(update(GOLD).where(GOLD.c.pk == gold).values(updated_at=now))
    return pk


def remove_adjudication(conn: Connection, adjudication_pk: int) -> None:
    """Undo: the decision and the items it stored go; the caller derives the document again."""
    row = conn.execute(select(ADJUDICATION).where(ADJUDICATION.c.pk == adjudication_pk)).one()
    _clear(conn, row.gold_pk, row.kind, row.start, row.end, row.target)


def _clear(conn: Connection, gold: int, kind: str, start: int, end: int, target: str | None) -> None:
    """Whatever gold and earlier decisions held in a region (spans overlapping it) or on a target."""
    if kind == "span":
        conn.execute(delete(GOLD_SPAN).where(GOLD_SPAN.c.gold_pk == gold, GOLD_SPAN.c.start < end, GOLD_SPAN.c.end > start))
        conn.execute(delete(ADJUDICATION).where(ADJUDICATION.c.gold_pk == gold, ADJUDICATION.c.kind == "span",
                                                ADJUDICATION.c.start < end, ADJUDICATION.c.end > start))
    else:
        conn.execute(delete(GOLD_STANCE).where(GOLD_STANCE.c.gold_pk == gold, GOLD_STANCE.c.target == target))
        conn.execute(delete(ADJUDICATION).where(ADJUDICATION.c.gold_pk == gold, ADJUDICATION.c.kind == "stance",
                                                ADJUDICATION.c.target == target))


def summary(conn: Connection) -> dict[str, int]:
    """Gold documents, items by how, disputed items left, and stale adjudications (a coder changed a
    done annotation of the document after the lead decided)."""
    by_how = {how: 0 for how in ("unanimous", "majority", "adjudicated")}
    documents, disputed = 0, 0.0
    for kind, _, how, _, n, total in tally.rows(conn, ["gold_items", "gold"]):
        if kind == "gold":
            documents, disputed = n, total
        else:
            by_how[how] += n
    # the stale decisions are found among the lead's adjudications (as many as they made by hand)
    # each decision's document looked up by its gold key (a seek a decision, never a walk of gold)
    document = select(GOLD.c.document_pk).where(GOLD.c.pk == ADJUDICATION.c.gold_pk).correlate(ADJUDICATION).scalar_subquery()
    stale = count_of(conn, select(func.count()).select_from(ADJUDICATION)
                     .where(select(ANN.c.pk).where(ANN.c.document_pk == document, ANN.c.status == "done",
                                                   ANN.c.updated_at > ADJUDICATION.c.at).exists()))
    return {"documents": documents, **by_how, "disputed": int(disputed), "stale": stale}


def disputed_neighbour(conn: Connection, document_pk: int, forward: bool = True) -> int | None:
    """The next (or previous) document whose last derivation left disputes, in the project's order."""
    column = GOLD.c.document_pk
    return conn.scalar(select(column).where(GOLD.c.disputed > 0, column > document_pk if forward else column < document_pk)
                       .order_by(column if forward else column.desc()).limit(1))


def set_disputed(conn: Connection, document_pk: int, disputed: int) -> None:
    conn.execute(update(GOLD).where(GOLD.c.document_pk == document_pk).values(disputed=disputed))


@dataclass(frozen=True, slots=True)
class GoldDocument:
    """A document whose gold is complete (no dispute left), as exports read it."""
    pk: int
    id: str
    title: str
    text: str
    meta: dict[str, Any]
    annotators: list[str]
    spans: list[tuple[int, int, str, str]]  # start, end, label, how
    stances: list[tuple[str, str, str]]  # target, label, how
    adjudication: str | None = None  # imported gold's own word for the document
    by: dict[tuple[Any, ...], str] = field(default_factory=dict)  # item -> the lead who settled it


def complete_after(conn: Connection, after: int, limit: int) -> list[GoldDocument]:
    """The next `limit` documents with complete gold after document pk `after`, in the project's
    order: a seek on gold's document key, and each document's items gathered by the database into
    one JSON array per table (a seek on the item table's gold key): one row a document, where a row
    an item cost Python more than reading them."""
    from annotator.store.documents import DOC

    rows = bulk_rows(conn, select(GOLD.c.pk, DOC.c.pk, DOC.c.id, DOC.c.title, DOC.c.text, DOC.c.meta, GOLD.c.annotators,
                                  GOLD.c.adjudication, *(_items_of(conn, table, leads) for table in (GOLD_SPAN, GOLD_STANCE)
                                                         for leads in (False, True)))
                     .join(DOC, DOC.c.pk == GOLD.c.document_pk)
                     .where(GOLD.c.document_pk > after, GOLD.c.disputed == 0)
                     .order_by(GOLD.c.document_pk).limit(limit))
    names: dict[int, str] = {}
    found = []
    for _, doc, id_, title, text, meta, annotators, word, spans, span_leads, stances, stance_leads in rows:
        by: dict[tuple[Any, ...], str] = {}
        if _some(span_leads) or _some(stance_leads):  # few documents have one: a lead settled an item
            names = names or {pk: name for pk, name in conn.execute(select(CODER.c.pk, CODER.c.name))}
            by = {("span", *item[:3]): names[item[3]] for item in _json(span_leads) or ()}
            by.update({("stance", target): names[lead] for target, lead in _json(stance_leads) or ()})
        found.append(GoldDocument(doc, id_, title, text, _json(meta) or {}, list(_json(annotators) or []),
                                  sorted(_json(spans) or ()), sorted(_json(stances) or ()), word, by))
    return found


# Each table's item columns as exports read them, then the columns that key a lead's settled item.
_ITEM_COLUMNS = {"gold_span": (("start", "end", "label", "how"), ("start", "end", "label")),
                 "gold_stance": (("target", "label", "how"), ("target",))}


def _items_of(conn: Connection, table: Table, leads: bool) -> ScalarSelect[Any]:
    """A document's items of `table` as one JSON array of arrays (PostgreSQL: NULL for none); with
    `leads`, only the items a lead settled, keyed, with the lead's coder key."""
    items, keys = _ITEM_COLUMNS[table.name]
    columns = [table.c[name] for name in keys] + [table.c.by_coder_pk] if leads else [table.c[name] for name in items]
    if conn.dialect.name == "postgresql":
        gathered = func.json_agg(func.json_build_array(*columns))
    else:
        gathered = func.json_group_array(func.json_array(*columns))
    query = select(gathered).where(table.c.gold_pk == GOLD.c.pk)
    return (query.where(table.c.by_coder_pk.is_not(None)) if leads else query).scalar_subquery()


def _json(value: Any) -> Any:
    """A JSON value as SQLite's driver gives it (text) or PostgreSQL's (parsed)."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _some(items: Any) -> bool:
    """Whether a gathered array holds anything (SQLite: text other than '[]'; PostgreSQL: not NULL)."""
    return bool(items) and items != "[]"


def counts_for_export(conn: Connection) -> tuple[int, int]:
    """(documents with complete gold, documents with disputes left)."""
    return (count_of(conn, select(func.count()).select_from(GOLD).where(GOLD.c.disputed == 0)),
            count_of(conn, select(func.count()).select_from(GOLD).where(GOLD.c.disputed > 0)))


def import_gold(conn: Connection, document_pk: int, annotators: list[str], spans: Sequence[tuple[int, int, str, str]],
                stances: Sequence[tuple[str, str, str]], adjudication: str | None = None,
                by: dict[tuple[Any, ...], int] | None = None) -> bool:
    """Gold read from a gold JSONL file, for a document without gold; False when it has gold already.
    by: the lead (coder pk) who settled an item, by its key ("span", start, end, label) / ("stance", target)."""
    by = by or {}
    if gold_pk(conn, document_pk) is not None:
        return False
    now = utcnow()
    pk = inserted_pk(conn.execute(insert(GOLD).values(document_pk=document_pk, created_at=now, updated_at=now,
                                                      annotators=annotators, disputed=0,
                                                      adjudication=adjudication)))
    bulk_insert(conn, GOLD_SPAN, [{"gold_pk": pk, "start": s, "end": e, "label": label, "how": how,
                                   "by_coder_pk": by.get(("span", s, e, label))} for s, e, label, how in spans])
    bulk_insert(conn, GOLD_STANCE, [{"gold_pk": pk, "target": t_, "label": label, "how": how,
                                     "by_coder_pk": by.get(("stance", t_))} for t_, label, how in stances])
    return True
