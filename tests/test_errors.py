"""A database, a disk, a server or an address the tool cannot use ends in one line that names the
cause and what to do, a non-zero exit and no traceback; nothing is half-made (issue 26)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import uuid

import pytest
from conftest import Result, ServerDatabase, in_process, dump, execute, rows, write_jsonl
from pg_cluster import PASSWORD_ROLE



def one_line(result: Result, *words: str) -> None:
    """A failure said in one line of stderr holding `words`, no traceback."""
    assert result.code == 1, (result.out, result.err)
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    for word in words:
        assert word in result.err, result.err


@pytest.fixture
def command(capsys, tmp_path, monkeypatch):
    """`annotator ARGS` in-process with no project of this test's: for URLs and addresses that
    are wrong whatever the backend."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)

    return in_process(capsys)


# init ------------------------------------------------------------------------------------------

def test_init_on_a_database_a_newer_annotator_made_says_so_and_changes_nothing(cli, project):
    execute(project, "UPDATE alembic_version SET version_num = '0099'")
    before = dump(project)
    one_line(cli("init"), "made by a newer annotator (schema 0099", "upgrade annotator")
    assert dump(project) == before


def test_init_on_a_database_without_its_revision_table_or_of_another_program_makes_nothing(
        cli, project, another_database):
    execute(project, "DROP TABLE alembic_version")
    before = dump(project)
    one_line(cli("init"), "holds tables (", "but no annotator schema revision (its alembic_version table)")
    assert dump(project) == before  # no migration half-run over the tables already there
    execute(another_database, "CREATE TABLE document (x INTEGER)")
    one_line(cli("init", "--db", str(another_database)), "holds tables (document)", "another program's database")
    assert _tables(another_database) == ["document"]


def _tables(db) -> list[str]:
    if isinstance(db, ServerDatabase):
        return [t for (t,) in rows(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return [t for (t,) in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")]


def test_a_wrong_password_unknown_role_or_database_is_one_line_for_init_and_status(command, pg_cluster, request):
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    url = pg_cluster.create(name)
    request.addfinalizer(lambda: pg_cluster.drop(name))
    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PASSWORD_ROLE,)).fetchone():
            admin.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right-one-4417'")
    host_and_db = url.split("@", 1)[1]
    for verb in ("init", "status"):
        wrong = command(verb, "--db", f"postgresql+psycopg://{PASSWORD_ROLE}:wrong-one-9981@{host_and_db}")
        one_line(wrong, "the server refused the user or password", "password authentication failed", "check them")
        assert "wrong-one-9981" not in wrong.out + wrong.err
        one_line(command(verb, "--db", f"postgresql+psycopg://no_such_role_x@{host_and_db}"),
                 "the server refused the role", '"no_such_role_x" does not exist')
        one_line(command(verb, "--db", url.rsplit("/", 1)[0] + "/no_such_db_x"),
                 "the server has no such database", "createdb NAME")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nothing listens there


@pytest.mark.parametrize("url, words", [
    ("postgresql+psycopg://u:secret-77@127.0.0.1:CLOSED/db",
     ["no server answers there", "Connection refused", "check the host and port"]),
    ("postgresql+psycopg://u:secret-77@no-such-host.invalid/db",
     ["the host cannot be found", "no-such-host.invalid", "check the host name"]),
    ("postgresql+psycopg://u:secret-77@127.0.0.1:99999/db", ["port 99999 is not a port", "from 1 to 65535"]),
    ("postgresql+psycopg://u:secret-77@127.0.0.1:0/db", ["port 0 is not a port"]),
    ("postgresql+psycopg://u:secret-77@127.0.0.1:abc/db", ["u:***@127.0.0.1:abc/db is not a database URL",
                                                          "a port must be a number"]),
    ("postgresql+psycopg://u:secret-77@x@127.0.0.1:abc/db", ["***@127.0.0.1:abc/db is not a database URL"]),
    ("postgresql+psycopg://u:secret-77@127.0.0.1:CLOSED/db?sslmode=bogus",
     ["the URL has an invalid connection option (invalid sslmode value: \"bogus\")", "the options after ?"]),
], ids=["refused", "no-host", "port-99999", "port-0", "port-abc", "port-abc-at-in-password", "sslmode-bogus"])
@pytest.mark.parametrize("verb", ["init", "status"])
def test_an_unreachable_server_or_a_bad_host_or_port_is_one_line(command, url, words, verb):
    result = command(verb, "--db", url.replace("CLOSED", str(_closed_port())))
    one_line(result, *words)
    assert "secret-77" not in result.out + result.err and "@x@" not in result.err


def test_a_folder_a_device_or_a_missing_folder_given_as_the_project_file_is_one_line(command, tmp_path):
    one_line(command("status", "--db", str(tmp_path)), f"{tmp_path} is a folder",
             f"such as {tmp_path / 'annotator.db'}")
    one_line(command("init", "--db", "/dev/null"), "/dev/null is not a regular file")
    one_line(command("init", "--db", str(tmp_path / "no" / "p.db")), f"there is no folder {tmp_path / 'no'} to hold")
    one_line(command("status", "--db", "postgresql+psycopg://u@/db?host=/no/such/socket/dir"),
             "no server answers there")


def test_a_project_path_with_a_question_mark_is_that_file(command, tmp_path):
    """A bare path is a path: "?" in it does not start a URL's query that cuts its name short."""
    assert command("init", "--db", "odd?name%41.db").code == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("odd")] == ["odd?name%41.db"]
    assert json.loads(command("status", "--json", "--db", "odd?name%41.db").out)["documents"] == 0


