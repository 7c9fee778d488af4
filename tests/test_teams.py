"""A team on one database: eight coders at once, a long writer in the way, a lead's gold kept in
step, on SQLite and on PostgreSQL; passwords that never show."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, ServerDatabase, rows, wikinews, write_jsonl
from pg_cluster import PASSWORD_ROLE

from annotator.domain.coding import Annotation
from annotator.services.gold import derive_all
from annotator.services.project import open_project
from annotator.store import annotations

CODER = ROOT / "bench" / "simulated_coder.py"


def _coders_at_once(db, names: list[str], decisions: int) -> list[dict]:
    runs = [subprocess.Popen([sys.executable, str(CODER), str(db), name, "--decisions", str(decisions),
                              "--seed", str(i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i, name in enumerate(names)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert "locked" not in err.lower() and "Traceback" not in err, err
        lines = [json.loads(line) for line in out.splitlines()]
        results.append({**lines[-1], "acknowledged": [line for line in lines if "saved" in line and "final" not in line]})
    return results


@pytest.mark.slow
def test_eight_coders_at_once_lose_nothing_and_gold_stays_in_step(cli, project, tmp_path, monkeypatch):
    """Eight processes code the same documents at once while a lead's derived gold follows every
    change; on SQLite another program also holds the write lock for longer than the busy timeout:
    every decision is stored, none reports a locked database, and gold matches the annotations."""
    articles = wikinews()[:6]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "a.jsonl", articles))).code == 0
    names = [f"coder{i}" for i in range(8)]
    for name in names:
        assert cli("coder", "add", name).code == 0
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    monkeypatch.setenv("ANNOTATOR_USER", "lee")
    engine = open_project(str(project))
    with engine.begin() as conn:  # two earlier coders finished every document: gold is derived, kept in step
        for earlier in ("ann", "bob"):
            for pk in range(1, 7):
                annotations.write(conn, pk, annotations.coder_pk(conn, earlier), Annotation(status="done"))
    derive_all(engine, workers=1, actor="lee")

    holder = None
    if not isinstance(project, ServerDatabase):  # an import's long transaction: 12 s, past the 10 s busy timeout
        def hold():
            conn = sqlite3.connect(project, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            time.sleep(12)
            conn.execute("COMMIT")
        holder = threading.Thread(target=hold)
        holder.start()
        time.sleep(0.5)
    results = _coders_at_once(project, names, decisions=25)
    if holder is not None:
        holder.join()

    assert [r["failed"] for r in results] == [0] * 8 and [r["saved"] for r in results] == [25] * 8
    with engine.connect() as conn:
        for name, result in zip(names, results):
            coder = annotations.coder_pk(conn, name)
            for pk, expected in result["final"].items():  # each coder's last word on each document
                assert annotations.of_coder(conn, int(pk), coder).to_json() == expected, (name, pk)
    kept = rows(project, "SELECT c.name, count(*) FROM event e JOIN coder c ON c.pk = e.coder_pk "
                         "WHERE e.kind IN ('span.add', 'stance.set', 'status') GROUP BY c.name ORDER BY c.name")
    assert kept == [(name, 25) for name in names]  # one event per acknowledged decision, none twice
    before = rows(project, "SELECT document_pk, derived_digest, disputed, updated_at FROM gold ORDER BY document_pk")
    derive_all(engine, workers=1, actor="lee")  # derived again from scratch: nothing differs
    assert rows(project, "SELECT document_pk, derived_digest, disputed, updated_at FROM gold "
                         "ORDER BY document_pk") == before


def test_a_wrong_password_is_one_line_that_never_shows_the_password(cli, project, postgres_only):
    import psycopg

    url = str(project)
    host_and_db = url.split("@", 1)[1]
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PASSWORD_ROLE,)).fetchone():
            admin.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right-one-4417'")
    wrong = cli("status", "--db", f"postgresql+psycopg://{PASSWORD_ROLE}:wrong-one-9981@{host_and_db}")
    assert wrong.code == 1 and "password authentication failed" in wrong.err, wrong.err
    assert len(wrong.err.strip().splitlines()) == 1 and "wrong-one-9981" not in wrong.out + wrong.err
    # the right password, and a role that may not read the project: told so, in one line, no password
    denied = cli("status", "--db", f"postgresql+psycopg://{PASSWORD_ROLE}:right-one-4417@{host_and_db}")
    assert denied.code == 1 and f"the database role '{PASSWORD_ROLE}' may not read this project" in denied.err
    assert len(denied.err.strip().splitlines()) == 1 and "right-one-4417" not in denied.out + denied.err
    result = cli("init", "--db", f"postgresql+psycopg://postgres:any-pass-5512@{host_and_db}")
    assert "any-pass-5512" not in result.out + result.err and ":***@" in result.out


def test_a_coder_logs_in_as_the_role_coder_add_made_and_codes(cli, seeded, postgres_only):
    """`coder add` (as the README says) is all a coder's role needs: a decision made through it is
    stored, with the role as the event's actor."""
    from conftest import as_role

    from annotator.domain import coding as edits
    from annotator.services.coding import CodingSession

    readme = (ROOT / "README.md").read_text("utf-8")
    assert "annotator coder add ana " in readme
    assert cli("coder", "add", "ana").code == 0
    session = CodingSession.for_coder(open_project(as_role(seeded, "ana")), None)
    doc = session.open(session.first_unfinished())
    assert session.apply(doc, "status", lambda a: edits.set_status(a, "done"))
    assert rows(seeded, "SELECT a.status FROM annotation a JOIN coder c ON c.pk = a.coder_pk WHERE c.name = 'ana'") \
        == [("done",)]
    assert rows(seeded, "SELECT actor FROM event ORDER BY pk DESC LIMIT 1") == [("ana",)]


