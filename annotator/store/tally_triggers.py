"""The triggers that keep `tally` in step with the rows it counts, in the same transaction as each
write, on SQLite and PostgreSQL alike: whatever writes (a coder's save, an import, gold's
derivation, SQL typed by hand), the counts follow, and `status` reads them instead of walking the
project.

Each counter names, for one row R of a table, what it adds to: kind, coder, key, label, and a sum
beside the count. A new row adds 1 (and its sum), a deleted row takes them back, an updated row
does both, so only what changed moves.

SQLite runs them as row triggers: it updates a count in place. PostgreSQL keeps every version of a
row its transaction updated, so a count bumped once a row would grow a chain of versions that each
later bump walks (100 us a row at 30,000 rows): there they are statement triggers, which add up a
statement's rows (its transition tables) and write each count they change once; the store writes
many rows in one statement (store/engine.py). They run as the project's owner (SECURITY DEFINER):
a coder's role writes its own annotations, and the counts that follow, but may not write `tally`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True)
class Counter:
    table: str  # whose rows are counted: R is the row
    kind: str
    coder: str = "0"  # SQL over R; 0: the whole project's count
    key: str = "''"
    label: str = "''"
    total: str = "0"  # the sum kept beside the count
    when: str = "1 = 1"  # only rows for which this holds count
    also_from: str = ""  # another table the counter reads rows of, for each R
    update_of: tuple[str, ...] = ()  # an update counts only when one of these columns changed
    one_at_a_time: str = ""  # PostgreSQL: rows with the same value here are counted in turn
    events: tuple[str, ...] = ("insert", "delete", "update")
    distinct: str = ""  # PostgreSQL: count each value of this column among the statement's rows once


# An annotation's document decides whether its time was blind (no suggestions shown).
_BLIND = ("COALESCE((SELECT CASE WHEN d.blind THEN 'blind' ELSE 'open' END FROM document d "
          "WHERE d.pk = R.document_pk), 'open')")
_CODER_OF_ANNOTATION = "COALESCE((SELECT a.coder_pk FROM annotation a WHERE a.pk = R.annotation_pk), 0)"
# The quarter hour a done annotation was last written in, in UTC ('2026-12-06 16:45'): every time
# zone's midnight starts a quarter hour, so "done since midnight" sums whole buckets.
_QUARTER = {
    "sqlite": "substr(R.updated_at, 1, 14) || printf('%02d', CAST(substr(R.updated_at, 15, 2) AS INTEGER) / 15 * 15)",
    "postgresql": ("to_char(date_trunc('hour', R.updated_at AT TIME ZONE 'UTC') + floor(extract(minute FROM "
                   "R.updated_at AT TIME ZONE 'UTC') / 15) * interval '15 minutes', 'YYYY-MM-DD HH24:MI')"),
}
# A document counts as suggested while it has one suggestion or more: its first added and its last
# taken away move the count. SQLite writes one row at a time, each with a key above every other:
# the first is the one with no older key. On PostgreSQL two transactions could each add a first
# suggestion of one document, neither seeing the other's: a lock on the document's number takes
# them in turn, and after it each statement sees what the other committed, so a document counts
# when nothing but this statement's rows suggests it.
_FIRST_SUGGESTION = {
    "sqlite": "NOT EXISTS (SELECT 1 FROM suggestion s WHERE s.document_pk = R.document_pk AND s.pk < R.pk)",
    "postgresql": ("NOT EXISTS (SELECT 1 FROM suggestion s WHERE s.document_pk = R.document_pk "
                   "AND s.pk NOT IN (SELECT n.pk FROM new_rows n))"),
}
_NO_SUGGESTION_LEFT = "NOT EXISTS (SELECT 1 FROM suggestion s WHERE s.document_pk = R.document_pk)"


def counters(dialect: str) -> tuple[Counter, ...]:
    return (
        Counter("annotation", "annotations", coder="R.coder_pk", key="R.status"),
        Counter("annotation", "done_seconds", coder="R.coder_pk", key=_BLIND, total="R.seconds",
                when="R.status = 'done' AND R.seconds > 0"),
        Counter("annotation", "done_at", coder="R.coder_pk", key=_QUARTER[dialect], when="R.status = 'done'"),
        # a document made blind (or not) moves its done annotations' time between the two
        Counter("document", "done_seconds", coder="a.coder_pk",
                key="CASE WHEN R.blind THEN 'blind' ELSE 'open' END", total="a.seconds", also_from="annotation a",
                when="a.document_pk = R.pk AND a.status = 'done' AND a.seconds > 0", update_of=("blind",)),
        Counter("suggestion_decision", "entity_decisions", coder=_CODER_OF_ANNOTATION, key="R.decision", label="R.label"),
        Counter("stance_decision", "stance_decisions", coder=_CODER_OF_ANNOTATION, key="R.decision", label="R.label"),
        Counter("assignment", "assigned", coder="R.coder_pk", total="CASE WHEN R.overlap THEN 1 ELSE 0 END"),
        Counter("suggestion", "suggested", when=_FIRST_SUGGESTION[dialect], one_at_a_time="R.document_pk",
                events=("insert",), distinct="document_pk"),
        Counter("suggestion", "suggested", when=_NO_SUGGESTION_LEFT, one_at_a_time="R.document_pk", events=("delete",),
                distinct="document_pk"),
        Counter("gold", "gold", total="R.disputed"),
        Counter("gold_span", "gold_items", key="R.how"),
        Counter("gold_stance", "gold_items", key="R.how"),
    )


_LOCK_SPACE = 7_141_969  # the first of the two numbers of PostgreSQL's advisory locks: the tally's own
_ROW = re.compile(r"\bR\.")
# Per event, which rows count and with which sign: a row trigger's NEW and OLD, a statement
# trigger's transition tables.
EVENTS = {"insert": (("NEW", "new_rows", 1),), "delete": (("OLD", "old_rows", -1),),
          "update": (("OLD", "old_rows", -1), ("NEW", "new_rows", 1))}
_ADD = ("ON CONFLICT (kind, coder_pk, key, label) DO UPDATE SET n = tally.n + excluded.n, "
        "total = tally.total + excluded.total;")


def _counters(dialect: str, table: str, event: str) -> list[Counter]:
    return [c for c in counters(dialect) if c.table == table and event in c.events
            and (not c.update_of or event == "update")]


def _row_statements(dialect: str, table: str, event: str) -> list[str]:
    """A row trigger's body: one upsert a counter and row version (R is NEW or OLD)."""
    statements = []
    for counter in _counters(dialect, table, event):
        for row, _, sign in EVENTS[event]:
            fields = {name: _ROW.sub(row + ".", getattr(counter, name)) for name in ("coder", "key", "label", "total", "when")}
            source = counter.also_from or "(SELECT 1) AS one"
            statements.append(f"INSERT INTO tally (kind, coder_pk, key, label, n, total) "
                              f"SELECT '{counter.kind}', {fields['coder']}, {fields['key']}, {fields['label']}, {sign}, "
                              f"{sign} * ({fields['total']}) FROM {source} WHERE {fields['when']} {_ADD}")
    return statements