def test_a_server_that_never_answers_is_given_up_on_in_one_line(command, monkeypatch):
    """A listener that takes the connection and says nothing (a hung server, a wrong port behind a
    firewall): libpq waited for ever; now CONNECT_TIMEOUT_S, or the URL's own connect_timeout."""
    import time

    from annotator.store import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        for url in (f"postgresql+psycopg://u@127.0.0.1:{port}/db", f"postgresql+psycopg://u@127.0.0.1:{port}/db"
                                                                   "?connect_timeout=1"):
            began = time.monotonic()
            one_line(command("status", "--db", url), "no server answers there (connection timeout expired)")
            assert time.monotonic() - began < 8


# A damaged SQLite file ---------------------------------------------------------------------------

def _damage(db) -> None:
    """Overwrite, in the middle of the file, every page of the documents, their indexes and
    everything coded about them (the codebook, coders and revision stay whole)."""
    with sqlite3.connect(db) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [p for (p,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name NOT IN ('sqlite_schema', 'alembic_version', "
            "'sqlite_autoindex_alembic_version_1', 'codebook', 'ix_codebook_hash', 'coder', "
            "'sqlite_autoindex_coder_1')")]
    conn.close()
    with open(db, "r+b") as file:
        for page in pages:
            file.seek((page - 1) * size)
            file.write(b"\xa5" * size)


@pytest.mark.parametrize("args", [["status"], ["show", "GUM_news_afghan"], ["import", "new.jsonl"],
                                  ["export", "--out", "g.jsonl"], ["gold"], ["agree"]])
def test_a_damaged_sqlite_file_is_named_with_how_to_recover_it(cli, seeded, tmp_path, sqlite_only, args):
    # about SQLite's own file, damaged on disk
    write_jsonl(tmp_path / "new.jsonl", [{"id": "n1", "text": "A new text."}])
    _damage(seeded)
    one_line(cli(*args), f"the database file ({seeded}) is damaged (database disk image is malformed)",
             "restore your latest backup", f"sqlite3 {seeded} .recover")


def test_backup_refuses_a_damaged_project_and_makes_no_copy(cli, seeded, tmp_path, sqlite_only):
    # about SQLite's own file, damaged on disk
    _damage(seeded)
    one_line(cli("backup", str(tmp_path / "copy.db")), f"{seeded} is damaged, so no copy was made",
             "SQLite's quick check:")
    assert not (tmp_path / "copy.db").exists() and not list(tmp_path.glob(".*partial"))


def test_a_read_only_project_refuses_an_import_in_one_line(cli, seeded, tmp_path, sqlite_only):
    # about SQLite's file opened read-only (?mode=ro)
    write_jsonl(tmp_path / "new.jsonl", [{"id": "n1", "text": "A new text."}])
    one_line(cli("import", str(tmp_path / "new.jsonl"), "--db", f"sqlite:///{seeded}?mode=ro"),
             f"the database ({seeded}) cannot be written", "nothing was imported; reading commands still work")


def test_backup_into_a_folder_that_cannot_be_written_is_one_line(cli, seeded, tmp_path, sqlite_only):
    # about SQLite's backup writing its copy (chattr +i holds even for root)
    folder = tmp_path / "locked"
    folder.mkdir()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        one_line(cli("backup", str(folder / "copy.db")), f"cannot write {folder / 'copy.db'}", "no copy was made")
    finally:
        subprocess.run(["chattr", "-i", str(folder)])
    assert list(folder.iterdir()) == []


# A full disk, a lost server ----------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A real file system of 1 MB (tmpfs), unmounted after the test."""
    yield from _mounted(tmp_path / "small", "1m")


def _mounted(folder, size: str):
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here ({mounted.stderr.decode().strip()})")
    yield folder
    subprocess.run(["umount", "-l", str(folder)])


@pytest.fixture
def small_temporary_folder(tmp_path):
    yield from _mounted(tmp_path / "tmp", "300k")


def _articles(path, n: int, words: int = 40):
    return write_jsonl(path, [{"id": f"d{i}", "text": f"Article {i}. " + "Some words about things. " * words}
                              for i in range(n)])


def test_an_import_on_a_full_disk_says_the_disk_is_full_not_busy(cli, small_disk, tmp_path, sqlite_only):
    # about SQLite's file on a disk that fills up
    db = small_disk / "annotator.db"
    assert cli("init", "--db", str(db)).code == 0
    result = cli("import", "--db", str(db), str(_articles(tmp_path / "big.jsonl", 3000)))
    one_line(result, f"the disk holding the database ({db}) is full", "free some space and try again")
    assert "nothing was imported" in result.err or "new document(s) were stored before it" in result.err
    assert "busy" not in result.err
    assert cli("status", "--db", str(db)).code == 0  # what was committed is whole and readable


def test_an_import_whose_temporary_folder_fills_says_so(project, small_temporary_folder, tmp_path):
    """What an import has read spills to SQLite's temporary folder: a full one is named, not taken
    for the project's disk (a process of its own: SQLite reads TMPDIR once, as it starts)."""
    import os
    import sys

    path = write_jsonl(tmp_path / "many.jsonl", [{"id": f"m{i}", "text": f"Short text {i}."} for i in range(80_000)])
    env = {**os.environ, "TMPDIR": str(small_temporary_folder), "ANNOTATOR_DB": str(project)}
    done = subprocess.run([sys.executable, "-m", "annotator", "import", str(path)], env=env, capture_output=True,
                          text=True, cwd=tmp_path, timeout=300)
    one_line(Result(done.returncode, done.stdout, done.stderr),
             f"the disk holding the temporary folder ({small_temporary_folder}), where an import keeps what it "
             "has read, is full", "set TMPDIR to a folder on a disk with room")
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]


