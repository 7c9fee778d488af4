"""`annotator import`: every format, re-import as a no-op, and every bad input leaving the database unchanged."""

from __future__ import annotations

import json
import os

import pytest

from conftest import SEEDS, ServerDatabase, dump, rows, wikinews, write_jsonl


def show(cli, doc_id: str) -> dict:
    result = cli("show", doc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def status(cli) -> dict:
    return json.loads(cli("status", "--json").out)


def test_seeds_folder_imports_text_and_jsonl_keeping_url_and_license(cli, project):
    result = cli("import", "--create-coders", str(SEEDS))
    assert result.code == 0, result.err
    assert "25 new document(s), 0 already there" in result.out
    assert status(cli)["documents"] == 25
    korea = show(cli, "GUM_news_korea")
    source = next(r for r in wikinews() if r["id"] == "GUM_news_korea")
    assert korea["text"] == source["text"] and korea["title"] == source["title"]
    assert korea["meta"]["url"] == source["url"] and korea["meta"]["license"] == "CC BY 2.5"
    assert korea["meta"]["date"] == source["date"] and korea["meta"]["source"] == "Wikinews"
    seed = show(cli, "000_e6a2707f4c80d87a")
    assert seed["text"] == (SEEDS / "000_e6a2707f4c80d87a.txt").read_text("utf-8")


def test_reimport_is_a_no_op_that_says_so(cli, project):
    cli("import", "--create-coders", str(SEEDS))
    before = dump(project)
    result = cli("import", "--create-coders", str(SEEDS))
    assert result.code == 0 and "0 new document(s), 25 already there" in result.out
    assert dump(project) == before


def test_same_text_twice_in_one_file_is_stored_once(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "Same text."}, {"text": "Same text.", "id": "other"}])
    assert "1 new document(s), 1 already there" in cli("import", "--create-coders", str(path)).out


def test_jsonl_without_id_gets_an_id_from_the_text_and_extra_keys_become_meta(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "Kyiv said no.", "url": "https://x", "meta": {"a": 1}}])
    assert cli("import", "--create-coders", str(path)).code == 0
    (doc_id,) = [i for i in [f"doc-{__import__('hashlib').sha256(b'Kyiv said no.').hexdigest()[:12]}"]]
    doc = show(cli, doc_id)
    assert doc["meta"] == {"url": "https://x", "a": 1}


def test_text_folder_uses_file_names_as_ids_and_keeps_crlf(cli, project, tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "one.txt").write_bytes("Line one.\r\nZelensky spoke in Kyiv. \u00e9\u0301 \U0001F600\r\n".encode())
    (folder / "two.txt").write_text("Another article.", "utf-8")
    (folder / "notes.md").write_text("ignored", "utf-8")
    result = cli("import", "--create-coders", str(folder), "--format", "auto")
    assert result.code == 0 and "2 new document(s)" in result.out and "notes.md" in result.out
    assert show(cli, "one")["text"] == "Line one.\r\nZelensky spoke in Kyiv. \u00e9\u0301 \U0001F600\r\n"


