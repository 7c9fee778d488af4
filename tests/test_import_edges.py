"""What a hostile pass found past the first round: annotations under keys this tool does not read,
ids that would break a line of an export, and one line too long to hold."""

from __future__ import annotations

import json

import orjson
import pytest
from conftest import rows, write_jsonl
from hypothesis import given
from hypothesis import strategies as st

from annotator.domain.errors import InputError
from annotator.services import json_values, sources


def test_annotations_under_other_keys_are_errors_never_meta(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "other.jsonl", [
        {"text": "Boris Johnson resigned.", "annotations": [{"start": 0, "end": 13, "label": "PERSON"}]},
        {"text": "Boris Johnson resigned again.", "entities": [[0, 13, "PERSON"]]},
        {"text": "Boris Johnson resigned once more.", "gold": {"spans": [{"start": 0, "end": 13, "label": "PERSON"}]}},
        {"text": "Names kept as data.", "entities": ["Boris Johnson"], "source": "BBC"}])
    result = cli("import", str(path))
    assert result.code == 1 and "Nothing was imported: 3 invalid record(s) of 4" in result.err
    for line, key in ((1, "annotations"), (2, "entities"), (3, "gold")):
        assert f"{path}:{line}: '{key}' holds annotations this tool does not read there" in result.err
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]


def test_an_id_with_a_line_break_or_control_character_is_refused(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "ids.jsonl", [
        {"id": "a\nVladimir _ _ B-PERSON", "text": "Angela Merkel visited Paris."},
        {"id": "b\x1b[2J", "text": "Angela Merkel visited Rome."}])
    result = cli("import", str(path))
    assert result.code == 1 and f"{path}:1: 'id'" in result.err and f"{path}:2: 'id'" in result.err
    assert "control character" in result.err and "\x1b" not in result.err


def test_a_line_over_the_limit_is_refused_without_holding_it(cli, project, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_LINE_BYTES", 1000)  # the same code path as 64 MB, at a test's size
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join([json.dumps({"text": "short one"}), json.dumps({"text": "y" * 5000}),
                               json.dumps({"text": "short two"})]) + "\n")
    result = cli("import", str(path))
    size = len(json.dumps({"text": "y" * 5000})) + 1
    assert result.code == 1 and f"{path}:2: the line is {size:,} bytes long, over the 1,000" in result.err
    assert cli("import", str(path), "--skip-invalid").code == 0
    assert rows(project, "SELECT text FROM document ORDER BY seq") == [("short one",), ("short two",)]


def test_a_prodigy_task_accepted_with_nothing_marked_is_gold_with_no_items(cli, project, tmp_path):
    """Prodigy's "accept" is a decision: accepting a text with no span is gold that says so (its
    export of such gold reads back the same), where a doccano line without labels is unannotated."""
    path = write_jsonl(tmp_path / "prodigy.jsonl", [
        {"text": "Nothing to mark here.", "tokens": [], "spans": [], "accept": [], "answer": "accept",
         "_input_hash": 1, "_task_hash": 2, "meta": {"id": "p1"}}])
    assert cli("import", str(path)).code == 0
    assert rows(project, "SELECT d.id, g.disputed FROM gold g JOIN document d ON d.pk = g.document_pk") == [("p1", 0)]


def test_other_shapes_of_annotation_are_errors_and_a_prodigy_choice_task_is_read(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "shapes.jsonl", [
        {"text": "Scholz met Putin again.", "entities": {"PERSON": [[0, 6]]}},
        {"text": "Scholz met Putin thrice.", "tags": ["B-PER", "O", "B-PER"]},
        {"id": "g\u2028x", "text": "A line separator in the id."},
        {"text": "News with topics.", "tags": ["politics", "europe"]}])
    result = cli("import", str(path))
    assert result.code == 1 and "Nothing was imported: 3 invalid record(s) of 4" in result.err
    for line in (1, 2, 3):
        assert f"{path}:{line}: " in result.err
    choice = write_jsonl(tmp_path / "choice.jsonl", [
        {"text": "Scholz met Putin.", "options": [{"id": "Ukraine:FAVOR"}], "accept": ["Ukraine:FAVOR"],
         "answer": "accept", "_input_hash": 11, "_task_hash": 12, "_view_id": "choice", "meta": {"id": "c1"}}])
    assert cli("import", str(choice)).code == 0
    assert rows(project, "SELECT s.target, s.label FROM gold_stance s") == [("Ukraine", "FAVOR")]


