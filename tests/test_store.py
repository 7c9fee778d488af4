"""The database: where it comes from, SQLite's settings, and migrations that match the tables."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import ServerDatabase, assert_find_index_whole, execute, rows, write_jsonl
from sqlmodel import SQLModel

import annotator.store.schema  # noqa: F401  (the definition: registers its tables on SQLModel.metadata)
from annotator.store import tables
from annotator.store.documents import FIND_INDEX_FILL
from annotator.store.engine import make_engine, resolve_url


def test_db_comes_from_flag_then_env_then_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    assert resolve_url() == f"sqlite:///{tmp_path / 'annotator.db'}"
    monkeypatch.setenv("ANNOTATOR_DB", "env.db")
    assert resolve_url() == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url("flag.db") == f"sqlite:///{tmp_path / 'flag.db'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_cli_honours_db_flag_and_env(cli, tmp_path, monkeypatch):
    assert cli("init", "--db", "a.db").code == 0
    assert (tmp_path / "a.db").exists() and not (tmp_path / "annotator.db").exists()
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "a.db"))
    assert cli("status", "--json").code == 0


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(project, sqlite_only):
    # SQLite's own settings (PRAGMAs): journal, foreign keys, busy timeout, syncing of its file
    engine = make_engine(str(project))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_foreign_keys_are_enforced(project):
    engine = make_engine(str(project))
    if engine.dialect.name == "sqlite":
        refused = (sqlite3.IntegrityError, "FOREIGN KEY")
    else:
        from psycopg.errors import ForeignKeyViolation

        refused = (ForeignKeyViolation, "violates foreign key constraint")
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        try:
            raw.execute("INSERT INTO suggestion (document_pk, model, version, spans, stances, created_at) "
                        "VALUES (999, 'm', '1', '[]', '[]', '2025-01-01')")
        except refused[0] as exc:
            assert refused[1] in str(exc)
        else:
            raise AssertionError("a suggestion for a missing document was accepted")


SERVER_SEARCH = {("column", "search", "document"), ("index", "ix_document_search", "document"),
                 ("index", "ix_annotation_finished", "annotation")}  # PostgreSQL's own (migration 0021)


def test_migrations_build_exactly_the_tables_of_the_code(project):
    engine = make_engine(str(project))
    with engine.connect() as conn:
        # The full-text index is each backend's own, made beside the tables the code declares: on
        # SQLite an FTS5 virtual table and its shadow tables (migration 0009), on PostgreSQL a
        # generated tsvector column of document and its GIN index (migration 0010).
        context = MigrationContext.configure(conn, opts={"include_name": lambda name, kind, parent:
                                                         not (kind == "table" and name.startswith("document_fts"))
                                                         and (kind, name, parent.get("table_name")) not in SERVER_SEARCH})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_core_tables_are_what_the_sqlmodel_definition_writes_and_what_migrations_build(project):
    """The store's SQL runs on tables.py, a Core copy of schema.py written by schema_code: a change
    to schema.py without writing tables.py again fails here, as tables that migrations do not build."""
    from annotator.store.schema_code import TABLES, source

    assert TABLES.read_text("utf-8") == source(SQLModel.metadata), \
        "tables.py is not what schema.py writes: run `python -m annotator.store.schema_code`"
    engine = make_engine(str(project))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": lambda name, kind, parent:
                                                         not (kind == "table" and name.startswith("document_fts"))
                                                         and (kind, name, parent.get("table_name")) not in SERVER_SEARCH})
        assert compare_metadata(context, tables.metadata) == []


def test_a_read_only_command_loads_neither_sqlmodel_nor_pydantic():
    """Building SQLModel's classes cost a quarter of a second of every command's start."""
    loaded = subprocess.run([sys.executable, "-c", "import sys; from annotator.services import inspect, project; "
                             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlmodel', 'pydantic')))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def _catalogue(db, kind: str) -> set[str]:
    """The names of the database's own tables or indexes ("table", "index"), from its catalogue."""
    if isinstance(db, ServerDatabase):
        sql = {"table": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
               "index": "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"}[kind]
        return {name for (name,) in rows(db, sql)}
    return {name for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type = ?", kind)}


def test_queue_indexes_exist(project):
    names = _catalogue(project, "index")
    assert {"ix_annotation_coder_status_updated", "ix_assignment_coder_position", "ix_document_seq"} <= names


def test_every_design_word_has_a_table(project):
    names = _catalogue(project, "table")
    assert {"document", "suggestion", "annotation", "annotation_span", "annotation_stance", "gold",
            "gold_span", "gold_stance", "assignment", "coder", "event", "codebook"} <= names


def test_console_script_reports_user_errors_without_traceback(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text("{not json\n", "utf-8")
    env_db = str(tmp_path / "p.db")
    subprocess.run([sys.executable, "-m", "annotator", "init", "--db", env_db], check=True, capture_output=True)
    result = subprocess.run([sys.executable, "-m", "annotator", "import", str(bad), "--db", env_db],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{bad}:1: malformed JSON" in result.stderr and "Traceback" not in result.stderr


def test_head_constant_is_alembics_head():
    from alembic.script import ScriptDirectory

    from annotator.store.migrate import HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def _at_revision(db, revision: str, *rows: str):
    """A database built by the migrations up to `revision`, with a codebook and `rows` inserted."""
    from alembic import command

    from annotator.store.migrate import alembic_config

    engine = make_engine(str(db))
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        for sql in ("INSERT INTO codebook (name, version, hash, source, created_at) VALUES "
                    "('news-stance', 1, 'h', 'name = \"news-stance\"', '2025-01-01')", *rows):
            connection.exec_driver_sql(sql)
    engine.dispose()


ANNOTATED = ("INSERT INTO document (id, title, text, meta, text_hash, created_at) VALUES "
             "('d', '', 'Joe Biden spoke in Kyiv.', '{}', 'x', '2025-01-01')",
             "INSERT INTO coder (name, role, created_at) VALUES ('alice', 'coder', '2025-01-01')",
             "INSERT INTO annotation (document_pk, coder_pk, status, seconds, suggestions_shown, created_at, "
             "updated_at) VALUES (1, 1, 'done', 3.5, 1, '2025-01-01', '2025-01-01')")


def test_a_database_at_the_first_revision_is_upgraded_on_open(tmp_path):
    from annotator.services.project import open_project

    db = tmp_path / "old.db"
    _at_revision(db, "0001")
    assert "suggestion_decision" not in sqlite3.connect(db).execute(
        "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    open_project(str(db))
    assert "suggestion_decision" in sqlite3.connect(db).execute(
        "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


def test_a_slow_upgrade_says_why_the_command_waits(tmp_path, cli, sqlite_only, monkeypatch):
    """Bringing a big project to a newer schema takes minutes (migration 0020 on a million documents
    on PostgreSQL): past a second the command says so, not a silent wait. A quick one says nothing,
    so an error stays one line. (The wait here is a stand-in for a million documents' rows.)"""
    import time

    from annotator.services import waits
    from annotator.store import migrate

    db = tmp_path / "old.db"
    _at_revision(db, "0019")
    upgrade = migrate.upgrade
    monkeypatch.setattr(migrate, "upgrade", lambda engine: (time.sleep(0.5), upgrade(engine)))
    monkeypatch.setattr(waits, "TELL_AFTER", 0.1)
    first = cli("status", "--db", str(db))
    assert first.code == 0, first.err
    assert first.err == (f"annotator: bringing {db} from schema 0019 to {migrate.HEAD}, once: a project of a million "
                         "documents takes minutes…\n")
    quick = tmp_path / "quick.db"
    _at_revision(quick, "0019")
    monkeypatch.setattr(waits, "TELL_AFTER", 5.0)
    second = cli("status", "--db", str(quick))
    assert second.code == 0 and second.err == ""


def test_a_database_at_revision_0002_keeps_its_annotations_and_gains_checks(tmp_path):
    """Upgrading keeps every row; spans accepted before 0003 answer for the suggestion at their place."""
    from annotator.services.inspect import show_document
    from annotator.services.project import open_project

    db = tmp_path / "old.db"
    _at_revision(db, "0002", *ANNOTATED,
                 "INSERT INTO annotation_span (annotation_pk, start, \"end\", label, origin, aligned) "
                 "VALUES (1, 0, 9, 'PERSON', 'accepted', 1)",
                 "INSERT INTO suggestion_decision (annotation_pk, start, \"end\", label, decision) "
                 "VALUES (1, 0, 9, 'PERSON', 'accepted')")
    open_project(str(db))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT source_start, source_end, source_label FROM annotation_span").fetchone() == (0, 9, "PERSON")
        try:
            conn.execute("UPDATE annotation SET status = 'finished'")
        except sqlite3.IntegrityError as exc:
            assert "CHECK constraint failed" in str(exc)
        else:
            raise AssertionError("the upgraded database accepted a status outside the vocabulary")
    (coded,) = show_document(open_project(str(db)), "d")["annotations"]
    assert coded["status"] == "done" and coded["seconds"] == 3.5
    assert coded["decisions"] == [{"on": "span", "start": 0, "end": 9, "label": "PERSON", "decision": "accepted"}]


def test_upgrading_brings_decisions_left_out_of_step_into_step(tmp_path):
    """Before 0003 a relabelled accepted span kept "accepted", and a removed changed span left its
    decision behind; the upgrade sets each decision from the span that answers for it."""
    from annotator.services.inspect import show_document
    from annotator.services.project import open_project

    db = tmp_path / "old.db"
    _at_revision(db, "0002", *ANNOTATED,
                  "INSERT INTO annotation_span (annotation_pk, start, \"end\", label, origin, aligned) "
                  "VALUES (1, 0, 9, 'ORG', 'changed', 1)",
                  "INSERT INTO suggestion_decision (annotation_pk, start, \"end\", label, decision) "
                  "VALUES (1, 0, 9, 'PERSON', 'accepted'), (1, 19, 23, 'GPE', 'accepted')",
                  "INSERT INTO annotation_stance (annotation_pk, target, label, origin) VALUES (1, 'Ukraine', 'FAVOR', 'accepted')")
    (coded,) = show_document(open_project(str(db)), "d")["annotations"]
    assert coded["decisions"] == [
        {"on": "span", "start": 0, "end": 9, "label": "PERSON", "decision": "changed"},
        {"on": "span", "start": 19, "end": 23, "label": "GPE", "decision": "rejected"},
        {"on": "stance", "target": "Ukraine", "label": "FAVOR", "decision": "accepted"}]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT source_start, source_end, source_label FROM annotation_span").fetchone() == (0, 9, "PERSON")


def test_downgrade_to_0002_and_upgrade_again_keep_the_rows(tmp_path):
    from annotator.services.project import open_project
    from annotator.store.migrate import HEAD, downgrade, upgrade

    db = tmp_path / "old.db"
    _at_revision(db, "0002", *ANNOTATED, "INSERT INTO annotation_span (annotation_pk, start, \"end\", label, origin, aligned) "
                      "VALUES (1, 0, 9, 'PERSON', 'added', 1)")
    open_project(str(db)).dispose()
    engine = make_engine(str(db))
    downgrade(engine, "0002")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
        assert conn.execute("SELECT start, \"end\", label, origin FROM annotation_span").fetchall() == [(0, 9, "PERSON", "added")]
    upgrade(engine)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (0,)  # a fresh connection: off by default
    with engine.connect() as conn:  # the engine's own connections have the keys on again
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_check_constraint_of_the_tables_is_in_the_migrated_database(project):
    """Alembic's comparison ignores CHECK constraints: compare the tables' own with the database's."""
    from sqlalchemy import CheckConstraint

    checks = [(table.name, str(c.sqltext)) for table in SQLModel.metadata.sorted_tables
              for c in table.constraints if isinstance(c, CheckConstraint)]
    assert len(checks) == 11
    if isinstance(project, ServerDatabase):
        # PostgreSQL keeps a check in its own words: compare the migrated tables' checks with those
        # the server keeps for the code's tables made afresh in a schema of their own.
        engine = make_engine(str(project))
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA code")
            SQLModel.metadata.create_all(conn.execution_options(schema_translate_map={None: "code"}))
        engine.dispose()
        coded, migrated = _server_checks(project, "code"), _server_checks(project, "public")
        assert sorted(table for table, _ in coded) == sorted(table for table, _ in checks)
        for table, condition in coded:
            assert (table, condition) in migrated, (table, condition)
        return
    ddl = dict(rows(project, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    for table, condition in checks:
        assert condition in ddl[table], (table, condition)


def _server_checks(db, schema: str) -> list[tuple[str, str]]:
    """(table, definition) of each CHECK constraint of a schema's tables, as the server shows them."""
    return rows(db, "SELECT c.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c "
                    "ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE k.contype = 'c' AND n.nspname = ?", schema)


def test_the_find_index_merges_sixteen_segments_at_a_time_new_or_upgraded(project, sqlite_only, tmp_path):
    """Four (FTS5's default) made each word climb five levels at a million documents: an import
    into a big project ran at half an empty one's rate (migration 0014)."""
    merges = "SELECT k, v FROM document_fts_config WHERE k LIKE '%merge' ORDER BY k"
    assert rows(project, merges) == [("automerge", 16), ("crisismerge", 64)]
    old = tmp_path / "old.db"
    _at_revision(old, "0013")
    assert rows(old, merges) == []  # FTS5's defaults
    from annotator.services.project import open_project
    from annotator.store.migrate import downgrade

    open_project(str(old)).dispose()
    assert rows(old, merges) == [("automerge", 16), ("crisismerge", 64)]
    downgrade(make_engine(str(old)), "0013")
    assert rows(old, merges) == []


def test_the_server_find_index_holds_each_words_first_character_new_or_upgraded(project, postgres_only, cli, tmp_path):
    """`'3':*` unites a posting list for every term starting with 3 (111,111 among a million ids
    "doc-N": 60 to 75 ms a keystroke); the term '^3' is one (migration 0020)."""
    from annotator.store.migrate import HEAD, downgrade, upgrade

    docs = [{"id": "doc-31", "title": "Elan", "text": "Kyiv said; 4 X4."}, {"id": "doc-4", "title": "", "text": "!?"}]
    assert cli("import", str(write_jsonl(tmp_path / "docs.jsonl", docs))).code == 0
    terms = "SELECT id, tsvector_to_array(search) FROM document ORDER BY id"
    held = {"doc-31": ["31", "4", "^3", "^4", "^d", "^e", "^k", "^s", "^x", "doc", "elan", "kyiv", "said", "x4"],
            "doc-4": ["4", "^4", "^d", "doc"]}
    assert {d: sorted(t) for d, t in rows(project, terms)} == {d: sorted(t) for d, t in held.items()}
    engine = make_engine(str(project))
    downgrade(engine, "0019")
    assert {d: sorted(t) for d, t in rows(project, terms)} == {
        d: sorted(t for t in held[d] if not t.startswith("^")) for d in held}
    assert rows(project, "SELECT count(*) FROM pg_proc WHERE proname = 'find_terms'") == [(0,)]
    upgrade(engine)
    engine.dispose()
    assert rows(project, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert {d: sorted(t) for d, t in rows(project, terms)} == {d: sorted(t) for d, t in held.items()}
    assert rows(project, "SELECT indexdef LIKE '%gin (search)' FROM pg_indexes WHERE indexname = 'ix_document_search'") == [(True,)]
    # the function runs as whoever stores a document: what another role puts on the path is not called
    execute(project, "CREATE FUNCTION public.array_to_string(text[], text) RETURNS text LANGUAGE sql AS $$ SELECT 'hi' $$")
    assert cli("import", str(write_jsonl(tmp_path / "more.jsonl", [{"id": "n-1", "text": "Kyiv"}]))).code == 0
    assert rows(project, "SELECT tsvector_to_array(search) FROM document WHERE id = 'n-1'") == [(["1", "^1", "^k", "^n", "kyiv", "n"],)]


DOCUMENT_TRIGGERS = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'document' ORDER BY name"


def test_an_import_batch_enters_the_find_index_as_one_segment(project, sqlite_only, cli, tmp_path):
    """FTS5 writes out the terms it holds at every savepoint, and a row trigger opens one a row:
    each imported document was a segment of its own, merged level after level (migration 0015)."""
    # no trigger runs per inserted document (the tally's move a document's time when it turns
    # blind, and take its annotations away before it)
    assert rows(project, DOCUMENT_TRIGGERS) == [("document_fts_delete",), ("document_fts_update",),
                                                ("tally_document_children",), ("tally_document_update",)]
    docs = [{"id": f"n-{i}", "title": f"Report {i}", "text": f"Word{i} stood alone in text {i}."} for i in range(40)]
    assert cli("import", str(write_jsonl(tmp_path / "batch.jsonl", docs))).code == 0
    assert rows(project, "SELECT count(DISTINCT segid) FROM document_fts_idx") == [(1,)]
    indexed = "SELECT d.id FROM document_fts f JOIN document d ON d.pk = f.rowid WHERE document_fts MATCH ?"
    assert [rows(project, indexed, f"word{i}") for i in (0, 39)] == [[("n-0",)], [("n-39",)]]
    assert len(rows(project, indexed, "alone")) == 40
    assert_find_index_whole(project)
    plan = [line for *_, line in rows(project, f"EXPLAIN QUERY PLAN {FIND_INDEX_FILL}", 1)]
    assert plan == ["SEARCH document USING INDEX ix_document_seq (seq>?)"]  # a seek to the batch, not a walk


def test_the_row_trigger_is_gone_from_upgraded_projects_and_back_on_downgrade(tmp_path, sqlite_only):
    from annotator.services.project import open_project
    from annotator.store.migrate import downgrade

    old = tmp_path / "old.db"
    _at_revision(old, "0014")
    assert ("document_fts_insert",) in rows(old, DOCUMENT_TRIGGERS)
    open_project(str(old)).dispose()
    assert rows(old, DOCUMENT_TRIGGERS) == [("document_fts_delete",), ("document_fts_update",),
                                            ("tally_document_children",), ("tally_document_update",)]
    downgrade(make_engine(str(old)), "0014")
    assert ("document_fts_insert",) in rows(old, DOCUMENT_TRIGGERS)
