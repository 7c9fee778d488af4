"""Crash safety: `annotator import`, `annotator suggest`, a coding session and `annotator export`,
each run as a real process and SIGKILLed part way (at a point drawn with a fixed seed, reached by
watching the process's progress: its offset in the file it reads, the rows it has committed, the
decisions it has acknowledged, the bytes it has written). Then:

(a) the database is consistent: SQLite's integrity and foreign key checks, and FTS5's of the find
    index against the documents; on both backends no row
    without the row it belongs to, no document stored without its gold or annotations, one suggestion per document/model/version;
(b) every change acknowledged before the kill is stored, exactly;
(c) the same command run again completes, and ends where an uninterrupted run ends.

The runs killed are processes of their own, started with sys.executable; the reruns go through the
CLI in this process (the `cli` fixture), which spares a second start-up (and spaCy's import) each.

Where a model is needed, the children use the small rule-based pipeline of conftest, not spaCy's
model. Children are started with sys.executable; a child that is more than `python -m annotator`
is a short script (below) that patches in that pipeline or reports what it has stored.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ServerDatabase, assert_find_index_whole, dump, rows, write_jsonl

pytestmark = pytest.mark.slow  # processes killed part way, and run again

TESTS = Path(__file__).resolve().parent
KILL_TIMEOUT = 60  # seconds a child may take to reach its kill point
SEEDS = [1, 2, 3]


# Helpers -------------------------------------------------------------------------------------------
def annotator(*args: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    """`annotator ARGS` as a process of its own (stdout and stderr kept, small)."""
    return subprocess.Popen([sys.executable, "-m", "annotator", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def script(source: str, *args: str, cwd: Path) -> subprocess.Popen:
    """A small Python script as a process of its own, with the tests folder importable."""
    prelude = f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
    return subprocess.Popen([sys.executable, "-c", prelude + textwrap.dedent(source), *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def file_offset(pid: int, path: Path) -> int | None:
    """Where process `pid` is in the file at `path` (its open descriptor's offset), None when it has
    no descriptor open on it."""
    target = str(path.resolve())
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return None
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                info = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
                return int(info.split("pos:", 1)[1].split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return None


def wait_until(condition, process: subprocess.Popen, what: str, seconds: float = KILL_TIMEOUT, step: float = 0.005,
               stopped: bool = False, none_if_ended: bool = False):
    """Poll `condition` until it gives something true; fail if the process ends first or time runs out.
    With `stopped`, the process runs in slices of `step` (SIGCONT, pause, SIGSTOP) and is looked at
    only while stopped, and stays stopped once the condition holds: polled while running, an export
    once wrote its whole file and renamed it between two looks."""
    deadline = time.monotonic() + seconds
    while True:
        if stopped:
            os.kill(process.pid, signal.SIGSTOP)
            while _state(process.pid) not in ("T", "t", "Z", None):  # stopped (or ended)
                time.sleep(0.0001)
        found = condition()
        if found:
            return found
        if process.poll() is not None:
            out, err = process.communicate()
            if none_if_ended and process.returncode == 0:
                return None
            pytest.fail(f"the process ended (exit {process.returncode}) before {what}\n{out}\n{err}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        if stopped:
            os.kill(process.pid, signal.SIGCONT)
        time.sleep(step)


def scalar(db, sql: str, *parameters):
    (value,), = rows(db, sql, *parameters)
    return value


@contextmanager
def counting(db, sql: str):
    """A function giving the count a query returns, on one connection kept open (polling through a
    new connection each time costs a server process a poll on PostgreSQL)."""
    if isinstance(db, ServerDatabase):
        import psycopg

        conn = psycopg.connect(db.url.replace("+psycopg", ""), autocommit=True)
    else:
        conn = sqlite3.connect(db, timeout=10, isolation_level=None)
    try:
        yield lambda: conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _state(pid: int) -> str | None:
    """The process's state letter from /proc (R running, S sleeping, T stopped, Z ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed or removed meanwhile
        return 0


def as_json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


# (a) consistency, on both backends --------------------------------------------------------------
# Rows that must not exist: each names the row it lacks.
ORPHANS = {
    "annotation without its document":
        "SELECT count(*) FROM annotation a WHERE NOT EXISTS (SELECT 1 FROM document d WHERE d.pk = a.document_pk)",
    "annotation without its coder":
        "SELECT count(*) FROM annotation a WHERE NOT EXISTS (SELECT 1 FROM coder c WHERE c.pk = a.coder_pk)",
    "annotation span without its annotation":
        "SELECT count(*) FROM annotation_span s WHERE NOT EXISTS (SELECT 1 FROM annotation a WHERE a.pk = s.annotation_pk)",
    "annotation stance without its annotation":
        "SELECT count(*) FROM annotation_stance s WHERE NOT EXISTS (SELECT 1 FROM annotation a WHERE a.pk = s.annotation_pk)",
    "span decision without its annotation":
        "SELECT count(*) FROM suggestion_decision s WHERE NOT EXISTS (SELECT 1 FROM annotation a WHERE a.pk = s.annotation_pk)",
    "stance decision without its annotation":
        "SELECT count(*) FROM stance_decision s WHERE NOT EXISTS (SELECT 1 FROM annotation a WHERE a.pk = s.annotation_pk)",
    "suggestion without its document":
        "SELECT count(*) FROM suggestion s WHERE NOT EXISTS (SELECT 1 FROM document d WHERE d.pk = s.document_pk)",
    "suggest claim without its document":
        "SELECT count(*) FROM suggest_claim s WHERE NOT EXISTS (SELECT 1 FROM document d WHERE d.pk = s.document_pk)",
    "gold without its document":
        "SELECT count(*) FROM gold g WHERE NOT EXISTS (SELECT 1 FROM document d WHERE d.pk = g.document_pk)",
    "gold span without its gold":
        "SELECT count(*) FROM gold_span s WHERE NOT EXISTS (SELECT 1 FROM gold g WHERE g.pk = s.gold_pk)",
    "gold stance without its gold":
        "SELECT count(*) FROM gold_stance s WHERE NOT EXISTS (SELECT 1 FROM gold g WHERE g.pk = s.gold_pk)",
    "gold adjudication without its gold":
        "SELECT count(*) FROM gold_adjudication s WHERE NOT EXISTS (SELECT 1 FROM gold g WHERE g.pk = s.gold_pk)",
    "assignment without its document":
        "SELECT count(*) FROM assignment s WHERE NOT EXISTS (SELECT 1 FROM document d WHERE d.pk = s.document_pk)",
    "event naming a missing document":
        "SELECT count(*) FROM event e WHERE e.document_pk IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM document d WHERE d.pk = e.document_pk)",
    "event naming a missing annotation":
        "SELECT count(*) FROM event e WHERE e.annotation_pk IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.pk = e.annotation_pk)",
    "suggestion stored twice for a document, model and version":
        "SELECT count(*) FROM (SELECT 1 FROM suggestion GROUP BY document_pk, model, version HAVING count(*) > 1) t",
    "annotation stored twice for a document and coder":
        "SELECT count(*) FROM (SELECT 1 FROM annotation GROUP BY document_pk, coder_pk HAVING count(*) > 1) t",
    "gold stored twice for a document":
        "SELECT count(*) FROM (SELECT 1 FROM gold GROUP BY document_pk HAVING count(*) > 1) t",
}


def assert_consistent(db) -> None:
    if not isinstance(db, ServerDatabase):
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        assert rows(db, "PRAGMA foreign_key_check") == []
        assert_find_index_whole(db)  # filled by the import's batch, not a trigger
    found = {what: n for what, sql in ORPHANS.items() if (n := scalar(db, sql))}
    assert found == {}
    # Documents are numbered 1, 2, 3, ... in import order, with no gap and no number twice.
    count, distinct, low, high = rows(db, "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM document")[0]
    assert count == distinct and (count == 0 or (low, high) == (1, count))


# Import ------------------------------------------------------------------------------------------
TOPICS = ["Ukraine", "Russia", "NATO", "Kyiv", "Moscow", "talks", "leaders", "met", "today", "over", "the", "peace", "deal", "in", "Europe", "said"]


def import_records(n: int, tag: str, kinds: tuple[str, ...] = ("plain", "gold", "coder")) -> list[dict]:
    """n records, the kinds in turn: plain documents, gold JSONL, coder JSONL (alice)."""
    rng = random.Random(tag)
    records = []
    for i in range(n):
        text = f"Vladimir Putin and {tag} {i}: " + " ".join(rng.choice(TOPICS) for _ in range(20)) + "."
        record = {"id": f"{tag}-{i}", "title": f"{tag} {i}", "text": text, "meta": {"n": i, "source": tag}}
        kind = kinds[i % len(kinds)]
        if kind == "gold":
            record.update(annotators=["alice", "bob"], adjudication="unanimous",
                          spans=[{"start": 0, "end": 14, "label": "PERSON"}], stance={"Russia": "AGAINST"})
        elif kind == "coder":
            record.update(coder="alice", spans=[{"start": 0, "end": 14, "label": "PERSON"}], stance={"Ukraine": "FAVOR"})
        records.append(record)
    return records


def imported_state(db, tag: str) -> dict:
    """What the database holds of the import tagged `tag`: its documents, gold and coder annotations."""
    like = f"{tag}-%"
    documents = sorted((i, title, text, json.dumps(as_json(meta), sort_keys=True))
                       for i, title, text, meta in rows(db, "SELECT id, title, text, meta FROM document WHERE id LIKE ?", like))
    gold = scalar(db, "SELECT count(*) FROM gold g JOIN document d ON d.pk = g.document_pk WHERE d.id LIKE ?", like)
    gold_items = scalar(db, "SELECT (SELECT count(*) FROM gold_span s JOIN gold g ON g.pk = s.gold_pk "
                        "JOIN document d ON d.pk = g.document_pk WHERE d.id LIKE ?) + (SELECT count(*) FROM gold_stance s "
                        "JOIN gold g ON g.pk = s.gold_pk JOIN document d ON d.pk = g.document_pk WHERE d.id LIKE ?)",
                        like, like)
    coded = scalar(db, "SELECT count(*) FROM annotation a JOIN document d ON d.pk = a.document_pk WHERE d.id LIKE ?", like)
    items = scalar(db, "SELECT (SELECT count(*) FROM annotation_span s JOIN annotation a ON a.pk = s.annotation_pk "
                   "JOIN document d ON d.pk = a.document_pk WHERE d.id LIKE ?) + (SELECT count(*) FROM annotation_stance s "
                   "JOIN annotation a ON a.pk = s.annotation_pk JOIN document d ON d.pk = a.document_pk WHERE d.id LIKE ?)",
                   like, like)
    return {"documents": documents, "gold": gold, "gold items": gold_items, "annotations": coded, "annotation items": items}


def expected_import(records: list[dict]) -> dict:
    gold = sum(1 for r in records if "adjudication" in r)
    coded = sum(1 for r in records if "coder" in r)
    return {"documents": sorted((r["id"], r["title"], r["text"], json.dumps(r["meta"], sort_keys=True)) for r in records),
            "gold": gold, "gold items": 2 * gold, "annotations": coded, "annotation items": 2 * coded}


@pytest.mark.parametrize("seed", SEEDS)
def test_import_killed_part_way_keeps_whole_batches_and_a_rerun_completes(project, cli, tmp_path, seed):
    """SIGKILL `annotator import` part way, then import the same file again. An import reads its
    file twice: a check that writes nothing, then batches (sized by time) committed one by one. Kill points:
    seed 1 at a seeded share of the check (nothing stored yet); seed 2 as soon as the first batch
    has committed; seed 3 once the second read has closed the file (it stores the last batch)."""
    earlier = import_records(30, "earlier")
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "earlier.jsonl", earlier))).code == 0
    # Coder JSONL makes the import load spaCy's tokenizer (seconds): one kill point has it.
    records = import_records(2500, "batch", ("plain", "gold", "plain", "gold", "plain", "coder") if seed == 2
                             else ("plain", "gold"))
    path = write_jsonl(tmp_path / "batch.jsonl", records)
    before = dump(project)
    size = path.stat().st_size
    stored = lambda: scalar(project, "SELECT count(*) FROM document WHERE id LIKE 'batch-%'")

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    victim = annotator("import", "--create-coders", "--db", str(project), str(path), cwd=tmp_path, env={**os.environ, "TMPDIR": str(scratch)})
    wait_until(lambda: file_offset(victim.pid, path) is not None, victim, "it opened the file", step=0.005)
    if seed == 1:
        share = random.Random(seed).uniform(0.05, 0.9)
        reached = wait_until(lambda: (o := file_offset(victim.pid, path)) is not None and o >= share * size and o,
                             victim, f"it checked {share:.0%} of the file", step=0.002)
        assert reached < size and stored() == 0, "the kill should land while the file is checked"
    else:
        wait_until(lambda: stored() > 0, victim, "its first batch committed", step=0.005)
        if seed == 3:
            wait_until(lambda: file_offset(victim.pid, path) is None, victim, "it closed the file", step=0.005)
    kill(victim)

    assert_consistent(project)
    assert list(scratch.iterdir()) == [], "the import's scratch outlived it"
    kept = stored()
    assert kept or seed == 1
    # Each stored document whole, with its gold and coder annotations, in the file's order: what a
    # batch stores commits together (its size is the time it takes, so no count to compare with).
    assert imported_state(project, "batch") == expected_import(records[:kept])
    if not kept:
        assert dump(project) == before, "a killed check left a trace"
    assert imported_state(project, "earlier") == expected_import(earlier)

    rerun = cli("import", "--create-coders", str(path))  # the same command (in this process: no second start-up)
    assert rerun.code == 0, rerun.err
    assert f"{len(records) - kept} new document(s), {kept} already there" in rerun.out
    assert imported_state(project, "batch") == expected_import(records)
    assert imported_state(project, "earlier") == expected_import(earlier)
    assert scalar(project, "SELECT count(*) FROM document") == len(earlier) + len(records)
    assert_consistent(project)


