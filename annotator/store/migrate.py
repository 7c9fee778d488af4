"""Bring a database to the newest schema with Alembic (also creates a new one).

Alembic is imported only to migrate: checking that a database is current is one query against
the revision it records, so opening a project (and the coding screen) does not pay for Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from annotator.domain.errors import InputError
from annotator.store.engine import shown_engine_url

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0016"  # the newest revision in migrations/versions (a test checks it against Alembic's head)


def alembic_config():
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
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError(f"the {direction} left rows whose references are missing; nothing was changed")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def is_current(engine: Engine) -> bool:
    """True when the database exists at the newest revision; a file that is not a SQLite database,
    or one a newer annotator made, is a clear InputError rather than a failed migration."""
    return revision(engine) == HEAD


def revision(engine: Engine) -> str | None:
    """The schema revision the database is at; None when it holds no annotator tables at all. A
    file that is not a SQLite database, a server that refuses, or a database a newer annotator
    made is a clear InputError."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            found = connection.scalar(text("SELECT version_num FROM alembic_version"))
    except OperationalError as exc:
        if engine.dialect.name == "sqlite":
            raise InputError(f"{engine.url.database} is not an annotator database ({exc.orig}); point --db at a "
                             "project, or create one with `annotator init`") from None
        # The server's own words, on one line; the URL shown without its password.
        said = " ".join(str(exc.orig).split())
        raise InputError(f"cannot open {shown_engine_url(engine)}: {said}") from None
    except DatabaseError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42501":
            raise InputError(f"the database role {engine.url.username!r} may not read this project "
                             f"({' '.join(str(exc.orig).split())}); the database's owner can grant it, as the "
                             "README's \"One server for a team\" shows") from None
        raise InputError(f"{engine.url.database or shown_engine_url(engine)} is not an annotator database "
                         f"({exc.orig}); point --db at a project, or create one with `annotator init`") from None
    if found is not None and found > HEAD:
        raise InputError(f"this database was made by a newer annotator (schema {found}; this one knows up to "
                         f"{HEAD}): upgrade annotator to open it") from None
    return found
