"""`annotator import` loses nothing from files: CSV quotes and headers, folders' links and FIFOs,
a file changed while it is imported, a coder's differing work imported again."""

from __future__ import annotations

import json
import os

import pytest

from conftest import dump, rows, write_jsonl


def show(cli, doc_id: str) -> dict:
    result = cli("show", doc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_a_csv_quote_left_open_is_refused_at_the_row_that_opens_it(cli, project, tmp_path):
    path = tmp_path / "open.csv"
    path.write_text('id,text\n1,First article.\n2,"Second article, its quote never closed.\n3,Third.\n4,Fourth.\n')
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1
    assert f"{path}:3: a quote opened in the row that starts on line 3 is never closed" in result.err
    assert "Traceback" not in result.err and dump(project) == before


def test_a_csv_quote_closed_too_early_is_refused_at_its_line(cli, project, tmp_path):
    path = tmp_path / "early.csv"
    path.write_text('id,text\n1,First.\n2,"He said "no" to it."\n')
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f'{path}:3: malformed CSV on line 3: a quoted field ends' in result.err


@pytest.mark.parametrize("header, message", [
    ("id,text,id", "the header names 'id' twice (columns 1 and 3)"),
    ("id,text,,outlet", "column 3 of the header has no name"),
])
def test_csv_header_names_missing_or_given_twice_are_refused(cli, project, tmp_path, header, message):
    path = tmp_path / "h.csv"
    path.write_text(f"{header}\n1,An article.,x,y\n")
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:1: {message}" in result.err and dump(project) == before


def test_a_csv_field_longer_than_the_csv_modules_limit_comes_in_whole(cli, project, tmp_path):
    long_text = "Kyiv " * 40_000 + "end."  # 200,004 characters: csv's default limit is 131,072
    path = tmp_path / "long.csv"
    path.write_text(f'id,text\nlong,"{long_text}"\nshort,A short one.\n')
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    assert show(cli, "long")["text"] == long_text and show(cli, "short")["text"] == "A short one."


def test_a_folder_import_lists_links_and_fifos_it_skips_and_never_leaves_the_folder(cli, project, tmp_path):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text("An article inside the folder.")
    outside = tmp_path / "secret.txt"
    outside.write_text("Not an article: a file outside the folder.")
    (folder / "out.txt").symlink_to(outside)
    (folder / "broken.txt").symlink_to(folder / "gone.txt")
    (folder / "inside.txt").symlink_to(folder / "one.txt")
    (folder / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(folder / "pipe.txt")
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    result = cli("import", "--create-coders", str(folder))
    assert result.code == 0, result.err
    assert "1 new document(s), 1 already there" in result.out  # one.txt, and inside.txt: the same text
    assert "Skipped 6 folder entries" in result.out
    assert f"{folder / 'loop-a.txt'}: a link that leads round in a loop" in result.out
    assert f"{folder / 'out.txt'}: a link out of the folder, to {outside}" in result.out
    assert f"{folder / 'broken.txt'}: a broken link" in result.out
    assert f"{folder / 'pipe.txt'}: a FIFO, not a file" in result.out
    assert f"{folder / 'sub' / 'up'}: a link to a folder, not followed" in result.out
    assert rows(project, "SELECT id FROM document") == [("inside",)]  # files in name order: inside.txt first
    assert "outside the folder" not in json.dumps(rows(project, "SELECT text FROM document"))


def _records(n: int, start: int = 0) -> list[dict]:
    return [{"id": f"r{i}", "text": f"Record {i} of a file that changes."} for i in range(start, start + n)]


def test_a_file_rewritten_between_check_and_store_stores_nothing(cli, project, tmp_path, monkeypatch):
    from annotator.services import importer

    path = write_jsonl(tmp_path / "a.jsonl", _records(30))
    check = importer._check

    def check_then_rewrite(*args, **kwargs):
        refused = check(*args, **kwargs)
        with path.open("w") as f:  # what an editor or a download does to the file meanwhile
            f.write(json.dumps({"text": "Only this now."}) + "\n")
        return refused

    monkeypatch.setattr(importer, "_check", check_then_rewrite)
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}: the file changed while it was imported" in result.err
    assert "Traceback" not in result.err and dump(project) == before


@pytest.mark.parametrize("rewrite", ["truncated", "lines overwritten"])
def test_a_file_rewritten_after_the_first_batch_is_an_error_and_nothing_of_the_new_bytes_is_stored(
        cli, project, tmp_path, monkeypatch, rewrite):
    from annotator.services import importer

    for name in ("BATCH_SIZE", "FIRST_BATCH", "MOST"):  # batches of ten records
        monkeypatch.setattr(importer, name, 10)
    path = write_jsonl(tmp_path / "a.jsonl", _records(30))
    original = path.read_bytes()
    store = importer._store
    stores = []

    def store_then_rewrite(engine, batch, report):
        took = store(engine, batch, report)
        stores.append(len(batch))
        if len(stores) == 1 and rewrite == "truncated":
            with path.open("w") as f:
                f.write(json.dumps({"text": "Only this now."}) + "\n")
        elif len(stores) == 1:  # ten lines of bad JSON, the file's size kept
            lines = original.split(b"\n")
            lines[15:25] = [b"{" + b"x" * (len(line) - 1) for line in lines[15:25]]
            path.write_bytes(b"\n".join(lines))
            assert path.stat().st_size == len(original)
        return took

    monkeypatch.setattr(importer, "_store", store_then_rewrite)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}: the file changed while it was imported" in result.err
    assert stores == [10]  # the batch stored before the change, nothing after
    assert rows(project, "SELECT count(*) FROM document") == [(10,)]
    assert rows(project, "SELECT count(*) FROM document WHERE text = 'Only this now.'") == [(0,)]