# Suggest -----------------------------------------------------------------------------------------
# `annotator suggest` itself, with the rule-based pipeline of conftest in place of spaCy's model.
SUGGEST = """
    from conftest import rule_pipeline
    import annotator.services.suggest as service
    service.load_pipeline = lambda model=None: rule_pipeline()
    from annotator.cli import main
    main(["suggest", *sys.argv[1:]])
"""
NAMES = ["Donald Trump", "Vladimir Putin", "Volodymyr Zelensky", "Joe Biden", "Kyiv", "Moscow", "NATO", "Europe"]
MOOD = ["praised", "condemned", "welcomed", "attacked", "supported", "met"]
TARGETS = ["Ukraine", "Russia", "the United States", "NATO"]


def articles(n: int) -> list[dict]:
    rng = random.Random("articles")
    return [{"id": f"a{i}", "text": " ".join(
        f"{rng.choice(NAMES)} {rng.choice(MOOD)} {rng.choice(TARGETS)} on day {i}." for _ in range(6))}
        for i in range(n)]


def suggestions_by_document(db) -> dict:
    return {doc: (model, version, as_json(spans), as_json(stances)) for doc, model, version, spans, stances in rows(
        db, "SELECT d.id, s.model, s.version, s.spans, s.stances FROM suggestion s JOIN document d ON d.pk = s.document_pk")}