def test_csv_with_named_text_column(cli, project, tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text('id,headline,body,outlet\nc1,First,"Body one, with a comma\nand a newline",AFP\n'
                    'c2,Second,Body two,\n', "utf-8")
    result = cli("import", "--create-coders", str(path), "--text-column", "body")
    assert result.code == 0, result.err
    doc = show(cli, "c1")
    assert doc["text"] == "Body one, with a comma\nand a newline"
    assert doc["meta"] == {"headline": "First", "outlet": "AFP"}


def test_coder_jsonl_is_stored_as_that_coders_done_annotation(cli, project, tmp_path):
    text = "Donald Trump called Vladimir Putin about Ukraine."
    path = write_jsonl(tmp_path / "alice.jsonl", [{
        "id": "d1", "text": text, "coder": "alice",
        "spans": [{"start": 0, "end": 12, "label": "PERSON", "text": "Donald Trump"},
                  {"start": 20, "end": 32, "label": "PERSON"}],  # "Vladimir Put": not on a token end
        "stance": {"Ukraine": "NONE", "Russia": "AGAINST"}}])
    assert cli("import", "--create-coders", str(path)).code == 0
    (ann,) = show(cli, "d1")["annotations"]
    assert ann["coder"] == "alice" and ann["status"] == "done"
    assert [(s["start"], s["end"], s["label"], s["origin"], s["aligned"]) for s in ann["spans"]] == \
        [(0, 12, "PERSON", "imported", True), (20, 32, "PERSON", "imported", False)]
    assert {s["target"]: s["label"] for s in ann["stances"]} == {"Ukraine": "NONE", "Russia": "AGAINST"}
    assert status(cli)["annotations"] == {"alice": {"draft": 0, "done": 1, "skipped": 0}}
    again = cli("import", "--create-coders", str(path))
    assert "Coder annotations: 0 new, 1 already there" in again.out


def test_two_coders_on_one_text_make_one_document_and_two_annotations(cli, project, tmp_path):
    rows = [{"text": "Russia and NATO.", "coder": c, "stance": {"NATO": lab}} for c, lab in
            (("alice", "FAVOR"), ("bob", "NONE"))]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "c.jsonl", rows))).code == 0
    st = status(cli)
    assert st["documents"] == 1 and set(st["annotations"]) == {"alice", "bob"}


TEXT = "Donald Trump called Putin."
BAD_RECORDS = {
    "malformed json": ('{"text": "oops"', "malformed JSON at column"),
    "no text": ({"title": "t"}, "no 'text' field"),
    "empty text": ({"text": "   "}, "'text' is empty"),
    "span outside": ({"text": TEXT, "coder": "a", "spans": [{"start": 20, "end": 99, "label": "PERSON"}]},
                     "[20, 99) lies outside the text; offsets must lie in 0..26"),
    "span start >= end": ({"text": TEXT, "coder": "a", "spans": [{"start": 9, "end": 4, "label": "PERSON"}]},
                          "start 9 >= end 4"),
    "span label": ({"text": TEXT, "coder": "a", "spans": [{"start": 0, "end": 6, "label": "PER"}]},
                   "label 'PER' is not in the codebook news-stance; valid: PERSON, ORG, GPE"),
    "stance label": ({"text": TEXT, "coder": "a", "stance": {"Russia": "PRO"}},
                     "stance label 'PRO' for 'Russia' is not valid; valid: FAVOR, AGAINST, NONE"),
    "stance target": ({"text": TEXT, "coder": "a", "stance": {"China": "FAVOR"}},
                      "stance target 'China' is not in the codebook news-stance; valid targets: Ukraine"),
}


@pytest.mark.parametrize("case", list(BAD_RECORDS))
def test_bad_jsonl_record_stores_nothing_and_names_file_line_value(cli, project, tmp_path, case):
    bad, message = BAD_RECORDS[case]
    path = write_jsonl(tmp_path / "in.jsonl", [{"text": "A good record first."}, bad, {"text": "And after."}])
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1
    assert f"{path}:2: " in result.err and message in result.err
    assert "Nothing was imported" in result.err and "Traceback" not in result.err + result.out
    assert dump(project) == before


@pytest.mark.parametrize("case", ["malformed json", "span label"])
def test_skip_invalid_stores_the_valid_records_and_reports_the_rest(cli, project, tmp_path, case):
    bad, message = BAD_RECORDS[case]
    path = write_jsonl(tmp_path / "in.jsonl", [{"text": "A good record first."}, bad, {"text": "And after."}])
    result = cli("import", "--create-coders", str(path), "--skip-invalid")
    assert result.code == 0
    assert f"skipped {path}:2: " in result.err and message in result.err
    assert "2 new document(s)" in result.out and "1 invalid skipped" in result.out
    assert status(cli)["documents"] == 2


