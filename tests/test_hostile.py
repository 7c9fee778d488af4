"""Hostile and mistaken input ends with one clear line and loses nothing (issue 13's list, in part)."""

from __future__ import annotations

import json

import pytest
from conftest import execute, rows


@pytest.mark.parametrize("db, message", [
    ("notdb.db", "is not an annotator database (file is not a database)"),
    ("foo://x", "unsupported database URL scheme 'foo'"),
    ("mysql://u@h/d", "unsupported database URL scheme 'mysql'"),
    ("sqlite://", "a database in memory: it keeps nothing"),
])
def test_a_database_the_tool_cannot_use_is_named_with_what_would_do(cli, tmp_path, db, message):
    (tmp_path / "notdb.db").write_text("not a database at all")
    result = cli("status", "--db", db)
    assert result.code == 1 and message in result.err and "Traceback" not in result.err


def test_a_database_from_a_newer_annotator_says_so(cli, project):
    execute(project, "UPDATE alembic_version SET version_num = '0099'")
    result = cli("status")
    assert result.code == 1 and "made by a newer annotator (schema 0099" in result.err


def test_codebook_toml_errors_say_file_line_and_column_and_a_byte_order_mark_is_fine(cli, tmp_path):
    (tmp_path / "broken.toml").write_text("name = \n")
    result = cli("init", "--schema", str(tmp_path / "broken.toml"))
    assert result.code == 1 and f"{tmp_path / 'broken.toml'}:1:8: not valid TOML: Invalid value" in result.err
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + b'name = "bom"\n')
    assert cli("init", "--schema", str(bom), "--db", str(tmp_path / "b.db")).code == 0


def test_meta_nested_too_deep_is_refused_with_a_reason(cli, project, tmp_path):
    deep: dict = {}
    cursor = deep
    for _ in range(300):
        cursor["a"] = {}
        cursor = cursor["a"]
    (tmp_path / "deep.jsonl").write_text(json.dumps({"text": "deep", "meta": deep}) + "\n")
    result = cli("import", str(tmp_path / "deep.jsonl"))
    assert result.code == 1 and "nested more than 64 levels deep" in result.out + result.err


def test_a_csv_row_that_is_not_utf8_is_reported_and_never_takes_the_next_row_with_it(cli, project, tmp_path):
    (tmp_path / "last.csv").write_bytes(b"text\nok row\n\xff\xfe bad\n")
    last = cli("import", str(tmp_path / "last.csv"))
    assert last.code == 1 and "last.csv:3: not valid UTF-8" in last.out + last.err
    (tmp_path / "mid.csv").write_bytes(b"text\nfirst\n\xff bad\nthird\n")
    mid = cli("import", str(tmp_path / "mid.csv"), "--skip-invalid")
    assert mid.code == 0 and "mid.csv:3: not valid UTF-8" in mid.out + mid.err
    assert sorted(t for (t,) in rows(project, "SELECT text FROM document")) == ["first", "third"]


@pytest.mark.parametrize("toml, message", [
    ('name = "q"\n[[entities]]\nlabel = "PER\'SON"\nkey = "1"\n', "has a character a label may not hold"),
    ('name = "q"\n[[entities]]\nlabel = "TAB"\nkey = "\\t"\n', "cannot be typed on every keyboard"),
    ('name = "q"\n[[entities]]\nlabel = "SP"\nkey = " "\n', "key ' '"),
    ('name = "q"\n[[entities]]\nlabel = "ACC"\nkey = "é"\n', "cannot be typed on every keyboard"),
    ('name = "v"\nversion = 99999999999999999999\n', "version 99999999999999999999 is out of range"),
    ('name = "t"\n[[targets]]\nname = "Ukraine"\n', "stance targets but no stance labels"),
    ('name = "s"\n[[targets]]\nname = "U"\n[[stances]]\nlabel = "PRO:CON"\nkey = "+"\n', "':'"),
])
def test_a_codebook_the_screen_or_an_export_could_not_use_is_refused_and_nothing_is_made(cli, tmp_path, toml, message):
    (tmp_path / "cb.toml").write_text(toml, "utf-8")
    result = cli("init", "--schema", str(tmp_path / "cb.toml"), "--db", str(tmp_path / "x.db"))
    assert result.code == 1 and message in result.err and "Traceback" not in result.err
    assert not (tmp_path / "x.db").exists()


def test_an_import_that_loses_a_race_to_another_counts_the_others_documents_as_already_there(cli, project, tmp_path,
                                                                                            monkeypatch):
    """Another import stores the same texts between this one's read and its write: this one starts
    again and reports them as already there, instead of a UNIQUE constraint traceback."""
    from annotator.services.importer import import_paths
    from annotator.services.project import open_project
    from annotator.store import documents

    lines = [{"id": f"r{i}", "text": f"Race text {i}."} for i in range(50)]
    path = tmp_path / "race.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    real = documents.insert_many
    raced = []

    def the_other_import_wins(conn, rows, created_at):
        if not raced:
            raced.append(True)
            import_paths(open_project(str(project)), [path])  # a second writer, committed first
        return real(conn, rows, created_at)

    monkeypatch.setattr(documents, "insert_many", the_other_import_wins)
    report = import_paths(open_project(str(project)), [path])
    assert (report.added, report.already) == (0, 50)
    assert rows(project, "SELECT count(*) FROM document") == [(50,)]


def test_a_read_only_database_is_one_line_and_reading_still_works(cli, project, tmp_path, sqlite_only):
    """chattr +i makes the file immutable even for root (tests here may run as root, whom file
    modes do not stop)."""
    # about SQLite's file made read-only (chattr +i): a server database has no file of its own here
    import shutil
    import subprocess

    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(project)]).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        result = cli("coder", "add", "zed")
        assert result.code == 1 and "Traceback" not in result.err
        assert "cannot be written: the file, or the folder it is in" in result.err
        assert cli("status").code == 0
    finally:
        subprocess.run(["chattr", "-i", str(project)])


def test_backup_copies_what_is_committed_while_a_writer_holds_the_database(cli, seeded, tmp_path, sqlite_only):
    # about SQLite's backup API copying the file while a sqlite3 writer holds its write lock
    import sqlite3 as sql

    writer = sql.connect(seeded, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a coder's save in progress: not committed
    writer.execute("UPDATE document SET title = 'half-done' WHERE pk = 1")
    try:
        result = cli("backup", str(tmp_path / "copy.db"))
        assert result.code == 0 and "Copied the project to" in result.out, result.err
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with sql.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM document").fetchone() == (25,)
        assert copy.execute("SELECT title FROM document WHERE pk = 1").fetchone() != ("half-done",)
    assert json.loads(cli("--db", str(tmp_path / "copy.db"), "status", "--json").out)["documents"] == 25
    again = cli("backup", str(tmp_path / "copy.db"))
    assert again.code == 1 and "exists; give another path, or --force" in again.err
    assert cli("backup", str(tmp_path / "copy.db"), "--force").code == 0
    assert not list(tmp_path.glob(".*partial"))
