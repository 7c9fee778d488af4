"""While an import stores, its commits leave copying SQLite's log into the file to a thread of its
own; the connections checkpoint as before once it ends."""

from __future__ import annotations

import contextlib
import time

from conftest import write_jsonl

from annotator.services.importer import import_paths
from annotator.services.project import open_project
from annotator.store import checkpoints


def _autocheckpoint(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


def test_connections_leave_checkpoints_to_the_thread_then_take_them_back(project, sqlite_only):
    engine = open_project(str(project))
    engine.pool.dispose()
    assert _autocheckpoint(engine) == 1000
    with checkpoints.copied_aside(engine) as copies:
        assert _autocheckpoint(engine) == 0  # a commit of the import never copies the log itself
        with engine.begin() as conn:  # some thousands of pages into the log
            conn.exec_driver_sql("CREATE TABLE filler (x BLOB)")
            conn.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                                 "INSERT INTO filler SELECT randomblob(4000) FROM n")
        deadline = time.monotonic() + 5
        while not copies.made and time.monotonic() < deadline:
            time.sleep(0.01)
        assert copies.made >= 1
    assert _autocheckpoint(engine) == 1000  # the pooled connection has SQLite's threshold back
    with engine.connect() as conn:  # and the thread copied what was written: nothing is left behind
        busy, logged, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and logged == copied


def test_an_import_copies_its_log_aside_and_stores_everything(project, sqlite_only, tmp_path, monkeypatch):
    made = []
    aside = checkpoints.copied_aside

    @contextlib.contextmanager
    def watched(engine):
        with aside(engine) as copies:
            yield copies
        made.append(copies.made)

    monkeypatch.setattr(checkpoints, "copied_aside", watched)
    docs = [{"id": f"d{i}", "text": f"Report {i} " + "about Kyiv and Moscow. " * 40} for i in range(3000)]
    engine = open_project(str(project))
    report = import_paths(engine, [write_jsonl(tmp_path / "docs.jsonl", docs)])
    assert report.added == 3000 and len(made) == 1 and made[0] >= 1
    assert _autocheckpoint(engine) == 1000


def test_a_read_only_project_has_no_thread(project, sqlite_only):
    engine = open_project(f"sqlite:///{project}?mode=ro")
    with checkpoints.copied_aside(engine) as copies:
        time.sleep(3 * checkpoints.EVERY)
    assert copies.made == 0