def test_a_change_that_keeps_size_and_time_is_found_by_the_bytes_when_the_store_reaches_them(tmp_path):
    """Same size, same time (set back), same inode: the hash of the block finds the change."""
    from annotator.domain.errors import InputError
    from annotator.services.file_watch import BLOCK, FileWatch

    path = tmp_path / "a.jsonl"
    path.write_bytes(b"line one\n" * (3 * BLOCK // 9))
    watch = FileWatch()
    with watch.recording(path) as f:
        f.read()
    watch.verify()
    times = path.stat()
    reader = watch.verifying(path)
    assert reader.readline() == b"line one\n"
    watch.verify()  # nothing changed yet
    with path.open("r+b") as f:
        f.seek(2 * BLOCK + 5)
        f.write(b"X")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    watch.verify()  # the first block, all the store has read, is still what was checked
    for _ in reader:  # (the last block, short of a whole one, is compared when the file is closed)
        pass
    reader.close()
    with pytest.raises(InputError, match=f"changed while it was imported .its bytes from {2 * BLOCK} on"):
        watch.verify()  # what the importer asks before it stores the last batch


def test_a_coders_work_imported_again_unlike_the_stored_one_is_kept_and_said_to_differ(cli, project, tmp_path):
    text = "Donald Trump called Vladimir Putin about Ukraine."
    first = {"id": "d1", "text": text, "coder": "alice", "spans": [{"start": 0, "end": 12, "label": "PERSON"}],
             "stance": {"Ukraine": "NONE"}}
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "first.jsonl", [first]))).code == 0
    same = cli("import", "--create-coders", str(write_jsonl(tmp_path / "same.jsonl", [first])))
    assert "Coder annotations: 0 new, 1 already there (kept)." in same.out and "differ" not in same.out
    changed = dict(first, spans=[], stance={"Ukraine": "AGAINST"})
    path = write_jsonl(tmp_path / "changed.jsonl", [changed])
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    assert "Coder annotations: 0 new, 0 already there, 1 unlike the stored one (kept)." in result.out
    assert (f"{path}:1: alice's annotation of d1 differs from the stored one (stored: done, 1 span(s), "
            "1 stance(s); this file: done, 0 span(s), 1 stance(s))") in result.out
    assert "`annotator show ID`" in result.out and "`annotator code`" in result.out
    assert dump(project) == before


def test_before_a_batch_commits_the_rest_of_the_block_it_ends_in_is_compared_too(tmp_path):
    """A record's bytes may run past what the reader holds: the block is compared whole."""
    from annotator.domain.errors import InputError
    from annotator.services.file_watch import FileWatch

    path = tmp_path / "a.jsonl"
    path.write_bytes(b"line one\n" * 50_000)
    watch = FileWatch()
    with watch.recording(path) as f:
        f.read()
    times = path.stat()
    reader = watch.verifying(path)
    reader.readline()
    with path.open("r+b") as f:
        f.seek(100_000)  # inside the first block, past what the reader has read so far
        f.write(b"X")
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    with pytest.raises(InputError, match="its bytes from 0 on differ"):
        watch.verify()
    reader.close()


def test_a_refused_folder_import_still_lists_what_it_skipped(cli, project, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad.jsonl").write_text('{"text": ""}\n')
    (folder / "out.txt").symlink_to("/etc/passwd")
    result = cli("import", str(folder))
    assert result.code == 1 and "Nothing was imported" in result.err
    assert "Skipped 1 folder entry" in result.err and f"{folder / 'out.txt'}: a link out of the folder" in result.err
