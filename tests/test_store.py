"""The database: where it comes from, SQLite's settings, and migrations that match the tables."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from annotator.store import tables  # noqa: F401
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


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(project):
    engine = make_engine(str(project))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_foreign_keys_are_enforced(project):
    engine = make_engine(str(project))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        try:
            raw.execute("INSERT INTO suggestion (document_pk, model, version, spans, stances, created_at) "
                        "VALUES (999, 'm', '1', '[]', '[]', '2025-01-01')")
        except sqlite3.IntegrityError as exc:
            assert "FOREIGN KEY" in str(exc)
        else:
            raise AssertionError("a suggestion for a missing document was accepted")


def test_migrations_build_exactly_the_tables_of_the_code(project):
    engine = make_engine(str(project))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_queue_indexes_exist(project):
    with sqlite3.connect(project) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_annotation_coder_status", "ix_assignment_coder_position"} <= names


def test_every_design_word_has_a_table(project):
    with sqlite3.connect(project) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"document", "suggestion", "annotation", "annotation_span", "annotation_stance", "gold",
            "gold_span", "gold_stance", "assignment", "coder", "event", "codebook"} <= names


def test_domain_imports_no_database_terminal_or_model():
    code = ("import sys, annotator.domain.codebook, annotator.domain.records, annotator.domain.spans, "
            "annotator.domain.coding, annotator.domain.stance_rules, annotator.domain.chunks, annotator.domain.tokens; "
            "bad = [m for m in ('textual', 'sqlmodel', 'sqlalchemy', 'spacy') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tui_reaches_the_database_only_through_services():
    """Layers: tui/ imports no SQLAlchemy, SQLModel or store module (SQL lives in the store)."""
    import re
    from pathlib import Path

    import annotator.tui

    offenders = []
    for path in Path(annotator.tui.__file__).parent.rglob("*.py"):
        for line in path.read_text("utf-8").splitlines():
            if re.match(r"\s*(from|import) (sqlalchemy|sqlmodel|annotator\.store)\b", line):
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


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


def test_a_database_at_the_first_revision_is_upgraded_on_open(tmp_path):
    from alembic import command

    from annotator.services.project import open_project
    from annotator.store.migrate import alembic_config

    db = tmp_path / "old.db"
    engine = make_engine(str(db))
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql("INSERT INTO codebook (name, version, hash, source, created_at) VALUES "
                                   "('news-stance', 1, 'h', 'name = \"news-stance\"', '2025-01-01')")
    assert "suggestion_decision" not in sqlite3.connect(db).execute(
        "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    open_project(str(db))
    assert "suggestion_decision" in sqlite3.connect(db).execute(
        "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