def test_label_studio_results_and_other_span_shapes_at_the_top_level_are_errors(cli, project, tmp_path):
    value = {"start": 0, "end": 13, "labels": ["PERSON"]}
    path = write_jsonl(tmp_path / "more.jsonl", [
        {"text": "Angela Merkel met Macron.", "result": [{"value": value, "type": "labels"}]},
        {"text": "Angela Merkel met Macron again.", "predictions": [{"result": [{"value": value}]}]},
        {"text": "Angela Merkel met Macron 3.", "entities": [{"begin": 0, "end": 13, "type": "PERSON"}]},
        {"text": "Angela Merkel met Macron 4.", "ents": [[0, 13, "PERSON", 0.9]]},
        {"text": "Angela Merkel met Macron 5.", "ents": [["PERSON", 0, 13]]}])
    result = cli("import", str(path))
    assert result.code == 1 and "Nothing was imported: 5 invalid record(s) of 5" in result.err


def test_close_variants_and_clashing_keys_are_errors_and_csv_work_columns_are_refused(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "variants.jsonl", [
        {"text": "a1", "result": [{"type": "relation"}, {"value": {"start": 0, "end": 1, "labels": ["PERSON"]}}]},
        {"text": "a2", "entities": [None, [0, 1, "PERSON"]]},
        {"text": "a3", "entities": [[0.0, 1.0, "PERSON"]]},
        {"text": "a4", "entities": [{"start_char": 0, "end_char": 1, "label": "PERSON"}]},
        {"text": "a5", "result": {"value": {"start": 0, "end": 1}}},
        {"id": "v1", "text": "a6", "url": "http://top", "meta": {"url": "http://meta"}},
        {"coder": "ana", "text": "a7", "stance": {"Ukraine": "FAVOR"}, "stances": {"Ukraine": "AGAINST"}},
        {"text": "a8 kept", "entities": ["Alice", "Bob"], "tags": ["x"]}])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and "Nothing was imported: 7 invalid record(s) of 8" in result.err
    assert f"{path}:6: 'url' is given both at the top level and in 'meta'" in result.err
    assert f"{path}:7: the record gives both 'stance' and 'stances'" in result.err
    csv_path = tmp_path / "work.csv"
    csv_path.write_text('id,text,coder,spans\nw3,"Alice met Bob.",ana,"[]"\n')
    refused = cli("import", str(csv_path))
    assert refused.code == 1 and f"{csv_path}:1: column 3 is 'coder'" in refused.err
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]


def test_work_under_a_misspelt_key_or_a_target_of_its_own_is_an_error(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "near.jsonl", [
        {"text": "Russia and Ukraine 1", "coder": "ana", "Stance": {"Ukraine": "FAVOR"}},
        {"text": "Russia and Ukraine 2", "coder": "ana", "stance_Ukraine": "FAVOR"},
        {"text": "Russia and Ukraine 3", "coder": "ana", "Ukraine": "FAVOR"}])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and "Nothing was imported: 3 invalid record(s) of 3" in result.err
    assert "did you mean 'stance'?" in result.err and "looks like a stance kept apart" in result.err


def test_a_key_given_twice_in_one_object_is_an_error_at_any_depth(cli, project, tmp_path):
    """A JSON reader keeps the last of a repeated key: the first text, stance or span is lost unless
    the line is refused. Colons in texts and URLs, and a colon written as \\u003a, must not hide it."""
    path = tmp_path / "twice.jsonl"
    path.write_bytes(b"\n".join([
        b'{"id": "a", "text": "First: kept?", "text": "Second text"}',
        b'{"id": "b", "text": "Colons: 10:30, https://x.org/a:b", "meta": {"url": "https://x.org/c:d"}}',
        b'{"id": "c", "text": "Escaped \\u003a colon", "meta": {"k": 1, "k": 2}}',
        b'{"id": "d", "text": "Scholz met Putin.", "spans": [{"start": 0, "end": 6, "label": "PERSON", '
        b'"label": "ORG"}], "coder": "ana"}',
        b'[{"text": "an array line", "a:b": 1, "a:b": 2}]',
    ]) + b"\n")
    result = cli("import", str(path), "--create-coders")
    assert result.code == 1 and "Nothing was imported: 4 invalid record(s) of 5" in result.err
    for line, key in ((1, "text"), (3, "k"), (4, "label"), (5, "a:b")):
        assert f'{path}:{line}: key "{key}" is given twice in one object' in result.err
    assert f"{path}:2:" not in result.err
    labelstudio = tmp_path / "tasks.json"
    labelstudio.write_bytes(b'[{"id": 1, "data": {"text": "Scholz met Putin.", "text": "Other"}, "annotations": []}]')
    result = cli("import", str(labelstudio))
    assert result.code == 1 and f'{labelstudio}: key "text" is given twice in one object' in result.err
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]