def test_a_project_on_a_disk_without_room_for_its_wal_index_says_the_disk_is_full(cli, seeded, small_disk, sqlite_only):
    # about SQLite's -shm file, which SQLite reports as a disk I/O error when it cannot grow
    db = small_disk / "annotator.db"
    db.write_bytes(seeded.read_bytes())
    room = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"x" * (room.f_bavail * room.f_frsize - 16384))
    for args in (["status"], ["coder", "add", "zed"]):
        one_line(cli(*args, "--db", str(db)), f"the disk holding the database ({db}) is full", "free some space")


def test_backup_to_a_full_disk_leaves_no_partial_file(cli, seeded, small_disk, sqlite_only):
    # about SQLite's backup of the file onto a disk too small for it
    room = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"x" * (room.f_bavail * room.f_frsize - 100_000))
    result = cli("backup", str(small_disk / "copy.db"))
    one_line(result, f"the disk holding {small_disk / 'copy.db'} is full", "no copy was made")
    assert [p.name for p in small_disk.iterdir()] == ["filler"]


def test_an_export_onto_a_full_disk_is_one_line_and_leaves_no_partial_file(cli, project, small_disk, tmp_path):
    coded = [{"id": f"c{i}", "text": f"Text {i}. " + "Words about things. " * 40, "coder": "alice", "status": "done",
              "spans": [], "stance": {}} for i in range(200)]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coded.jsonl", coded))).code == 0
    room = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"x" * (room.f_bavail * room.f_frsize - 8192))
    result = cli("export", "--format", "coders", "--out", str(small_disk / "out.jsonl"))
    one_line(result, f"could not write {small_disk / 'out.jsonl'}: No space left on device")
    assert [p.name for p in small_disk.iterdir()] == ["filler"]


