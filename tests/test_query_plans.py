"""The queue, find and suggest read by index seeks, never by scanning the project: each query's plan,
read back (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (FORMAT JSON) tree), is checked, so a
change that brings back a walk fails here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from conftest import write_jsonl

from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.store import documents, suggestions


def _sqlite_walks(line: str) -> bool:
    """A line of EXPLAIN QUERY PLAN that walks a whole table (a virtual table's own index is its
    business) or sorts rows no index gives in order."""
    return (line.startswith("SCAN ") and "VIRTUAL TABLE" not in line and line != "SCAN CONSTANT ROW") or "TEMP B-TREE" in line


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _postgresql_walks(node: dict[str, Any]) -> bool:
    """A node of PostgreSQL's plan that walks a whole table or sorts; ranking find's matches (at
    most documents.RANKED) by ts_rank is the one sort allowed. An index read with no condition is
    a walk too (SQLite's SCAN ... USING INDEX): with sequential scans priced out, the planner reads
    a whole table through an index instead."""
    if node["Node Type"] == "Seq Scan":
        return True
    if node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Index Scan"):
        return "Index Cond" not in node
    if node["Node Type"] in ("Sort", "Incremental Sort"):
        return not any("ts_rank(" in key for key in node.get("Sort Key", ()))
    return False


def _described(node: dict[str, Any]) -> str:
    return " ".join(str(node[k]) for k in ("Node Type", "Relation Name", "Index Name", "Index Cond", "Sort Key")
                    if k in node)


def _plan(conn, statement: str, parameters) -> list[tuple[str, bool]]:
    """The statement's plan as (step, whether it walks): SQLite's EXPLAIN QUERY PLAN lines, or the
    nodes of PostgreSQL's plan tree, read with sequential scans and sorts priced out (on a small
    table they are cheapest: only a query no index can serve keeps one then)."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        return [(line, _sqlite_walks(line)) for *_, line in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
    with raw.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        (found,), = cursor.fetchall()
    tree = json.loads(found) if isinstance(found, str) else found
    return [(_described(node), _postgresql_walks(node)) for node in _nodes(tree[0]["Plan"])]


@pytest.fixture
def plans(cli, project, tmp_path):
    """A project of 300 documents, two coders (one assigned), and a recorder of query plans."""
    docs = [{"id": f"doc-{i}", "title": f"Title {i}", "text": f"Report number {i} about Kyiv and Moscow."}
            for i in range(300)]
    assert cli("import", str(write_jsonl(tmp_path / "docs.jsonl", docs))).code == 0
    assert cli("coder", "add", "bob").code == 0 and cli("assign", "--coders", "bob").code == 0
    engine = open_project(str(project))
    seen: list[tuple[str, list[str]]] = []

    def explain(conn, _cursor, statement, parameters, *_):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, _plan(conn, statement, parameters)))

    event.listen(engine, "before_cursor_execute", explain)
    yield engine, seen
    event.remove(engine, "before_cursor_execute", explain)


def _check(seen):
    assert seen, "no query was recorded"
    for statement, plan in seen:
        assert not any(walks for _, walks in plan), f"{statement}\n{plan}"


def _one_done(engine, coder: str, order: str) -> tuple[CodingSession, int]:
    """The coder's session, with the first document of the queue done; returns it and that document."""
    from annotator.domain import coding as edits

    session = CodingSession(engine, coder, order=order)
    first = session.first_unfinished()
    session.apply(session.open(first), "status", lambda a: edits.set_status(a, "done"))  # raises the mark
    return session, first


@pytest.mark.parametrize("coder", ["alice", "bob"])  # no assignment: import order; bob: his queue
def test_the_queue_is_seeks_at_any_position(plans, coder):
    engine, seen = plans
    session, first = _one_done(engine, coder, "sequential")
    seen.clear()
    nxt = session.next_pk(first, unfinished=True)
    assert nxt is not None and nxt != first
    session.position(nxt)
    session.queue_size()
    session.previous_pk(nxt)
    assert session.first_unfinished() == nxt
    session.done_today()
    session.resume_point()
    _check(seen)


@pytest.mark.parametrize("order", ["random", "uncertain"])
@pytest.mark.parametrize("coder", ["alice", "bob"])
def test_the_other_orders_step_from_the_document_by_seeks(plans, coder, order):
    """`code --order random|uncertain`: next and previous are a range seek on the order's key from
    the document at hand. Where to start is not checked here: these orders keep no finished-through
    mark, so the first unfinished document is found by reading the order from its start."""
    engine, seen = plans
    session, first = _one_done(engine, coder, order)
    seen.clear()
    nxt = session.next_pk(first, unfinished=True)
    assert nxt is not None and nxt != first
    assert session.position(first) == 1
    assert session.position_from(first, 1, nxt) == 2  # what `d` shows: a count over the gap
    session.position(nxt)
    session.queue_size()
    assert session.previous_pk(nxt) == first
    session.done_today()
    _check(seen)
    assert session.first_unfinished() == nxt