@given(st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(":ab\\\"é"),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.lists(st.tuples(st.text(":ab", max_size=3), inner), max_size=4), max_leaves=20))
def test_the_quick_count_never_passes_a_repeated_key(shape):
    """Objects are drawn as lists of pairs, so some repeat a key: the count must send every such
    value to the exact reader, and read every other one as orjson does."""
    def text(item):
        if isinstance(item, list) and item and all(isinstance(p, tuple) for p in item):
            return "{" + ", ".join(f"{json.dumps(k)}: {text(v)}" for k, v in item) + "}"
        if isinstance(item, list):
            return "[" + ", ".join(text(v) for v in item) + "]"
        return json.dumps(item)

    def repeats(item):
        if isinstance(item, list) and item and all(isinstance(p, tuple) for p in item):
            keys = [k for k, _ in item]
            return len(set(keys)) < len(keys) or any(repeats(v) for _, v in item)
        return isinstance(item, list) and any(repeats(v) for v in item)

    raw = text(shape).encode()
    if repeats(shape):
        with pytest.raises(InputError, match="is given twice in one object"):
            json_values.load(raw)
    else:
        assert json_values.load(raw) == orjson.loads(raw)


def test_lists_that_only_look_like_spans_stay_meta(cli, project, tmp_path):
    """true and false are no offsets, and a start past its end is no span: such lists are data."""
    path = write_jsonl(tmp_path / "flags.jsonl", [
        {"id": "f1", "text": "Kyiv talks resumed.", "flags": [[True, False, "checked"]]},
        {"id": "f2", "text": "Kyiv talks resumed again.", "flags": [[1, 0, "checked"]], "pairs": {"x": [[True, 3]]}},
        {"id": "f3", "text": "Kyiv talks stalled.", "marks": [[0, 4, "GPE"]]}])
    result = cli("import", str(path))
    assert result.code == 1 and f"{path}:3: 'marks' holds annotations" in result.err
    assert f"{path}:1:" not in result.err and f"{path}:2:" not in result.err
    assert cli("import", str(path), "--skip-invalid").code == 0
    meta = {i: m if isinstance(m, dict) else json.loads(m)  # (PostgreSQL gives JSON back decoded)
            for i, m in rows(project, "SELECT id, meta FROM document ORDER BY seq")}
    assert meta["f1"]["flags"] == [[True, False, "checked"]]
    assert meta["f2"] == {"flags": [[1, 0, "checked"]], "pairs": {"x": [[True, 3]]}}


def test_a_prodigy_tasks_own_fields_binary_label_and_relations_are_kept_or_listed(cli, project, tmp_path):
    """Prodigy keeps the input's fields at the top level: id, title, url and license come in as this
    tool's JSONL reads them. A binary classification task's accepted label is its stance; relations
    are listed as not stored. A choice task whose hashes were taken off is still Prodigy's."""
    text = "Putin spoke in Moscow today about Ukraine."
    path = write_jsonl(tmp_path / "prodigy.jsonl", [
        {"id": "p-url", "title": "T1", "text": text, "url": "http://example.org/a", "license": "CC BY",
         "spans": [{"start": 0, "end": 5, "label": "PERSON"}], "answer": "accept", "_input_hash": 1, "_task_hash": 2,
         "relations": [{"head": 0, "child": 1, "label": "X"}], "meta": {"source": "wire", "url": "http://example.org/a"}},
        {"id": "p-bin", "text": text + " Again.", "label": "Ukraine:AGAINST", "answer": "accept",
         "_input_hash": 3, "_task_hash": 4, "_view_id": "classification"},
        {"id": "p-choice", "text": text + " Once more.", "options": [{"id": "Ukraine:FAVOR"}],
         "accept": ["Ukraine:FAVOR"], "answer": "accept", "_view_id": "choice"},
        {"id": "p-hashless", "text": text + " And again.", "options": [{"id": "Ukraine:NONE"}],
         "accept": ["Ukraine:NONE"], "answer": "accept"}])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "1 Prodigy relations (this tool keeps none)" in result.out, result.out
    shown = json.loads(cli("show", "p-url", "--json").out)
    assert shown["title"] == "T1" and shown["meta"] == {"url": "http://example.org/a", "license": "CC BY", "source": "wire"}
    assert [(s["start"], s["end"], s["label"]) for s in shown["gold"]["spans"]] == [(0, 5, "PERSON")]
    for doc_id, label in (("p-bin", "AGAINST"), ("p-choice", "FAVOR"), ("p-hashless", "NONE")):
        gold = json.loads(cli("show", doc_id, "--json").out)["gold"]
        assert [(s["target"], s["label"]) for s in gold["stances"]] == [("Ukraine", label)], doc_id
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "Putin again.", "label": "SPORTS", "answer": "accept",
                                                  "_input_hash": 5, "_task_hash": 6}])
    result = cli("import", str(bad))
    assert result.code == 1 and f"{bad}:1: Prodigy label 'SPORTS' is not TARGET:LABEL" in result.err


