"""The queue, find and suggest read by index seeks, never by scanning the project: each query's plan,
read back with EXPLAIN QUERY PLAN, is checked, so a change that brings back a walk fails here."""

from __future__ import annotations


import pytest
from sqlalchemy import event

from conftest import write_jsonl

from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.store import documents, suggestions

# A plan line that means a walk over a whole table (a virtual table's own index is its business).
def _walks(plan: str, next_line: str = "") -> bool:
    node = plan.lstrip(" ->")
    if node.startswith("Seq Scan"):  # PostgreSQL's EXPLAIN
        return True
    if node.startswith("Sort  ("):  # ranking find's matches (at most 500) is the one sort allowed
        return "ts_rank(" not in next_line
    return (plan.startswith("SCAN ") and "VIRTUAL TABLE" not in plan) or "TEMP B-TREE" in plan


def _plan(conn, statement: str, parameters) -> list[str]:
    """The statement's plan as lines: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with
    sequential scans and sorts priced out (on a small table they are cheapest: only a query no
    index can serve keeps one then)."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite":
        return [r[-1] for r in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
    with raw.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        return [r[0] for r in cursor.fetchall()]


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
        assert not any(_walks(line, following) for line, following in zip(plan, [*plan[1:], ""])), f"{statement}\n{plan}"


@pytest.mark.parametrize("coder", ["alice", "bob"])  # no assignment: import order; bob: his queue
def test_the_queue_is_seeks_at_any_position(plans, coder):
    engine, seen = plans
    session = CodingSession(engine, coder)
    first = session.first_unfinished()
    doc = session.open(first)
    from annotator.domain import coding as edits

    session.apply(doc, "status", lambda a: edits.set_status(a, "done"))  # raises the finished-through mark
    seen.clear()
    nxt = session.next_pk(first, unfinished=True)
    session.position(nxt)
    session.queue_size()
    session.previous_pk(nxt)
    session.first_unfinished()
    session.done_today()
    session.resume_point()
    _check(seen)


def test_find_uses_the_full_text_index(plans):
    engine, seen = plans
    with engine.connect() as conn:
        seen.clear()
        found = documents.find(conn, "doc-29")
    assert found[0][1] == "doc-29"
    _check(seen)
    assert any("document_fts VIRTUAL TABLE" in line or "ix_document_search" in line for _, plan in seen for line in plan)


def test_suggest_starts_past_its_progress_mark(plans):
    engine, seen = plans
    with engine.begin() as conn:
        from annotator.domain.suggestions import Suggestion

        suggestions.save(conn, [(pk, Suggestion("m", "1")) for pk in range(1, 201)], replace=False)
        assert suggestions.raise_progress(conn, "m", "1") == 200
        seen.clear()
        assert suggestions.count_unsuggested(conn, "m", "1") == 100
        page = suggestions.texts_page(conn, 0, 10, ("m", "1"))
    assert page[0][0] == 201
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
    extra = [{"id": "zz-kyiv", "title": "Kyiv, Kyiv and Kyiv", "text": "Kyiv Kyiv Kyiv, said the mayor of Kyiv."}]
    assert cli("import", str(write_jsonl(tmp_path / "more.jsonl", extra))).code == 0
    with engine.connect() as conn:
        assert documents.find(conn, "kyi")[0][1] == "zz-kyiv"  # a prefix; the densest match first
        # every word, in any field; the last one, still being typed, as a prefix
        assert {d for _, d, _ in documents.find(conn, "number 29 kyiv")} == {"doc-29"}
        assert {d for _, d, _ in documents.find(conn, "kyiv number 29")} == {"doc-29", *(f"doc-29{i}" for i in range(10))}
        assert {d for _, d, _ in documents.find(conn, "kyiv number 29 ")} == {"doc-29"}  # a space ends the word
        for typed in ('"', "*", "AND (", "doc-1 OR", "NEAR(", "'; DROP TABLE document; --", "   "):
            documents.find(conn, typed)  # FTS syntax typed means nothing: no error
        assert documents.find(conn, "") == [] and documents.find(conn, "zzzz") == []


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
