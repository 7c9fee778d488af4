"""Engine construction: which database, and SQLite set up for durability and concurrent coders."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from operator import itemgetter
from collections.abc import Callable, Iterator
from typing import TypeVar
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, NoSuchModuleError, OperationalError
from sqlmodel import create_engine

from annotator.domain.display import masked_url
from annotator.domain.errors import InputError

__all__ = ["Connection", "Engine", "StoreBusy", "StoreConflict", "bulk_insert", "bulk_insert_values", "failure_message", "bulk_rows", "make_engine", "resolve_url", "shown_engine_url", "shown_url", "sqlite_path", "transient", "write"]

# What a write raises when the database stays locked past the busy timeout, or the disk is full:
# services catch this name, so no layer above the store needs SQLAlchemy.
StoreBusy = OperationalError
# What a write raises when another writer stored the same unique thing first (two imports of one file).
StoreConflict = IntegrityError

DEFAULT_DB_FILE = "annotator.db"
BUSY_TIMEOUT_MS = 10_000


def resolve_url(db: str | None = None) -> str:
    """`--db URL`, else ANNOTATOR_DB, else annotator.db in the working folder. A bare path means SQLite."""
    value = db or os.environ.get("ANNOTATOR_DB") or DEFAULT_DB_FILE
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).resolve()}"


def shown_url(db: str | None = None) -> str:
    """The project's URL as output and logs may show it: a password in it becomes ***, in the user
    part or the query string, also in a URL SQLAlchemy cannot read (a port that is not a number)."""
    from sqlalchemy.engine import make_url

    url = resolve_url(db)
    if url.startswith("sqlite"):  # a file path: shown as it is (SQLAlchemy would %-escape it)
        return url
    try:
        url = make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads (a port that is not a number): masked as text
        pass
    return masked_url(url)


def shown_engine_url(engine: Engine) -> str:
    return shown_url(engine.url.render_as_string(hide_password=False))


def make_engine(db: str | None = None) -> Engine:
    """The engine for a project database; a URL it cannot serve is a clear InputError."""
    url = resolve_url(db)
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


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                               json_serializer=_to_json, json_deserializer=orjson.loads)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_to_json, json_deserializer=orjson.loads)


def _to_json(value) -> str:
    """JSON columns (meta, spans, events) through orjson: several times the standard library's speed."""
    return orjson.dumps(value).decode()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets coders read while another writes; FULL syncs each commit so a crash or power cut
    # loses nothing that was shown as saved; foreign keys are off by default in SQLite.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
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


def backup_to(engine: Engine, target: Path, before_rename: Callable[[], None] = lambda: None) -> int:
    """A consistent copy of a SQLite project at `target` while coders keep working: SQLite's online
    backup in one step reads one snapshot (WAL lets writers go on meanwhile); written beside the
    target and renamed, so a failed copy leaves nothing half-made. Returns the copy's size.
    `before_rename` may still refuse (raising), and the copy is then removed."""
    staging = target.with_name(f".{target.name}.partial")
    staging.unlink(missing_ok=True)
    with engine.connect() as conn:
        source = conn.connection.driver_connection
        copy = sqlite3.connect(staging)
        try:
            with driver_errors("backup"):
                source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
    try:
        before_rename()
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    staging.replace(target)
    return target.stat().st_size


def bulk_rows(conn: Connection, query) -> list[tuple]:
    """All rows of a read over a whole project as plain tuples. On SQLite the compiled statement runs
    on the driver's cursor (same connection and transaction): SQLAlchemy's per-row processing was
    40% of reading a million rows, and these queries return only integers and text."""
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(query)]
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    ordered = [params[name] for name in compiled.positiontup]
    cursor = conn.connection.driver_connection.cursor()
    try:
        with driver_errors(compiled.string):
            return cursor.execute(compiled.string, ordered).fetchall()
    finally:
        cursor.close()


def bulk_insert(conn: Connection, table, rows: list[dict]) -> None:
    """Insert many rows at the driver's executemany speed on SQLite (values converted by the columns'
    own bind processors, as SQLAlchemy would); elsewhere through SQLAlchemy."""
    if rows:
        bulk_execute(conn, table, rows, f"INSERT INTO {table.name} ({{columns}}) VALUES ({{marks}})")


def bound(conn: Connection, column, value):
    """A value as the driver receives it for this column (JSON serialized, datetime as text, ...)."""
    processor = column.type.bind_processor(conn.dialect)
    return processor(value) if processor else value


