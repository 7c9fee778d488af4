"""Shared fixtures: real SQLite files in tmp folders, the CLI run in-process as a user would."""

from __future__ import annotations

import functools
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
    """The real default spaCy pipeline, loaded once for the whole session (where the model matters)."""
    from annotator.nlp.pipeline import load_pipeline

    return load_pipeline()


# Names the rule-based pipeline finds, as (label, phrase): exact and predictable, unlike a model.
RULES = [("PERSON", "Donald Trump"), ("PERSON", "Vladimir Putin"), ("PERSON", "Trump"), ("PERSON", "Putin"),
         ("PERSON", "Volodymyr Zelensky"), ("PERSON", "Joe Biden"), ("GPE", "US"), ("GPE", "Ukraine"),
         ("GPE", "Kyiv"), ("GPE", "Russia"), ("GPE", "United States"), ("GPE", "Moscow"), ("ORG", "NATO"),
         ("NORP", "Ukrainian"), ("NORP", "Russian"), ("LOC", "Europe")]


@pytest.fixture(scope="session")
def ruler():
    return rule_pipeline()


@functools.cache
def rule_pipeline():
    """A small deterministic pipeline: spaCy's English tokenizer, an entity ruler with RULES and a
    sentencizer. Screen and service tests run on it, so they can assert exact spans."""
    import spacy

    from annotator.nlp.pipeline import Pipeline

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": label, "pattern": phrase} for label, phrase in RULES])
    nlp.add_pipe("sentencizer")
    return Pipeline(nlp=nlp, name="ruler", version="1")


def _suggested_project(folder: Path, pipeline) -> Path:
    from annotator.services.importer import import_paths
    from annotator.services.project import init_project, open_project
    from annotator.services.suggest import suggest

    db = folder / "seeds.db"
    init_project(str(db))
    engine = open_project(str(db))
    import_paths(engine, [SEEDS])
    suggest(engine, pipeline=pipeline)
    engine.dispose()
    return db


@pytest.fixture(scope="session")
def suggested_seeds(tmp_path_factory, ruler) -> Path:
    """The seeds imported and suggested by the rule-based pipeline, built once; copy before changing."""
    return _suggested_project(tmp_path_factory.mktemp("ruled"), ruler)


@pytest.fixture(scope="session")
def model_suggested_seeds(tmp_path_factory, pipeline) -> Path:
    """The seeds imported and suggested by the real model, built once; copy before changing."""
    return _suggested_project(tmp_path_factory.mktemp("modelled"), pipeline)


def _copy(source: Path, db: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    return db


@pytest.fixture
def seeded(suggested_seeds, tmp_path) -> Path:
    """A private copy of the rule-suggested seeds as tmp_path/annotator.db (the cli fixture's default)."""
    return _copy(suggested_seeds, tmp_path / "annotator.db")


@pytest.fixture
def model_seeded(model_suggested_seeds, tmp_path) -> Path:
    """A private copy of the model-suggested seeds as tmp_path/annotator.db."""
    return _copy(model_suggested_seeds, tmp_path / "annotator.db")
