"""Engine construction: which database, and SQLite set up for durability and concurrent coders."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from operator import itemgetter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import URL, Column, Connection, CursorResult, Engine, Executable, Select, Table, event, make_url
from sqlalchemy.engine.interfaces import ExceptionContext
from sqlalchemy.exc import (ArgumentError, DatabaseError, DBAPIError, IntegrityError, NoSuchModuleError,
                            OperationalError)
from sqlalchemy import create_engine

from annotator.domain.display import masked_url
from annotator.domain.errors import InputError

__all__ = ["Connection", "Engine", "StoreBusy", "StoreConflict", "StoreError", "cannot_write_now", "read_only", "bulk_insert", "bulk_insert_values", "bulk_rows", "count_of", "driver_connection", "inserted_pk", "keep_if_possible", "make_engine", "resolve_url", "shown_engine_url", "shown_url", "sqlite_path", "transient", "write"]

# What a write raises when the database stays locked past the busy timeout, or the disk is full:
# services catch this name, so no layer above the store needs SQLAlchemy.
StoreBusy = OperationalError
# What a write raises when another writer stored the same unique thing first (two imports of one file).
StoreConflict = IntegrityError
# Any failure the database reports (cannot_write_now tells the ones to set aside).
StoreError = DBAPIError

DEFAULT_DB_FILE = "annotator.db"
BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 10  # seconds a database server has to answer a new connection


def resolve_url(db: str | None = None) -> str:
    """`--db URL`, else ANNOTATOR_DB, else annotator.db in the working folder. A bare path means SQLite."""
    value = db or os.environ.get("ANNOTATOR_DB") or DEFAULT_DB_FILE
    if "://" in value:
        return value
    # escaped as a URL's database part is read back: "?" would start a query and cut the name there
    return "sqlite:///" + str(Path(value).resolve()).replace("%", "%25").replace("?", "%3F")


def shown_url(db: str | None = None) -> str:
    """The project's URL as output and logs may show it: a password in it becomes ***, in the user
    part or the query string, also in a URL SQLAlchemy cannot read (a port that is not a number)."""
    from sqlalchemy.engine import make_url

    url = resolve_url(db)
    if url.startswith("sqlite"):  # a file path: shown as it is (SQLAlchemy would %-escape it)
        return url.replace("%3F", "?").replace("%25", "%")  # as resolve_url escaped a bare path
    try:
        url = make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads (a port that is not a number): masked as text
        pass
    return masked_url(url)


def shown_engine_url(engine: Engine) -> str:
    return shown_url(engine.url.render_as_string(hide_password=False))


def _masked(url: str) -> str:
    return masked_url(url)


def make_engine(db: str | None = None) -> Engine:
    """The engine for a project database; a URL it cannot serve is a clear InputError."""
    url = resolve_url(db)
    scheme, rest = url.split("://", 1)
    authority = rest.split("/", 1)[0]
    if authority.count("@") > 1:  # libpq would name part of the password as a host
        shown = f"{scheme}://***@{authority.rsplit('@', 1)[1]}/{rest.split('/', 1)[1] if '/' in rest else ''}"
        raise InputError(f"{masked_url(shown)} is not a database URL that can be read: a user name or password "
                         "holding '@' must write it as %40; nothing was opened")
    if url in ("sqlite://", "sqlite:///:memory:") or url.endswith(":memory:"):
        raise InputError(f"{shown_url(url)} is a database in memory: it keeps nothing after the command; give a file path")
    try:
        return _engine(url)
    except NoSuchModuleError:
        scheme = url.split("://", 1)[0]
        raise InputError(f"unsupported database URL scheme {scheme!r}; give a SQLite file path or a PostgreSQL URL "
                         "(postgresql+psycopg://USER@HOST/DB)") from None
    except ModuleNotFoundError as exc:
        scheme = url.split("://", 1)[0]
        if not scheme.startswith("postgresql"):
            raise InputError(f"unsupported database URL scheme {scheme!r}; give a SQLite file path or a PostgreSQL "
                             "URL (postgresql+psycopg://USER@HOST/DB)") from None
        raise InputError(f"the PostgreSQL driver {exc.name!r} is not installed: pip install 'psycopg[binary]' "
                         "and use a postgresql+psycopg:// URL") from None


def _parsed(url: str) -> URL:
    """The URL as SQLAlchemy reads it; one it cannot read, or a port that is no port, is an InputError
    naming the URL (its password masked by hand: SQLAlchemy could not find it)."""
    try:
        parsed = make_url(url)
        port = parsed.port
    except (ArgumentError, ValueError):
        raise InputError(f"{_masked(url)} is not a database URL SQLAlchemy can read (a port must be a number); give a "
                         "SQLite file path or postgresql+psycopg://USER@HOST:PORT/DB") from None
    if port is not None and not 1 <= port <= 65535:
        raise InputError(f"{masked_url(parsed.render_as_string(hide_password=True))}: port {port} is not a port; give a number "
                         "from 1 to 65535 (PostgreSQL's is 5432)")
    return parsed


def _engine(url: str) -> Engine:
    parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
        named = str(sqlite_path(engine))
    else:
        # A server that takes the connection and never answers would hold the command for ever
        # (libpq waits without a limit); a URL's own ?connect_timeout= wins.
        waits = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = create_engine(parsed, pool_pre_ping=True, json_serializer=_to_json, json_deserializer=orjson.loads,
                               connect_args=waits)
        # Many rows a statement, not a statement a row: the tally's statement triggers then add up
        # a thousand rows at once (a count bumped row by row grows PostgreSQL a chain of versions).
        engine.dialect.use_insertmanyvalues_wo_returning = True
        named = masked_url(parsed.render_as_string(hide_password=True))
    event.listen(engine, "handle_error", lambda context: _named(context, named))
    return engine


def _named(context: ExceptionContext, database: str) -> None:
    """Each error an engine raises carries the database it came from, so a message can name it."""
    if context.sqlalchemy_exception is not None:
        _name_database(context.sqlalchemy_exception, database)


def _name_database(exc: BaseException, database: str) -> None:
    exc.database = database  # type: ignore[attr-defined]  # our own attribute, read back by failure_cause


def driver_connection(conn: Connection) -> Any:
    """The driver's own connection under `conn`, in the same transaction (SQLAlchemy types it as
    optional: a connection still open always has one)."""
    driver = conn.connection.driver_connection
    assert driver is not None, "the connection is closed"
    return driver


def count_of(conn: Connection, query: Executable, parameters: dict[str, Any] | None = None) -> int:
    """The one number a COUNT (or SUM) query reads."""
    return int(conn.scalar(query, parameters) or 0)


def inserted_pk(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT of one row made."""
    key = result.inserted_primary_key
    assert key is not None, "not an INSERT of one row"
    return int(key[0])