@pytest.mark.parametrize("seed", SEEDS)
def test_suggest_killed_part_way_then_rerun_matches_an_uninterrupted_run(project, cli, tmp_path, seed, monkeypatch):
    """SIGKILL `annotator suggest --batch-size 4` once a seeded number of documents have their
    suggestions committed, run it again, and compare with one uninterrupted run over every document."""
    from conftest import rule_pipeline

    from annotator.services.project import open_project
    from annotator.services.suggest import suggest

    n = 60
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "articles.jsonl", articles(n)))).code == 0
    goal = random.Random(seed).randint(6, 36)

    victim = script(SUGGEST, "--db", str(project), "--batch-size", "4", cwd=tmp_path)
    with counting(project, "SELECT count(*) FROM suggestion") as suggested:
        wait_until(lambda: suggested() >= goal, victim, f"{goal} documents had suggestions", step=0.01)
        kill(victim)
    part = scalar(project, "SELECT count(*) FROM suggestion")
    assert goal <= part < n, "the kill should land part way"
    assert_consistent(project)

    # The same command again, in this process with the same pipeline (no second start-up).
    import annotator.services.suggest as service
    monkeypatch.setattr(service, "load_pipeline", lambda model=None: rule_pipeline())
    rerun = cli("suggest", "--batch-size", "4")
    assert rerun.code == 0, rerun.err
    assert f"Suggested {n - part} document(s)" in rerun.out
    assert_consistent(project)
    resumed = suggestions_by_document(project)
    assert len(resumed) == n
    assert rows(project, "SELECT count(*) FROM suggest_claim") == [(0,)]  # the dead run's claims were freed

    # One uninterrupted run over every document, in this process: the same suggestions.
    engine = open_project(str(project))
    try:
        assert suggest(engine, pipeline=rule_pipeline(), redo=True).suggested == n
    finally:
        engine.dispose()
    assert suggestions_by_document(project) == resumed
    assert_consistent(project)


