"""A throwaway PostgreSQL cluster for the test session, from the distribution's server programs.

Its data folder is a fresh temporary one, it listens on a free loopback port with trust
authentication, and it skips fsync: it holds nothing worth keeping and dies with the session.
Run as root (as CI is), the server runs as the `postgres` user, as PostgreSQL insists.
ANNOTATOR_TEST_POSTGRES=URL points the tests at a server of your own instead (a database each
test is made and dropped there, so give it a role allowed to CREATE DATABASE)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


PASSWORD_ROLE = "password_ana"


def server_programs() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when no PostgreSQL server is installed."""
    found = shutil.which("pg_ctl")
    if found and Path(found).with_name("initdb").exists():
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One server; `create` makes a database (from a template, as a copy) and `drop` removes it."""

    def __init__(self, admin_url: str, stop=None) -> None:
        self.admin_url = admin_url  # postgresql://user@host:port/postgres
        self._stop = stop

    @classmethod
    def start(cls, programs: Path) -> Cluster:
        folder = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
        data, port = folder / "data", _free_port()
        as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse root
            shutil.chown(folder, "postgres")
            as_user = ["runuser", "-u", "postgres", "--"]
        run = lambda *args: subprocess.run([*as_user, *args], check=True, capture_output=True, text=True)  # noqa: E731
        run(str(programs / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--locale=C")
        # Every role is trusted but PASSWORD_ROLE, whose password is checked (for the tests of a
        # wrong password).
        hba = data / "pg_hba.conf"
        hba.write_text(f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB")
        run(str(programs / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start")

        def stop() -> None:
            subprocess.run([*as_user, str(programs / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True)
            shutil.rmtree(folder, ignore_errors=True)

        return cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", stop)

    def url(self, database: str) -> str:
        """The URL the tool takes (SQLAlchemy's psycopg 3 dialect)."""
        return self.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self, database: str, template: str | None = None) -> str:
        self._admin(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(database)

    def drop(self, database: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