def test_file_that_is_not_utf8(cli, project, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:2: not valid UTF-8: byte 0xe9 at column 14" in result.err
    assert dump(project) == before
    txt = tmp_path / "latin1.txt"
    txt.write_bytes(b"line one\nna\xefve\n")
    result = cli("import", "--create-coders", str(txt))
    assert result.code == 1 and f"{txt}:2: not valid UTF-8: byte 0xef" in result.err
    assert dump(project) == before


def test_csv_without_the_named_column(cli, project, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,body\n1,hello\n", "utf-8")
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1
    assert f"{path}:1: no column 'text'; the columns are: id, body; name the text column with --text-column" \
        in result.err
    assert dump(project) == before


def test_csv_row_with_empty_text_names_its_line(cli, project, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('text,id\n"multi\nline",1\n,2\n', "utf-8")
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:4: 'text' is empty" in result.err


def test_id_reused_for_a_different_text(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "one"}, {"id": "x", "text": "two"}])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:2: id 'x' already names a different text" in result.err


def test_an_id_clash_batches_apart_stores_nothing_and_skip_invalid_stores_the_rest(cli, project, tmp_path):
    """An import checks every record before it commits its first batch: an id that names another
    text a batch later, or one the database holds, refuses the whole file; a text seen before under
    another id is already there, not a problem."""
    from annotator.services.importer import BATCH_SIZE

    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "old.jsonl", [{"id": "kept", "text": "Stored before."}]))).code == 0
    records = [{"id": f"r{i}", "text": f"Record {i}."} for i in range(BATCH_SIZE + 10)]
    records[BATCH_SIZE + 5] = {"id": "r3", "text": "Another text under r3."}  # a batch after r3
    records[BATCH_SIZE + 6] = {"id": "kept", "text": "Not what the database holds as kept."}
    records[BATCH_SIZE + 7] = {"id": "same-text", "text": "Record 4."}  # r4's text: already there
    path = write_jsonl(tmp_path / "a.jsonl", records)
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and "Nothing was imported: 2 invalid record(s)" in result.err
    assert f"{path}:{BATCH_SIZE + 6}: id 'r3' already names a different text" in result.err
    assert f"{path}:{BATCH_SIZE + 7}: id 'kept' already names a different text" in result.err
    assert dump(project) == before

    result = cli("import", "--create-coders", str(path), "--skip-invalid")
    assert result.code == 0, result.err
    assert f"{BATCH_SIZE + 7} new document(s), 1 already there, 2 invalid skipped" in result.out
    assert rows(project, "SELECT text FROM document WHERE id IN ('r3', 'kept') ORDER BY id") == \
        [("Stored before.",), ("Record 3.",)]


def test_long_texts_make_smaller_batches(cli, project, tmp_path, monkeypatch):
    """A batch holds the write lock while it is stored: it closes at the size its time allows or at
    BATCH_CHARS characters of text, whichever comes first."""
    from annotator.services import importer

    batches = []
    real = importer._store
    monkeypatch.setattr(importer, "BATCH_CHARS", 100)
    monkeypatch.setattr(importer, "_store", lambda engine, batch, report: (batches.append(len(batch)),
                                                                          real(engine, batch, report))[1])
    records = [{"id": f"t{i}", "text": f"Text {i:02} " + "x" * 30} for i in range(10)]  # 40 characters each
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "a.jsonl", records))).code == 0
    assert [n for n in batches if n] == [3, 3, 3, 1]
    assert rows(project, "SELECT count(*) FROM document") == [(10,)]


def test_batches_are_sized_by_the_time_the_last_one_took():
    """A batch's transaction holds the write lock: the next batch is as large as the last one's rate
    fills BATCH_SECONDS, moved halfway from the last size, within the bounds."""
    from annotator.services.importer import BATCH_SECONDS, FEWEST, MOST, next_batch_size

    assert next_batch_size(100, 100, BATCH_SECONDS) == 100  # on time: the same
    assert next_batch_size(100, 100, 2 * BATCH_SECONDS) == 75  # twice as slow: halfway to 50
    assert next_batch_size(100, 100, BATCH_SECONDS / 4) == 250  # four times as fast: halfway to 400
    assert next_batch_size(20, 20, 100.0) == FEWEST and next_batch_size(4000, 4000, 0.001) == MOST
    assert next_batch_size(100, 100, 0.0) == 200  # too fast to time: doubled