# A coding session -----------------------------------------------------------------------------------
# A coder working through the queue as the coding screen does: every decision through CodingSession,
# acknowledged on stdout ("saved N", then the document and its annotation as JSON) once it is stored.
CODING = """
    import json, random
    from annotator.domain import coding
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project

    db, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    session = CodingSession(open_project(db), "kim")
    labels = list(session.codebook.stance_labels)
    n = 0

    def saved(document_pk, annotation):
        global n
        n += 1
        print(f"saved {n} " + json.dumps({"doc": document_pk, "annotation": annotation.to_json()}), flush=True)

    def act(doc, kind, edit):
        if session.apply(doc, kind, edit):
            saved(doc.pk, doc.annotation)
        if rng.random() < 0.1:  # ctrl+z now and then
            change = session.undo()
            if change.document_pk == doc.pk:
                doc.annotation = change.before
            saved(change.document_pk, change.before)

    pk = session.first_unfinished()
    while pk is not None:
        doc = session.open(pk)
        spans = list(doc.suggestion.spans) if doc.suggestion else []
        for suggested in spans:
            edit = coding.accept if rng.random() < 0.7 else coding.reject
            act(doc, "span.accept", lambda a, s=suggested, e=edit: e(a, s))
        stances = {s.target: s for s in doc.suggestion.stances} if doc.suggestion else {}
        for target in doc.target_names:
            label = rng.choice(labels)
            act(doc, "stance.set", lambda a, t=target, l=label: coding.set_stance(a, t, l, stances.get(t)))
        act(doc, "status", lambda a: coding.set_status(a, "done"))
        session.leave(doc)
        pk = session.next_pk(pk)
    print("finished", flush=True)
"""


