"""Engine construction: which database, and SQLite set up for durability and concurrent coders."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import create_engine

__all__ = ["Connection", "Engine", "StoreBusy", "make_engine", "resolve_url", "sqlite_path"]

# What a write raises when the database stays locked past the busy timeout, or the disk is full:
# services catch this name, so no layer above the store needs SQLAlchemy.
StoreBusy = OperationalError

DEFAULT_DB_FILE = "annotator.db"
BUSY_TIMEOUT_MS = 10_000


def resolve_url(db: str | None = None) -> str:
    """`--db URL`, else ANNOTATOR_DB, else annotator.db in the working folder. A bare path means SQLite."""
    value = db or os.environ.get("ANNOTATOR_DB") or DEFAULT_DB_FILE
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).resolve()}"


def make_engine(db: str | None = None) -> Engine:
    url = resolve_url(db)
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
    cur.close()


def sqlite_path(engine: Engine) -> Path | None:
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database)
    return None