def test_a_document_and_the_records_of_its_text_that_follow_it_share_a_batch(cli, project, tmp_path, monkeypatch):
    """A batch never ends inside a run of records of one text (a Label Studio task's annotators,
    coders' lines one after another): a killed import keeps a document with all of them or none."""
    from annotator.services import importer

    batches = []
    real = importer._store
    for name in ("FIRST_BATCH", "MOST"):  # batches of two records
        monkeypatch.setattr(importer, name, 2)
    monkeypatch.setattr(importer, "_store", lambda engine, batch, report: (batches.append([r.id for _, r in batch]),
                                                                          real(engine, batch, report))[1])
    coded = {"spans": [], "stance": {}}
    records = [{"id": "a", "text": "Text a."}, {"id": "b", "text": "Text b.", "coder": "ann", **coded},
               {"id": "b", "text": "Text b.", "coder": "bob", **coded}, {"id": "c", "text": "Text c."}]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "a.jsonl", records))).code == 0
    assert [ids for ids in batches if ids] == [["a", "b", "b"], ["c"]]
    assert rows(project, "SELECT count(*) FROM annotation") == [(2,)]


def test_a_pipe_is_read_twice_from_a_kept_copy_and_messages_name_the_pipe(project, tmp_path):
    """`annotator import /dev/stdin` (or `<(zcat x.gz)`): the check and the store each read it; a
    pipe gives its bytes once, so they are kept in a temporary file, removed afterwards."""
    import subprocess
    import sys

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = lambda body: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "annotator", "import", "--db", str(project), "--format", "jsonl", "/dev/stdin"],
        input=body, capture_output=True, text=True, env=env)
    bad = run('{"text": "Piped one."}\n{"text": ""}\n')
    assert bad.returncode == 1 and "/dev/stdin:2: 'text' is empty" in bad.stderr and "Nothing was imported" in bad.stderr
    good = run('{"text": "Piped one."}\n{"text": "Piped two."}\n')
    assert good.returncode == 0, good.stderr
    assert "2 new document(s)" in good.stdout
    assert rows(project, "SELECT text FROM document ORDER BY pk") == [("Piped one.",), ("Piped two.",)]
    assert list(scratch.iterdir()) == []


def test_a_device_that_never_ends_is_refused_before_anything_is_copied(project, tmp_path):
    """/dev/zero or /dev/urandom, kept to its end as a pipe is, would fill the disk."""
    import resource
    import subprocess
    import sys

    def small_files() -> None:  # should the refusal break, the copy stops at 10 MB, not at a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (10 << 20, 10 << 20))

    run = subprocess.run([sys.executable, "-m", "annotator", "import", "--db", str(project), "--format", "jsonl",
                          "/dev/zero"], env={**os.environ, "TMPDIR": str(tmp_path)}, preexec_fn=small_files,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "/dev/zero: a device, not a file or a pipe" in run.stderr and "Traceback" not in run.stderr
    assert list(tmp_path.glob("annotator-import-*")) == []
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]


def test_a_pipe_too_big_for_the_temporary_folder_is_a_clear_error_and_leaves_nothing(project, tmp_path):
    """The disk full while a pipe is kept: said in one line naming the folder and what to do."""
    import resource
    import subprocess
    import sys

    def small_files() -> None:  # a full disk, as the kernel tells it to a writer
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    lines = "".join(f'{{"text": "Piped article number {i}."}}\n' for i in range(60_000))  # ~2 MB
    run = subprocess.run([sys.executable, "-m", "annotator", "import", "--db", str(project), "--format", "jsonl",
                          "/dev/stdin"], env={**os.environ, "TMPDIR": str(tmp_path)}, preexec_fn=small_files,
                         input=lines, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"/dev/stdin: could not keep a copy of the pipe in {tmp_path}: File too large; set TMPDIR" in run.stderr
    assert list(tmp_path.glob("annotator-import-*")) == []
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]


