"""A large JSONL import parses its lines in worker processes: what it stores, reports and refuses is
what the same import parsed in one process stores, reports and refuses, line for line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import in_process, write_jsonl

from annotator.services import import_workers, sources

TEXT = "Angela Merkel met Emmanuel Macron in Paris on Tuesday, and Merkel's aides said so."
PRODIGY = "Vladimir Putin spoke in Moscow."


def _mixed_file(path: Path) -> Path:
    """Every kind of line, in an order that crosses many chunks: plain documents, a coder's work with
    spans on and off token boundaries, lines that are not JSON or not valid, two Prodigy tasks of one
    text (merged into one record wherever they are parsed), a coder's work given twice."""
    coded = {"id": "c1", "text": TEXT, "coder": "alice", "seconds": 12.5, "spans": [
        {"start": 0, "end": 13, "label": "PERSON"}, {"start": 1, "end": 13, "label": "PERSON"},
        {"start": 59, "end": 65, "label": "PERSON"}, {"start": 37, "end": 42, "label": "GPE"}]}
    lines: list = [{"id": f"d{i}", "text": f"Article {i} of many, about Kyiv's mayor."} for i in range(40)]
    lines[3:3] = [coded, "{not json", {"id": "bad", "text": "A label not in the codebook.", "coder": "alice",
                                       "spans": [{"start": 0, "end": 1, "label": "NOPE"}]}]
    lines[20:20] = [{"text": PRODIGY, "_input_hash": 7, "_task_hash": 70, "answer": "accept", "meta": {"id": "p1"},
                     "spans": [{"start": 0, "end": 14, "label": "PERSON"}]}, ""]
    lines[30:30] = [{"text": PRODIGY, "_input_hash": 7, "_task_hash": 71, "answer": "accept", "meta": {"id": "p1"},
                     "spans": [{"start": 24, "end": 30, "label": "GPE"}]}, coded,
                    {"id": "c2", "text": "Bob and Kyiv.", "coder": "bob", "spans": [{"start": 8, "end": 12, "label": "GPE"}]}]
    return write_jsonl(path, lines)


def _stored(db: Path) -> dict[str, list[tuple]]:
    """What a project holds, without the times it was stored at."""
    with sqlite3.connect(db) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in {
            "documents": "SELECT id, title, text, meta, text_hash, seq FROM document ORDER BY seq",
            "annotations": "SELECT d.id, c.name, a.status, a.seconds FROM annotation a JOIN document d ON d.pk = "
                           "a.document_pk JOIN coder c ON c.pk = a.coder_pk ORDER BY d.id, c.name",
            "spans": "SELECT d.id, s.start, s.\"end\", s.label, s.origin, s.aligned FROM annotation_span s JOIN annotation "
                     "a ON a.pk = s.annotation_pk JOIN document d ON d.pk = a.document_pk ORDER BY 1, 2, 3, 4",
            "gold": "SELECT d.id, s.start, s.\"end\", s.label FROM gold_span s JOIN gold g ON g.pk = s.gold_pk "
                    "JOIN document d ON d.pk = g.document_pk ORDER BY 1, 2, 3",
            "events": "SELECT kind, coder_pk, document_pk, annotation_pk, \"after\" FROM event "
                      "WHERE kind LIKE 'annotation%' OR kind = 'coder_add' ORDER BY pk",
        }.items()}


def _imported(capsys, monkeypatch, tmp_path: Path, name: str, workers: bool, *args: str):
    monkeypatch.setattr(import_workers, "SMALLEST_INPUT", 0 if workers else 1 << 62)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 300)  # a few lines a chunk
    db = tmp_path / f"{name}.db"
    run = in_process(capsys)
    assert run("init", "--db", str(db)).code == 0
    return run("import", "--db", str(db), *args), db


def test_workers_store_and_report_what_one_process_does(capsys, monkeypatch, tmp_path):
    path = _mixed_file(tmp_path / "mixed.jsonl")
    args = ("--create-coders", "--skip-invalid", str(path))
    here, here_db = _imported(capsys, monkeypatch, tmp_path, "here", False, *args)
    there, there_db = _imported(capsys, monkeypatch, tmp_path, "there", True, *args)
    assert here.code == there.code == 0, here.err + there.err
    assert (here.out, here.err) == (there.out, there.err)
    assert f"{path}:5: malformed JSON" in there.err and f"{path}:6: span 0: label 'NOPE'" in there.err
    assert "Stored as gold (adjudicated): 1 document(s), 2 span(s)" in there.out  # the two tasks merged
    stored = _stored(there_db)
    assert stored == _stored(here_db)
    flags = [(start, end, aligned) for doc, start, end, _, _, aligned in stored["spans"] if doc == "c1"]
    assert flags == [(0, 13, 1), (1, 13, 0), (37, 42, 1), (59, 65, 1)]  # Merkel of Merkel's: a token of its own
    assert len(stored["documents"]) == 43 and ("c1", "alice", "done", 12.5) in stored["annotations"]


def test_workers_refuse_an_invalid_file_naming_each_line_as_one_process_does(capsys, monkeypatch, tmp_path):
    path = _mixed_file(tmp_path / "mixed.jsonl")
    here, here_db = _imported(capsys, monkeypatch, tmp_path, "here", False, "--create-coders", str(path))
    there, there_db = _imported(capsys, monkeypatch, tmp_path, "there", True, "--create-coders", str(path))
    assert here.code == there.code == 1 and here.err == there.err
    assert f"{path}:5: malformed JSON" in there.err and f"{path}:6: span 0" in there.err
    assert _stored(there_db)["documents"] == [] == _stored(here_db)["documents"]


@pytest.mark.parametrize("when", ["at the first chunk", "after some chunks"])
def test_workers_that_cannot_start_or_die_leave_the_parsing_to_this_process(capsys, monkeypatch, tmp_path, when):
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    submit, handed = ProcessPoolExecutor.submit, []

    def breaking(pool, *args, **kwargs):
        handed.append(1)
        if when == "at the first chunk" or len(handed) > 3:
            raise BrokenProcessPool("a worker died")
        return submit(pool, *args, **kwargs)

    path = _mixed_file(tmp_path / "mixed.jsonl")
    args = ("--create-coders", "--skip-invalid", str(path))
    here, here_db = _imported(capsys, monkeypatch, tmp_path, "here", False, *args)
    monkeypatch.setattr(ProcessPoolExecutor, "submit", breaking)
    there, there_db = _imported(capsys, monkeypatch, tmp_path, "there", True, *args)
    assert there.code == 0 and there.out == here.out and "Traceback" not in there.err
    assert _stored(there_db) == _stored(here_db)