def bulk_insert_values(conn: Connection, table, columns: tuple[str, ...], values: list[tuple]) -> None:
    """bulk_insert for rows given as tuples of driver values (plain integers and text, or `bound`)
    in `columns` order: the hundreds of thousands of gold items a first derivation stores skip
    building a dict each."""
    if not values:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(sql, values)
        return
    _executemany(conn, sql, values)


def bulk_update(conn: Connection, table, rows: list[dict], key: str = "pk") -> None:
    """Update many rows by key (each dict: the key and the new values), as bulk_insert does."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        from sqlalchemy import bindparam

        values = {c: bindparam(f"v_{c}") for c in rows[0] if c != key}
        conn.execute(table.update().where(table.c[key] == bindparam("k_")).values(**values),
                     [{"k_": r[key], **{f"v_{c}": r[c] for c in r if c != key}} for r in rows])
        return
    columns = [c for c in rows[0] if c != key]
    assignments = ", ".join(f'"{c}" = ?' for c in columns)
    _driver_executemany(conn, table, [*columns, key], rows, f"UPDATE {table.name} SET {assignments} WHERE \"{key}\" = ?")


def bulk_execute(conn: Connection, table, rows: list[dict], template: str) -> None:
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    sql = template.format(columns=", ".join(f'"{c}"' for c in columns), marks=", ".join("?" * len(columns)))
    _driver_executemany(conn, table, columns, rows, sql)


def _driver_executemany(conn: Connection, table, columns: list[str], rows: list[dict], sql: str) -> None:
    processors = [table.c[c].type.bind_processor(conn.dialect) for c in columns]
    if any(processors):
        values = [tuple(p(row[c]) if p else row[c] for c, p in zip(columns, processors)) for row in rows]
    else:  # plain integers and text: picked out at C speed
        pick = itemgetter(*columns)
        values = [pick(row) for row in rows] if len(columns) > 1 else [(row[columns[0]],) for row in rows]
    _executemany(conn, sql, values)


def _executemany(conn: Connection, sql: str, values: list[tuple]) -> None:
    cursor = conn.connection.driver_connection.cursor()  # same connection, same transaction
    try:
        with driver_errors(sql):
            cursor.executemany(sql, values)
    finally:
        cursor.close()


@contextmanager
def driver_errors(sql: str) -> Iterator[None]:
    """Errors of statements run on the driver's own cursor, raised as the store's own names (as
    SQLAlchemy raises them for statements it runs), so callers catch one kind."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise StoreConflict(sql, None, exc) from exc
    except sqlite3.OperationalError as exc:
        raise StoreBusy(sql, None, exc) from exc


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


def failure_message(exc: BaseException, db: str | None = None) -> str | None:
    """A one-line account of a database failure a user can act on (read-only file or folder,
    locked too long, disk full, unreadable), or None for anything else (a bug: keep its traceback)."""
    from sqlalchemy.exc import DatabaseError

    if not isinstance(exc, DatabaseError):
        return None
    where = f" ({db})" if db else ""
    name = getattr(exc.orig, "sqlite_errorname", "") or ""
    text = str(exc.orig).lower()
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return (f"the database{where} cannot be written: the file, or the folder it is in (SQLite writes its "
                "journal beside it), is read-only; reading commands still work")
    if name.startswith("SQLITE_BUSY") or "database is locked" in text:
        return (f"the database{where} stayed locked by another program for {BUSY_TIMEOUT_MS // 1000} s; nothing "
                "was changed: try again once it is done")
    if name.startswith("SQLITE_FULL") or "disk is full" in text or "no space left" in text:
        return f"the disk holding the database{where} is full; nothing was changed: free some space and try again"
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_PERM")) or "unable to open" in text:
        return f"the database{where} cannot be opened or read: {exc.orig}"
    state = getattr(exc.orig, "sqlstate", None) or ""
    said = " ".join(str(exc.orig).split())  # the server's words, on one line
    if state == "42501":
        return (f"the database role may not do this ({said}); the database's owner can grant it, as the README's "
                "\"One server for a team\" shows")
    if state.startswith("08") or state.startswith("57P"):
        return f"the connection to the database server was lost ({said}); nothing unsaved was kept: try again"
    if state in TRANSIENT_STATES:
        return f"other writers kept getting in the way ({said}); nothing was changed: try again"
    return None