def test_a_silent_pipe_hands_control_back_every_second():
    """A signal's handler runs only between Python steps: a read that blocked until the next byte
    kept a SIGTERM that landed just before it waiting (for ever, on a writer that stays silent). The
    copy waits at most a second at a time, so Python runs (and a pending handler with it)."""
    import io
    import pathlib
    import sys
    import threading
    import time

    from annotator.services.importer import _copy_pipe

    reader, writer = os.pipe()
    steps = []
    copied = io.BytesIO()

    def copy() -> None:
        sys.setprofile(lambda frame, event, arg: steps.append(event) if event == "c_return" else None)
        with os.fdopen(reader, "rb", buffering=0) as pipe:
            _copy_pipe(pipe, copied, pathlib.Path("in.jsonl"))

    worker = threading.Thread(target=copy, daemon=True)
    worker.start()
    try:
        time.sleep(0.5)
        before = len(steps)
        time.sleep(2.5)  # the writer stays silent
        assert len(steps) > before, "the copy sat in one blocking call"
        os.write(writer, b'{"text": "At last."}\n')
    finally:
        os.close(writer)
    worker.join(10)
    assert not worker.is_alive() and copied.getvalue() == b'{"text": "At last."}\n'


def test_sigterm_while_a_pipe_is_kept_leaves_no_file_and_no_document(project, tmp_path):
    """SIGTERM (or a closed terminal's SIGHUP) ends an import through its cleanup, as Ctrl-C does."""
    import signal
    import subprocess
    import sys
    import time

    scratch, fifo = tmp_path / "tmp", tmp_path / "in.jsonl"
    scratch.mkdir()
    os.mkfifo(fifo)
    child = subprocess.Popen([sys.executable, "-m", "annotator", "import", "--db", str(project), str(fifo)],
                             env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    with fifo.open("w") as writer:  # opens once the import reads the pipe
        writer.write('{"text": "Half a pipe."}\n')
        writer.flush()
        deadline = time.monotonic() + 60
        # (Python's first look for a temporary folder writes and removes a probe file there too)
        while not list(scratch.glob("annotator-import-*")):
            assert time.monotonic() < deadline and child.poll() is None, "no copy of the pipe was made"
            time.sleep(0.01)
        child.send_signal(signal.SIGTERM)
        # The writer stays open and silent: the import must end without another byte to wake on,
        # even when the signal lands just before a read starts to wait.
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            raise AssertionError("SIGTERM did not end an import waiting on a silent pipe") from None
    assert child.returncode == 128 + signal.SIGTERM, child.stderr.read()
    assert list(scratch.iterdir()) == []
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]


def test_an_import_puts_back_the_signal_handlers_it_found(cli, project, tmp_path):
    """The import's SIGTERM and SIGHUP handlers last as long as the import: a process that runs more
    than one command (a test session, a script) keeps its own, and the pools it forks later die when
    terminated instead of waiting on a handler (that wait hung a test session)."""
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "d.jsonl", [{"text": "One."}]))).code == 0
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_a_pool_worker_ends_at_sigterm_whatever_handler_its_parent_had():
    """Pool workers (suggest's, gold's) are set to die at SIGTERM at once, as `Pool.terminate`
    expects, even when forked from a process with a Python handler for it."""
    import multiprocessing
    import signal

    from annotator.processes import die_with_parent

    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # a handler that would keep the worker alive
    try:
        with multiprocessing.get_context("fork").Pool(1, initializer=die_with_parent) as pool:
            assert pool.apply(signal.getsignal, (signal.SIGTERM,)) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_id_taken_by_another_import_between_check_and_store_is_reported_and_exits_non_zero(cli, project, tmp_path,
                                                                                          monkeypatch):
    """Batches commit one by one, so a record the check passed can still be refused when another
    import gives its id to another text meanwhile: the rest is stored, and the command says which
    records were not and exits 1 (never 'skipped' with exit 0 when --skip-invalid was not given)."""
    from annotator.services import importer
    from annotator.services.project import open_project

    real = importer._check

    def another_import_in_between(engine, *args):
        refused = real(engine, *args)
        monkeypatch.setattr(importer, "_check", real)  # the other import: checked as usual
        other = write_jsonl(tmp_path / "other.jsonl", [{"id": "r1", "text": "Another text took r1."}])
        importer.import_paths(open_project(str(project)), [other])
        return refused

    monkeypatch.setattr(importer, "_check", another_import_in_between)
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": f"r{i}", "text": f"Record {i}.", "coder": "newbie", "spans": [],
                                               "stance": {}} for i in range(3)])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1
    assert f"{path}:2: id 'r1' already names a different text" in result.err
    assert "Not all was imported: 2 new document(s) were stored, but 1 record(s) were not" in result.err
    # what was stored, as whose, and the coder it added: said as on success (was: the count alone)
    assert "Stored as newbie's done work: 2 document(s)" in result.out and "Added 1 coder(s) the file named: newbie" \
        in result.out, result.out
    assert rows(project, "SELECT id, text FROM document ORDER BY id") == [
        ("r0", "Record 0."), ("r1", "Another text took r1."), ("r2", "Record 2.")]


