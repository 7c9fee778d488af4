"""The plans PostgreSQL runs the queue, find and suggest with at a million documents, analysed.

    python bench/scale_plans.py --db postgresql --keep DIR   (or --db postgresql://USER@HOST:PORT/DBNAME)

On a copy of the project scale_bench.py built there (it builds it when there is none), each
SELECT the tool sends for these is run again under EXPLAIN (ANALYZE, FORMAT JSON), with the
planner's own settings (tests/test_query_plans.py prices sequential scans out, as its tables are
small). Prints, per statement, the time it took, the rows its scans read, and any step that walks:
a Seq Scan, an index read with no condition, or a sort other than find's ranking, on a table of
more than SMALL rows (the coders, the codebook, leases and claims are read whole, rightly).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average  # noqa: E402
from scale_bench import build, projects_for  # noqa: E402


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from nodes(child)


SMALL = 10_000


def walks(node: dict[str, Any], small: set[str]) -> bool:
    kind = node["Node Type"]
    if kind in ("Sort", "Incremental Sort"):
        read = {n["Relation Name"] for n in nodes(node) if "Relation Name" in n}
        return not read <= small and not any("ts_rank(" in k for k in node.get("Sort Key", ()))
    if node.get("Relation Name") in small:
        return False
    if kind == "Seq Scan":
        return True
    return kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and "Index Cond" not in node


def described(node: dict[str, Any]) -> str:
    return " ".join(str(node[k]) for k in ("Node Type", "Relation Name", "Index Name", "Index Cond", "Sort Key")
                    if k in node)


def analysed(engine: Any, show: str | None) -> Callable[[str], None]:
    """Prints each SELECT's analysed plan under the current heading (whole, as text, for headings
    holding `show`); returns the heading's setter."""
    from sqlalchemy import event

    heading = ["?"]
    with engine.connect() as conn:
        small = {name for name, in conn.exec_driver_sql(
            f"SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples < {SMALL}")}

    def explain(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("SELECT"):
            return
        with conn.connection.driver_connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            (found,), = cursor.fetchall()
        tree = (json.loads(found) if isinstance(found, str) else found)[0]
        steps = list(nodes(tree["Plan"]))
        read = sum(int(n.get("Actual Rows", 0) * n.get("Actual Loops", 1)) for n in steps if "Scan" in n["Node Type"])
        bad = [described(n) for n in steps if walks(n, small)]
        first = " ".join(statement.split())[:110]
        print(f"  {heading[0]:<28} {tree['Execution Time']:8.2f} ms  scans read {read:>9,} rows  "
              f"{'WALKS: ' + '; '.join(bad) if bad else 'no walk'}\n      {first}")
        if show and show in heading[0]:
            with conn.connection.driver_connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE) " + statement, parameters)
                print(statement, parameters, *(f"    {line}" for line, in cursor.fetchall()), sep="\n")

    event.listen(engine, "before_cursor_execute", explain)
    return lambda text: heading.__setitem__(0, text)


def queue_of(engine: Any, coder: str) -> None:
    """Every document assigned to the coder, in project order, the mark where the coder's work
    ends (as `assign` and coding would leave them); the table analysed, as autovacuum would."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO assignment (document_pk, coder_pk, position, overlap, created_at) "
                          "SELECT d.pk, c.pk, d.seq, false, now() FROM document d, coder c WHERE c.name = :coder"),
                     {"coder": coder})
        conn.execute(text("UPDATE coder SET finished_through_position = (SELECT seq FROM document "
                          "WHERE pk = coder.finished_through_pk) WHERE name = :coder"), {"coder": coder})
    with engine.begin() as conn:
        conn.execute(text("ANALYZE assignment"))


def run(url: str, show: str | None) -> None:
    from annotator.domain import coding as edits
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project
    from annotator.store import documents, suggestions

    engine = open_project(url)
    said = analysed(engine, show)
    for coder in ("new", "early", "deep"):
        session = CodingSession(engine, coder)
        said(f"{coder}: first unfinished")
        first = session.first_unfinished()
        said(f"{coder}: resume point")
        session.resume_point()
        doc = session.open(first)
        said(f"{coder}: d")
        session.apply(doc, "status", lambda a: edits.set_status(a, "done"))
        said(f"{coder}: next unfinished")
        nxt = session.next_pk(first, unfinished=True)
        said(f"{coder}: position, size")
        session.position(nxt)
        session.queue_size()
        said(f"{coder}: previous")
        session.previous_pk(nxt)
        said(f"{coder}: done today")
        session.done_today()
        session.close()
    queue_of(engine, "deep")
    session = CodingSession(engine, "deep")
    said("deep, assigned: first unfinished")
    first = session.first_unfinished()
    said("deep, assigned: next, previous")
    session.previous_pk(session.next_pk(first, unfinished=True))
    said("deep, assigned: position, size")
    session.position(first)
    session.queue_size()
    session.close()
    for order in ("random", "uncertain"):
        session = CodingSession(engine, "deep", order=order)
        said(f"deep, {order}: first unfinished")
        first = session.first_unfinished()
        said(f"deep, {order}: next, previous")
        session.previous_pk(session.next_pk(first, unfinished=True))
        session.close()
    with engine.connect() as conn:
        typed = "doc-123456"
        for i in range(1, len(typed) + 1):
            said(f"find {typed[:i]!r}")
            documents.find(conn, typed[:i])
        for words in ("report", "report 123456", "item doc 98765 "):
            said(f"find {words!r}")
            documents.find(conn, words)
        for model in ("bench", "new-model"):
            said(f"suggest {model}: count")
            suggestions.count_unsuggested(conn, model, "1")
            said(f"suggest {model}: first page")
            suggestions.texts_page(conn, 0, 256, (model, "1"))
            said(f"suggest {model}: unstarted")
            suggestions.texts_page(conn, 0, 256, (model, "1"), unstarted_only=True)
    for model in ("bench", "new-model"):
        with engine.begin() as conn:
            said(f"suggest {model}: claim")
            suggestions.claim_page(conn, 0, 256, model, "1", "plans", timedelta(minutes=1))
            said(f"suggest {model}: claim unstarted")
            suggestions.claim_page(conn, 0, 256, model, "1", "plans-2", timedelta(minutes=1), unstarted_only=True)
            conn.rollback()
        with engine.begin() as conn:
            said(f"suggest {model}: raise mark")
            suggestions.raise_progress(conn, model, "1")
            conn.rollback()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="postgresql or postgresql://USER@HOST:PORT/DBNAME (as scale_bench)")
    parser.add_argument("--keep", type=Path, help="with --db postgresql: the cluster's folder")
    parser.add_argument("--docs", type=int, default=1_000_000, help="when the project is still to build")
    parser.add_argument("--show", help="print the whole plans of the steps whose heading holds this")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    with projects_for(args, Path("/tmp")) as projects:
        if not projects.built_already():
            build(projects, args.docs)
        run(projects.working_copy(), args.show)
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