def _sqlite_engine(url: URL) -> Engine:
    """SQLite through our own opening of the file: `?mode=ro` in the URL opens it read-only (SQLAlchemy
    would ignore the option, with a warning, and write), and a file in a folder no one may write is
    read even so. The option stays in the engine's URL, so processes started with it read-only too."""
    unknown = {k: v for k, v in url.query.items() if (k, v) not in (("mode", "ro"), ("uri", "true"))}
    if unknown:  # (SQLAlchemy would drop them with a warning, and a misspelt mode=ro would then write)
        shown = "&".join(f"{k}={x}" for k, v in unknown.items() if k.lower() not in ("password", "sslpassword")
                         for x in (v if isinstance(v, tuple) else (v,)))  # (a key given twice: a tuple of both)
        raise InputError(f"the SQLite URL asks for {shown or 'a password'}, which is not read: a SQLite URL takes "
                         "?mode=ro (read only) and nothing else")
    reads_only = url.query.get("mode") == "ro"
    path = Path((url.database or "").removeprefix("file:")).absolute()
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise InputError(f"{path} is a folder; give the path of a project file, such as {path / DEFAULT_DB_FILE}")
        raise InputError(f"{path} is not a regular file (a device or a pipe); give the path of a project file")
    if reads_only:
        url = url.update_query_dict({"uri": "true"})  # SQLAlchemy takes the query as SQLite's then, silently
        url = url.set(database=str(path))
    return create_engine(url, creator=lambda: _open_sqlite(path, reads_only),
                         json_serializer=_to_json, json_deserializer=orjson.loads)


