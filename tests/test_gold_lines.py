"""Gold JSONL lines built by SQLite (store/gold_lines.py) are the bytes the rule writes.

`formats.gold_record` dumped by orjson is the rule; the statement must give the same bytes for every
document, whatever its text, meta, items, their "how" and the leads who settled them, or give no
line so that the export builds that record with the rule.
"""

from __future__ import annotations

import os
import uuid

import orjson
import pytest
from conftest import write_jsonl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_properties import (CODERS, DB, STANCES, TARGETS, fresh, gold_texts, meta_keys,  # noqa: F401 (fixtures)
                             scalars, spans_of, sqlite_template)

import annotator.services.export as export_service
from annotator.domain.errors import InputError
from annotator.services import export_fork
from annotator.domain import formats
from annotator.services.project import codebook_ref, open_project
from annotator.store import gold, gold_lines

HOWS = ["unanimous", "majority", "adjudicated"]
LEADS = ["lena", "ma\u00eftre \U0001F44D"]


@st.composite
def gold_with_hows(draw) -> list[dict]:
    """Gold records with every optional part the rule writes: a title, meta, spans and stances with
    their own "how" and the lead who settled them, no items at all."""
    records = []
    for i, text in enumerate(draw(st.lists(gold_texts, min_size=1, max_size=4, unique=True))):
        spans = draw(spans_of(text))
        for span in spans:
            span.pop("text", None)
            span |= draw(st.fixed_dictionaries({}, optional={"how": st.sampled_from(HOWS),
                                                             "by": st.sampled_from(LEADS)}))
        stance = draw(st.dictionaries(st.sampled_from(TARGETS), st.sampled_from(STANCES), max_size=4))
        meta = draw(st.dictionaries(meta_keys, scalars, max_size=3))
        record = {"id": f"g{i}", "text": text, "meta": meta, "spans": spans, "stance": stance,
                  "annotators": draw(st.lists(st.sampled_from(CODERS), unique=True, max_size=3))}
        if title := draw(st.sampled_from(["", "Kyiv talks", "\u00c9t\u00e9 \"quoted\"\n\U0001F1FA\U0001F1E6"])):
            record["title"] = title
        if stance:
            record["stance_how"] = draw(st.dictionaries(st.sampled_from(sorted(stance)), st.sampled_from(HOWS)))
            record["stance_by"] = draw(st.dictionaries(st.sampled_from(sorted(stance)), st.sampled_from(LEADS)))
        # The record's word must sum up its items' (an import checks it); an item without a "how" takes it.
        given = [s["how"] for s in spans if "how" in s] + list(record.get("stance_how", {}).values())
        record["adjudication"] = formats.adjudication(given) if given else draw(st.sampled_from(HOWS))
        records.append(record)
    return records


def _by_rule(conn, pk: int, schema: str) -> bytes:
    (g,) = gold.complete_after(conn, pk - 1, 1)
    doc = formats.ExportDocument(g.id, g.title, g.text, g.meta, g.spans, g.stances, g.annotators,
                                 adjudication=g.adjudication, by=g.by)
    return orjson.dumps(formats.gold_record(doc, schema))


def _import(cli, db, tmp_path, records) -> None:
    folder = tmp_path / uuid.uuid4().hex[:8]
    folder.mkdir()
    result = cli("import", "--create-coders", str(write_jsonl(folder / "gold.jsonl", records)), "--db", str(db))
    assert result.code == 0, result.err


@settings(DB, max_examples=25)
@given(records=gold_with_hows())
@example(records=[{"id": "g0", "text": "Kyiv \U0001F44D\U0001F3FD Putin \u2028 NATO\t\"x\"\\", "title": "T",
                   "meta": {"url": "https://x/\u00e9", "n": 1.5e-07, "big": 2**64 - 1, "deep": {"a": [None, True]}},
                   "spans": [{"start": 6, "end": 8, "label": "PERSON", "by": "lena", "how": "adjudicated"},
                             {"start": 0, "end": 4, "label": "GPE"}, {"start": 0, "end": 4, "label": "ORG",
                                                                      "how": "unanimous"}],
                   "stance": {"Ukraine": "FAVOR", "NATO": "NONE"}, "stance_how": {"NATO": "adjudicated"},
                   "stance_by": {"NATO": "lena"}, "annotators": ["cy", "ann"], "adjudication": "adjudicated"},
                  {"id": "g1", "text": "Nothing marked.", "meta": {}, "spans": [], "stance": {}, "annotators": [],
                   "adjudication": "majority"}])