def test_a_text_already_stored_under_another_id_says_the_new_id_was_not_taken(cli, project, tmp_path):
    first = write_jsonl(tmp_path / "first.jsonl", [{"id": "kyiv-1", "text": "Kyiv talks resumed today."}])
    assert cli("import", str(first)).code == 0
    again = write_jsonl(tmp_path / "again.jsonl", [{"id": "brand-new-id", "title": "T2", "text": "Kyiv talks resumed today."},
                                                   {"text": "Kyiv talks resumed today."},
                                                   {"id": "kyiv-1", "text": "Kyiv talks resumed today."}])
    result = cli("import", str(again))
    assert result.code == 0 and "0 new document(s), 3 already there" in result.out, result.out
    assert "1 ids given to a text already stored under another id" in result.out and f"{again}:1" in result.out
    assert rows(project, "SELECT id FROM document") == [("kyiv-1",)]


def test_prodigy_cats_are_read_a_mixed_shape_and_a_span_text_off_its_offsets_are_refused(cli, project, tmp_path):
    """Prodigy's textcat `cats` are stances; a Prodigy task that also gives this tool's `stance` is two
    shapes in one (one would be lost); a span whose `text` is not what its offsets cover (UTF-16
    offsets after an emoji) is refused as this tool's own JSONL refuses it, never stored off by two.
    `cats`, `accept` and `relations` in this tool's own JSONL are annotations, never meta."""
    text = "Talks on Ukraine resumed in Geneva."
    prodigy = {"answer": "accept", "_input_hash": 1, "_task_hash": 2}
    path = write_jsonl(tmp_path / "prodigy.jsonl", [
        {"id": "cats", "text": text, "cats": {"Ukraine:FAVOR": 1.0, "Ukraine:AGAINST": 0.0}, **prodigy},
        {"id": "mixed", "text": text + " Again.", "stance": {"Ukraine": "FAVOR"}, **prodigy},
        {"id": "utf16", "text": "🙂🙂 Ukraine talks.", "spans": [{"start": 5, "end": 12, "label": "GPE", "text": "Ukraine"}],
         **prodigy},
        {"id": "own", "text": text + " Once more.", "coder": "alice", "cats": ["Russia:AGAINST"]},
        {"id": "plain", "text": text + " And again.", "accept": ["Ukraine:FAVOR"]}])
    result = cli("import", str(path), "--create-coders", "--skip-invalid")
    assert result.code == 0, result.err
    assert f"{path}:2: a Prodigy task" in result.err and "also gives this tool's stance" in result.err
    assert f"{path}:3:" in result.err and "differs from text[5:12]" in result.err
    assert f"{path}:4: 'cats' holds annotations" in result.err and f"{path}:5: 'accept' holds annotations" in result.err
    gold = json.loads(cli("show", "cats", "--json").out)["gold"]
    assert [(s["target"], s["label"]) for s in gold["stances"]] == [("Ukraine", "FAVOR")]
    assert rows(project, "SELECT id FROM document ORDER BY seq") == [("cats",)]
    entities = write_jsonl(tmp_path / "doccano.jsonl", [
        {"id": 7, "text": "🙂🙂 Ukraine talks.", "entities": [{"id": 1, "label": "GPE", "start_offset": 5, "end_offset": 12,
                                                            "text": "Ukraine"}], "relations": []}])
    result = cli("import", str(entities))
    assert result.code == 1 and "differs from text[5:12]" in result.err


def test_as_gold_said_outright_is_refused_for_records_that_name_their_own_coder(cli, project, tmp_path):
    """--as gold, like --as coder NAME, is for doccano and Prodigy exports: on a record that names
    whose work it is, it is refused rather than ignored."""
    own = write_jsonl(tmp_path / "own.jsonl", [{"id": "o1", "text": "Kyiv talks resumed.", "coder": "alice",
                                                 "spans": [], "stance": {}}])
    result = cli("import", str(own), "--as", "gold", "--create-coders")
    assert result.code == 1 and "--as is for doccano and Prodigy exports" in result.err, result.err
    studio = tmp_path / "tasks.json"
    studio.write_text(json.dumps([{"id": 1, "data": {"text": "Kyiv talks resumed."},
                                   "annotations": [{"completed_by": 7, "result": []}]}]))
    result = cli("import", str(studio), "--as", "gold", "--create-coders")
    assert result.code == 1 and "--as is for doccano and Prodigy exports" in result.err, result.err
    doccano = write_jsonl(tmp_path / "doccano.jsonl", [{"id": 3, "text": "Kyiv talks resumed.", "label": ["Ukraine:FAVOR"]}])
    result = cli("import", str(doccano), "--as", "gold")
    assert result.code == 0 and "Stored as gold (adjudicated): 1 document(s), 0 span(s), 1 stance(s)." in result.out