@pytest.mark.parametrize("coder", ["alice", "bob"])
def test_d_asks_of_each_document_it_passes_only_an_index_of_finished_annotations(plans, coder, postgres_only):
    """`d` deep in a random order passes about a thousand finished documents; reading each one's
    status from the table's row cost 0.04-0.13 ms uncached at a million (migration 0021)."""
    from annotator.domain import coding as edits

    engine, seen = plans
    session = CodingSession(engine, coder, order="random")
    first = session.first_unfinished()
    passed = [session.next_pk(first)]
    passed.append(session.next_pk(passed[0]))
    for pk in (first, *passed):
        session.apply(session.open(pk), "status", lambda a: edits.set_status(a, "done"))
    seen.clear()
    assert session.next_pk(first, unfinished=True) == session.next_pk(passed[1])
    finished_reads = [step for _, plan in seen for step, _ in plan if "annotation" in step.split()[:5]]
    assert finished_reads and all(step.startswith("Index Only Scan annotation ix_annotation_finished")
                                  for step in finished_reads), finished_reads


def test_find_uses_the_full_text_index(plans, monkeypatch):
    engine, seen = plans
    with engine.connect() as conn:
        seen.clear()
        found = documents.find(conn, "doc-29")
        assert found[0][1] == "doc-29"
        assert len(documents.find(conn, "doc-2")) == 20  # one character of the last word: an index of its own
        monkeypatch.setattr(documents, "RANKED", 50)  # a word in more documents than are ranked: queue order
        assert [d for _, d, _ in documents.find(conn, "kyiv")] == [f"doc-{i}" for i in range(20)]
    _check(seen)
    assert any("document_fts VIRTUAL TABLE" in step or "ix_document_search" in step for _, plan in seen for step, _ in plan)


def test_suggest_starts_past_its_progress_mark(plans):
    from datetime import timedelta

    from annotator.domain.suggestions import Suggestion

    engine, seen = plans
    with engine.begin() as conn:
        suggestions.save(conn, [(pk, Suggestion("m", "1")) for pk in range(1, 201)], replace=False)
        assert suggestions.raise_progress(conn, "m", "1") == 200
        seen.clear()
        assert suggestions.count_unsuggested(conn, "m", "1") == 100
        assert suggestions.count_unsuggested(conn, "m", "2") == 300  # a version not started: every document
        page = suggestions.texts_page(conn, 0, 10, ("m", "1"))
    assert page[0][0] == 201
    with engine.begin() as conn:  # `suggest` itself: a page claimed for this run, the unstarted only too
        claimed = suggestions.claim_page(conn, 0, 10, "m", "1", "run-1", timedelta(minutes=5))
        assert [pk for pk, *_ in claimed] == list(range(201, 211))
        claimed = suggestions.claim_page(conn, 0, 10, "m", "1", "run-2", timedelta(minutes=5), unstarted_only=True)
        assert [pk for pk, *_ in claimed] == list(range(211, 221))
    _check(seen)


def test_the_finished_through_mark_follows_done_and_back_to_draft(plans):
    from annotator.domain import coding as edits
    from annotator.store import progress

    engine, _ = plans
    session = CodingSession(engine, "alice")
    for pk in range(1, 6):
        session.apply(session.open(pk), "status", lambda a: edits.set_status(a, "done"))
    session.apply(session.open(8), "status", lambda a: edits.set_status(a, "done"))  # ahead: the mark waits
    with engine.connect() as conn:
        assert progress.marks(conn, session.coder_pk)[0] == 5
    assert session.first_unfinished() == 6 and session.next_pk(2, unfinished=True) == 6
    session.apply(session.open(3), "status", lambda a: edits.set_status(a, "draft"))  # taken back
    with engine.connect() as conn:
        assert progress.marks(conn, session.coder_pk)[0] == 2
    assert session.first_unfinished() == 3 and session.next_pk(3, unfinished=True) == 6
    for pk in (3, 6, 7):
        session.apply(session.open(pk), "status", lambda a: edits.set_status(a, "done"))
    with engine.connect() as conn:
        assert progress.marks(conn, session.coder_pk)[0] == 8  # 1-8 all finished now
    assert session.first_unfinished() == 9