def test_each_line_the_database_builds_is_the_rules_bytes(sqlite_only, cli, fresh, tmp_path, records):  # noqa: F811
    db = fresh()
    _import(cli, db, tmp_path, records)
    engine = open_project(str(db))
    schema = codebook_ref(engine)
    with engine.connect() as conn:
        rows = gold_lines.lines_between(conn, 0, 10**9, schema)
        assert [doc_id for _, doc_id, _ in rows] == [r["id"] for r in records]
        for pk, doc_id, line in rows:
            assert line is not None and line.encode() == _by_rule(conn, pk, schema), doc_id
    engine.dispose()


def _titled_project(cli, project, tmp_path):
    """23 documents with gold; d07's meta given a "title" of its own by hand (imports refuse one
    beside a title), which the statement leaves to the rule."""
    import sqlite3

    records = [{"id": f"d{i:02}", "text": f"Kyiv and NATO, text {i}.", "title": f"Title {i}" if i % 3 else "",
                "meta": {"n": i}, "spans": [{"start": 0, "end": 4, "label": "GPE"}],
                "stance": {"NATO": "FAVOR"}, "annotators": ["ann"], "adjudication": "unanimous"} for i in range(23)]
    _import(cli, project, tmp_path, records)
    with sqlite3.connect(project) as db:
        db.execute("""UPDATE document SET meta = '{"n":7,"title":"own"}' WHERE id = 'd07'""")
    db.close()
    return records


@pytest.mark.parametrize("cores", [1, 2])
def test_an_export_in_many_ranges_keeps_the_order_and_builds_what_sql_leaves_to_the_rule(
        sqlite_only, cli, project, tmp_path, monkeypatch, cores):
    """Ranges of document keys come back in the project's order, on one core or with the second
    half written by a forked process; a document the statement leaves out is written by the rule in
    its place; what the file holds is what the rule gives, and nothing is left beside it."""
    records = _titled_project(cli, project, tmp_path)
    monkeypatch.setattr(export_service, "BATCH", 2)  # 12 ranges of two documents
    monkeypatch.setattr(export_fork, "FORK_AT", 0 if cores == 2 else 10**9)
    forked, real_fork = [], os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or real_fork())
    out = tmp_path / "gold.jsonl"
    assert cli("export", "--out", str(out)).code == 0
    engine = open_project(str(project))
    schema = codebook_ref(engine)
    with engine.connect() as conn:
        pks = [pk for pk, _, _ in gold_lines.lines_between(conn, 0, 10**9, schema)]
        expected = [_by_rule(conn, pk, schema) for pk in pks]
    engine.dispose()
    assert out.read_bytes().splitlines() == expected
    assert [orjson.loads(line)["id"] for line in expected] == [r["id"] for r in records]
    assert orjson.loads(expected[7])["meta"] == {"title": "own", "n": 7}  # the rule's merge: title first, meta's value
    assert len(forked) == cores - 1 and [p.name for p in tmp_path.glob(".gold.jsonl*")] == []


def test_a_split_export_on_two_cores_writes_the_same_files_as_on_one(sqlite_only, cli, project, tmp_path, monkeypatch):
    _titled_project(cli, project, tmp_path)
    monkeypatch.setattr(export_service, "BATCH", 3)
    written = {}
    for fork_at in (10**9, 0):
        monkeypatch.setattr(export_fork, "FORK_AT", fork_at)
        out = tmp_path / f"gold{fork_at}.jsonl"
        assert cli("export", "--out", str(out), "--split", "0.5,0.25,0.25", "--seed", "3").code == 0
        written[fork_at] = [out.with_name(f"{out.stem}-{name}.jsonl").read_bytes() for name in ("train", "dev", "test")]
    assert written[0] == written[10**9] and all(written[0])


@pytest.mark.parametrize("failure", ["a full disk", "a crash"])
def test_when_the_second_half_fails_the_export_fails_and_leaves_no_file(sqlite_only, cli, project, tmp_path,
                                                                        monkeypatch, failure):
    """The forked process's error reaches the user as the export's own would (a full disk named as
    such); a process that dies without a word fails the export too; neither leaves a file."""
    _titled_project(cli, project, tmp_path)
    monkeypatch.setattr(export_service, "BATCH", 2)
    monkeypatch.setattr(export_fork, "FORK_AT", 0)
    real = gold_lines.lines_between

    def failing(conn, after, through, schema):  # the second half's ranges start past the middle
        if after >= 12:
            if failure == "a crash":
                os._exit(9)
            raise OSError(28, "No space left on device")
        return real(conn, after, through, schema)

    monkeypatch.setattr(gold_lines, "lines_between", failing)
    out = tmp_path / "gold.jsonl"
    engine = open_project(str(project))
    expected = InputError if failure == "a full disk" else RuntimeError
    with pytest.raises(expected, match="No space left on device|died"):
        export_service.export(engine, "gold", out)
    engine.dispose()
    assert not out.exists() and [p.name for p in tmp_path.glob(".gold.jsonl*")] == []