def _open_sqlite(path: Path, reads_only: bool) -> sqlite3.Connection:
    """A connection to the project file, set up by _sqlite_pragmas."""
    def connect(options: str) -> sqlite3.Connection:
        return sqlite3.connect(f"{path.as_uri()}?{options}", uri=True, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)

    connection = connect("mode=ro" if reads_only else "mode=rwc")
    try:
        connection.execute("PRAGMA schema_version").fetchone()  # opens the file (and its WAL index) now
    except sqlite3.OperationalError as exc:
        connection.close()
        # A WAL database in a folder no one may write has no index (-shm) beside it, without which
        # SQLite reads it only as immutable. With no -wal file beside it either, nobody is writing
        # and the file holds all that was committed: read it so, as the read-only message promises.
        wal = path.with_name(path.name + "-wal")
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN" or not path.is_file() or wal.exists():
            raise
        connection = connect("mode=ro&immutable=1")
    _sqlite_pragmas(connection)
    return connection


def _to_json(value: Any) -> str:
    """JSON columns (meta, spans, events) through orjson: several times the standard library's speed."""
    return orjson.dumps(value).decode()


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection) -> None:
    # WAL lets coders read while another writes; FULL syncs each commit so a crash or power cut
    # loses nothing that was shown as saved; foreign keys are off by default in SQLite.
    cur = dbapi_connection.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        if not getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
            raise
        # a read-only file in another journal mode (a backup copy): read as it is; writes say why they fail
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # 64 MB of page cache instead of 2: a bulk write (gold for 100,000 documents) otherwise spills
    # and rewrites index pages in the WAL, a fifth of its time; the cache only grows as pages are used.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def sqlite_path(engine: Engine) -> Path | None:
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database)
    return None


def bulk_rows(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """All rows of a read over a whole project as plain tuples. On SQLite the compiled statement runs
    on the driver's cursor (same connection and transaction): SQLAlchemy's per-row processing was
    40% of reading a million rows, and these queries return only integers and text."""
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(query)]
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    ordered = [params[name] for name in compiled.positiontup or ()]
    cursor = driver_connection(conn).cursor()
    try:
        with driver_errors(compiled.string, conn):
            rows: list[tuple[Any, ...]] = cursor.execute(compiled.string, ordered).fetchall()
            return rows
    finally:
        cursor.close()


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows at the driver's executemany speed on SQLite (values converted by the columns'
    own bind processors, as SQLAlchemy would); elsewhere through SQLAlchemy."""
    if rows:
        bulk_execute(conn, table, rows, f"INSERT INTO {table.name} ({{columns}}) VALUES ({{marks}})")


def bound(conn: Connection, column: Column[Any], value: Any) -> Any:
    """A value as the driver receives it for this column (JSON serialized, datetime as text, ...)."""
    processor = column.type.bind_processor(conn.dialect)
    return processor(value) if processor else value


def bulk_insert_values(conn: Connection, table: Table, columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
    """bulk_insert for rows given as tuples of driver values (plain integers and text, or `bound`)
    in `columns` order: the hundreds of thousands of gold items a first derivation stores skip
    building a dict each."""
    if not values:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name != "sqlite":  # a page of rows a statement, as SQLAlchemy's own executemany does here
        row = f"({', '.join(['%s'] * len(columns))})"
        page = max(1, 30_000 // len(columns))  # under the protocol's 65,535 parameters
        for at in range(0, len(values), page):
            part = values[at:at + page]
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES {', '.join([row] * len(part))}",
                                 tuple(value for row_values in part for value in row_values))
        return
    _executemany(conn, f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", values)


def dialect_insert(conn: Connection) -> Callable[[Table], Any]:
    """The database's own INSERT construct: it has on_conflict_do_update and on_conflict_do_nothing
    (the two dialects share that part of their API)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def bulk_update(conn: Connection, table: Table, rows: list[dict[str, Any]], key: str = "pk") -> None:
    """Update many rows by key (each dict: the key and the new values), as bulk_insert does."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        from sqlalchemy import BindParameter, bindparam

        values: dict[str, BindParameter[Any]] = {c: bindparam(f"v_{c}") for c in rows[0] if c != key}
        conn.execute(table.update().where(table.c[key] == bindparam("k_")).values(**values),
                     [{"k_": r[key], **{f"v_{c}": r[c] for c in r if c != key}} for r in rows])
        return
    columns = [c for c in rows[0] if c != key]
    assignments = ", ".join(f'"{c}" = ?' for c in columns)
    _driver_executemany(conn, table, [*columns, key], rows, f"UPDATE {table.name} SET {assignments} WHERE \"{key}\" = ?")


def bulk_execute(conn: Connection, table: Table, rows: list[dict[str, Any]], template: str) -> None:
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    sql = template.format(columns=", ".join(f'"{c}"' for c in columns), marks=", ".join("?" * len(columns)))
    _driver_executemany(conn, table, columns, rows, sql)


def _driver_executemany(conn: Connection, table: Table, columns: list[str], rows: list[dict[str, Any]], sql: str) -> None:
    processors = [table.c[c].type.bind_processor(conn.dialect) for c in columns]
    if any(processors):
        values = [tuple(p(row[c]) if p else row[c] for c, p in zip(columns, processors)) for row in rows]
    else:  # plain integers and text: picked out at C speed
        pick = itemgetter(*columns)
        values = [pick(row) for row in rows] if len(columns) > 1 else [(row[columns[0]],) for row in rows]
    _executemany(conn, sql, values)


def _executemany(conn: Connection, sql: str, values: list[tuple[Any, ...]]) -> None:
    cursor = driver_connection(conn).cursor()  # same connection, same transaction
    try:
        with driver_errors(sql, conn):
            cursor.executemany(sql, values)
    finally:
        cursor.close()


@contextmanager
def driver_errors(sql: str, conn: Connection | None = None) -> Iterator[None]:
    """Errors of statements run on the driver's own cursor, raised as the store's own names (as
    SQLAlchemy raises them for statements it runs, naming the database as _named does), so callers
    catch one kind."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        kind = StoreConflict if isinstance(exc, sqlite3.IntegrityError) else \
            StoreBusy if isinstance(exc, sqlite3.OperationalError) else DatabaseError
        raised = kind(sql, None, exc)
        if conn is not None:
            _name_database(raised, str(sqlite_path(conn.engine) or ""))
        raise raised from exc


