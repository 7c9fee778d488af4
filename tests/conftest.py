"""Shared fixtures: real databases (a SQLite file in tmp_path, and a database of its own on the
session's PostgreSQL server), the CLI run in-process as a user would.

Every test that uses a project (the `database`, `cli`, `project`, `seeded` fixtures) runs once on
each backend: test ids end in [sqlite] or [postgresql]. A test about SQLite's own file (its locks,
its backup, its query planner) asks for `sqlite_only`."""

from __future__ import annotations

import functools
import gc
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from pg_cluster import Cluster, server_programs

from annotator.cli import main
from annotator.tui import load_textual

load_textual()  # the screens' tests run Textual at the frame rate `annotator code` runs it at

BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class ServerDatabase:
    """A project database on the PostgreSQL server: str() gives its URL, for --db and ANNOTATOR_DB.
    Not a path, so a test that opens it with sqlite3 fails loudly instead of making a stray file."""
    url: str

    def __str__(self) -> str:
        return self.url


@pytest.fixture(autouse=True)
def no_user_config(tmp_path_factory, monkeypatch):
    """The user's own config file (remapped keys) never reaches a test: each sees an empty config folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-user-config"))


@pytest.fixture(scope="session")
def pg_cluster():
    external = os.environ.get("ANNOTATOR_TEST_POSTGRES")
    if external:
        yield Cluster(external.replace("+psycopg", ""))
        return
    unavailable = pytest.fail if os.environ.get("ANNOTATOR_REQUIRE_POSTGRES") else pytest.skip  # (.ci/run: fail)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed: pip install -e '.[test]' brings it")
    programs = server_programs()
    if programs is None:
        unavailable("no PostgreSQL server is installed here (.ci/run installs the distribution's)")
    cluster = Cluster.start(programs)
    yield cluster
    cluster.stop()


def pytest_generate_tests(metafunc):
    """Every test that uses `backend` (through any fixture: `cli`, `project`, `seeded`, ...) runs on
    each. A fixture asked for only while the test runs (getfixturevalue) gets SQLite. A test marked
    `screen` (painting, workers, the terminal) runs on SQLite alone: what a key stores is checked on
    both databases by the controller's and the services' tests."""
    if "backend" in metafunc.fixturenames:
        screen_only = metafunc.definition.get_closest_marker("screen") is not None
        metafunc.parametrize("backend", BACKENDS[:1] if screen_only else BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def sqlite_only(backend) -> None:
    """For tests of SQLite's own file: they run once, on SQLite."""
    if backend != "sqlite":
        pytest.skip("about SQLite's own file: it runs on the sqlite backend")


@pytest.fixture
def postgres_only(backend) -> None:
    """For tests of a PostgreSQL server's own roles, passwords and policies."""
    if backend != "postgresql":
        pytest.skip("about a PostgreSQL server's roles and passwords")


def _server_database(request, template: str | None = None):
    cluster = request.getfixturevalue("pg_cluster")
    name = f"t_{uuid.uuid4().hex[:16]}"
    database = ServerDatabase(cluster.create(name, template))
    request.addfinalizer(lambda: cluster.drop(name))
    return database


@pytest.fixture
def database(request, backend, tmp_path) -> Path | ServerDatabase:
    """Where this test's project lives: tmp_path/annotator.db, or a new database on the server;
    for a test that asks for `seeded` or `model_seeded`, a private copy of those seeds."""
    for fixture, (built, template, pipeline) in SEEDED.items():
        if fixture in request.fixturenames:
            if backend == "sqlite":
                return _copy(request.getfixturevalue(built), tmp_path / "annotator.db")
            cluster = request.getfixturevalue("pg_cluster")
            return _server_database(request, _server_template(cluster, template, request.getfixturevalue(pipeline)))
    if "project" in request.fixturenames:
        if backend == "sqlite":
            initialized = _copy(request.getfixturevalue("initialized_project"), tmp_path / "annotator.db")
        else:
            initialized = _server_database(request, _initialized_template(request.getfixturevalue("pg_cluster")))
        _INITIALIZED.add(str(initialized))
        return initialized
    if backend == "sqlite":
        return tmp_path / "annotator.db"
    return _server_database(request)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
WIKINEWS = SEEDS / "wikinews.jsonl"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, tmp_path, monkeypatch, database):
    """Run `annotator ARGS` in-process against this test's database (tmp_path/annotator.db, found
    in the working folder, or the server's, found in ANNOTATOR_DB); returns exit code and output."""
    monkeypatch.chdir(tmp_path)
    if isinstance(database, ServerDatabase):
        monkeypatch.setenv("ANNOTATOR_DB", database.url)
    else:
        monkeypatch.delenv("ANNOTATOR_DB", raising=False)

    return in_process(capsys)