def test_missing_path_and_uninitialised_database(cli, database, tmp_path):
    result = cli("import", "--create-coders", str(tmp_path / "nope.jsonl"))
    if isinstance(database, ServerDatabase):  # an empty database on the server: no project in it yet
        assert result.code == 1 and "has no codebook; run `annotator init`" in result.err
        assert rows(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") == []  # nothing made
    else:
        assert result.code == 1 and "no project database" in result.err
        assert not database.exists()
    cli("init")
    result = cli("import", "--create-coders", str(tmp_path / "nope.jsonl"))
    assert result.code == 1 and "nope.jsonl: no such file or folder" in result.err


def test_show_unknown_id_suggests_similar(cli, project):
    cli("import", "--create-coders", str(SEEDS))
    result = cli("show", "GUM_news_kor")
    assert result.code == 1 and "no document with id 'GUM_news_kor'" in result.err and "GUM_news_korea" in result.err


def test_every_problem_of_a_record_is_reported_on_a_line_of_its_own(cli, project, tmp_path):
    bad = {"text": TEXT, "coder": "a", "spans": [{"start": 20, "end": 99, "label": "PER"},
                                                 {"start": 0, "end": 6, "label": "PERSON"}],
           "stance": {"Russia": "PRO", "China": "FAVOR"}}
    path = write_jsonl(tmp_path / "in.jsonl", [{"text": "A good record first."}, bad, {"text": "And after."}])
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and dump(project) == before
    lines = [line for line in result.err.splitlines() if line.startswith(f"{path}:")]
    expected = ["span 0: [20, 99) lies outside the text", "span 0: label 'PER' is not in the codebook",
                "stance label 'PRO' for 'Russia' is not valid", "stance target 'China' is not in the codebook"]
    assert len(lines) == len(expected)
    assert all(line.startswith(f"{path}:2: {message}") for line, message in zip(lines, expected)), lines
    assert "1 invalid record(s) of 3" in result.err
    skipped = cli("import", "--create-coders", str(path), "--skip-invalid")
    assert "2 new document(s), 0 already there, 1 invalid skipped" in skipped.out
    assert skipped.err.count(f"skipped {path}:2: ") == 4


@pytest.mark.parametrize("last, column", [(b'{"text": "two", "ti', 20), (b'{"text": "caf\xc3', 14)],
                         ids=["mid-object", "mid-character"])
def test_a_truncated_last_line_is_reported_at_its_line_and_column(cli, project, tmp_path, last, column):
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b'{"text": "one"}\n' + last)  # no newline: the file was cut short
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and "Traceback" not in result.err
    assert f"{path}:2: the file ends in the middle of a record, at line 2, column {column}" in result.err


def test_a_malformed_line_with_its_newline_names_the_column_where_it_ends(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "open.jsonl", ['{"text": "two", ', {"text": "three"}])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:1: malformed JSON at column 17: unexpected end of data" in result.err


def test_a_folder_import_leaves_out_hidden_files_and_folders(cli, project, tmp_path):
    folder = tmp_path / "articles"
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / "sub").mkdir()
    (folder / "one.txt").write_text("An article.", "utf-8")
    (folder / "sub" / "two.txt").write_text("Another article.", "utf-8")
    (folder / ".hidden.txt").write_text("An editor's scratch file.", "utf-8")
    (folder / ".git" / "objects" / "pack.txt").write_text("Not an article.", "utf-8")
    result = cli("import", "--create-coders", str(folder))
    assert result.code == 0 and "2 new document(s)" in result.out, result.out
    assert json.loads(cli("status", "--json").out)["documents"] == 2
