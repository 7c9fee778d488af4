"""Counts read from `tally`, which triggers keep in step with every write (tally_triggers.py): each
read is a seek on tally's key, the same at ten documents and at a million.

Kinds: annotations (coder, status), done_seconds (coder, "blind"/"open": count and seconds of done
annotations that took time), done_at (coder, the UTC quarter hour each done annotation was last
written in), entity_decisions and stance_decisions (coder, decision, label), assigned (coder:
documents, and overlap places as the sum), suggested (documents with a suggestion), gold (documents,
disputed items as the sum), gold_items (how)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, delete, func, select

from annotator.store import tables as t
from annotator.store.tally_triggers import counters

TALLY = t.Tally
CODER = t.Coder

_OF_KINDS = (select(TALLY.c.kind, TALLY.c.coder_pk, TALLY.c.key, TALLY.c.label, TALLY.c.n, TALLY.c.total)
             .where(TALLY.c.kind.in_(bindparam("kinds", expanding=True))))
_DONE_SINCE = select(func.coalesce(func.sum(TALLY.c.n), 0)).where(
    TALLY.c.kind == "done_at", TALLY.c.coder_pk == bindparam("coder"), TALLY.c.key >= bindparam("since"))


def rows(conn: Connection, kinds: Iterable[str]) -> list[tuple[str, int, str, str, int, float]]:
    """(kind, coder key, key, label, count, sum) of these kinds; counts that fell back to 0 left out
    (their sums too: seconds added and taken back leave a float's last bits behind)."""
    return [tuple(r) for r in conn.execute(_OF_KINDS, {"kinds": list(kinds)}) if r.n]


def coder_names(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(CODER.c.pk, CODER.c.name)).all())


def quarter_of(moment: datetime) -> str:
    """The done_at key of the quarter hour `moment` falls in, in UTC."""
    at = moment.astimezone(UTC)
    return at.replace(minute=at.minute // 15 * 15).strftime("%Y-%m-%d %H:%M")


def done_since(conn: Connection, coder_pk: int, since: datetime) -> int:
    """Annotations the coder has marked done since `since` (and not changed since), counted from
    the quarter hour it falls in: exact for a midnight in any time zone."""
    return int(conn.scalar(_DONE_SINCE, {"coder": coder_pk, "since": quarter_of(since)}) or 0)


def recount(conn: Connection) -> None:
    """Count everything again from the rows themselves: the first fill of the table (its migration)
    and a test's check of the triggers. One pass over each counted table."""
    conn.execute(delete(TALLY))
    dialect = conn.dialect.name
    for counter in counters(dialect):
        if counter.update_of or "insert" not in counter.events:  # a move between two counts, or a taking back
            continue
        count = "count(DISTINCT R.document_pk)" if counter.kind == "suggested" else "count(*)"
        when = "1 = 1" if counter.kind == "suggested" else counter.when
        conn.exec_driver_sql(
            f"INSERT INTO tally (kind, coder_pk, key, label, n, total) "
            f"SELECT '{counter.kind}', {counter.coder}, {counter.key}, {counter.label}, {count}, "
            f"COALESCE(sum({counter.total}), 0) FROM {counter.table} R WHERE {when} GROUP BY 1, 2, 3, 4 "
            f"ON CONFLICT (kind, coder_pk, key, label) DO UPDATE SET n = tally.n + excluded.n, "
            f"total = tally.total + excluded.total")