def test_an_import_whose_server_connection_is_lost_names_it(cli, project, tmp_path, monkeypatch, backend):
    if backend != "postgresql":
        pytest.skip("about a PostgreSQL server's connection")
    import psycopg

    from annotator.store import documents

    real = documents.insert_many
    calls = []

    def cut_on_second_batch(conn, rows_, created_at):
        calls.append(1)
        if len(calls) == 2:  # the server ends this session (as a restart or an administrator does)
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with psycopg.connect(str(project).replace("+psycopg", ""), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return real(conn, rows_, created_at)

    monkeypatch.setattr(documents, "insert_many", cut_on_second_batch)
    result = cli("import", str(_articles(tmp_path / "many.jsonl", 2500, words=2)))
    stored = rows(project, "SELECT count(*) FROM document")[0][0]  # the first batch (its size is its time's)
    one_line(result, "the connection to the database server was lost",
             f"{stored} new document(s) were stored before it, the rest were not", "try again once the server is back")
    assert "busy" not in result.err
    assert 0 < stored < 2500


# Read-only ---------------------------------------------------------------------------------------

READING = [["status"], ["show", "GUM_news_afghan"], ["export", "--out", "e.jsonl", "--force"], ["agree"],
           ["coder", "list"]]


def test_a_read_only_project_reads_on_either_backend_and_refuses_writes_in_one_line(cli, project, tmp_path):
    """SQLite opened with ?mode=ro (which also holds for root, whom file modes do not stop); a
    PostgreSQL database whose sessions are read-only (as on a standby). agree, which keeps token
    counts for the next report, still reports."""
    text = "Donald Trump met Vladimir Putin in Moscow on Monday."
    coded = [{"id": "k1", "text": text, "coder": coder, "status": "done", "stance": {"Russia": "NONE"},
              "spans": [{"start": 0, "end": 12, "label": "PERSON"}]} for coder in ("alice", "bob")]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coded.jsonl", coded))).code == 0
    if isinstance(project, ServerDatabase):
        name = project.url.rsplit("/", 1)[1]
        execute(project, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        url, refusal = project.url, "the database server only reads here"
    else:
        url, refusal = f"sqlite:///{project}?mode=ro", f"the database ({project}) cannot be written"
    before = dump(project)
    for args in [*(a for a in READING if a[0] != "show"), ["show", "k1"], ["agree", "--json"]]:
        result = cli(*args, "--db", url)
        assert result.code == 0 and "error" not in result.err, (args, result.err)
    one_line(cli("coder", "add", "zed", "--db", url), refusal, "reading commands still work")
    assert dump(project) == before


def test_a_read_only_folder_and_a_read_only_backup_copy_are_read(cli, seeded, tmp_path, sqlite_only):
    """chattr +i holds even for root: the folder takes no -wal or -shm file, the copy (in SQLite's
    own journal mode, as backup writes it) cannot be switched to WAL."""
    folder = tmp_path / "archive"
    folder.mkdir()
    assert cli("backup", str(folder / "copy.db")).code == 0
    execute(seeded, "PRAGMA wal_checkpoint(TRUNCATE)")
    project_copy = folder / "project.db"
    project_copy.write_bytes(seeded.read_bytes())  # a WAL-mode project, its WAL folded in
    for db in (folder / "copy.db", project_copy):
        if subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available on this file system")
    subprocess.run(["chattr", "+i", str(folder)], check=True)
    try:
        for db in (folder / "copy.db", project_copy):
            for args in READING:
                result = cli(*args, "--db", str(db))
                assert result.code == 0 and "error" not in result.err, (db, args, result.err)
            one_line(cli("coder", "add", "zed", "--db", str(db)), "cannot be written", "reading commands still work")
        assert sorted(p.name for p in folder.iterdir()) == ["copy.db", "project.db"]
    finally:
        subprocess.run(["chattr", "-i", str(folder), str(folder / "copy.db"), str(project_copy)])


# show --------------------------------------------------------------------------------------------

def test_show_of_an_id_of_any_length_is_the_same_one_line_with_the_id_shortened(cli, seeded):
    long_id = "x" * 50_001  # past SQLite's longest LIKE pattern
    result = cli("show", long_id)
    one_line(result, "no document with id 'xxx", "... (50001 characters)")
    assert len(result.err) < 200
    one_line(cli("show", "GUM_news_kor"), "no document with id 'GUM_news_kor'", "similar ids: GUM_news_korea")
    wildcard = cli("show", "%_")  # itself, not a pattern that every id matches
    one_line(wildcard, "no document with id '%_'")
    assert "similar ids" not in wildcard.err


# assign, serve -----------------------------------------------------------------------------------

def test_assign_seed_beyond_64_bits_is_one_line_and_assigns_nothing(cli, seeded):
    assert cli("coder", "add", "alice").code == 0
    before = dump(seeded)
    one_line(cli("assign", "--coders", "alice", "--seed", str(2**64)), f"--seed {2**64}", "at most 64 bits")
    assert dump(seeded) == before
    assert cli("assign", "--coders", "alice", "--seed", str(2**64 - 1)).code == 0


@pytest.mark.parametrize("args, words", [
    (["suggest", "--n-process", str(10**23)], ["--n-process 100000000000000000000000: give 1 to"]),
    (["suggest", "--batch-size", str(10**23)], ["--batch-size 100000000000000000000000: give 1 to 10000"]),
    (["train", "--seed", str(2**32)], [f"--seed {2**32}: give a whole number from 0 to {2**32 - 1}"]),
    (["train", "--seed", "-1"], ["--seed -1: give a whole number from 0 to"]),
], ids=["n-process", "batch-size", "train-seed", "train-seed-negative"])
def test_numbers_no_machine_or_learner_can_take_are_refused_before_any_work(cli, project, args, words):
    """--n-process 10**23 forked until the process table was full; the others ended in tracebacks."""
    one_line(cli(*args), *words)


def test_serve_on_a_host_that_resolves_to_nothing_or_a_port_in_use_says_so_before_serving(command):
    pytest.importorskip("textual_serve")
    one_line(command("serve", "--host", "no-such-host.invalid"), "--host 'no-such-host.invalid' names no address")
    one_line(command("serve", "--host", "192.0.2.1"), "is not an address of this machine")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = command("serve", "--port", str(port))
    one_line(result, f"--port {port}: another program already listens there")
    assert "Serving" not in result.out + result.err


# Upgrades ----------------------------------------------------------------------------------------

def _old_project(db, *statements: str) -> list[str]:
    """A SQLite project at revision 0011 (then `statements`); returns its schema's objects."""
    from test_store import _at_revision

    _at_revision(db, "0011")
    execute(db, *statements)
    return sorted(name for (name,) in rows(db, "SELECT name FROM sqlite_master"))


def test_a_failed_upgrade_of_a_sqlite_project_is_undone_whole_and_said_in_one_line(cli, tmp_path, sqlite_only):
    # about SQLite's DDL, which Python's sqlite3 commits statement by statement unless told otherwise
    db = tmp_path / "old.db"
    before = _old_project(db, "CREATE TABLE model_version (x INTEGER)")  # 0016 makes this table: it fails there
    one_line(cli("status", "--db", str(db)), f"bringing {db} to schema", "(table model_version already exists)",
             "was undone")
    assert sorted(name for (name,) in rows(db, "SELECT name FROM sqlite_master")) == before  # no 0012-0015 tables
    assert rows(db, "SELECT version_num FROM alembic_version") == [("0011",)]
    execute(db, "DROP TABLE model_version")
    assert cli("status", "--db", str(db)).code == 0  # and the next upgrade runs from where it was


def test_an_old_project_that_is_read_only_says_it_must_be_upgraded_once_where_it_can_be_written(
        cli, tmp_path, sqlite_only):
    # about SQLite's file opened read-only (?mode=ro)
    db = tmp_path / "old.db"
    _old_project(db)
    one_line(cli("status", "--db", f"sqlite:///{db}?mode=ro"), f"{db} is at an older schema",
             "open it once where it may be written")


async def test_the_screen_on_a_read_only_project_opens_and_a_key_says_why_it_was_not_saved(seeded):
    """SQLite opened ?mode=ro; a PostgreSQL database whose sessions are read-only (a standby). The
    coder exists, so the screen opens (its progress mark and lease are conveniences it does without)."""
    from conftest import rule_pipeline

    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project
    from annotator.tui.app import CodingApp

    CodingSession(open_project(str(seeded)), "alice")  # alice's first session adds her
    if isinstance(seeded, ServerDatabase):
        execute(seeded, f'ALTER DATABASE "{seeded.url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on')
        url, refusal = seeded.url, "the database server only reads here"
    else:
        url, refusal = f"sqlite:///{seeded}?mode=ro", "cannot be written"
    before = dump(seeded)
    app = CodingApp(CodingSession(open_project(url), "alice", clock=lambda: 0.0, pipeline=rule_pipeline()))
    async with app.run_test() as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        said = [n.message for n in app._notifications if n.title == "Not saved"]
    assert said and refusal in said[0] and "reading commands still work" in said[0], said
    assert "\n" not in said[0] and dump(seeded) == before


def test_opening_the_screen_as_a_new_coder_on_a_read_only_project_says_who_it_can_open_as(seeded):
    from annotator.domain.errors import InputError
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project

    if isinstance(seeded, ServerDatabase):
        execute(seeded, f'ALTER DATABASE "{seeded.url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on')
        url = seeded.url
    else:
        url = f"sqlite:///{seeded}?mode=ro"
    with pytest.raises(InputError, match="'zed' is not a coder of this project, and the database only reads"):
        CodingSession(open_project(url), "zed")


@pytest.mark.parametrize("query", ["mode=RO", "mdoe=ro", "immutable=1"])
def test_a_sqlite_url_option_that_is_not_read_is_refused_and_nothing_is_written(cli, project, tmp_path, sqlite_only,
                                                                               query):
    """SQLAlchemy dropped such an option with a warning, and a misspelt mode=ro then wrote."""
    before = dump(project)
    result = cli("--db", f"sqlite:///{project}?{query}", "coder", "add", "zed")
    assert result.code == 1 and f"the SQLite URL asks for {query}, which is not read" in result.err, result.err
    assert "Warning" not in result.err and dump(project) == before


def test_seconds_past_any_coders_time_are_refused(cli, project, tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "m1", "text": "Zelensky visits Oslo.", "coder": "ana", "seconds": 1.7e308}\n')
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:1: 'seconds' must be the seconds a coder spent" in result.err