def in_process(capsys):
    """`annotator ARGS` run in this process; returns exit code and output."""
    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def project(cli, database) -> Path | ServerDatabase:
    """An initialised project (default codebook) in this test's database; returns where it is. It
    is a copy of one initialised once a session (see `database`): `annotator init` itself is
    tested on an empty database by its own tests. A test that asks for `project` only while it runs
    (getfixturevalue) gets `init` run here."""
    if str(database) not in _INITIALIZED:
        assert cli("init").code == 0
    return database


def dump(db: Path | ServerDatabase) -> list[str]:
    """Every row of every table, for asserting that a failed command changed nothing."""
    if isinstance(db, ServerDatabase):
        return server_dump(db)
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def server_dump(db: ServerDatabase) -> list[str]:
    import psycopg

    with psycopg.connect(db.url.replace("+psycopg", "")) as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return [f"{table}: {row!r}" for table in tables
                for row in sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)]


def rows(db: Path | ServerDatabase, sql: str, *parameters) -> list[tuple]:
    """The rows of a query (written with ? marks) on either backend, straight from the driver."""
    if isinstance(db, ServerDatabase):
        import psycopg

        with psycopg.connect(db.url.replace("+psycopg", "")) as conn:
            return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), parameters or None).fetchall()]
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, parameters).fetchall()


def assert_find_index_whole(db: Path) -> None:
    """The SQLite find index holds exactly the documents: FTS5's integrity check, compared with
    the document table, raises "database disk image is malformed" where they differ."""
    assert rows(db, "INSERT INTO document_fts(document_fts, rank) VALUES ('integrity-check', 1)") == []


def execute(db: Path | ServerDatabase, *statements: str | tuple) -> None:
    """Run statements that return no rows (each SQL text, or (SQL, parameter, ...) with ? marks) in
    one transaction on either backend, committed at the end; the driver's own error propagates."""
    steps = [(s, ()) if isinstance(s, str) else (s[0], tuple(s[1:])) for s in statements]
    if isinstance(db, ServerDatabase):
        import psycopg

        with psycopg.connect(db.url.replace("+psycopg", "")) as conn:
            for sql, parameters in steps:
                conn.execute(sql.replace("?", "%s"), parameters or None)
        return
    with sqlite3.connect(db) as conn:
        for sql, parameters in steps:
            conn.execute(sql, parameters)
    conn.close()


@pytest.fixture
def clone(request, tmp_path):
    """clone(db) gives a copy of that project database as it is now, on its own backend (on the
    server a CREATE DATABASE ... TEMPLATE: dispose of engines on the original first)."""
    def make(db: Path | ServerDatabase) -> Path | ServerDatabase:
        if isinstance(db, ServerDatabase):
            gc.collect()  # engines the in-process CLI left behind close their pooled connections
            return _server_database(request, db.url.rsplit("/", 1)[1])
        return _copy(db, tmp_path / f"clone-{uuid.uuid4().hex[:8]}.db")

    return make


@pytest.fixture
def another_database(request, backend, tmp_path) -> Path | ServerDatabase:
    """A second place for a project, empty, on this test's backend: annotator.db in a new folder
    tmp_path/other (the working folder of another project), or a new database on the server."""
    if backend == "sqlite":
        (tmp_path / "other").mkdir()
        return tmp_path / "other" / "annotator.db"
    return _server_database(request)


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), "utf-8")
    return path


def wikinews() -> list[dict]:
    return [json.loads(line) for line in WIKINEWS.read_text("utf-8").splitlines()]


@pytest.fixture(scope="session")
def pipeline():
    """The real default spaCy pipeline, loaded once for the whole session (where the model matters)."""
    from annotator.nlp.pipeline import load_pipeline

    return load_pipeline()


# Names the rule-based pipeline finds, as (label, phrase): exact and predictable, unlike a model.
RULES = [("PERSON", "Donald Trump"), ("PERSON", "Vladimir Putin"), ("PERSON", "Trump"), ("PERSON", "Putin"),
         ("PERSON", "Volodymyr Zelensky"), ("PERSON", "Joe Biden"), ("GPE", "US"), ("GPE", "Ukraine"),
         ("GPE", "Kyiv"), ("GPE", "Russia"), ("GPE", "United States"), ("GPE", "Moscow"), ("ORG", "NATO"),
         ("NORP", "Ukrainian"), ("NORP", "Russian"), ("LOC", "Europe")]