T = TypeVar("T")
# PostgreSQL's "try again" errors: a serialization failure and a deadlock (the server broke it by
# failing one of the transactions in it).
TRANSIENT_STATES = {"40001", "40P01"}


def transient(exc: BaseException) -> bool:
    """Whether the transaction failed only because another writer was in the way at that moment."""
    if not isinstance(exc, DBAPIError) or isinstance(exc, IntegrityError):
        return False
    if getattr(exc.orig, "sqlstate", None) in TRANSIENT_STATES:
        return True
    name = getattr(exc.orig, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_BUSY") or "database is locked" in str(exc.orig).lower()


def keep_if_possible(engine: Engine, work: Callable[[Connection], object]) -> bool:
    """Store what is kept only to save work later (a cache) in a transaction of its own; a database
    that is read-only (a SQLite file, or a PostgreSQL standby or read-only session), locked or full
    is left as it is, and False returned: reading commands work there."""
    try:
        with engine.begin() as conn:
            work(conn)
        return True
    except DBAPIError as exc:
        if cannot_write_now(exc) or getattr(exc.orig, "sqlstate", None) == "42501":  # (or a role that may not)
            return False
        raise


def cannot_write_now(exc: BaseException) -> bool:
    """Whether a write failed only on a database that cannot take writes now (read-only, locked or
    full; a PostgreSQL standby or read-only session; another writer in the way), not on a mistake."""
    return isinstance(exc, OperationalError) or transient(exc) or read_only(exc)


def read_only(exc: BaseException) -> bool:
    """Whether a write failed on a database that only reads: a SQLite file (or folder) that cannot be
    written or was opened ?mode=ro, a PostgreSQL standby or read-only session."""
    orig = getattr(exc, "orig", None)
    return (getattr(orig, "sqlite_errorname", "") or "").startswith("SQLITE_READONLY") or \
        getattr(orig, "sqlstate", None) == "25006"


def write(engine: Engine, work: Callable[[Connection], T], patience: float = 60.0) -> T:
    """Run `work` in a transaction of its own, again (after a growing, jittered pause) while another
    writer is in the way, for up to `patience` seconds: a coder's key waits out a long import
    instead of reporting a locked database. `work` must only write through its connection."""
    started, pause = time.monotonic(), 0.02
    while True:
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as exc:
            if not transient(exc) or time.monotonic() - started + pause > patience:
                raise
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 1.0)