def _statement_body(dialect: str, table: str, event: str) -> list[str]:
    """A statement trigger's body: the statement's rows added up, each count changed written once."""
    parts, locks = [], []
    for counter in _counters(dialect, table, event):
        for _, rows, sign in EVENTS[event]:
            source = f"(SELECT DISTINCT {counter.distinct} FROM {rows}) R" if counter.distinct else f"{rows} R"
            if counter.also_from:
                source += f", {counter.also_from}"
            parts.append(f"SELECT '{counter.kind}' AS kind, {counter.coder} AS coder_pk, {counter.key} AS key, "
                         f"{counter.label} AS label, {sign}::bigint AS n, ({sign} * ({counter.total}))::float8 AS total "
                         f"FROM {source} WHERE {counter.when}")
            if counter.one_at_a_time:  # in key order, so two statements never wait on each other in turn
                locks.append(f"PERFORM pg_catalog.pg_advisory_xact_lock({_LOCK_SPACE}, k) FROM "
                             f"(SELECT DISTINCT {counter.one_at_a_time} AS k FROM {rows} R ORDER BY 1) keys;")
    if not parts:
        return []
    return [*locks, f"INSERT INTO tally (kind, coder_pk, key, label, n, total) SELECT kind, coder_pk, key, label, "
                    f"sum(n), sum(total) FROM ({' UNION ALL '.join(parts)}) changes GROUP BY kind, coder_pk, key, label "
                    # counts locked in one order by every writer: two never wait on each other in turn
                    f"HAVING sum(n) <> 0 OR sum(total) <> 0 ORDER BY kind, coder_pk, key, label {_ADD}"]