def normal(annotation: dict) -> dict:
    """An annotation's JSON with its lists in one order (the store may read them back in another)."""
    return {k: sorted(map(json.dumps, v)) if isinstance(v, list) else v for k, v in annotation.items()}


def stored_annotations(db, coder: str) -> dict[int, dict]:
    from annotator.services.project import open_project
    from annotator.store import annotations

    engine = open_project(str(db))
    try:
        with engine.connect() as conn:
            coder_pk = scalar(db, "SELECT pk FROM coder WHERE name = ?", coder)
            pks = [pk for pk, in rows(db, "SELECT document_pk FROM annotation WHERE coder_pk = ?", coder_pk)]
            return {pk: normal(annotations.of_coder(conn, pk, coder_pk).to_json()) for pk in pks}
    finally:
        engine.dispose()


@pytest.mark.parametrize("seed", SEEDS)
def test_coding_session_killed_after_k_acknowledged_decisions_keeps_every_one(seeded, tmp_path, seed):
    """A child codes through CodingSession, printing "saved N" after each stored decision; SIGKILL it
    once the parent has read a seeded K of them. Every acknowledged decision is stored, exactly:
    the coder's events are the acknowledged changes in order (plus at most the one stored when the
    kill came, unacknowledged), and each annotation is the last state acknowledged (or that one's)."""
    from annotator.domain import coding
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project

    k = random.Random(seed).randint(5, 60)
    victim = script(CODING, str(seeded), str(seed), cwd=tmp_path)
    lines = []
    deadline = time.monotonic() + KILL_TIMEOUT
    while len(lines) < k:
        line = victim.stdout.readline()
        assert line and line.startswith("saved "), f"the session ended before {k} decisions: {lines[-1:]}\n{victim.stderr.read()}"
        lines.append(line)
        assert time.monotonic() < deadline
    kill(victim)
    lines += victim.stdout.readlines()  # acknowledged before the kill, not yet read
    acknowledged = []
    for line in lines:
        if not line.endswith("\n"):
            break  # cut short by the kill: not an acknowledgement
        number, payload = line.split(" ", 2)[1:]
        assert int(number) == len(acknowledged) + 1
        record = json.loads(payload)
        acknowledged.append((record["doc"], normal(record["annotation"])))
    assert "finished" not in lines[-1] and len(acknowledged) >= k

    assert_consistent(seeded)
    (coder_pk,), = rows(seeded, "SELECT pk FROM coder WHERE name = 'kim'")
    events = [(doc, normal(as_json(before)), normal(as_json(after))) for doc, before, after in rows(
        seeded, "SELECT document_pk, before, after FROM event WHERE coder_pk = ? ORDER BY pk", coder_pk)]
    assert len(events) in (len(acknowledged), len(acknowledged) + 1)
    assert [(doc, after) for doc, _, after in events[:len(acknowledged)]] == acknowledged
    expected: dict[int, dict] = {}
    for doc, after in acknowledged:
        expected[doc] = after
    if len(events) > len(acknowledged):  # stored, and killed before it said so
        doc, before, after = events[-1]
        assert before == expected.get(doc, normal(coding.Annotation().to_json()))
        expected[doc] = after
    assert stored_annotations(seeded, "kim") == expected

    # Opening the session again: it resumes on the document of the last stored decision, as stored.
    engine = open_project(str(seeded))
    try:
        session = CodingSession(engine, "kim")
        last = events[-1][0]
        assert session.resume_point() == last
        doc = session.open(last)
        assert normal(doc.annotation.to_json()) == expected[last]
        assert session.apply(doc, "status", lambda a: coding.set_status(a, "skipped"))
    finally:
        engine.dispose()
    assert_consistent(seeded)