def test_find_matches_words_of_the_text_by_prefix_ranked_and_takes_any_typing(plans, cli, tmp_path):
    engine, _ = plans
    extra = [{"id": "zz-kyiv", "title": "Kyiv, Kyiv and Kyiv", "text": "Kyiv Kyiv Kyiv, said the mayor of Kyiv."},
             {"id": "zz-twos", "title": "22, 23", "text": "Kyiv number 24, 25, 26, 27 and 28."}]
    assert cli("import", str(write_jsonl(tmp_path / "more.jsonl", extra))).code == 0
    with engine.connect() as conn:
        assert documents.find(conn, "kyi")[0][1] == "zz-kyiv"  # a prefix; the densest match first
        # every word, in any field; the last one, still being typed, as a prefix
        assert {d for _, d, _ in documents.find(conn, "number 29 kyiv")} == {"doc-29"}
        assert {d for _, d, _ in documents.find(conn, "kyiv number 29")} == {"doc-29", *(f"doc-29{i}" for i in range(10))}
        assert {d for _, d, _ in documents.find(conn, "kyiv number 29 ")} == {"doc-29"}  # a space ends the word
        # one character of the last word: any word starting with it, ranked as the rest
        twos = {"zz-twos", "doc-2", *(f"doc-2{i}" for i in range(10)), *(f"doc-2{i:02}" for i in range(100))}
        assert documents.find(conn, "2")[0][1] == "zz-twos"  # the densest match first here too
        assert {d for _, d, _ in documents.find(conn, "kyiv number 2", limit=300)} == twos
        assert {d for _, d, _ in documents.find(conn, "Number 2", limit=300)} == twos
        assert {d for _, d, _ in documents.find(conn, "2", limit=300)} == twos  # in id, title and text
        assert {d for _, d, _ in documents.find(conn, "kyiv number 2 ", limit=300)} == {"doc-2"}
        assert {d for _, d, _ in documents.find(conn, "z", limit=300)} == {"zz-kyiv", "zz-twos"}
        assert documents.find(conn, "²") == []  # not a word to PostgreSQL's parser, nor to FTS5's
        for typed in ('"', "*", "AND (", "doc-1 OR", "NEAR(", "'; DROP TABLE document; --", "   "):
            documents.find(conn, typed)  # FTS syntax typed means nothing: no error
        assert documents.find(conn, "") == [] and documents.find(conn, "zzzz") == []


def test_a_character_the_servers_parser_drops_is_dropped_as_before(pg_cluster, postgres_only, tmp_path):
    """Python calls '²' a letter; PostgreSQL under a UTF-8 locale does not index it. As the last word
    typed it asks for nothing more (as to_tsquery dropped it), not for a term no text holds."""
    import uuid

    import psycopg

    from annotator.services.importer import import_paths
    from annotator.services.project import init_project

    name = f"t_{uuid.uuid4().hex[:16]}"
    try:
        pg_cluster._admin(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE 'C.utf8' ENCODING 'UTF8'")
    except psycopg.Error as exc:
        pytest.skip(f"no C.utf8 locale on this server: {exc}")
    try:
        init_project(pg_cluster.url(name))
        engine = open_project(pg_cluster.url(name))
        docs = [{"id": "doc-1", "text": "Kyiv x² and 2."}, {"id": "doc-2", "text": "Kyiv again."}]
        import_paths(engine, [write_jsonl(tmp_path / "docs.jsonl", docs)])
        with engine.connect() as conn:
            assert {d for _, d, _ in documents.find(conn, "kyiv ²")} == {"doc-1", "doc-2"}
            assert documents.find(conn, "²") == []
            assert {d for _, d, _ in documents.find(conn, "kyiv a")} == {"doc-1", "doc-2"}  # and, again
        engine.dispose()
    finally:
        pg_cluster.drop(name)


def test_a_word_in_most_documents_filters_but_does_not_rank(plans, cli, tmp_path, monkeypatch, sqlite_only):
    """BM25 reads every document holding a term to weigh it: a word in more than RANKED documents
    (here 50, so every word of the 300 is one) is required but left out of the ranking, which the
    rarer words decide; its plan is still no walk. An id typed whole comes first."""
    engine, seen = plans
    monkeypatch.setattr(documents, "RANKED", 50)
    extra = [{"id": "zz-29", "title": "29 and 29", "text": "Kyiv number 29, 29 and 29 again, said Kyiv."},
             {"id": "zz-elsewhere", "title": "Elsewhere", "text": "Number 29 29 29 29 29 in Moscow."}]
    assert cli("import", str(write_jsonl(tmp_path / "more.jsonl", extra))).code == 0
    ranked_by = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, parameters, *_:
                 "ORDER BY rank" in statement and ranked_by.append(parameters[0]))
    with engine.connect() as conn:
        seen.clear()
        found = [d for _, d, _ in documents.find(conn, "kyiv number 29")]
        assert ranked_by == ['"29"*']  # the common words are not read to weigh them
        assert found[0] == "zz-29"  # the densest in the rare word first
        assert set(found) == {"zz-29", "doc-29", *(f"doc-29{i}" for i in range(10))}  # kyiv still required
        assert [d for _, d, _ in documents.find(conn, "doc-290")][0] == "doc-290"
        assert [d for _, d, _ in documents.find(conn, "kyiv report")] == [f"doc-{i}" for i in range(20)]  # queue order
    _check(seen)


def test_the_plan_check_sees_a_walk_and_a_sort(plans):
    """The check itself: a read no index serves, and an order no index gives, are caught on each
    database (a reader that saw no step at all would pass every query above)."""
    engine, seen = plans
    with engine.connect() as conn:
        seen.clear()
        conn.exec_driver_sql("SELECT pk FROM document WHERE title = id").all()
        conn.exec_driver_sql("SELECT pk FROM document WHERE pk > 10 ORDER BY title LIMIT 5").all()
    (_, walk), (_, sort) = seen
    assert [step for step, walks in walk if walks] and [step for step, walks in sort if walks], seen
    assert any("Sort" in step or "TEMP B-TREE" in step for step, walks in sort if walks)
