"""The learning loop: gold in, a trained model out, its suggestions back in the project."""

from __future__ import annotations

import json
import re

from conftest import write_jsonl
from stance_corpus import ALIASES, records

from annotator.services.project import open_project
from annotator.services.train import train

# Gold spans for the stance corpus: the targets' names where the text has them.
SPAN_LABELS = {"Kyiv": "GPE", "Moscow": "GPE", "Russia": "GPE", "Ukraine": "GPE", "NATO": "ORG",
               "Washington": "GPE", "the United States": "GPE"}


def _with_spans(record: dict) -> dict:
    spans = [{"start": m.start(), "end": m.end(), "label": SPAN_LABELS[m.group()]}
             for m in re.finditer("|".join(sorted(map(re.escape, SPAN_LABELS), key=len, reverse=True)), record["text"])]
    return {**record, "spans": spans}


def test_a_stance_model_trained_on_gold_beats_the_cold_start_on_held_out_documents(cli, project, tmp_path):
    assert cli("import", str(write_jsonl(tmp_path / "gold.jsonl", records(160)))).code == 0
    engine = open_project(str(project))
    stages = []
    report = train(engine, "stance", tmp_path / "models" / "stance", epochs=6,
                   on_stage=lambda name, steps: stages.append((name, steps)))
    assert stages == [("Reading gold documents", 160), ("Training stance", 1)]  # what the progress bar shows
    assert report.train_documents + report.held_out_documents == 160 and report.held_out_items >= 50
    # The corpus says half its stances in words whose sentiment points the other way: the
    # lexicon-based cold start misreads those, the trained model learns them.
    assert report.stance.macro_f1 >= report.cold_start.macro_f1 + 0.2, (report.stance, report.cold_start)
    assert report.stance.f_avg >= report.cold_start.f_avg + 0.2
    assert report.stance.accuracy >= 0.8
    meta = json.loads((tmp_path / "models" / "stance" / "meta.json").read_text())
    assert (meta["name"], meta["version"], meta["annotator"]["trained"]) == ("stance", "1", ["stance"])


def test_import_gold_train_import_new_documents_suggest_with_the_model_and_show_its_suggestions(cli, project,
                                                                                              tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl", records(60))  # as `annotator export` writes gold
    assert "Gold: 60 document(s) new" in cli("import", str(gold)).out
    result = cli("train", "--task", "stance", "--epochs", "3", "--eval-split", "0.25")
    assert result.code == 0, result.err
    assert "Saved models/stance (version 1)" in result.out and "cold start" in result.out
    fresh = [{"id": f"new-{r['id']}", "text": r["text"]} for r in records(3, seed=7)]
    assert cli("import", str(write_jsonl(tmp_path / "new.jsonl", fresh))).code == 0
    result = cli("suggest", "--model", "models/stance")
    assert result.code == 0 and "with stance 1" in result.out, result.out + result.err
    shown = json.loads(cli("show", "new-stance-0", "--json").out)
    (suggestion,) = shown["suggestions"]
    assert (suggestion["model"], suggestion["version"]) == ("stance", "1")
    assert {s["target"] for s in suggestion["stances"]} == set(ALIASES)
    assert all(0 < s["score"] <= 1 and s["evidence"] for s in suggestion["stances"])
    # Training again replaces the model with the next version; with the folder gone, too: the
    # project's suggestions from "stance 1" would otherwise hide the new model's
    assert "Saved models/stance (version 2)" in cli("train", "--epochs", "1").out
    import shutil

    shutil.rmtree(tmp_path / "models")
    assert "Saved models/stance (version 2)" in cli("train", "--epochs", "1").out  # 1 has suggested here


def test_ner_fine_tuned_on_gold_spans_loads_and_suggests_the_codebooks_labels(cli, project, tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl", [_with_spans(r) for r in records(40)])
    assert cli("import", str(gold)).code == 0
    result = cli("train", "--task", "entities", "--epochs", "2", "--out", "models/ner")
    assert result.code == 0, result.err
    assert "Entities on held-out documents" in result.out and "Saved models/ner (version 1)" in result.out
    # early stopping reads a dev share of the training side and says which epoch it kept
    assert re.search(r"early stopping on \d+ dev document\(s\) cut from the training side: dev F1 [\d.]+ before, "
                     r"then [\d.]+, [\d.]+; kept (epoch [12] of 2|the base pipeline's weights)",
                     " ".join(result.out.split())), result.out
    fresh = [{"id": "unseen", "text": "Officials in Kyiv said NATO and Moscow had not replied."}]
    assert cli("import", str(write_jsonl(tmp_path / "new.jsonl", fresh))).code == 0
    assert cli("suggest", "--model", "models/ner").code == 0
    (suggestion,) = json.loads(cli("show", "unseen", "--json").out)["suggestions"]
    assert (suggestion["model"], suggestion["version"]) == ("ner", "1")
    found = {(s["text"], s["label"]) for s in suggestion["spans"]}
    assert ("Kyiv", "GPE") in found and ("Moscow", "GPE") in found, found


def test_training_without_gold_or_with_bad_options_says_what_to_do(cli, project):
    result = cli("train")
    assert result.code != 0 and "no gold to train on" in result.err and "Traceback" not in result.err
    result = cli("train", "--task", "sentiment")
    assert result.code != 0 and "--task 'sentiment': give one of stance, entities" in result.err
    result = cli("train", "--eval-split", "1")
    assert result.code != 0 and "--eval-split 1.0" in result.err