def test_a_coders_save_during_a_gold_run_waits_for_it_and_neither_fails(cli, project, tmp_path, monkeypatch):
    """A save that must derive a document's gold again meets `annotator gold` deriving the project
    (here with a new bar: every document's gold changes): the save waits for the run, the run ends
    with no deadlock, and gold then follows the save."""
    from dataclasses import replace

    from test_agree_cli import _records

    from annotator.services import gold as gold_service
    from annotator.services.project import active_codebook
    from annotator.store import gold as gold_store
    from annotator.store.engine import write

    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    monkeypatch.setenv("ANNOTATOR_USER", "lee")
    assert cli("gold").code == 0
    engine = open_project(str(project))
    codebook = active_codebook(engine)
    (document, coder), = rows(project, "SELECT d.pk, c.pk FROM document d, coder c WHERE d.id = 'd3' AND c.name = 'alice'")
    held = threading.Event()
    hold_writes = gold_store.hold_writes

    def slow_hold(conn):  # the run holds gold's lock a while, as deriving a big project's first slices
        hold_writes(conn)
        held.set()
        time.sleep(2.0)

    monkeypatch.setattr(gold_store, "hold_writes", slow_hold)
    saved = []

    def coder_saves():
        held.wait(10)

        def store(conn):
            annotation = annotations.of_coder(conn, document, coder)
            annotations.write(conn, document, coder, replace(annotation, status="draft"))
            gold_service.keep_in_step(conn, document, codebook)

        write(engine, store, patience=30)
        saved.append(True)

    other = threading.Thread(target=coder_saves)
    other.start()
    gold_service.derive_all(engine, 3, workers=1, actor="lee")  # no DeadlockDetected
    other.join(30)
    assert saved == [True]
    assert rows(project, "SELECT a.status FROM annotation a WHERE a.document_pk = ? AND a.coder_pk = ?",
                document, coder) == [("draft",)]
    before = rows(project, "SELECT document_pk, derived_digest FROM gold ORDER BY document_pk")
    gold_service.derive_all(engine, 3, workers=1, actor="lee")
    assert rows(project, "SELECT document_pk, derived_digest FROM gold ORDER BY document_pk") == before  # in step


def test_a_huge_text_of_distinct_words_imports_and_is_found_on_a_server(cli, project, tmp_path, postgres_only):
    """PostgreSQL's search index holds at most 1 MB per document: the first 250,000 characters are
    indexed, so a 900,000-character text of distinct words still imports, and its start is found."""
    from annotator.store import documents

    text = " ".join(f"w{i:07d}" for i in range(100_000))
    assert len(text) > 750_000
    result = cli("import", "--create-coders", str(write_jsonl(tmp_path / "huge.jsonl", [{"id": "huge", "text": text}])))
    assert result.code == 0, result.err
    with open_project(str(project)).connect() as conn:
        assert [d for _, d, _ in documents.find(conn, "w0000042")] == ["huge"]


def test_a_coders_save_lands_between_a_long_imports_batches(cli, project, tmp_path):
    """An import commits a batch at a time, so a coder's save waits for one batch, not for the whole
    import: it is stored while the import still runs, before the import's last documents are."""
    from annotator.domain import coding as edits
    from annotator.services.coding import CodingSession
    from annotator.services.importer import BATCH_SIZE

    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "a.jsonl", wikinews()[:3]))).code == 0
    assert cli("coder", "add", "ann").code == 0
    session = CodingSession(open_project(str(project)), "ann")
    doc = session.open(1)
    records = [{"id": f"long-{i}", "text": f"Long import {i}: " + "words " * 40} for i in range(8 * BATCH_SIZE)]
    path = write_jsonl(tmp_path / "long.jsonl", records)
    stored = lambda: rows(project, "SELECT count(*) FROM document WHERE id LIKE 'long-%'")[0][0]
    importer = subprocess.Popen([sys.executable, "-m", "annotator", "import", "--db", str(project), str(path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while stored() < BATCH_SIZE:
            assert importer.poll() is None, "the import ended before a batch of it was seen committed"
            time.sleep(0.005)
        assert session.apply(doc, "status", lambda a: edits.set_status(a, "done"))
        during, running = stored(), importer.poll() is None
    finally:
        _, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    assert running and during < len(records), "the save waited for the whole import"
    assert stored() == len(records)
    assert rows(project, "SELECT a.status FROM annotation a JOIN coder c ON c.pk = a.coder_pk "
                         "WHERE c.name = 'ann' AND a.document_pk = 1") == [("done",)]
