"""What an import reads but does not store is said, never dropped in silence: gold unlike the
stored gold, Label Studio's task meta, drafts and region notes, duplicate spans; and names and line
endings it cannot take are refused in one line."""

from __future__ import annotations

import json

from conftest import dump, write_jsonl

GOLD = {"id": "g1", "text": "Gold about Kyiv again.", "spans": [], "stance": {"Ukraine": "FAVOR"},
        "adjudication": "adjudicated", "annotators": ["x"]}


def show(cli, doc_id: str) -> dict:
    result = cli("show", doc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_gold_imported_again_unlike_the_stored_gold_is_listed_by_line_and_the_stored_one_kept(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "g1.jsonl", [GOLD])
    assert cli("import", str(path)).code == 0
    same = cli("import", str(path))
    assert same.code == 0, same.err
    assert "Gold: 0 document(s) new, 1 already had gold (kept)." in same.out and "differ" not in same.out
    write_jsonl(path, [dict(GOLD, stance={"Ukraine": "AGAINST"})])
    before = dump(project)
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "Gold: 0 document(s) new, 0 already had gold, 1 unlike the stored gold (kept)." in result.out
    assert (f"{path}:1: the gold of g1 differs from the stored gold in its stances (stored: no span, "
            "stance Ukraine FAVOR; this file: no span, stance Ukraine AGAINST)") in result.out
    assert "`annotator show ID`" in result.out and "new project" in result.out
    assert dump(project) == before
    assert [s["label"] for s in show(cli, "g1")["gold"]["stances"]] == ["FAVOR"]


def test_two_unlike_gold_lines_for_one_document_in_one_file_list_the_second(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "two.jsonl", [GOLD, dict(GOLD, spans=[{"start": 11, "end": 15, "label": "GPE"}])])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "Gold: 1 document(s) new, 0 already had gold, 1 unlike the stored gold (kept)." in result.out
    assert (f"{path}:2: the gold of g1 differs from the stored gold in its spans (stored: no span, stance Ukraine "
            "FAVOR; this file: spans 11-15 GPE, stance Ukraine FAVOR)") in result.out
    relabelled = write_jsonl(tmp_path / "relabelled.jsonl", [dict(GOLD, spans=[{"start": 11, "end": 15, "label": "ORG"}])])
    result = cli("import", str(relabelled))
    assert "(stored: no span" in result.out  # the stored gold is the first line's; a label change is spelled out too
    assert "this file: spans 11-15 ORG, stance Ukraine FAVOR)" in result.out


def test_doccano_gold_imported_again_with_another_category_is_listed(cli, project, tmp_path):
    line = {"id": "d1", "text": "Kyiv again, in doccano.", "label": ["Ukraine:FAVOR"]}
    assert cli("import", str(write_jsonl(tmp_path / "a.jsonl", [line]))).code == 0
    path = write_jsonl(tmp_path / "b.jsonl", [dict(line, label=["Ukraine:AGAINST"])])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "1 unlike the stored gold (kept)" in result.out
    assert f"{path}:1: the gold of d1 differs from the stored gold in its stances" in result.out


def test_a_doccano_span_given_twice_is_stored_once_and_the_duplicate_counted(cli, project, tmp_path):
    line = {"id": "d2", "text": "Kyiv Times report.", "label": [[0, 10, "GPE"], [0, 10, "GPE"], [0, 4, "GPE"]]}
    path = write_jsonl(tmp_path / "dup.jsonl", [line])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "Stored as gold (adjudicated): 1 document(s), 2 span(s), 0 stance(s)." in result.out
    assert f"1 duplicate spans (the same start, end and label again in one record): stored once; the first at {path}:1" \
        in result.out
    assert sorted((s["start"], s["end"]) for s in show(cli, "d2")["gold"]["spans"]) == [(0, 4), (0, 10)]


def test_a_coders_span_given_twice_in_coder_jsonl_is_stored_once(cli, project, tmp_path):
    span = {"start": 0, "end": 4, "label": "GPE"}
    line = {"id": "d3", "text": "Kyiv again.", "coder": "alice", "spans": [span, span]}
    result = cli("import", "--create-coders", str(write_jsonl(tmp_path / "c.jsonl", [line])))
    assert result.code == 0, result.err
    assert "1 duplicate spans" in result.out
    assert len(show(cli, "d3")["annotations"][0]["spans"]) == 1


def label_studio_task(**extra) -> dict:
    text = "Kyiv said so."
    return {"id": 7, "data": {"text": text, "source": "AFP"}, "predictions": [], "drafts": [],
            "annotations": [{"id": 1, "completed_by": 3, "result": [
                {"type": "labels", "from_name": "label", "to_name": "text",
                 "value": {"start": 0, "end": 4, "text": "Kyiv", "labels": ["GPE"]}}]}], **extra}


def write_json(path, value):
    path.write_text(json.dumps(value, indent=1), "utf-8")
    return path


def test_a_label_studio_tasks_own_meta_is_kept_with_its_data_keys(cli, project, tmp_path):
    path = write_json(tmp_path / "ls.json", [label_studio_task(meta={"batch": "march", "source": "AFP"})])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    assert show(cli, "7")["meta"] == {"source": "AFP", "batch": "march"}


def test_a_label_studio_task_meta_key_unlike_its_data_key_is_an_error_naming_both(cli, project, tmp_path):
    path = write_json(tmp_path / "ls.json", [label_studio_task(meta={"source": "Reuters"})])
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1
    assert (f"{path}:2: the task's meta key 'source' ('Reuters') and its data key 'source' ('AFP') differ"
            in result.err)
    assert dump(project) == before


def test_label_studio_drafts_and_region_notes_are_listed_as_not_imported(cli, project, tmp_path):
    task = label_studio_task(drafts=[{"id": 9, "user": "bob", "result": []}, {"id": 10, "result": []}])
    task["annotations"][0]["result"][0]["meta"] = {"text": ["the capital, not the government"]}
    path = write_json(tmp_path / "ls.json", [task])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    assert f"2 Label Studio drafts (unsubmitted work): not imported; the first at {path}:2" in result.out
    assert f"1 Label Studio region notes (a result's meta): not imported; the first at {path}:2" in result.out


def test_a_json_min_choice_that_reads_as_a_stance_of_no_target_is_an_error_not_meta(cli, project, tmp_path):
    item = {"text": "Kyiv said so.", "id": 8, "annotator": 3, "annotation_id": 1, "source": "AFP",
            "sentiment": "Positive"}
    path = write_json(tmp_path / "min.json", [item])
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1
    assert f"{path}:2: 'sentiment' holds 'Positive', which reads as a stance" in result.err
    assert "export the project as JSON, not JSON-MIN" in result.err
    assert dump(project) == before
    del item["sentiment"]  # the task's other strings are its data
    assert cli("import", "--create-coders", str(write_json(path, [item]))).code == 0
    assert show(cli, "8")["meta"] == {"source": "AFP"}


def test_a_text_file_whose_name_holds_a_control_character_is_refused_in_one_line(cli, project, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "name\x1b]0;FILE\x07.txt").write_text("A text about Kyiv.", "utf-8")
    (folder / "fine.txt").write_text("Another text.", "utf-8")
    before = dump(project)
    result = cli("import", str(folder))
    assert result.code == 1
    assert f"{folder}/name\\x1b]0;FILE\\x07.txt: the file name holds a line break, tab or other control " \
        "character" in result.err
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert dump(project) == before


def test_a_csv_whose_lines_end_in_a_carriage_return_alone_is_refused_saying_so(cli, project, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,text\r1,About Kyiv\r2,About Moscow\r")
    before = dump(project)
    result = cli("import", str(path))
    assert result.code == 1
    assert (f"{path}:1: the file's lines end in a carriage return alone (old Mac style); convert them to \\n"
            in result.err)
    assert "universal-newline" not in result.err
    assert dump(project) == before


def test_a_stray_carriage_return_in_an_unquoted_csv_field_is_named_by_its_line(cli, project, tmp_path):
    path = tmp_path / "stray.csv"
    path.write_bytes(b"id,text\r\n1,About Kyiv\r\n2,About\rMoscow\r\n3,\"A quoted\rone is text\"\r\n")
    result = cli("import", str(path))
    assert result.code == 1
    assert f"{path}:3: a carriage return alone (\\r) inside an unquoted field; quote the field" in result.err
    assert "universal-newline" not in result.err


def test_a_pipe_without_format_is_told_by_its_content_as_the_readme_shows(project, tmp_path):
    """`annotator import <(zcat articles.jsonl.gz)`: a pipe has no suffix; `{` starts JSONL, `[` a
    JSON export, and a text or CSV pipe asks for --format."""
    import gzip
    import os
    import shlex
    import subprocess
    import sys

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    db = getattr(project, "url", None) or str(project)
    env = {**os.environ, "TMPDIR": str(scratch), "ANNOTATOR_DB": db}
    annotator = f"{shlex.quote(sys.executable)} -m annotator"
    (tmp_path / "articles.jsonl.gz").write_bytes(gzip.compress(b'{"id": "p1", "text": "Piped about Kyiv."}\n'))
    run = lambda command, body=None: subprocess.run(  # noqa: E731
        ["bash", "-c", command], input=body, capture_output=True, text=True, env=env, cwd=tmp_path)
    zipped = run(f"{annotator} import <(zcat articles.jsonl.gz)")
    assert zipped.returncode == 0, zipped.stderr
    assert "1 new document(s)" in zipped.stdout
    studio = run(f"{annotator} import /dev/stdin", '[{"id": 5, "data": {"text": "Label Studio, piped."}}]')
    assert studio.returncode == 0, studio.stderr
    assert "1 Label Studio record(s)" in studio.stdout
    table = run(f"{annotator} import /dev/stdin", "id,text\n1,A CSV piped.\n")
    assert table.returncode == 1
    assert "/dev/stdin: cannot tell the format of a pipe from its content" in table.stderr
    assert "use --format text, jsonl, csv or labelstudio" in table.stderr
    assert list(scratch.iterdir()) == []
