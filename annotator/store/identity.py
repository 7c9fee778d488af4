"""Who is acting. On PostgreSQL it is the database's own answer, the role the command connected as
(`session_user`), which no environment variable changes; on a SQLite file, whoever the caller says
(ANNOTATOR_USER, else the login name): there the file's permissions are the boundary and the role
checks only guard against mistakes."""

from __future__ import annotations

import getpass
import os

from sqlalchemy import Connection, text

_OWNER = text("SELECT pg_catalog.pg_get_userbyid(c.relowner) = session_user "
              "OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user) "
              "FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass('document')")


def claimed() -> str:
    """The name a SQLite project takes the caller at: ANNOTATOR_USER, else the login name."""
    name = os.environ.get("ANNOTATOR_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "coder"


def enforced(conn: Connection) -> bool:
    """Whether the database itself holds each role to its rights (PostgreSQL) or not (SQLite)."""
    return conn.dialect.name == "postgresql"


def acting(conn: Connection, claim: str | None = None) -> str:
    """The acting person's name: the database role on PostgreSQL, else `claim` or `claimed()`."""
    if enforced(conn):
        return str(conn.scalar(text("SELECT session_user")))
    return claim or claimed()


def is_owner(conn: Connection) -> bool:
    """On PostgreSQL, whether the connected role owns the project's tables (or is a superuser): the
    role that set the project up, which the database cannot hold to anything. Never on SQLite."""
    return enforced(conn) and bool(conn.scalar(_OWNER))


def standing(conn: Connection, name: str) -> str | None:
    """"owner" when the PostgreSQL role `name` owns the project's tables, "superuser" when it is a
    superuser that does not (either way the database holds it to nothing), else None."""
    row = conn.execute(text(
        "SELECT pg_catalog.pg_get_userbyid(c.relowner) = r.rolname, r.rolsuper FROM pg_catalog.pg_roles r, "
        "pg_catalog.pg_class c WHERE r.rolname = :n AND c.oid = pg_catalog.to_regclass('document')"), {"n": name}).first()
    if row is None:
        return None
    return "owner" if row[0] else "superuser" if row[1] else None