# Export ------------------------------------------------------------------------------------------
FORMATS = {1: ("gold", "gold.jsonl"), 2: ("conll", "gold.conll"), 3: ("prodigy", "gold.prodigy.jsonl")}


@pytest.mark.parametrize("seed", SEEDS)
def test_export_killed_part_way_leaves_no_partial_file_and_a_rerun_writes_it_whole(project, cli, tmp_path, seed):
    """SIGKILL `annotator export --force` once its temporary file holds a seeded share of the output,
    over an older export at the target (seed 3) or none. The target holds the older file whole, or
    nothing; the same command run again writes the same bytes as an uninterrupted export."""
    fmt, name = FORMATS[seed]
    # SQLite builds gold lines a range of 1,000 documents a statement and the file takes each range at
    # once: 3,000 documents give the kill three ranges to fall between
    count = 3000 if fmt == "gold" else 500
    records = import_records(count, "gold", ("gold",))
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "gold.jsonl", records[:count - 70]))).code == 0
    target = tmp_path / "exports" / name
    older = None
    if seed == 3:
        assert cli("export", "--format", fmt, "--out", str(target)).code == 0
        older = target.read_bytes()
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "more.jsonl", records[count - 70:]))).code == 0
    reference = tmp_path / "reference" / name
    assert cli("export", "--format", fmt, "--out", str(reference)).code == 0
    whole = reference.read_bytes()
    assert whole != older
    share = random.Random(seed).uniform(0.05, 0.7)
    command = ["export", "--format", fmt, "--out", str(target), "--force"]

    def temporary() -> list[Path]:
        return [p for p in target.parent.glob(f".{name}.*.part")] if target.parent.exists() else []

    for _ in range(5):  # a loaded machine's slice of "running" once let the whole export through: again
        victim = annotator(*command, "--db", str(project), cwd=tmp_path)
        if wait_until(lambda: any(size_of(p) >= share * len(whole) for p in temporary()), victim,
                      f"it wrote {share:.0%} of the file", step=0.0005, stopped=True, none_if_ended=True):
            break
        target.unlink() if older is None else target.write_bytes(older)
    else:
        pytest.fail(f"the export ended five times before it wrote {share:.0%} of the file")
    kill(victim)
    if older is None:
        assert not target.exists(), "a killed export left a file at the target"
    else:
        assert target.read_bytes() == older, "a killed export changed the file at the target"
    left = temporary()  # its temporary file stays behind, beside the target, never under its name
    assert [p.name for p in left] == [f".{name}.{victim.pid}.part"]
    # Killed before its rename: at least the share waited for, at most all of it (a slice of a loaded
    # machine once ran from below the share to the last byte, the rename still to come).
    assert share * len(whole) <= left[0].stat().st_size <= len(whole)
    assert_consistent(project)

    rerun = cli(*command)  # the same command (in this process: no second start-up)
    assert rerun.code == 0, rerun.err
    assert f"Wrote {len(records)} document(s) to {target}" in rerun.out.replace("\n", "")
    assert target.read_bytes() == whole
    assert temporary() == [], "the killed run's temporary file was not cleared away by the next export"
    if fmt != "conll":
        assert [json.loads(line)["text"] for line in whole.decode().splitlines()] == [r["text"] for r in records]


