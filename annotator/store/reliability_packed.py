"""Packed reads for `annotator agree` over a whole project: each query returns one row for a slice
of documents, its items as one text of comma-separated integers (names coded by CASE against known
lists) that numpy parses at once. A tuple and its Python objects per stance and span were two thirds
of reading them. An item whose name the lists lack packs to NULL, which the aggregate leaves out;
the count beside it tells, and only then are those items read again as rows.

Kept apart from reliability.py so that commands which never compute agreement do not load numpy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Connection, Select, String, case, cast, func, null, select

from annotator.store import tables as t
from annotator.store.engine import bulk_rows
from annotator.store.reliability import of_done

ANN = t.Annotation
SPAN = t.AnnotationSpan
STANCE = t.AnnotationStance
CODER = t.Coder
DOC = t.Document

SLICE_DOCUMENTS = 50_000  # documents (by key) read at a time: a slice's packed rows are a few MB
_HIGH = 1 << 32  # a span's (start, end) packed as start * _HIGH + end: texts are shorter than 4 G characters


def _integers(conn: Connection, value: ColumnElement[Any]) -> Any:
    """An aggregate: the values of an integer expression as one comma-separated text (NULLs left out)."""
    if conn.dialect.name == "postgresql":
        return func.string_agg(cast(value, String), ",")
    return func.group_concat(value)


def _parsed(text: str | None) -> np.ndarray:
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)


def _code(column: ColumnElement[str], names: Sequence[str]) -> ColumnElement[Any]:
    """A name's index in `names`, NULL for a name not in them."""
    return case({name: i for i, name in enumerate(names)}, value=column, else_=None) if names else null()


def _coded(names: list[str], found: Iterable[str]) -> list[int]:
    """Indices of names, appending any not yet in `names`."""
    at = {name: i for i, name in enumerate(names)}
    for name in found:
        if name not in at:
            at[name] = len(names)
            names.append(name)
    return [at[name] for name in found]


def _key(conn: Connection, between: tuple[int, int], width: int) -> ColumnElement[Any]:
    """Document and coder as one integer, 64-bit on PostgreSQL too (its keys are 32-bit)."""
    return cast(ANN.c.document_pk - between[0], BigInteger) * width + ANN.c.coder_pk


def _coder_width(conn: Connection) -> int:
    return (conn.scalar(select(func.max(CODER.c.pk))) or 0) + 1


def packed_done(conn: Connection, between: tuple[int, int], coder_pks: Sequence[int] | None) -> np.ndarray:
    """(document pk, coder pk) of the done annotations of documents with keys in [from, to), as an
    n x 2 array."""
    width = _coder_width(conn)
    text = conn.execute(of_done(select(_integers(conn, _key(conn, between, width))), coder_pks, between)).scalar()
    doc, coder = np.divmod(_parsed(text), width)
    return np.stack([doc + between[0], coder], axis=1)


def packed_stances(conn: Connection, between: tuple[int, int], coder_pks: Sequence[int] | None,
                   target: str | None, targets: list[str], labels: list[str]) -> np.ndarray:
    """(document pk, coder pk, target, label) of the stances in done annotations of documents with
    keys in [from, to), as an n x 4 array; target and label are indices into `targets` and `labels`,
    which gain any name they lack."""
    width = _coder_width(conn)
    n_targets, n_labels = max(len(targets), 1), max(len(labels), 1)
    packed = ((_key(conn, between, width) * n_targets + _code(STANCE.c.target, targets)) * n_labels
              + _code(STANCE.c.label, labels))

    def read(*columns: Any) -> Select[Any]:
        query = select(*columns).select_from(STANCE).join(ANN, ANN.c.pk == STANCE.c.annotation_pk)
        return of_done(query.where(STANCE.c.target == target) if target is not None else query, coder_pks, between)

    text, total = conn.execute(read(_integers(conn, packed), func.count())).one()
    rest, label = np.divmod(_parsed(text), n_labels)
    rest, target_at = np.divmod(rest, n_targets)
    doc, coder = np.divmod(rest, width)
    rows = np.stack([doc + between[0], coder, target_at, label], axis=1)
    if len(rows) == total:
        return rows
    others = sorted(bulk_rows(conn, read(ANN.c.document_pk, ANN.c.coder_pk, STANCE.c.target, STANCE.c.label)
                              .where(packed.is_(None))))  # new targets take their places in document order
    extra = np.array([(doc, coder, *codes) for (doc, coder, _, _), *codes in
                      zip(others, _coded(targets, [row[2] for row in others]),
                          _coded(labels, [row[3] for row in others]))], dtype=np.int64)
    return np.concatenate([rows, extra.reshape(-1, 4)])


def packed_spans(conn: Connection, between: tuple[int, int], coder_pks: Sequence[int] | None,
                 labels: list[str]) -> np.ndarray:
    """(document pk, coder pk, start, end, label) of the spans in done annotations of documents with
    keys in [from, to), as an n x 5 array; label is an index into `labels`, which gains any it lacks."""
    width = _coder_width(conn)
    n_labels = max(len(labels), 1)
    label = _code(SPAN.c.label, labels)
    key = _key(conn, between, width) * n_labels + label
    offsets = cast(SPAN.c.start, BigInteger) * _HIGH + SPAN.c["end"] + label * 0  # NULL with the key: both skip the row

    def read(*columns: Any) -> Select[Any]:
        return of_done(select(*columns).select_from(SPAN).join(ANN, ANN.c.pk == SPAN.c.annotation_pk), coder_pks,
                     between)

    keys, starts_ends, total = conn.execute(read(_integers(conn, key), _integers(conn, offsets), func.count())).one()
    rest, label_at = np.divmod(_parsed(keys), n_labels)
    doc, coder = np.divmod(rest, width)
    start, end = np.divmod(_parsed(starts_ends), _HIGH)
    rows = np.stack([doc + between[0], coder, start, end, label_at], axis=1)
    if len(rows) == total:
        return rows
    others = bulk_rows(conn, read(ANN.c.document_pk, ANN.c.coder_pk, SPAN.c.start, SPAN.c["end"], SPAN.c.label)
                       .where(key.is_(None)))
    extra = np.array([(*row[:4], code) for row, code in zip(others, _coded(labels, [row[4] for row in others]))],
                     dtype=np.int64)
    return np.concatenate([rows, extra.reshape(-1, 5)])


def shared_texts(conn: Connection, between: tuple[int, int], coder_pks: Sequence[int] | None
                 ) -> list[tuple[int, int | None, str]]:
    """(document pk, kept token count or None, text) of the documents with keys in [from, to) done by
    two coders or more."""
    shared = of_done(select(ANN.c.document_pk), coder_pks, between).group_by(ANN.c.document_pk).having(
        func.count() >= 2)
    return bulk_rows(conn, select(DOC.c.pk, DOC.c.token_count, DOC.c.text)
                     .where(DOC.c.pk >= between[0], DOC.c.pk < between[1], DOC.c.pk.in_(shared)))