def test_a_read_only_url_stays_read_only_on_two_cores(sqlite_only, cli, project, tmp_path, monkeypatch):
    """The forked process opens the database by the URL it was given: `?mode=ro` changes nothing
    in the file (a backup, kept with a rollback journal, is not turned into WAL)."""
    import hashlib

    _titled_project(cli, project, tmp_path)
    copy = tmp_path / "copy.db"
    assert cli("backup", str(copy)).code == 0
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    monkeypatch.setattr(export_service, "BATCH", 2)
    monkeypatch.setattr(export_fork, "FORK_AT", 0)
    out = tmp_path / "gold.jsonl"
    result = cli("export", "--db", f"sqlite:///{copy}?mode=ro", "--out", str(out))
    assert result.code == 0, result.err
    assert len(out.read_bytes().splitlines()) == 23
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.glob("copy.db*")) == ["copy.db"]


CHILD_SLOWED = """
import os, sys, time
from annotator.cli import main
from annotator.services import export, export_fork
from annotator.store import gold_lines

export_fork.FORK_AT, export.BATCH = 0, 2
parent, real = os.getpid(), gold_lines.lines_between

def slowed(conn, after, through, schema):  # the second half, in the child, crawls
    if os.getpid() != parent:
        time.sleep(0.3)
    return real(conn, after, through, schema)

gold_lines.lines_between = slowed
main(["export", "--db", sys.argv[1], "--out", sys.argv[2]])
"""


def test_a_killed_export_takes_its_second_half_with_it(sqlite_only, cli, project, tmp_path):
    """SIGKILL the exporting process while its child writes the second half: the child sees it has
    no parent, stops and removes its file (nobody would append it; a rerun would find it alive)."""
    import signal
    import subprocess
    import sys
    import time

    _titled_project(cli, project, tmp_path)
    out = tmp_path / "gold.jsonl"
    script = tmp_path / "slowed.py"
    script.write_text(CHILD_SLOWED, "utf-8")
    victim = subprocess.Popen([sys.executable, str(script), str(project), str(out)], cwd=tmp_path)

    def child_parts() -> list:
        return [p for p in tmp_path.glob(".gold.jsonl.*.part") if p.name != f".gold.jsonl.{victim.pid}.part"]

    deadline = time.monotonic() + 60
    while not child_parts() and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child_parts(), "the second half never started"
    (part,) = child_parts()
    child = int(part.name.split(".")[-2])
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (part.exists() or _running(child)):
        time.sleep(0.05)
    assert not part.exists() and not _running(child) and not out.exists()


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's end is reaped by whoever adopted it, maybe late)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_an_input_error_in_the_second_half_reaches_the_user_as_one(sqlite_only, cli, project, tmp_path, monkeypatch):
    """An error the command line prints as one line (here an InputError; a locked database is the
    same path) comes back from the child as that error, not as a traceback."""
    _titled_project(cli, project, tmp_path)
    monkeypatch.setattr(export_service, "BATCH", 2)
    monkeypatch.setattr(export_fork, "FORK_AT", 0)
    parent, real = os.getpid(), gold_lines.lines_between

    def refusing(conn, after, through, schema):
        if os.getpid() != parent:
            raise InputError("the codebook in force changed during the export")
        return real(conn, after, through, schema)

    monkeypatch.setattr(gold_lines, "lines_between", refusing)
    result = cli("export", "--out", str(tmp_path / "gold.jsonl"))
    assert result.code == 1 and "the codebook in force changed during the export" in result.err
    assert "Traceback" not in result.err and not list(tmp_path.glob("*gold.jsonl*"))


def test_a_document_left_to_the_rule_that_lost_its_gold_meanwhile_is_left_out(sqlite_only, cli, project, tmp_path,
                                                                              monkeypatch):
    """The rule builds a document the statement left out in a later transaction: if its gold was
    disputed in between, it is left out (not replaced by the next document, written twice)."""
    import sqlite3

    _titled_project(cli, project, tmp_path)  # d07: left to the rule
    real = gold_lines.lines_between

    def disputed_meanwhile(conn, after, through, schema):
        rows = real(conn, after, through, schema)
        with sqlite3.connect(project) as db:
            db.execute("UPDATE gold SET disputed = 1 WHERE document_pk = (SELECT pk FROM document WHERE id = 'd07')")
        db.close()
        return rows

    monkeypatch.setattr(gold_lines, "lines_between", disputed_meanwhile)
    out = tmp_path / "gold.jsonl"
    assert cli("export", "--out", str(out)).code == 0
    ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert ids == [f"d{i:02}" for i in range(23) if i != 7]
