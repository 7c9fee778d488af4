"""`annotator import` of other tools' exports, checked span by span: doccano (sequence labelling with
relations, classification) and Label Studio (JSON-MIN, full JSON), over Wikinews articles
(tests/foreign, CC BY 2.5: url and license kept on every record)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import dump, write_jsonl

FOREIGN = Path(__file__).parent / "foreign"
EXPECTED = json.loads((FOREIGN / "expected.json").read_text("utf-8"))


def show(cli, doc_id: str) -> dict:
    result = cli("show", doc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def stored_spans(doc: dict, spans: list[dict]) -> list[tuple]:
    """Each span with the text it covers, read from the stored document."""
    return sorted((s["start"], s["end"], s["label"], doc["text"][s["start"]:s["end"]]) for s in spans)


def expected_spans(spans: list) -> list[tuple]:
    return sorted(tuple(s) for s in spans)


def test_doccano_sequence_labelling_with_relations_comes_in_as_gold_span_by_span(cli, project):
    path = FOREIGN / "doccano-relations.jsonl"
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    assert "Stored as gold (adjudicated): 5 document(s), 30 span(s), 0 stance(s)." in result.out
    assert "to store them as a coder's work instead" in result.out and "--as coder NAME" in result.out
    assert f"10 doccano relations (this tool keeps none); the first at {path}:1" in result.out
    for doc_id, want in EXPECTED[path.name].items():
        doc = show(cli, doc_id)
        assert stored_spans(doc, doc["gold"]["spans"]) == expected_spans(want["spans"])
        assert doc["meta"]["license"] == "CC BY 2.5" and doc["meta"]["url"].startswith("https://en.wikinews.org/")
        assert doc["annotations"] == []
    assert sum(len(w["spans"]) for w in EXPECTED[path.name].values()) == 30


def test_doccano_with_as_coder_stores_each_record_as_that_coders_done_work(cli, project):
    path = FOREIGN / "doccano-relations.jsonl"
    result = cli("import", "--create-coders", "--as", "coder", "alice", str(path))
    assert result.code == 0, result.err
    assert "Stored as alice's done work: 5 document(s), 30 span(s), 0 stance(s)." in result.out
    assert "stored as gold" not in result.out
    for doc_id, want in EXPECTED[path.name].items():
        doc = show(cli, doc_id)
        (work,) = doc["annotations"]
        assert work["coder"] == "alice" and work["status"] == "done" and doc["gold"] is None
        assert stored_spans(doc, work["spans"]) == expected_spans(want["spans"])


@pytest.mark.parametrize("export", ["JSONL", "JSON"])
def test_doccano_classification_categories_are_the_gold_stance(cli, project, tmp_path, export):
    path = FOREIGN / "doccano-classification.jsonl"
    if export == "JSON":  # doccano's JSON export: the same examples in one array
        lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        (tmp_path / "all.json").write_text(json.dumps(lines, indent=2), "utf-8")
    result = cli("import", "--create-coders", str(path if export == "JSONL" else tmp_path / "all.json"))
    assert result.code == 0, result.err
    assert "Stored as gold (adjudicated): 5 document(s), 0 span(s), 6 stance(s)." in result.out
    assert "Read from other tools: 5 doccano record(s)." in result.out
    for doc_id, want in EXPECTED[path.name].items():
        doc = show(cli, doc_id)
        assert {s["target"]: s["label"] for s in doc["gold"]["stances"]} == want["stances"]
        assert "label" not in doc["meta"] and doc["meta"]["license"] == "CC BY 2.5"


@pytest.mark.parametrize("name", ["labelstudio-min.json", "labelstudio-full.json"])
def test_label_studio_exports_come_in_as_each_annotators_work_span_by_span(cli, project, name):
    result = cli("import", "--create-coders", str(FOREIGN / name))
    assert result.code == 0, result.err
    want_total = sum(len(works) for works in EXPECTED[name].values())
    assert f"Coder annotations: {want_total} new" in result.out
    for doc_id, works in EXPECTED[name].items():
        doc = show(cli, doc_id)
        stored = {a["coder"]: a for a in doc["annotations"]}
        assert set(stored) == {w["coder"] for w in works}
        for want in works:
            work = stored[want["coder"]]
            assert stored_spans(doc, work["spans"]) == expected_spans(want["spans"])
            assert {s["target"]: s["label"] for s in work["stances"]} == want["stances"]
            assert work["seconds"] == want["seconds"] and work["status"] == "done"
        assert doc["meta"]["license"] == "CC BY 2.5"
        assert not {"annotator", "annotation_id", "created_at", "lead_time"} & set(doc["meta"])


TEXT = "Vladimir Putin met Olaf Scholz in Berlin."


def _ls_task(*results: dict) -> list[dict]:
    return [{"id": 9, "data": {"text": TEXT}, "annotations": [{"completed_by": 1, "result": list(results)}]}]


def _choice(name: str, *labels: str) -> dict:
    return {"type": "choices", "from_name": name, "to_name": "text", "value": {"choices": list(labels)}}


def _min_item(**controls) -> list[dict]:
    return [{"text": TEXT, "id": 9, **controls, "annotator": 1, "annotation_id": 3, "created_at": "x",
             "updated_at": "x", "lead_time": 4.0}]


UNREADABLE = {
    "doccano categories give a target two stances": (
        "d.jsonl", [{"text": TEXT, "label": [[0, 14, "PERSON"]], "cats": ["Russia:FAVOR", "Russia:AGAINST"]}],
        "the doccano category names give 'Russia' two stances, 'FAVOR' and 'AGAINST'; a target takes one"),
    "doccano label of another shape": (
        "d.jsonl", [{"text": TEXT, "label": "Russia:FAVOR"}],
        "doccano 'label' must be [[start, end, LABEL], ...] (sequence labelling) or [\"TARGET:LABEL\", ...]"),
    "doccano entity without offsets": (
        "d.jsonl", [{"text": TEXT, "entities": [{"id": 1, "label": "PERSON", "start": 0}], "relations": []}],
        "doccano 'entities' items must be objects with start_offset, end_offset and label"),
    "Label Studio choices FAVOR and AGAINST for one target": (
        "ls.json", _ls_task(_choice("Russia", "FAVOR", "AGAINST")),
        "Label Studio choices for 'Russia' are ['FAVOR', 'AGAINST']; a target takes one stance label"),
    "Label Studio two choice results for one target": (
        "ls.json", _ls_task(_choice("Russia", "FAVOR"), _choice("Russia", "AGAINST")),
        "Label Studio choices for 'Russia' are ['FAVOR', 'AGAINST']"),
    "Label Studio choices of a control that is no target": (
        "ls.json", _ls_task(_choice("sentiment", "positive")),
        "choices ['positive'] of 'sentiment', which is not a stance target of the codebook"),
    "JSON-MIN several choices for one target": (
        "min.json", _min_item(Russia={"choices": ["FAVOR", "AGAINST"]}),
        "Label Studio choices for 'Russia' are ['FAVOR', 'AGAINST']"),
    "Label Studio HyperText labels": (
        "ls.json", _ls_task({"type": "hypertextlabels", "from_name": "ner", "to_name": "html", "value": {
            "start": "/p[1]/text()[1]", "end": "/p[1]/text()[1]", "startOffset": 0, "endOffset": 14,
            "htmllabels": ["PERSON"]}}),
        "Label Studio 'hypertextlabels' results hold no character offsets"),
    "JSON-MIN paragraph labels": (
        "min.json", _min_item(ner=[{"start": "0", "end": "0", "startOffset": 0, "endOffset": 14,
                                    "paragraphlabels": ["PERSON"]}]),
        "the regions of 'ner' hold no character offsets into the text"),
    "JSON-MIN choice of a control that is no target": (
        "min.json", _min_item(label="FAVOR"),
        "'label' holds 'FAVOR', which reads as a stance (a stance label, or a positive, negative or neutral choice), "
        "but is not a stance target of the codebook"),
    "JSON-MIN span off its quoted text": (
        "min.json", _min_item(label=[{"start": 1, "end": 15, "text": "Vladimir Putin", "labels": ["PERSON"]}]),
        "its text 'Vladimir Putin' differs from text[1:15]"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_an_annotation_that_cannot_be_read_is_an_error_naming_file_line_and_value(cli, project, tmp_path, case):
    name, records, message = UNREADABLE[case]
    path = tmp_path / name
    if name.endswith(".jsonl"):
        write_jsonl(path, records)
    else:
        path.write_text(json.dumps(records, indent=2))
    before = dump(project)
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1, result.out
    assert f"{path}:" in result.err and message in result.err, result.err
    assert "Traceback" not in result.err and dump(project) == before


def test_json_min_line_numbers_name_the_object_that_is_wrong(cli, project, tmp_path):
    good = {"text": "A first, good record.", "id": 1, "annotator": 1, "annotation_id": 1}
    bad = {"text": TEXT, "id": 2, "Russia": {"choices": ["FAVOR", "NONE"]}, "annotator": 1, "annotation_id": 2}
    path = tmp_path / "min.json"
    path.write_text(json.dumps([good, bad], indent=2))
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:8: Label Studio choices for 'Russia'" in result.err


def test_label_studio_offsets_counted_in_utf16_are_turned_into_character_offsets(cli, project, tmp_path):
    text = "Fans \U0001F600 cheered Harry Kane in Moscow."
    start = text.index("Harry Kane")
    item = {"text": text, "id": 4, "annotator": 2, "annotation_id": 8,
            "label": [{"start": start + 1, "end": start + 11, "text": "Harry Kane", "labels": ["PERSON"]}]}
    path = tmp_path / "min.json"
    path.write_text(json.dumps([item]))
    assert cli("import", "--create-coders", str(path)).code == 0
    (work,) = show(cli, "4")["annotations"]
    assert [(s["start"], s["end"], s["text"]) for s in work["spans"]] == [(start, start + 10, "Harry Kane")]


def test_label_studio_results_with_no_place_here_are_listed_by_reason(cli, project, tmp_path):
    task = _ls_task(_choice("Russia", "NONE"),
                    {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right", "labels": []},
                    {"type": "textarea", "from_name": "notes", "to_name": "text", "value": {"text": ["check"]}})
    task[0]["predictions"] = [{"model_version": "ner-v2", "result": []}]
    task[0]["annotations"].append({"completed_by": 2, "was_cancelled": True, "result": []})
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(task))
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    for reason in ("1 Label Studio 'relation' results", "1 Label Studio 'textarea' results",
                   "1 Label Studio predictions (ner-v2): not imported",
                   "1 Label Studio annotations cancelled (skipped)"):
        assert reason in result.out, result.out


def test_json_min_results_of_other_controls_are_listed_not_kept_as_meta(cli, project, tmp_path):
    path = tmp_path / "min.json"
    path.write_text(json.dumps(_min_item(Russia="NONE", quality={"rating": 4}, notes={"text": ["a", "b"]})))
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    assert f"1 Label Studio rating results (this tool has no place for them); the first at {path}:1" in result.out
    assert "1 Label Studio text results" in result.out
    doc = show(cli, "9")
    assert doc["meta"] == {} and [s["label"] for s in doc["annotations"][0]["stances"]] == ["NONE"]


@pytest.mark.parametrize("args, message", [
    (["--as", "coder"], "give --as gold, or --as coder NAME"),
    (["--as", "bob"], "give --as gold, or --as coder NAME"),
])
def test_as_takes_gold_or_coder_and_a_name(cli, project, args, message):
    result = cli("import", "--create-coders", str(FOREIGN / "doccano-classification.jsonl"), *args)
    assert result.code == 1 and message in result.err


def test_as_coder_is_refused_for_records_that_name_their_coder(cli, project):
    result = cli("import", "--create-coders", str(FOREIGN / "labelstudio-full.json"), "--as", "coder", "alice")
    assert result.code == 1 and "--as is for doccano and Prodigy exports" in result.err


def test_prodigy_with_as_coder_is_that_coders_work_and_rejected_tasks_are_listed(cli, project, tmp_path):
    accepted = {"text": TEXT, "tokens": [], "_input_hash": 1, "_task_hash": 2, "answer": "accept",
                "spans": [{"start": 0, "end": 14, "label": "PERSON"}], "accept": ["Russia:NONE"], "meta": {"id": "p1"}}
    rejected = {"text": "A rejected task.", "tokens": [], "_input_hash": 3, "_task_hash": 4, "answer": "reject"}
    path = write_jsonl(tmp_path / "prodigy.jsonl", [accepted, rejected])
    result = cli("import", "--create-coders", str(path), "--as=coder", "bob")
    assert result.code == 0, result.err
    assert "Stored as bob's done work: 1 document(s), 1 span(s), 1 stance(s)." in result.out
    assert f"1 Prodigy tasks answered 'reject': their text only; the first at {path}:2" in result.out
    (work,) = show(cli, "p1")["annotations"]
    assert work["coder"] == "bob" and [(s["start"], s["end"]) for s in work["spans"]] == [(0, 14)]


def test_a_json_array_of_this_tools_own_records_is_read_as_its_jsonl_lines(cli, project, tmp_path):
    records = [{"id": "a1", "text": "A first article.", "url": "https://example.org/1"},
               {"id": "a2", "text": TEXT, "coder": "carol", "spans": [{"start": 0, "end": 14, "label": "PERSON"}]}]
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records, indent=2))
    result = cli("import", "--create-coders", str(path))
    assert result.code == 0, result.err
    assert "Stored as carol's done work: 1 document(s), 1 span(s), 0 stance(s)." in result.out
    assert show(cli, "a1")["meta"] == {"url": "https://example.org/1"}