@pytest.fixture(scope="session")
def ruler():
    return rule_pipeline()


@functools.cache
def rule_pipeline():
    """A small deterministic pipeline: spaCy's English tokenizer, an entity ruler with RULES and a
    sentencizer. Screen and service tests run on it, so they can assert exact spans."""
    import spacy

    from annotator.nlp.pipeline import Pipeline

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": label, "pattern": phrase} for label, phrase in RULES])
    nlp.add_pipe("sentencizer")
    return Pipeline(nlp=nlp, name="ruler", version="1")


def _suggested_project(db: Path | str, pipeline) -> Path | str:
    from annotator.services.importer import import_paths
    from annotator.services.project import init_project, open_project
    from annotator.services.suggest import suggest

    init_project(str(db))
    engine = open_project(str(db))
    import_paths(engine, [SEEDS])
    suggest(engine, pipeline=pipeline)
    engine.dispose()
    return db


@pytest.fixture(scope="session")
def suggested_seeds(tmp_path_factory, ruler) -> Path:
    """The seeds imported and suggested by the rule-based pipeline, built once; copy before changing."""
    return _suggested_project(tmp_path_factory.mktemp("ruled") / "seeds.db", ruler)


@pytest.fixture(scope="session")
def model_suggested_seeds(tmp_path_factory, pipeline) -> Path:
    """The seeds imported and suggested by the real model, built once; copy before changing."""
    return _suggested_project(tmp_path_factory.mktemp("modelled") / "seeds.db", pipeline)


_INITIALIZED: set[str] = set()  # the databases `database` made as copies of an initialised project


@pytest.fixture(scope="session")
def initialized_project(tmp_path_factory) -> Path:
    """`annotator init` on an empty SQLite file (the default codebook), once; `project` gets copies."""
    return _initialized(tmp_path_factory.mktemp("initialized") / "annotator.db")


@functools.cache
def _initialized_template(cluster: Cluster) -> str:
    """The same on the server, once, as a template database."""
    _initialized(cluster.create("initialized"))
    return "initialized"


def _initialized(db: Path | str) -> Path | str:
    from annotator.services.project import init_project, open_project

    init_project(str(db))
    open_project(str(db)).dispose()
    return db


@functools.cache
def _server_template(cluster: Cluster, name: str, pipeline) -> str:
    """A database on the server built once, that tests get copies of (CREATE DATABASE ... TEMPLATE)."""
    _suggested_project(cluster.create(name), pipeline)
    return name


def _copy(source: Path, db: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return db


@pytest.fixture
def seeded(request, database) -> Path | ServerDatabase:
    """This test's database holding a private copy of the rule-suggested seeds (see `database`)."""
    return _seeded_here(request, database, "suggested_seeds")


@pytest.fixture
def model_seeded(request, database) -> Path | ServerDatabase:
    """This test's database holding a private copy of the model-suggested seeds (see `database`)."""
    return _seeded_here(request, database, "model_suggested_seeds")


def _seeded_here(request, database, built: str):
    # Asked for with getfixturevalue, after `database` was made: the copy is made here (on SQLite).
    if isinstance(database, Path) and not database.exists():
        _copy(request.getfixturevalue(built), database)
    return database


SEEDED = {"seeded": ("suggested_seeds", "seeds_ruled", "ruler"),
          "model_seeded": ("model_suggested_seeds", "seeds_modelled", "pipeline")}


@pytest.fixture
def act_as(monkeypatch, database):
    """act_as(name): the commands that follow act as that person. On a SQLite file that is the name
    ANNOTATOR_USER claims; on PostgreSQL it is the database role connected as, made (as `coder add`
    run by the owner makes it) and granted its project role's rights when missing."""
    def switch(name: str) -> None:
        if not isinstance(database, ServerDatabase):
            monkeypatch.setenv("ANNOTATOR_USER", name)
            return
        import sqlalchemy

        from annotator.store import roles

        owner = sqlalchemy.create_engine(database.url)
        try:
            with owner.begin() as conn:
                role = conn.scalar(sqlalchemy.text("SELECT role FROM coder WHERE name = :n"), {"n": name}) or "coder"
                roles.grant(conn, name, role, create=not roles.role_exists(conn, name))
        finally:
            owner.dispose()
        monkeypatch.setenv("ANNOTATOR_DB", as_role(database, name))
    return switch


def as_role(database: ServerDatabase, name: str) -> str:
    """The project's URL as the database role `name` (the test cluster trusts every local role)."""
    scheme, rest = database.url.split("://", 1)
    return f"{scheme}://{name}@{rest.split('@', 1)[1]}"
