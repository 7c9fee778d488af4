"""Bring a database to the newest schema with Alembic (also creates a new one).

Alembic is imported only to migrate: checking that a database is current is one query against
the revision it records, so opening a project (and the coding screen) does not pay for Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError

from annotator.domain.display import masked_url
from annotator.domain.errors import InputError
from annotator.store.engine import driver_connection
from annotator.store.failures import failure_cause, failure_message

if TYPE_CHECKING:  # Alembic loads only when a project is opened
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0021"  # the newest revision in migrations/versions (a test checks it against Alembic's head)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    _migrate(engine, "upgrade", "head")


def downgrade(engine: Engine, revision: str) -> None:
    """Back to an earlier revision (for a rollback by hand; the tool itself only upgrades)."""
    _migrate(engine, "downgrade", revision)


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one, which a table referenced
            # by others only allows with foreign keys off (a pragma that only works outside a
            # transaction); the keys are checked by hand before the upgrade commits.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
            # Python's sqlite3 begins a transaction only before a row is written: each CREATE or
            # DROP before it would commit alone, and a failed upgrade leave half its tables behind
            # (the next one failing on them for ever). Begun by hand, SQLite undoes it all.
            driver = driver_connection(connection)
            implicit, driver.isolation_level = driver.isolation_level, None
        try:
            with connection.begin():
                if sqlite:
                    connection.exec_driver_sql("BEGIN")
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError(f"the {direction} left rows whose references are missing; nothing was changed")
        except DatabaseError as exc:
            raise InputError(_not_migrated(engine, exc)) from None
        finally:
            if sqlite:
                driver.isolation_level = implicit
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _not_migrated(engine: Engine, exc: DatabaseError) -> str:
    """Why bringing the database to this annotator's schema failed (it was undone), in one line."""
    said = " ".join(str(exc.orig).split())
    where = shown(engine)
    if getattr(exc.orig, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
        return (f"{where} is at an older schema, which this annotator brings to {HEAD} before anything else, and "
                "that needs to write once, but the file or its folder is read-only: open it once where it may be "
                "written (or a writable copy of it)")
    found = failure_cause(exc, where)
    if found is not None:
        return f"bringing the database to schema {HEAD} failed and was undone: {found[0]}; {found[1]}"
    return (f"bringing {where} to schema {HEAD} failed ({said}) and was undone: the database is as it was; "
            "if its tables were changed by hand, restore a backup")


def is_current(engine: Engine) -> bool:
    """True when the database exists at the newest revision; a file that is not a SQLite database,
    or one a newer annotator made, is a clear InputError rather than a failed migration."""
    return revision(engine) == HEAD


def revision(engine: Engine) -> str | None:
    """The schema revision the database is at; None when it holds no tables at all (a new file or
    server database). A file that is not a SQLite database or is damaged, a server that cannot be
    reached or refuses, a database of another program, or one a newer annotator made is a clear
    InputError: nothing is migrated in any of them."""
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            found = connection.scalar(text("SELECT version_num FROM alembic_version")) \
                if "alembic_version" in tables else None
    except DatabaseError as exc:
        raise InputError(_unreadable(engine, exc)) from None
    where = shown(engine)
    if found is None and tables:
        listed = ", ".join(sorted(tables)[:4]) + (", ..." if len(tables) > 4 else "")
        raise InputError(f"{where} holds tables ({listed}) but no annotator schema revision (its alembic_version "
                         "table): it is another program's database, or a project that lost that table; point --db "
                         "at a project or an empty database, or restore the project from a backup")
    if found is not None and found > HEAD:
        raise InputError(f"this database was made by a newer annotator (schema {found}; this one knows up to "
                         f"{HEAD}): upgrade annotator to open it")
    return found


def shown(engine: Engine) -> str:
    """The database as messages name it: a SQLite file's path, a server URL without its password."""
    if engine.dialect.name == "sqlite":
        return str(engine.url.database)
    return masked_url(engine.url.render_as_string(hide_password=True))


def _unreadable(engine: Engine, exc: DatabaseError) -> str:
    """Why the database could not even be looked at, in one line."""
    said = " ".join(str(exc.orig).split())
    if getattr(exc.orig, "sqlstate", None) == "42501":
        return (f"the database role {engine.url.username!r} may not read this project ({said}); the database's "
                "owner can grant it, as the README's \"One server for a team\" shows")
    not_ours = (f"{shown(engine)} is not an annotator database ({said}); point --db at a project, or create one "
                "with `annotator init`")
    if getattr(exc.orig, "sqlite_errorname", "") == "SQLITE_NOTADB":
        return not_ours
    message = failure_message(exc, shown(engine))
    if message is not None:
        return message
    if engine.dialect.name == "sqlite":
        return not_ours
    return f"cannot open {shown(engine)}: {said}"
