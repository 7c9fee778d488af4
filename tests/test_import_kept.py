"""What a ninth look at imports found lost in silence, each now kept or said: Prodigy's teach
tasks (one question each) merged per text, a Prodigy task with no answer, an id or title given
twice, gold with nothing in it, a CSV row short of fields, a stored text given another title or
meta, and the parts of Label Studio and doccano records this tool keeps no place for."""

from __future__ import annotations

import json

from conftest import dump, rows, write_jsonl

TEXT = "Boris Johnson met Olaf Scholz in Berlin."
OTHER = "Another text about Ukraine here."


def show(cli, doc_id: str) -> dict:
    result = cli("show", doc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def task(text: str, input_hash: int, task_hash: int, answer: str | None, **fields) -> dict:
    base = {"id": f"t{input_hash}", "text": text, "_input_hash": input_hash, "_task_hash": task_hash,
            "_annotator_id": "news-alice"}
    return {**base, **({"answer": answer} if answer else {}), **fields}


def test_prodigy_teach_tasks_of_one_text_are_merged_and_a_task_with_no_answer_is_text_only(cli, project, tmp_path):
    """ner.teach asks about one span per task and textcat.teach about one label: a text's accepted
    answers are its annotation together (the first task alone was kept before)."""
    path = write_jsonl(tmp_path / "teach.jsonl", [
        task(TEXT, 11, 1, "accept", spans=[{"start": 0, "end": 13, "label": "PERSON"}]),
        task(OTHER, 12, 3, "reject", label="Ukraine:FAVOR"),
        task(TEXT, 11, 2, "accept", spans=[{"start": 18, "end": 29, "label": "PERSON"}]),
        task(TEXT, 11, 4, "reject", spans=[{"start": 33, "end": 39, "label": "ORG"}]),
        task(OTHER, 12, 5, "accept", label="Ukraine:AGAINST"),
        task("Stream input only.", 13, 6, None, spans=[{"start": 0, "end": 6, "label": "ORG"}])])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "Read 6 record(s) from 1 file(s): 3 new document(s)" in result.out
    assert "Stored as gold (adjudicated): 2 document(s), 2 span(s), 1 stance(s)." in result.out
    assert "5 Prodigy tasks asked about 2 text(s) one question each" in result.out
    assert f"2 Prodigy tasks answered 'reject': their text only; the first at {path}:2" in result.out  # (was :1)
    assert f"1 Prodigy tasks with no answer (a stream's input, not yet annotated; their spans are suggestions): " \
           f"their text only; the first at {path}:6" in result.out
    gold = show(cli, "t11")["gold"]
    assert [(s["start"], s["end"], s["label"]) for s in gold["spans"]] == [(0, 13, "PERSON"), (18, 29, "PERSON")]
    assert [(s["target"], s["label"]) for s in show(cli, "t12")["gold"]["stances"]] == [("Ukraine", "AGAINST")]
    assert show(cli, "t13")["gold"] is None and show(cli, "t13")["annotations"] == []


def test_teach_tasks_accepting_two_stances_for_one_target_are_an_error_naming_both_lines(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "teach.jsonl", [
        task(OTHER, 12, 3, "accept", label="Ukraine:FAVOR"),
        {"text": "Something else.", "_input_hash": 99, "_task_hash": 98, "answer": "accept"},
        task(OTHER, 12, 5, "accept", label="Ukraine:AGAINST")])
    before = dump(project)
    result = cli("import", str(path))
    assert result.code == 1
    assert (f"{path}:1: accepted Prodigy tasks of one text give 'Ukraine' two stances: 'FAVOR' at {path}:1 "
            f"and 'AGAINST' at {path}:3") in result.err, result.err
    assert dump(project) == before


def test_the_same_prodigy_task_answered_twice_is_not_merged(cli, project, tmp_path):
    """One question asked again (the same task hash) is a second answer, not a second question: the
    first is stored and the second, unlike it, is listed."""
    path = write_jsonl(tmp_path / "again.jsonl", [
        task(TEXT, 11, 1, "accept", spans=[{"start": 0, "end": 13, "label": "PERSON"}]),
        task(TEXT, 11, 1, "accept", spans=[{"start": 0, "end": 13, "label": "ORG"}])])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "asked about" not in result.out and "1 unlike the stored gold (kept)" in result.out
    assert [s["label"] for s in show(cli, "t11")["gold"]["spans"]] == ["PERSON"]


def test_prodigy_keys_of_another_type_are_named_with_what_is_valid(cli, project, tmp_path):
    prodigy = {"_input_hash": 1, "_task_hash": 2}
    path = write_jsonl(tmp_path / "bad.jsonl", [
        {"text": "One.", "answer": "accept", "accept": "Ukraine:FAVOR", **prodigy},
        {"text": "Two.", "answer": "maybe", **prodigy},
        {"text": "Three.", "answer": "accept", "cats": "Ukraine:FAVOR", **prodigy}])
    result = cli("import", str(path))
    assert result.code == 1
    assert f"{path}:1: Prodigy's 'accept' must be a list, got 'Ukraine:FAVOR'" in result.err  # (was: 'U' is not ...)
    assert f"{path}:2: Prodigy's 'answer' must be accept, reject or ignore, got 'maybe'" in result.err
    assert f"{path}:3: Prodigy's 'cats' must be an object or a list, got 'Ukraine:FAVOR'" in result.err


def test_an_id_or_title_given_twice_differently_is_refused_and_one_in_meta_alone_is_taken(cli, project, tmp_path):
    """Every export writes one id and one title: a second one in meta was kept there and lost on the
    way out (Prodigy's export wrote the meta's id over the document's)."""
    path = write_jsonl(tmp_path / "twice.jsonl", [
        {"id": "a", "title": "T", "text": "Hello there world.", "meta": {"id": "x", "title": "Y"}}])
    result = cli("import", str(path))
    assert result.code == 1
    assert f"{path}:1: 'id' is given both at the top level ('a') and in 'meta' ('x')" in result.err
    assert f"{path}:1: 'title' is given both at the top level ('T') and in 'meta' ('Y')" in result.err
    path = write_jsonl(tmp_path / "once.jsonl", [
        {"id": "b", "title": "T", "text": "Hello there world 2.", "meta": {"id": "b", "title": "T", "k": 1}},
        {"text": "Hello there world 3.", "meta": {"id": 7, "title": "Z"}}])
    assert cli("import", str(path)).code == 0
    assert (show(cli, "b")["title"], show(cli, "b")["meta"]) == ("T", {"k": 1})
    assert (show(cli, "7")["title"], show(cli, "7")["meta"]) == ("Z", {})


def test_gold_with_nothing_in_it_keeps_its_word_and_doccano_says_it_comes_back_as_text(cli, project, tmp_path):
    gold = {"id": "e", "text": "Nothing to mark here.", "spans": [], "stance": {}, "adjudication": "adjudicated",
            "annotators": ["ana"]}
    assert cli("import", str(write_jsonl(tmp_path / "g.jsonl", [gold]))).code == 0
    assert cli("export", "--out", str(tmp_path / "out.jsonl")).code == 0
    (line,) = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert line["adjudication"] == "adjudicated"  # (was "unanimous": the word of no item)
    assert rows(project, "SELECT adjudication FROM gold") == [("adjudicated",)]
    result = cli("export", "--format", "doccano", "--out", str(tmp_path / "out.doccano.jsonl"))
    assert result.code == 0, result.err
    assert "1 document(s) have gold with nothing in it: doccano writes them as `label: []`" in result.out


def test_a_csv_row_short_of_fields_or_over_them_is_refused_with_both_counts(cli, project, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,text,source\n1,Hello world here.,AP\n2,Another text here.\n3,Third one here.,AP,extra,more\n")
    before = dump(project)
    result = cli("import", str(path))
    assert result.code == 1
    assert f"{path}:3: the row has 2 fields and the header 3 (no 'source')" in result.err  # (was: stored, no source)
    assert f"{path}:4: the row has 5 fields and the header 3" in result.err
    assert dump(project) == before


def test_a_text_stored_before_given_another_title_or_meta_is_listed(cli, project, tmp_path):
    first = {"id": "s1", "title": "First", "text": "A text stored once.", "source": "AP"}
    assert cli("import", str(write_jsonl(tmp_path / "a.jsonl", [first]))).code == 0
    path = write_jsonl(tmp_path / "b.jsonl", [
        dict(first, title="Second"), first, dict(first, source="Reuters"),
        {"text": "New in this file."}, {"text": "New in this file.", "title": "Named later"}])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert ("3 titles or meta given to a text already stored with others (a text is stored once, with its first "
            f"id, title and meta); the first at {path}:1") in result.out, result.out
    assert show(cli, "s1")["title"] == "First"


def test_label_studio_times_ground_truth_task_number_and_doccano_span_fields_are_kept_or_listed(
        cli, project, tmp_path):
    ls = [{"id": 41, "data": {"id": "news-1", "text": TEXT},
           "annotations": [{"completed_by": 3, "ground_truth": True, "created_at": "2026-11-02T10:00:00Z",
                            "result": [{"type": "labels", "from_name": "label", "value": {
                                "start": 0, "end": 13, "text": "Boris Johnson", "labels": ["PERSON"]}}]}]}]
    (tmp_path / "ls.json").write_text(json.dumps(ls))
    doccano = {"text": OTHER, "entities": [{"id": 1, "label": "GPE", "start_offset": 19, "end_offset": 26,
                                            "user": 2, "prob": 0.9}], "relations": []}
    result = cli("import", "--create-coders", str(tmp_path / "ls.json"),
                 str(write_jsonl(tmp_path / "d.jsonl", [doccano])))
    assert result.code == 0, result.err
    assert show(cli, "news-1")["meta"] == {"label_studio_id": 41}
    assert "1 Label Studio annotation ids and times (id, created_at, updated_at): not imported" in result.out
    assert "1 Label Studio ground-truth marks: not imported" in result.out
    assert "1 doccano span fields prob, user (a span keeps its offsets and label)" in result.out
