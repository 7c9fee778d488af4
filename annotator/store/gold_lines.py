"""Gold JSONL lines built by SQLite itself: the export's hot path on an embedded project.

`domain.formats.gold_record` is the rule; this statement writes the same bytes orjson writes for
that record (tests compare them on every case the rule has), so a line leaves the database ready
to write and Python never holds the record as objects: building and dumping each record in Python
cost more than twice what writing the plain JSON costs. A document the statement cannot write
exactly (its meta holds a "title" of its own, which the rule's merge puts first) comes back
without a line, and the caller builds that one record with the rule.

PostgreSQL is not served here: its JSON functions write spaces between keys and values, so its
exports go through the rule.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from annotator.store.engine import driver_connection, driver_errors

# One row a document with complete gold whose key is in (:after, :through]: (document key, document
# id, the line's text or NULL where the rule must build it).
# `word` is the document's adjudication as the rule gives it: its own imported word when it has no
# item, else the strongest "how" among its items. Items come in the rule's order (spans by start,
# end, label, how; stances by target), gathered from ordered subqueries: an aggregate over a
# subquery with ORDER BY reads its rows in that order (the subquery is never flattened into it).
_LINES = """
WITH batch AS MATERIALIZED (
  SELECT g.pk AS gold_pk, g.document_pk, g.annotators, g.adjudication AS own,
         (SELECT max(rank) FROM (
            SELECT CASE how WHEN 'adjudicated' THEN 3 WHEN 'majority' THEN 2 ELSE 1 END AS rank
              FROM gold_span WHERE gold_pk = g.pk
            UNION ALL
            SELECT CASE how WHEN 'adjudicated' THEN 3 WHEN 'majority' THEN 2 ELSE 1 END
              FROM gold_stance WHERE gold_pk = g.pk)) AS strongest
    FROM gold AS g
   WHERE g.document_pk > :after AND g.document_pk <= :through AND g.disputed = 0
), worded AS MATERIALIZED (
  SELECT batch.*,
         CASE WHEN strongest IS NULL AND coalesce(own, '') != '' THEN own
              WHEN strongest = 3 THEN 'adjudicated'
              WHEN strongest = 2 THEN 'majority'
              ELSE 'unanimous' END AS word
    FROM batch
)
SELECT w.document_pk, d.id,
  CASE WHEN d.title != '' AND json_type(d.meta, '$.title') IS NOT NULL THEN NULL ELSE
    '{"id":' || json_quote(d.id)
    || ',"text":' || json_quote(d.text)
    || ',"meta":' || CASE WHEN coalesce(d.title, '') = '' THEN json(d.meta)
                          WHEN json(d.meta) = '{}' THEN '{"title":' || json_quote(d.title) || '}'
                          ELSE '{"title":' || json_quote(d.title) || ',' || substr(json(d.meta), 2) END
    || ',"spans":[' || coalesce((
         SELECT group_concat('{"start":' || s.start || ',"end":' || s."end" || ',"label":' || json_quote(s.label)
                             || ',"text":' || json_quote(substr(d.text, s.start + 1, s."end" - s.start))
                             || CASE WHEN s.how != w.word THEN ',"how":' || json_quote(s.how) ELSE '' END
                             || CASE WHEN s.by_coder_pk IS NULL THEN ''
                                     ELSE ',"by":' || json_quote((SELECT name FROM coder WHERE pk = s.by_coder_pk))
                                END
                             || '}', ',')
           FROM (SELECT * FROM gold_span WHERE gold_pk = w.gold_pk ORDER BY start, "end", label, how) AS s), '')
    || '],' || (
         SELECT '"stance":{' || coalesce(group_concat(json_quote(st.target) || ':' || json_quote(st.label), ','), '')
                || '}' || coalesce(',"stance_how":{' || group_concat(
                             CASE WHEN st.how != w.word THEN json_quote(st.target) || ':' || json_quote(st.how) END,
                             ',') || '}', '')
                || coalesce(',"stance_by":{' || group_concat(
                             CASE WHEN st.lead IS NOT NULL THEN json_quote(st.target) || ':' || json_quote(st.lead) END,
                             ',') || '}', '')
           FROM (SELECT gs.target, gs.label, gs.how, c.name AS lead
                   FROM gold_stance AS gs LEFT JOIN coder AS c ON c.pk = gs.by_coder_pk
                  WHERE gs.gold_pk = w.gold_pk ORDER BY gs.target) AS st)
    || ',"annotators":' || json(w.annotators)
    || ',"adjudication":' || json_quote(w.word)
    || ',"schema":' || json_quote(:schema) || '}'
  END
  FROM worded AS w JOIN document AS d ON d.pk = w.document_pk
"""


def lines_between(conn: Connection, after: int, through: int, schema: str) -> list[tuple[int, str, Any]]:
    """The documents with complete gold whose keys are in (after, through], in the project's order:
    (key, id, the gold JSONL line without its newline, or None where `formats.gold_record` must
    build it). SQLite only: a seek on gold's document key, then each document's items by its gold key."""
    assert conn.dialect.name == "sqlite", "PostgreSQL's exports build records with the rule"
    cursor = driver_connection(conn).cursor()
    try:
        with driver_errors(_LINES, conn):
            rows: list[tuple[int, str, Any]] = cursor.execute(
                _LINES, {"after": after, "through": through, "schema": schema}).fetchall()
    finally:
        cursor.close()
    rows.sort()  # by document key (here, not in SQL: a sort there would carry every text through a temporary b-tree)
    return rows


def middle(conn: Connection, skip: int) -> int | None:
    """The key of the document `skip` places into the complete gold, in the project's order (a walk
    over that much of gold's document index: an export then reads all of it anyway)."""
    from sqlalchemy import select

    from annotator.store.gold import GOLD

    found: int | None = conn.scalar(select(GOLD.c.document_pk).where(GOLD.c.disputed == 0)
                                    .order_by(GOLD.c.document_pk).offset(skip).limit(1))
    return found