# A deleted row's children go first, while it is still there: their counters look up their coder
# (through the annotation) and their blind flag (through the document), which a cascade, run
# after the parent is gone, would find missing.
CHILDREN_FIRST = {"annotation": ("suggestion_decision", "stance_decision"), "document": ("annotation",)}
_PARENT_KEY = {"suggestion_decision": "annotation_pk", "stance_decision": "annotation_pk", "annotation": "document_pk"}


def trigger_names(dialect: str) -> list[str]:
    """Every trigger install() makes, by name."""
    counting = [f"tally_{table}_{event}" for table in _tables(dialect) for event in _events(dialect, table)]
    return sorted(counting + [f"tally_{table}_children" for table in CHILDREN_FIRST])


def _update_columns(dialect: str, table: str) -> tuple[str, ...]:
    found = {c.update_of for c in counters(dialect) if c.table == table}
    return next(iter(found)) if found and all(found) else ()


def _tables(dialect: str) -> list[str]:
    return sorted({c.table for c in counters(dialect)})


def _events(dialect: str, table: str) -> list[str]:
    return [event for event in EVENTS if _counters(dialect, table, event)]


def install(conn: Connection) -> None:
    """Create the triggers (and PostgreSQL's functions they run); replaces any made before."""
    dialect = conn.dialect.name
    uninstall(conn)
    for table in _tables(dialect):
        columns = _update_columns(dialect, table)
        for event in _events(dialect, table):
            name = f"tally_{table}_{event}"
            on = f"UPDATE OF {', '.join(columns)}" if columns else event.upper()
            if dialect == "sqlite":
                when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns) if columns else ""
                conn.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {on} ON {table} FOR EACH ROW{when} "
                                     f"BEGIN {' '.join(_row_statements(dialect, table, event))} END")
                continue
            # A trigger on chosen columns gets no transition tables: a row trigger, which runs only
            # when the column changed (a document's blind flag: rare, and by hand).
            body = _row_statements(dialect, table, event) if columns else _statement_body(dialect, table, event)
            schema = '"' + str(conn.exec_driver_sql("SELECT current_schema()").scalar()).replace('"', '""') + '"'
            conn.exec_driver_sql(
                f"CREATE OR REPLACE FUNCTION annotator_{name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
                f"SET search_path = {schema}, pg_temp AS $$ BEGIN {' '.join(body)} RETURN NULL; END $$")
            if columns:
                when = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
                conn.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {on} ON {table} FOR EACH ROW WHEN ({when}) "
                                     f"EXECUTE FUNCTION annotator_{name}()")
                continue
            tables = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows",
                      "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
            conn.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {on} ON {table} REFERENCING {tables} "
                                 f"FOR EACH STATEMENT EXECUTE FUNCTION annotator_{name}()")
    for parent, children in CHILDREN_FIRST.items():
        name = f"tally_{parent}_children"
        deletes = " ".join(f"DELETE FROM {child} WHERE {_PARENT_KEY[child]} = OLD.pk;" for child in children)
        if dialect == "sqlite":
            conn.exec_driver_sql(f"CREATE TRIGGER {name} BEFORE DELETE ON {parent} FOR EACH ROW BEGIN {deletes} END")
            continue
        # as the one deleting (not the owner): a role deletes children only of rows it may delete
        schema = '"' + str(conn.exec_driver_sql("SELECT current_schema()").scalar()).replace('"', '""') + '"'
        conn.exec_driver_sql(f"CREATE OR REPLACE FUNCTION annotator_{name}() RETURNS trigger LANGUAGE plpgsql "
                             f"SET search_path = {schema}, pg_temp AS $$ BEGIN {deletes} RETURN OLD; END $$")
        conn.exec_driver_sql(f"CREATE TRIGGER {name} BEFORE DELETE ON {parent} FOR EACH ROW "
                             f"EXECUTE FUNCTION annotator_{name}()")


def uninstall(conn: Connection) -> None:
    dialect = conn.dialect.name
    names = [(table, f"tally_{table}_{event}") for table in _tables(dialect) for event in EVENTS]
    for table, name in names + [(parent, f"tally_{parent}_children") for parent in CHILDREN_FIRST]:
        if dialect == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS annotator_{name}()")
