"""`status`'s counts kept in step by triggers (the `tally` table): after every kind of write (a
coder's saves, an imported coder's work, suggestions, assignment with blind documents, gold derived
and adjudicated, SQL typed by hand) they equal what aggregating the rows themselves gives, and
`status` reads them by seeks alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from annotator.domain import coding as edits
from annotator.services.coding import CodingSession
from annotator.services.inspect import project_status
from annotator.services.project import open_project
from annotator.store import tally
from conftest import ServerDatabase, as_role, execute, rows, write_jsonl
from test_query_plans import _plan

# What the counts must be, aggregated from the rows with plain SQL (written apart from the store's).
TRUTH = {
    "annotations": "SELECT c.name, a.status, count(*) FROM annotation a JOIN coder c ON c.pk = a.coder_pk "
                   "GROUP BY c.name, a.status ORDER BY 1, 2",
    "suggested": "SELECT count(DISTINCT document_pk) FROM suggestion",
    "gold": "SELECT count(*), COALESCE(sum(disputed), 0) FROM gold",
    "how": "SELECT how, count(*) FROM (SELECT how FROM gold_span UNION ALL SELECT how FROM gold_stance) i "
           "GROUP BY how ORDER BY how",
    "decisions": "SELECT c.name, d.label, d.decision, count(*) FROM suggestion_decision d JOIN annotation a "
                 "ON a.pk = d.annotation_pk JOIN coder c ON c.pk = a.coder_pk GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    "stance_decisions": "SELECT c.name, d.label, d.decision, count(*) FROM stance_decision d JOIN annotation a "
                        "ON a.pk = d.annotation_pk JOIN coder c ON c.pk = a.coder_pk GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    "seconds": "SELECT c.name, d.blind, count(*), sum(a.seconds) FROM annotation a JOIN coder c ON c.pk = a.coder_pk "
               "JOIN document d ON d.pk = a.document_pk WHERE a.status = 'done' AND a.seconds > 0 "
               "GROUP BY 1, 2 ORDER BY 1, 2",
    "assigned": "SELECT c.name, count(*), sum(CASE WHEN s.overlap THEN 1 ELSE 0 END) FROM assignment s "
                "JOIN coder c ON c.pk = s.coder_pk GROUP BY 1 ORDER BY 1",
}


def _counted(db) -> dict:
    """The same figures as TRUTH, read the way `status` and `coder list` read them (the tally)."""
    engine = open_project(str(db) if not isinstance(db, ServerDatabase) else db.url)
    try:
        status = project_status(engine)
        from annotator.store import assignments, usage

        with engine.connect() as conn:
            coders = assignments.coders(conn)
            decided = usage.decisions(conn)
            seconds = usage.seconds(conn)
    finally:
        engine.dispose()
    return {
        "annotations": sorted((c, s, n) for c, by in status["annotations"].items() for s, n in by.items() if n),
        "suggested": [(status["suggested"],)],
        "gold": [(status["gold"], status["gold_items"]["disputed"])],
        "how": sorted((how, status["gold_items"][how]) for how in ("unanimous", "majority", "adjudicated")
                      if status["gold_items"][how]),
        "decisions": sorted((c, label, d, n) for kind, c, label, d, n in decided if kind == "entity"),
        "stance_decisions": sorted((c, label, d, n) for kind, c, label, d, n in decided if kind == "stance"),
        "seconds": sorted((c, blind, n, pytest.approx(s)) for c, blind, n, s in seconds),
        "assigned": sorted((r.name, r.assigned, r.overlap) for r in coders if r.assigned),
    }


def _truth(db) -> dict:
    found = {name: [tuple(r) for r in rows(db, sql)] for name, sql in TRUTH.items()}
    found["gold"] = [(int(n), int(d)) for n, d in found["gold"]]
    found["seconds"] = [(c, bool(b), n, float(s)) for c, b, n, s in found["seconds"]]
    found["assigned"] = [(c, n, int(o)) for c, n, o in found["assigned"]]
    return found


def _tally_rows(db) -> list[tuple]:
    return [tuple(r) for r in rows(db, "SELECT kind, coder_pk, key, label, n, total FROM tally "
                                       "WHERE n <> 0 OR total <> 0 ORDER BY 1, 2, 3, 4")]


def _code(db, coder: str, decide, act_as) -> None:
    """`coder` (on PostgreSQL, their own database role) opens documents in turn and does
    `decide(session, document, i)` to each."""
    act_as(coder)
    engine = open_project(as_role(db, coder) if isinstance(db, ServerDatabase) else str(db))
    clock = [0.0]
    session = CodingSession(engine, coder, clock=lambda: clock[0])
    pk = session.first_unfinished()
    for i in range(4):
        doc = session.open(pk)
        clock[0] += 10.0 * (i + 1)
        decide(session, doc, i)
        session.leave(session.load(doc.pk))
        pk = session.next_pk(pk)
    engine.dispose()


def _alice(session, doc, i):
    spans = doc.suggestion.spans
    session.apply(doc, "span.accept", lambda a: edits.accept(a, spans[0]))
    session.apply(doc, "span.reject", lambda a: edits.reject(a, spans[1]))
    target = doc.suggestion.stances[0]
    session.apply(doc, "stance.accept", lambda a: edits.accept_stance(a, target))
    session.apply(doc, "status", lambda a: edits.set_status(a, "skipped" if i == 3 else "done"))


def _bob(session, doc, i):
    session.apply(doc, "span.accept", lambda a: edits.accept(a, doc.suggestion.spans[0]))
    session.apply(doc, "status", lambda a: edits.set_status(a, "done"))
    if i == 1:  # taken back to draft: the done count, its time and its quarter hour give it back
        session.apply(doc, "status", lambda a: edits.set_status(a, "draft"))


def test_every_kind_of_write_keeps_the_counts_what_the_rows_say(cli, seeded, act_as, tmp_path):
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    act_as("lee")
    for name in ("alice", "bob"):
        assert cli("coder", "add", name).code == 0
    assert _counted(seeded) == _truth(seeded)  # suggestions only: the upgrade's first count
    assert cli("assign", "--coders", "alice,bob", "--per-doc", "2", "--blind", "0.2").code == 0
    _code(seeded, "alice", _alice, act_as)
    _code(seeded, "bob", _bob, act_as)
    act_as("lee")
    # an imported coder's work, with and without time
    texts = rows(seeded, "SELECT id, text FROM document ORDER BY blind DESC, pk LIMIT 3")  # blind ones first
    work = [{"id": doc_id, "text": text, "coder": "carol", "status": "done", "seconds": 12.5 * i,
             "stances": [{"target": "Russia", "label": "AGAINST"}]} for i, (doc_id, text) in enumerate(texts)]
    assert cli("import", str(write_jsonl(tmp_path / "carol.jsonl", work)), "--create-coders").code == 0
    assert cli("gold").code == 0
    assert cli("assign", "--coders", "alice,bob,carol", "--per-doc", "1", "--blind", "0.5").code == 0  # blind moves
    truth = _truth(seeded)
    assert all(truth.values()), truth  # every count has something in it
    assert {blind for _, blind, *_ in truth["seconds"]} == {True, False}
    assert _counted(seeded) == truth
    # SQL typed by hand, as the owner: gold taken away (its items go with it), a suggestion removed
    gone = rows(seeded, "SELECT min(annotation_pk) FROM suggestion_decision")[0][0]
    doc = rows(seeded, "SELECT min(a.document_pk) FROM annotation a JOIN stance_decision d ON d.annotation_pk = a.pk "
                       "WHERE a.status = 'done' AND a.pk <> ?", gone)[0][0]
    cascades = [] if isinstance(seeded, ServerDatabase) else ["PRAGMA foreign_keys = ON"]  # as the tool opens it
    execute(seeded, *cascades, "DELETE FROM gold WHERE pk = (SELECT min(pk) FROM gold)",
            "DELETE FROM suggestion WHERE pk = (SELECT min(pk) FROM suggestion)",
            # an annotation with decisions, and a document with done work, taken away whole (their
            # audit trail first): their children's counts are taken back from the coder and the
            # blind flag they counted for, though a cascade runs after the parent is gone
            ("DELETE FROM event WHERE annotation_pk = ? OR document_pk = ? OR annotation_pk IN "
             "(SELECT pk FROM annotation WHERE document_pk = ?)", gone, doc, doc),
            ("DELETE FROM annotation WHERE pk = ?", gone), ("DELETE FROM document WHERE pk = ?", doc),
            # a worked document turned blind and another back: their done time moves with them
            "UPDATE document SET blind = NOT blind WHERE pk IN (SELECT min(document_pk) FROM annotation "
            "WHERE status = 'done' AND seconds > 0 UNION SELECT max(document_pk) FROM annotation WHERE status = 'done')")
    assert _counted(seeded) == _truth(seeded)
    counted = _tally_rows(seeded)
    engine = open_project(str(seeded) if not isinstance(seeded, ServerDatabase) else seeded.url)
    with engine.begin() as conn:  # the migration's first count, from the rows, agrees with the triggers'
        tally.recount(conn)
    engine.dispose()
    assert _tally_rows(seeded) == counted


def test_done_today_counts_whole_quarter_hours_from_any_midnight(project, cli, tmp_path):
    assert tally.quarter_of(datetime(2026, 12, 6, 16, 59, 59, tzinfo=UTC)) == "2026-12-06 16:45"
    nepal = timezone(timedelta(hours=5, minutes=45))  # its midnight is 18:15 UTC the day before
    assert tally.quarter_of(datetime(2026, 12, 7, 0, 0, tzinfo=nepal)) == "2026-12-06 18:15"
    docs = [{"id": f"d{i}", "text": f"Report {i} from Kyiv."} for i in range(3)]
    assert cli("import", str(write_jsonl(tmp_path / "d.jsonl", docs))).code == 0
    engine = open_project(str(project) if not isinstance(project, ServerDatabase) else project.url)
    session = CodingSession(engine, "alice")
    for pk in (session.first_unfinished(),):
        doc = session.open(pk)
        session.apply(doc, "status", lambda a: edits.set_status(a, "done"))
    with engine.connect() as conn:
        coder = conn.exec_driver_sql("SELECT pk FROM coder WHERE name = 'alice'").scalar()
        now = datetime.now(UTC)
        assert tally.done_since(conn, coder, now - timedelta(hours=1)) == 1
        assert tally.done_since(conn, coder, now + timedelta(minutes=30)) == 0
    engine.dispose()
    # the same document done again later moves to its new quarter hour, not counted twice
    execute(project, "UPDATE annotation SET updated_at = updated_at - interval '1 day'" if isinstance(project, ServerDatabase)
            else "UPDATE annotation SET updated_at = datetime(updated_at, '-1 day')")
    engine = open_project(str(project) if not isinstance(project, ServerDatabase) else project.url)
    with engine.connect() as conn:
        assert tally.done_since(conn, coder, datetime.now(UTC) - timedelta(hours=1)) == 0
        assert tally.done_since(conn, coder, datetime.now(UTC) - timedelta(days=2)) == 1
    engine.dispose()


def test_status_reads_its_counts_by_seeks(cli, seeded):
    """At a million documents `status` costs what it costs at ten: each statement's plan reads
    tally by its key (and the coder and lead-made adjudication tables, as small as the team)."""
    from sqlalchemy import event

    engine = open_project(str(seeded) if not isinstance(seeded, ServerDatabase) else seeded.url)
    seen: list[tuple[str, list[str]]] = []

    def explain(conn, _cursor, statement, parameters, *_):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, _plan(conn, statement, parameters)))

    event.listen(engine, "before_cursor_execute", explain)
    status = project_status(engine)
    engine.dispose()
    assert status["suggested"] > 0 and seen
    small = {"coder", "gold_adjudication"}  # tables the size of the team and of a lead's own decisions
    for statement, plan in seen:
        walks = [step for step, walks in plan if walks and not set(step.split()) & small]
        assert not walks, f"{statement}\n{plan}"
    assert any("tally" in statement for statement, _ in seen)


def test_a_coders_role_may_not_write_counts_but_its_saves_move_them(cli, seeded, act_as, postgres_only):
    import psycopg
    from psycopg import errors

    assert cli("coder", "add", "alice").code == 0
    _code(seeded, "alice", _alice, act_as)  # as alice's own database role
    assert _counted(seeded) == _truth(seeded)
    with psycopg.connect(as_role(seeded, "alice").replace("+psycopg", "")) as alice, \
            pytest.raises(errors.InsufficientPrivilege):
        alice.execute("UPDATE tally SET n = n + 100 WHERE kind = 'annotations'")
    status = json.loads(cli("status", "--json").out)
    assert status["annotations"]["alice"]["done"] == 3 and status["annotations"]["alice"]["skipped"] == 1


def test_every_counted_table_has_its_triggers_after_the_last_migration(project):
    """A later migration that rebuilds a table (SQLite's batch mode copies it) drops its triggers:
    the counts would stop following without a word. Every table counted keeps its own."""
    from annotator.store.tally_triggers import trigger_names

    dialect = "postgresql" if isinstance(project, ServerDatabase) else "sqlite"
    if dialect == "sqlite":
        found = rows(project, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally%' ORDER BY name")
    else:
        found = rows(project, "SELECT DISTINCT tgname FROM pg_trigger WHERE tgname LIKE 'tally%' ORDER BY tgname")
    assert [name for name, in found] == trigger_names(dialect)
    # seven tables counted on every write, suggestions never updated, documents on their blind
    # flag, and the two whose children go first
    assert len(found) == 3 * 7 + 2 + 1 + 2


def test_the_roles_made_before_the_counts_read_them_after_the_upgrade(cli, seeded, act_as, postgres_only):
    """Table rights are granted table by table: a role made before the tally existed has none on it
    until the upgrade that makes it grants them again."""
    import psycopg

    from annotator.store.engine import make_engine
    from annotator.store.migrate import downgrade, upgrade

    assert cli("coder", "add", "alice").code == 0
    act_as("alice")  # her role, granted what a coder has today
    engine = make_engine(seeded.url)
    downgrade(engine, "0018")  # the tally and her right to read it go; her role stays
    upgrade(engine)
    engine.dispose()
    with psycopg.connect(as_role(seeded, "alice").replace("+psycopg", "")) as alice:
        assert alice.execute("SELECT count(*) FROM tally").fetchone()[0] > 0


def test_two_runs_suggesting_one_document_at_once_count_it_once(seeded, postgres_only):
    """A run's statement takes its rows' keys as it inserts them and counts them at its end: a
    second run that adds the same document's first suggestion meanwhile, and commits first, must
    not make it counted twice."""
    import threading

    import psycopg

    url = seeded.url.replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute("DELETE FROM suggestion WHERE document_pk IN (SELECT pk FROM document ORDER BY pk LIMIT 2)")
        first, second = [pk for pk, in owner.execute("SELECT pk FROM document ORDER BY pk LIMIT 2")]
    row = "(%s, %s, '1', '[]', '[]', now())"
    started = threading.Event()

    def slow_run() -> None:  # the first document's row goes in, then a second's, a second later
        with psycopg.connect(url) as run:
            started.set()
            run.execute("INSERT INTO suggestion (document_pk, model, version, spans, stances, created_at) "
                        "SELECT d, 'slow', '1', '[]', '[]', now() FROM (VALUES (%s, 0), (%s, 1)) v(d, i) "
                        "WHERE i = 0 OR pg_sleep(1) IS NOT NULL", (first, second))
            run.commit()

    thread = threading.Thread(target=slow_run)
    thread.start()
    started.wait()
    import time

    time.sleep(0.3)  # the slow run's first row is in, uncommitted, its count not yet taken
    with psycopg.connect(url) as quick:
        quick.execute(f"INSERT INTO suggestion (document_pk, model, version, spans, stances, created_at) "
                      f"VALUES {row}", (first, "quick"))
        quick.commit()
    thread.join()
    assert _counted(seeded)["suggested"] == _truth(seeded)["suggested"]
