"""The one place where database and disk errors become one line a user can act on: what went
wrong and what to do. Commands add what they had done before it (an import's stored batches)."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

from sqlalchemy.exc import DatabaseError, DBAPIError

from annotator.store.engine import BUSY_TIMEOUT_MS, TRANSIENT_STATES
from annotator.store.roles import LEAD_ONLY


def failure_message(exc: BaseException, db: str | None = None) -> str | None:
    """A one-line account of a database failure a user can act on (read-only file or folder,
    locked too long, disk full, damaged, a server that cannot be reached or refuses), or None for
    anything else (a bug: keep its traceback)."""
    found = failure_cause(exc, db)
    return None if found is None else f"{found[0]}; {found[1]}"


def failure_cause(exc: BaseException, db: str | None = None) -> tuple[str, str] | None:
    """(what went wrong, what to do) for a database failure a user can act on, else None. The one
    place where database and disk errors become words: commands add what they had done before."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        on = f" holding {exc.filename}" if exc.filename else ""
        return f"the disk{on} is full ({exc.strerror})", "free some space and try again"
    if not isinstance(exc, DatabaseError):
        return None
    db = db or getattr(exc, "database", None)  # set by the engine that raised it (engine.py, _named)
    said = " ".join(str(exc.orig).split())  # the driver's or the server's words, on one line
    name = getattr(exc.orig, "sqlite_errorname", "") or ""
    if name:
        return _sqlite_failure_cause(name, db, said)
    return _server_failure_cause(exc, db, said)


def _sqlite_failure_cause(name: str, db: str | None, said: str) -> tuple[str, str] | None:
    where = f" ({db})" if db else ""
    if name.startswith("SQLITE_READONLY"):
        return (f"the database{where} cannot be written: the file, or the folder it is in (SQLite writes its "
                "journal beside it), is read-only, or the URL says ?mode=ro", "reading commands still work; to "
                "change it, work on a copy you may write (annotator backup makes one)")
    if name.startswith("SQLITE_BUSY"):
        return (f"the database{where} stayed locked by another program for {BUSY_TIMEOUT_MS // 1000} s",
                "try again once it is done")
    if name.startswith("SQLITE_FULL") or name.startswith("SQLITE_IOERR") and _nearly_full(db):
        # (no room for its -shm index is an I/O error)
        return f"the disk holding the database{where} is full", "free some space and try again"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return (f"the database file{where} is damaged ({said})", "restore your latest backup of it, or save "
                f"what is left with `sqlite3 {db or 'FILE'} .recover | sqlite3 recovered.db`")
    if name.startswith("SQLITE_CANTOPEN") and db and not Path(db).parent.is_dir():
        return f"there is no folder {Path(db).parent} to hold the database", "create it first, or give another path"
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_PERM")):
        return (f"the database{where} cannot be opened or read ({said})",
                "check that the file and its folder exist and that you may read them")
    return None


def _server_failure_cause(exc: DBAPIError, db: str | None, said: str) -> tuple[str, str] | None:
    """PostgreSQL's failures: a connection refused or lost, a role refused, a full disk, a race lost."""
    state = getattr(exc.orig, "sqlstate", None) or ""
    text = said.lower()
    if state == "42501":
        table = re.search(r'(?:table|relation) "?([a-z_]+)"?', said)
        if table and table[1] in LEAD_ONLY:  # (what the project's roles keep for a lead: the README's rights)
            return (f"the database role may not do this ({said}): writing the project's {table[1]} rows is a lead's",
                    "a lead does it, or a lead gives this role the lead role (annotator coder add NAME --role lead)")
        return (f"the database role may not do this ({said})",
                "the database's owner can grant it, as the README's \"One server for a team\" shows")
    if state == "25006":
        return (f"the database server only reads here ({said}): a standby, or a read-only session",
                "reading commands still work; to change the project, connect to the primary server")
    if state.startswith("53"):  # disk full, out of memory, too many connections
        return f"the database server ran short ({said})", "ask its administrator, then try again"
    if text.startswith(("connection failed", "connection is bad", "connection timeout", "failed to resolve host")) or \
            state in ("28P01", "28000", "3D000"):
        return _connect_failure_cause(state, text, db, said)
    if state.startswith(("08", "57P")) or "server closed the connection" in text or "consuming input failed" in text:
        return (f"the connection to the database server was lost ({said})",
                "try again once the server is back")
    if state in TRANSIENT_STATES:
        return f"other writers kept getting in the way ({said})", "nothing was changed: try again"
    return None


def _connect_failure_cause(state: str, text: str, db: str | None, said: str) -> tuple[str, str]:
    """A connection that never opened (it carries no SQL state): the driver's words say why, after
    where it tried, which the URL says."""
    reason = re.sub(r'^connection (failed|is bad): (connection to server (at "[^"]*", port \d+|on socket "[^"]*") '
                    'failed: )?', "", said)
    connect = f"cannot connect to {db or 'the database server'}"
    if state == "28P01" or "password authentication failed" in text or "no password supplied" in text:
        return f"{connect}: the server refused the user or password ({reason})", \
            "check them in --db or ANNOTATOR_DB (or in ~/.pgpass)"
    if state == "28000" or "role" in text and "does not exist" in text:
        return f"{connect}: the server refused the role ({reason})", "check the user name in --db"
    if state == "3D000" or "database" in text and "does not exist" in text:
        return f"{connect}: the server has no such database ({reason})", \
            "check the name in --db, or create it first (createdb NAME)"
    if "failed to resolve host" in text or "could not translate host name" in text:
        return f"{connect}: the host cannot be found ({reason})", "check the host name in --db"
    if "invalid port" in text:
        return f"{connect}: the URL's port is not a port ({reason})", "give a number from 1 to 65535"
    if re.match(r"invalid .*(value|option|method)", reason):  # libpq read the URL's ?sslmode=bogus and stopped there
        return f"{connect}: the URL has an invalid connection option ({reason})", \
            "check the options after ? in --db (libpq's documentation lists their values)"
    return f"{connect}: no server answers there ({reason})", \
        "check the host and port in --db, and that the server is running"


def _nearly_full(db: str | None) -> bool:
    """Whether the disk holding a SQLite file has less than a megabyte left (asked only on an error)."""
    if not db or "://" in db:
        return False
    try:
        return shutil.disk_usage(Path(db).parent).free < 1 << 20
    except OSError:
        return False