def test_split_export_killed_between_its_renames_can_be_run_again(project, cli, tmp_path):
    """SIGKILL `annotator export --split` right after it has put its first file (train) in place,
    before the others: running the same command again must complete with all three files."""
    records = import_records(100, "split", ("gold",))
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "gold.jsonl", records))).code == 0
    split = ["--split", "0.6,0.2,0.2", "--seed", "1"]
    assert cli("export", *split, "--out", str(tmp_path / "reference" / "gold.jsonl")).code == 0
    reference = {p.name: p.read_bytes() for p in (tmp_path / "reference").iterdir()}
    assert sorted(reference) == ["gold-dev.jsonl", "gold-test.jsonl", "gold-train.jsonl"]
    out = tmp_path / "exports" / "gold.jsonl"
    # `annotator export` as it is, told to say when each file is in place and to pause there.
    victim = script("""
        import os, time, types
        import annotator.services.export as export

        def replace(source, target):
            os.replace(source, target)
            print("in place", target, flush=True)
            time.sleep(60)

        export.os = types.SimpleNamespace(replace=replace, getpid=os.getpid)
        from annotator.cli import main
        main(sys.argv[1:])
    """, "export", "--db", str(project), *split, "--out", str(out), cwd=tmp_path)
    assert victim.stdout.readline().startswith("in place")
    kill(victim)
    assert sorted(p.name for p in out.parent.iterdir() if not p.name.startswith(".")) == ["gold-train.jsonl"]

    result = cli("export", *split, "--out", str(out))
    assert result.code == 0, result.err
    assert {p.name: p.read_bytes() for p in out.parent.iterdir() if not p.name.startswith(".")} == reference
