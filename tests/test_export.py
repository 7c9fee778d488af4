"""Exports in every format: exact records, round trips, splits, safe writes, and a spaCy training run."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import ServerDatabase, write_jsonl
from test_agree_cli import _records

import annotator.services.export as export_service
from annotator.domain.errors import InputError

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@pytest.fixture
def golden(cli, project, tmp_path):
    """Six documents coded by three coders, gold derived (all settled by majority), plus one
    document nobody coded and one with a dispute left."""
    records = _records() + [
        {"id": "nobody", "text": "A text nobody coded."},
        {"id": "split", "text": "Angela Merkel met Macron.", "coder": "alice", "stance": {"NATO": "FAVOR"}},
        {"id": "split", "text": "Angela Merkel met Macron.", "coder": "bob", "stance": {"NATO": "AGAINST"}}]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "input.jsonl", records))).code == 0
    assert cli("gold").code == 0
    return project


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_gold_jsonl_is_exact_and_valid_and_leaves_out_what_has_no_complete_gold(cli, golden, tmp_path):
    result = cli("export", "--out", str(tmp_path / "gold.jsonl"))
    assert result.code == 0, result.err
    assert "Wrote 6 document(s)" in result.out
    assert "Left out: 1 document(s) without gold, 1 with disputes" in result.out
    lines = _lines(tmp_path / "gold.jsonl")
    schema = json.loads((SCHEMAS / "gold.schema.json").read_text())
    for line in lines:
        jsonschema.validate(line, schema)
    first = lines[0]
    assert first["id"] == "d0" and first["annotators"] == ["alice", "bob", "carol"]
    assert first["spans"] == [{"start": 0, "end": 14, "label": "PERSON", "text": "Vladimir Putin"},
                              {"start": 24, "end": 35, "label": "PERSON", "text": "Olaf Scholz"},
                              {"start": 39, "end": 45, "label": "GPE", "text": "Berlin"}]
    assert first["stance"] == {"Russia": "AGAINST", "Ukraine": "FAVOR"} and first["adjudication"] == "majority"
    # named from the stored codebook's row, unparsed: the same name as the parsed codebook gives
    from annotator.services.project import active_codebook, open_project

    engine = open_project(str(golden) if not isinstance(golden, ServerDatabase) else golden.url)
    assert first["schema"] == active_codebook(engine).ref and first["schema"].startswith("news-stance@")
    engine.dispose()
    assert lines[3]["adjudication"] == "unanimous"  # d3: every coder alike on everything


def test_coders_jsonl_has_every_done_annotation_and_validates(cli, golden, tmp_path):
    assert cli("export", "--format", "coders", "--out", str(tmp_path / "coders.jsonl")).code == 0
    lines = _lines(tmp_path / "coders.jsonl")
    schema = json.loads((SCHEMAS / "coders.schema.json").read_text())
    for line in lines:
        jsonschema.validate(line, schema)
    assert len(lines) == 6 * 3 + 2
    assert [(line["id"], line["coder"]) for line in lines[:3]] == [("d0", "alice"), ("d0", "bob"), ("d0", "carol")]


@pytest.mark.parametrize("fmt", ["gold", "coders", "prodigy", "doccano"])
def test_export_import_into_an_empty_project_and_export_again_gives_the_same_file(cli, golden, tmp_path, fmt):
    first = tmp_path / f"first.{fmt}.jsonl"
    assert cli("export", "--format", fmt, "--out", str(first)).code == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    db = str(fresh / "annotator.db")
    assert cli("init", "--db", db).code == 0
    imported = cli("import", "--create-coders", str(first), "--db", db)
    assert imported.code == 0, imported.err
    second = tmp_path / f"second.{fmt}.jsonl"
    assert cli("export", "--format", fmt, "--out", str(second), "--db", db).code == 0
    assert second.read_bytes() == first.read_bytes()


def test_prodigy_and_doccano_records_carry_tokens_offsets_and_stance(cli, golden, tmp_path):
    assert cli("export", "--format", "prodigy", "--out", str(tmp_path / "p.jsonl")).code == 0
    task = _lines(tmp_path / "p.jsonl")[0]
    tokens = task["tokens"]
    assert [t["text"] for t in tokens[:2]] == ["Vladimir", "Putin"] and tokens[0]["ws"] is True
    assert task["spans"][0] == {"start": 0, "end": 14, "label": "PERSON", "token_start": 0, "token_end": 1}
    assert task["accept"] == ["Russia:AGAINST", "Ukraine:FAVOR"] and task["answer"] == "accept"
    assert isinstance(task["_input_hash"], int) and isinstance(task["_task_hash"], int)
    assert task["meta"]["id"] == "d0"
    assert cli("export", "--format", "doccano", "--out", str(tmp_path / "d.jsonl")).code == 0
    doc = _lines(tmp_path / "d.jsonl")[0]
    assert doc["label"] == [[0, 14, "PERSON"], [24, 35, "PERSON"], [39, 45, "GPE"]]
    assert doc["cats"] == ["Russia:AGAINST", "Ukraine:FAVOR"]


def test_conll_and_spacy_report_a_span_off_token_boundaries_with_its_document_and_offsets(cli, project, tmp_path):
    records = [{"id": "cut", "text": "Vladimir Putin spoke.", "coder": c,
                "spans": [{"start": 0, "end": 14, "label": "PERSON"}, {"start": 15, "end": 18, "label": "ORG"}]}
               for c in ("alice", "bob")]  # "spo" of "spoke": not a token
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "cut.jsonl", records))).code == 0
    assert cli("gold").code == 0
    for fmt, name in (("conll", "cut.conll"), ("spacy", "cut.spacy")):
        result = cli("export", "--format", fmt, "--out", str(tmp_path / name))
        assert result.code == 0
        assert "1 span(s) could not be written" in result.out and "cut 15-18 ORG" in result.out
    lines = (tmp_path / "cut.conll").read_text().splitlines()
    assert lines[:5] == ["-DOCSTART- -X- -X- O", "", "Vladimir _ _ B-PERSON", "Putin _ _ I-PERSON", "spoke _ _ O"]
    import spacy
    from spacy.tokens import DocBin

    docs = list(DocBin().from_disk(tmp_path / "cut.spacy").get_docs(spacy.blank("en").vocab))
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Vladimir Putin", "PERSON")]


def test_split_is_reproducible_by_seed_and_no_document_is_in_two_splits(cli, golden, tmp_path):
    def split(seed: int, folder: str) -> dict[str, set[str]]:
        out = tmp_path / folder / "gold.jsonl"
        assert cli("export", "--split", "0.5,0.25,0.25", "--seed", str(seed), "--out", str(out)).code == 0
        return {name: {line["id"] for line in _lines(out.with_name(f"gold-{name}.jsonl"))}
                for name in ("train", "dev", "test")}

    first = split(1, "a")
    assert split(1, "b") == first
    assert set().union(*first.values()) == {f"d{i}" for i in range(6)}
    assert sum(len(ids) for ids in first.values()) == 6
    assert any(split(seed, f"s{seed}") != first for seed in range(2, 6))
    bad = cli("export", "--split", "0.8,0.1", "--out", str(tmp_path / "x.jsonl"))
    assert bad.code == 1 and "three shares for train, dev and test" in bad.err


def test_an_export_never_overwrites_without_force_and_a_crash_leaves_no_file(cli, golden, tmp_path, monkeypatch):
    out = tmp_path / "gold.jsonl"
    out.write_text("keep me")
    refused = cli("export", "--out", str(out))
    assert refused.code == 1 and "already exist" in refused.err and out.read_text() == "keep me"
    assert cli("export", "--out", str(out), "--force").code == 0 and out.read_text().startswith('{"id":"d0"')

    fresh = tmp_path / "crash.jsonl"
    calls = []

    def failing(self, *written):  # the third document's write fails, as on a full disk
        calls.append(written)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")

    # SQLite's lines come built by the database (write); PostgreSQL's records by the rule (add)
    monkeypatch.setattr(export_service._FileWriter, "write", failing)
    monkeypatch.setattr(export_service._JsonlWriter, "add", failing)
    with pytest.raises(InputError, match="No space left on device; nothing was left under the final name"):
        export_service.export(_engine(golden), "gold", fresh)
    assert not fresh.exists() and not list(tmp_path.glob(".crash.jsonl*"))
    unwritable = cli("export", "--out", "/proc/no-such-folder/gold.jsonl")
    assert unwritable.code == 1 and "could not write /proc/no-such-folder" in unwritable.err


def _engine(db):
    from annotator.services.project import open_project

    return open_project(str(db))


def test_a_label_studio_export_comes_in_as_each_annotators_work(cli, project, tmp_path):
    tasks = [{"id": 7, "data": {"text": "Vladimir Putin spoke to Olaf Scholz.", "url": "https://example.org/a"},
              "annotations": [{"completed_by": 1, "result": [
                  {"type": "labels", "from_name": "label", "to_name": "text",
                   "value": {"start": 0, "end": 14, "text": "Vladimir Putin", "labels": ["PERSON"]}},
                  {"type": "choices", "from_name": "Russia", "to_name": "text", "value": {"choices": ["FAVOR"]}}]},
                  {"completed_by": {"email": "bob@example.org"}, "result": [], "was_cancelled": False}]}]
    (tmp_path / "ls.json").write_text(json.dumps(tasks))
    result = cli("import", "--create-coders", str(tmp_path / "ls.json"))
    assert result.code == 0 and "Coder annotations: 2 new" in result.out
    shown = json.loads(cli("show", "7", "--json").out)
    assert shown["meta"] == {"url": "https://example.org/a"}
    work = {a["coder"]: a for a in shown["annotations"]}
    assert [(s["start"], s["end"], s["label"]) for s in work["labelstudio-1"]["spans"]] == [(0, 14, "PERSON")]
    assert [(s["target"], s["label"]) for s in work["labelstudio-1"]["stances"]] == [("Russia", "FAVOR")]
    assert work["bob@example.org"]["spans"] == []


def test_a_spacy_pipeline_trains_one_epoch_on_an_exported_split(cli, golden, tmp_path):
    from spacy.cli.init_config import init_config
    from spacy.cli.train import train

    out = tmp_path / "corpus" / "gold.spacy"
    assert cli("export", "--format", "spacy", "--split", "0.5,0.5,0", "--seed", "3", "--out", str(out)).code == 0
    config = init_config(lang="en", pipeline=["ner", "textcat_multilabel"], optimize="efficiency")
    config["training"]["max_epochs"] = 1
    config["training"]["max_steps"] = 0
    config["training"]["eval_frequency"] = 10
    (tmp_path / "config.cfg").write_text(config.to_str())
    train(tmp_path / "config.cfg", tmp_path / "model",
          overrides={"paths.train": str(out.with_name("gold-train.spacy")), "paths.dev": str(out.with_name("gold-dev.spacy"))})
    assert (tmp_path / "model" / "model-last" / "meta.json").exists()


@pytest.mark.parametrize("line, message", [
    ({"text": "x", "tokens": [], "_input_hash": 1, "spans": ["x"]},
     "Prodigy's 'spans' must be objects with start, end and label, got 'x'"),
    ({"text": "x", "tokens": [], "_input_hash": 1, "meta": "abc"}, "Prodigy's 'meta' must be an object, got 'abc'"),
])
def test_foreign_records_of_the_wrong_shape_get_one_clear_line(cli, project, tmp_path, line, message):
    result = cli("import", "--create-coders", str(write_jsonl(tmp_path / "bad.jsonl", [line])))
    assert result.code == 1 and message in result.out + result.err and "Traceback" not in result.err


def test_a_label_list_is_read_as_doccano_categories_and_one_it_cannot_read_is_an_error_not_meta(cli, project, tmp_path):
    """doccano classification writes `label` as category names: ones that are not TARGET:LABEL are
    refused with the value and what is valid; under "meta" the same list is the record's data."""
    line = {"id": "n1", "text": "A plain news record.", "label": ["politics", "world"]}
    path = write_jsonl(tmp_path / "plain.jsonl", [line])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and f"{path}:1: doccano category 'politics' is not TARGET:LABEL" in result.err
    as_data = {"id": "n1", "text": "A plain news record.", "meta": {"label": ["politics", "world"]}}
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "meta.jsonl", [as_data]))).code == 0
    assert json.loads(cli("show", "n1", "--json").out)["meta"] == {"label": ["politics", "world"]}


@pytest.mark.parametrize("tasks", [[{"data": {"text": "x"}, "annotations": ["x"]}],
                                   [{"data": {"text": "x"}, "annotations": [{"result": [{"type": "labels", "value": [1]}]}]}],
                                   [{"data": {"text": "x"}, "annotations": [{"result": [
                                       {"type": "labels", "value": {"start": 0, "end": 1, "labels": "PERSON"}}]}]}]])
def test_label_studio_tasks_of_the_wrong_shape_get_one_clear_line(cli, project, tmp_path, tasks):
    (tmp_path / "ls.json").write_text(json.dumps(tasks))
    result = cli("import", "--create-coders", str(tmp_path / "ls.json"))
    assert result.code == 1 and f"{tmp_path / 'ls.json'}:1: " in result.err and "Traceback" not in result.err


def test_a_split_share_that_is_not_a_number_is_refused(cli, golden, tmp_path):
    bad = cli("export", "--split", "nan,0,0", "--out", str(tmp_path / "x.jsonl"))
    assert bad.code == 1 and "three shares" in bad.err
