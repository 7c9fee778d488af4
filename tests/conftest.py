"""Shared fixtures: real SQLite files in tmp folders, the CLI run in-process as a user would."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
WIKINEWS = SEEDS / "wikinews.jsonl"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, tmp_path, monkeypatch):
    """Run `annotator ARGS` in-process against a database in tmp_path; returns exit code and output."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)

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
def project(cli, tmp_path) -> Path:
    """An initialised project (default codebook) in tmp_path; returns the database path."""
    assert cli("init").code == 0
    return tmp_path / "annotator.db"


def dump(db: Path) -> list[str]:
    """Every row of every table, for asserting that a failed command changed nothing."""
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), "utf-8")
    return path


def wikinews() -> list[dict]:
    return [json.loads(line) for line in WIKINEWS.read_text("utf-8").splitlines()]


@pytest.fixture(scope="session")
def pipeline():
    """The real default spaCy pipeline, loaded once for the whole session."""
    from annotator.nlp.pipeline import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def suggested_seeds(tmp_path_factory, pipeline) -> Path:
    """A project with the seeds imported and suggested, built once; copy it before changing it."""
    from annotator.services.importer import import_paths
    from annotator.services.project import init_project, open_project
    from annotator.services.suggest import suggest

    db = tmp_path_factory.mktemp("suggested") / "seeds.db"
    init_project(str(db))
    engine = open_project(str(db))
    import_paths(engine, [SEEDS])
    suggest(engine, pipeline=pipeline)
    engine.dispose()
    return db


@pytest.fixture
def seeded(suggested_seeds, tmp_path, monkeypatch) -> Path:
    """A private copy of the suggested seeds project as tmp_path/annotator.db (the cli fixture's default)."""
    db = tmp_path / "annotator.db"
    with sqlite3.connect(suggested_seeds) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return db
