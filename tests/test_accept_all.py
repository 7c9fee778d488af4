"""Accept all on a document with thousands of suggestions: one bulk write and one undo step, stored
in a worker while the screen goes on answering keys (10,960 suggestions once froze it for a minute)."""

from __future__ import annotations

import sqlite3

from conftest import ServerDatabase, rows, write_jsonl

from annotator.domain import coding as edits
from annotator.domain.suggestions import SuggestedSpan, Suggestion
from annotator.services.coding import CodingSession
from annotator.services.inspect import show_document
from annotator.services.project import open_project
from annotator.store import annotations, documents, suggestions
from annotator.tui.app import CodingApp
from annotator.services.coding_controller import BULK_ROWS

LABELS = ("PERSON", "ORG", "GPE")


def document_with_suggestions(db, cli, tmp_path, count: int) -> int:
    """A document of `count` words, each suggested as an entity (as a model in use would store them)."""
    text = " ".join(f"Name{i}" for i in range(count))
    assert cli("import", str(write_jsonl(tmp_path / "many.jsonl", [{"id": "many", "text": text}]))).code == 0
    spans, at = [], 0
    for i in range(count):
        end = text.index(" ", at) if i < count - 1 else len(text)
        spans.append(SuggestedSpan(at, end, LABELS[i % 3]))
        at = end + 1
    engine = open_project(str(db))
    with engine.begin() as conn:
        pk = documents.by_id(conn, "many").pk
        suggestions.save(conn, [(pk, Suggestion("bulk", "1", tuple(spans)))], replace=True)
    engine.dispose()
    return pk


def stored_spans(db) -> list[tuple]:
    found = [a for a in show_document(open_project(str(db)), "many")["annotations"] if a["coder"] == "alice"]
    return [(s["start"], s["end"], s["label"], s["origin"]) for s in found[0]["spans"]] if found else []


def events(db) -> list[str]:
    return [kind for kind, in rows(db, "SELECT kind FROM event WHERE kind LIKE '%accept all' ORDER BY pk")]


def hold_writes(db):
    """Another connection holding the annotation table against writes: the store waits behind it, as
    behind another coder's import. Returns what lets it go."""
    if isinstance(db, ServerDatabase):
        import psycopg

        conn = psycopg.connect(db.url.replace("+psycopg", ""))
        conn.execute("LOCK TABLE annotation IN EXCLUSIVE MODE")  # reads go on; writes wait
    else:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    return lambda: (conn.rollback(), conn.close())


def test_the_bulk_write_stores_every_span_in_one_transaction_telling_its_progress(project, cli, tmp_path):
    """The service's write of accept all on 12,000 suggestions: 24,000 rows in batches, each batch
    reported, one event; one undo takes every span back, as one event too."""
    pk = document_with_suggestions(project, cli, tmp_path, 12_000)
    session = CodingSession(open_project(str(project)), "alice", clock=lambda: 0.0)
    doc = session.open(pk)
    told: list[tuple[int, int]] = []
    assert session.apply(doc, "accept all", lambda a: edits.accept_all(a, doc.suggestion),
                         on_progress=lambda written, total: told.append((written, total)))
    # 12,000 span rows then 12,000 decision rows, in batches of 10,000
    assert told == [(10_000, 24_000), (12_000, 24_000), (22_000, 24_000), (24_000, 24_000)]
    assert len(stored_spans(project)) == 12_000 and events(project) == ["accept all"]
    with session.engine.connect() as conn:
        assert annotations.of_coder(conn, pk, session.coder_pk) == doc.annotation  # the database is the session's
    session.undo()
    assert stored_spans(project) == [] and events(project) == ["accept all", "undo accept all"]
    assert rows(project, "SELECT count(*) FROM suggestion_decision")[0][0] == 0
    session.close()


async def test_A_on_thousands_stores_them_all_from_a_worker_and_one_ctrl_z_takes_them_back(project, cli, tmp_path):
    """While the store waits (another writer holds the table), the screen answers: a moving key
    moves, a key that would change the document says how far accept all is and changes nothing.
    Then every suggestion is stored, the screen shows what the database holds, and one ctrl+z
    takes them all back."""
    count = 3_000
    assert count >= BULK_ROWS  # the worker's path
    document_with_suggestions(project, cli, tmp_path, count)
    app = CodingApp(CodingSession(open_project(str(project)), "alice", clock=lambda: 0.0))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        release = hold_writes(project)
        try:
            await pilot.press("A")
            assert screen._storing is not None
            cursor = screen.article.cursor
            await pilot.press("right", "x", "d", "ctrl+q")
            assert screen.article.cursor == cursor + 1  # moving works meanwhile
            done = next(c for c in app.get_system_commands(screen) if c.title == "done (d)")
            assert done.callback() is None  # the palette's way in is held too
            for _ in range(100):  # the held keys' notice, however busy the machine
                await pilot.pause(0.02)
                if app._notifications:
                    break
            assert app.screen is screen and app.is_running  # ctrl+q waits for the store as well
            assert [n.message for n in app._notifications][-1].startswith("Accepting… 0/3,000")
            assert screen.doc.annotation.spans == () and screen.doc.annotation.status == "draft"
        finally:
            release()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen._storing is None and len(screen.doc.annotation.spans) == count
        assert [n.message for n in app._notifications] == ["Accepted 3,000 suggestions: ctrl+z takes them all back."]
        assert stored_spans(project) == [(s.start, s.end, s.label, s.origin) for s in screen.doc.annotation.spans]
        assert all(origin == "accepted" for *_, origin in stored_spans(project))
        assert screen.entities.coded == count and screen.entities.undecided == ()
        await pilot.press("ctrl+z")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.doc.annotation.spans == () and len(screen.entities.undecided) == count
        assert stored_spans(project) == []
        assert events(project) == ["accept all", "undo accept all"]
        await pilot.press("ctrl+y")  # and redone, from the worker too
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert len(stored_spans(project)) == count
    assert events(project) == ["accept all", "undo accept all", "redo accept all"]


async def test_A_not_stored_in_the_worker_changes_nothing_and_says_so(project, cli, tmp_path, monkeypatch, sqlite_only):
    """The database stays locked past the save's patience: nothing of accept all is stored (one
    transaction), the screen keeps what is stored, says so, and takes keys again; A again stores it."""
    import annotator.services.coding as coding_module
    import annotator.store.engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(coding_module, "SAVE_PATIENCE", 0.5)
    document_with_suggestions(project, cli, tmp_path, 2_500)
    app = CodingApp(CodingSession(open_project(str(project)), "alice", clock=lambda: 0.0))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        release = hold_writes(project)
        await pilot.press("A")
        await app.workers.wait_for_complete()
        await pilot.pause()
        release()
        assert any("Not saved" in (n.title or "") for n in app._notifications)
        assert screen._storing is None and screen.doc.annotation.spans == () and stored_spans(project) == []
        assert not screen.session.can_undo
        await pilot.press("A")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert len(stored_spans(project)) == 2_500 and events(project) == ["accept all"]
