"""scale_bench on PostgreSQL: the server the million-document project is built on, the copy the
rounds work in, the empty project the import is compared with, and the build's fast path.

    --db postgresql://USER@HOST:PORT/DBNAME   a server of your own: the project is built as DBNAME
                                              once and reused by later runs; the role makes and
                                              drops DBNAME_building, _work, _empty
    --db postgresql                           a throwaway cluster started as the tests start theirs
                                              (tests/pg_cluster.py: the distribution's initdb and
                                              pg_ctl, trust, no fsync) in a temporary folder, or in
                                              --keep DIR, where it and the built project are kept
                                              for the next run (a million documents: ~5 GB with
                                              the rounds' copy)

The build writes documents with COPY, 100,000 to a transaction, as the import would store them
(the same rows from the tool's own record reader, key and order columns), already blind: setting
a million rows blind afterwards, as the SQLite build does, would write each row and its index
entries a second time on PostgreSQL. The project itself is made by the tool's `init`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pg_cluster import _free_port, server_programs  # noqa: E402

# As tests/pg_cluster.py starts its cluster: nothing in it is worth an fsync.
SERVER_OPTIONS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  "-c max_connections=300 -c shared_buffers=64MB")
CHUNK = 100_000
COLUMNS = ("id", "title", "text", "meta", "text_hash", "created_at", "shuffle", "seq", "blind")


class Server:
    """One PostgreSQL server: databases made (as copies of another), measured and dropped."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self._url = make_url(url).set(drivername="postgresql")

    def url(self, database: str) -> str:
        """The URL the tool takes (SQLAlchemy's psycopg 3 dialect)."""
        return self._url.set(drivername="postgresql+psycopg", database=database).render_as_string(hide_password=False)

    def dsn(self, database: str) -> str:
        """The URL psycopg takes."""
        return self._url.set(database=database).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def exists(self, database: str) -> bool:
        return bool(self._admin(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"))

    def create(self, database: str, template: str | None = None) -> str:
        """A new database (a file copy of `template`, when given: PostgreSQL 15's WAL_LOG copy would
        write the whole project to the log as well); returns its URL."""
        self.drop(database)
        copy = ""
        if template:
            copy = f' TEMPLATE "{template}"' + (" STRATEGY FILE_COPY" if self._version() >= 15 else "")
        self._admin(f'CREATE DATABASE "{database}"{copy}')
        return self.url(database)

    def rename(self, database: str, to: str) -> None:
        self._admin(f'ALTER DATABASE "{database}" RENAME TO "{to}"')

    def drop(self, database: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def size(self, database: str) -> float:
        """The database's size in GB."""
        return float(self._admin(f"SELECT pg_database_size('{database}')")[0][0]) / 1e9

    def _version(self) -> int:
        return int(self._admin("SHOW server_version_num")[0][0]) // 10000


@contextmanager
def server(db: str, keep: Path | None) -> Iterator[tuple[Server, str]]:
    """(the server, the database the project is built in) for --db: a URL names both; `postgresql`
    starts a cluster (kept in `keep` when given) and stops it at the end."""
    if db != "postgresql":
        from sqlalchemy.engine import make_url

        name = make_url(db).database
        if not name or name == "postgres":
            raise SystemExit(f"--db {db}: name the database to build the project in (postgresql://USER@HOST:PORT/DBNAME)")
        # The database holds the built project, or does not exist yet: the build makes it.
        yield Server(db), name
        return
    programs = server_programs()
    if programs is None:
        raise SystemExit("--db postgresql: no PostgreSQL server is installed here (initdb and pg_ctl)")
    folder = keep or Path(tempfile.mkdtemp(prefix="scale-pg-"))
    url, stop = start_cluster(programs, folder)
    try:
        yield Server(url), "scale"
    finally:
        stop()
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def start_cluster(programs: Path, folder: Path) -> tuple[str, Any]:
    """A cluster with its data in folder/data (made by initdb the first time); (its admin URL, stop)."""
    data, port = folder / "data", _free_port()
    folder.mkdir(parents=True, exist_ok=True)
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse root
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, text=True)

    if not (data / "PG_VERSION").exists():
        run(str(programs / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--locale=C")
    run(str(programs / "pg_ctl"), "-D", str(data), "-o", f"-p {port} -k {folder} {SERVER_OPTIONS}",
        "-l", str(folder / "server.log"), "-w", "start")
    # A clean stop: a kept cluster's data is read again by the next run.
    return (f"postgresql://postgres@127.0.0.1:{port}/postgres",
            lambda: run(str(programs / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"))


def copy_documents(engine: Any, records: Iterator[dict[str, Any]], docs: int) -> None:
    """`docs` documents from `records` (corpus lines as dicts) into the project, CHUNK to a
    transaction, each chunk with the event an import leaves."""
    import orjson

    from annotator.domain.queue_order import shuffle_key
    from annotator.domain.records import record_from_json
    from annotator.services.project import active_codebook
    from annotator.store import events
    from annotator.store.tables import utcnow

    codebook = active_codebook(engine)
    seq = 0
    for first in range(0, docs, CHUNK):
        n = min(CHUNK, docs - first)
        with engine.begin() as conn:
            now = utcnow()  # one created_at a batch, as insert_many stores it
            cursor = conn.connection.driver_connection.cursor()
            with cursor, cursor.copy(f"COPY document ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for _ in range(n):
                    r = record_from_json(next(records), codebook)
                    seq += 1
                    copy.write_row((r.id, r.title, r.text, orjson.dumps(r.meta).decode(), r.text_hash, now,
                                    shuffle_key(r.id), seq, True))
            events.add(conn, "import", after={"paths": ["(scale bench build)"], "added": n, "already": 0,
                                              "annotations": 0, "skipped_invalid": 0})
        print(f"  copied {first + n} documents")


def vacuum_analyze(server: Server, database: str) -> None:
    """What autovacuum does after a load, done now: the rounds plan with the table's statistics
    and read its pages as all-visible, whenever they start."""
    import psycopg

    with psycopg.connect(server.dsn(database), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


class ServerProjects:
    """The project as a database on the server: built in name_building and renamed `name` once
    whole, copied to name_work for the rounds; each round's empty project is name_empty."""

    def __init__(self, server: Server, name: str) -> None:
        self.server, self.name = server, name

    def built_already(self) -> bool:
        return self.server.exists(self.name)

    def new(self) -> str:
        return self.server.create(f"{self.name}_building")  # (a build cut short is dropped)

    def store_documents(self, engine: Any, records: Iterator[dict[str, Any]], docs: int) -> None:
        copy_documents(engine, records, docs)

    def finish(self) -> None:
        vacuum_analyze(self.server, f"{self.name}_building")
        self.server.rename(f"{self.name}_building", self.name)

    def size(self) -> float:
        return self.server.size(self.name)

    def working_copy(self) -> str:
        return self.server.create(f"{self.name}_work", template=self.name)

    @contextmanager
    def empty(self) -> Iterator[str]:
        url = self.server.create(f"{self.name}_empty")
        try:
            yield url
        finally:
            self.server.drop(f"{self.name}_empty")

    def close(self) -> None:
        self.server.drop(f"{self.name}_work")
