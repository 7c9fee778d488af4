"""Models a lead can see and choose, one per task: entities from the entity model in use, stances
from the stance model in use, and a model that scores lower than the one in use is kept out of use."""

from __future__ import annotations

import pytest

import json

from conftest import rows, rule_pipeline, write_jsonl
from test_coding_screen import decisions, make_app, ready
from test_focus import panel_text
from stance_corpus import records
from test_train import _with_spans

from annotator.services.coding import CodingSession
from annotator.services.export import split_of
from annotator.services.inspect import show_document
from annotator.services.project import open_project
from annotator.tui.app import CodingApp


def _models(cli) -> dict:
    result = cli("models", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.slow
async def test_entities_come_from_the_entity_model_and_stances_from_the_stance_model_in_use(cli, project, tmp_path):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "gold.jsonl", [_with_spans(r) for r in records(40)]))).code == 0
    result = cli("train", "--task", "stance", "--out", "models/stance")
    assert result.code == 0 and "In use for stance: it scores" in result.out, result.out + result.err
    assert cli("train", "--task", "entities", "--epochs", "1", "--out", "models/ner").code == 0
    fresh = [{"id": f"new-{r['id']}", "text": r["text"]} for r in records(2, seed=7)]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "new.jsonl", fresh))).code == 0
    assert cli("suggest", "--model", "models/stance").code == 0
    assert cli("suggest", "--model", "models/ner").code == 0  # the newest suggestion: it used to hide the stances

    shown = json.loads(cli("show", "new-stance-0", "--json").out)
    assert shown["in_use"] == {"entities": {"model": "ner", "version": "1"},
                               "stance": {"model": "stance", "version": "1"}}
    by_model = {s["model"]: s for s in shown["suggestions"]}
    assert by_model["stance"]["stances"] != by_model["ner"]["stances"]  # the rules' stances differ: a real test
    assert _models(cli)["in_use"]["stance"] == {"model": "stance", "version": "1"}

    # The screen shows the stance model's stances beside the entity model's entities
    session = CodingSession(open_project(str(project)), "alice", pipeline=rule_pipeline())
    async with CodingApp(session).run_test(size=(100, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        doc = pilot.app.screen.doc
        shown = show_document(open_project(str(project)), doc.id)  # the CLI's print is the app's while it runs
        by_model = {s["model"]: s for s in shown["suggestions"]}
        assert [(s.target, s.label, s.score) for s in doc.suggestion.stances] == \
            [(s["target"], s["label"], s["score"]) for s in by_model["stance"]["stances"]]
        assert [(s.start, s.end, s.label) for s in doc.suggestion.spans] == \
            [(s["start"], s["end"], s["label"]) for s in by_model["ner"]["spans"]]
        side = panel_text(pilot.app.screen)
        assert "by stance 1" in side, side


@pytest.mark.slow
def test_a_model_that_scores_lower_than_the_one_in_use_is_saved_but_not_put_in_use(cli, project, tmp_path):
    shares = (0.1, 0.0, 0.9)  # --eval-split 0.9
    pool = records(200)
    few = [r for r in pool if split_of(r["id"], 0, shares) == "train"][:3]
    held_out = [r for r in pool if split_of(r["id"], 0, shares) != "train"][:40]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "gold.jsonl", few + held_out))).code == 0
    assert "In use for stance" in cli("train", "--out", "models/good").out
    before = _models(cli)["in_use"]
    assert before == {"stance": {"model": "good", "version": "1"}}

    result = cli("train", "--eval-split", "0.9", "--out", "models/small")
    assert result.code == 0, result.err
    assert "Trained stance on 3 gold document(s)" in result.out
    report = json.loads(cli("train", "--eval-split", "0.9", "--out", "models/small", "--json").out)
    assert report["put_in_use"] is False and report["score"] < report["score_in_use"], report
    assert (f"Not put in use for stance: it scores {report['score']:.3f} macro F1 on the held-out documents, "
            f"the model in use (good 1) {report['score_in_use']:.3f}") in result.out.replace("\n", " ")
    listed = _models(cli)
    assert listed["in_use"] == before
    assert {(m["model"], m["version"]): m["in_use_for"] for m in listed["models"]} == \
        {("good", "1"): ["stance"], ("small", "1"): [], ("small", "2"): []}
    # suggesting with it does not put it in use either; the screen keeps showing the good model's
    assert cli("suggest", "--model", "models/good").code == 0
    suggested = cli("suggest", "--model", "models/small")
    assert suggested.code == 0 and "now in use" not in suggested.out
    shown = json.loads(cli("show", held_out[0]["id"], "--json").out)
    assert shown["in_use"]["stance"] == {"model": "good", "version": "1"}


@pytest.mark.slow
def test_only_a_lead_chooses_the_model_in_use(cli, project, tmp_path, monkeypatch, act_as):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "gold.jsonl", records(40)))).code == 0
    assert cli("train", "--out", "models/a").code == 0
    assert cli("train", "--out", "models/b").code == 0  # as good on the same documents: in use
    assert _models(cli)["in_use"]["stance"] == {"model": "b", "version": "1"}
    assert cli("coder", "add", "lena", "--role", "lead").code == 0
    act_as("ana")
    refused = cli("models", "use", "a", "--task", "stance")
    assert refused.code != 0 and "needs the lead role" in refused.err
    act_as("lena")
    assert cli("models", "use", "a:1", "--task", "stance").code == 0
    assert _models(cli)["in_use"]["stance"] == {"model": "a", "version": "1"}
    wrong = cli("models", "use", "a", "--task", "entities")
    assert wrong.code != 0 and "trained for stance, not entities" in wrong.err
    unknown = cli("models", "use", "nope", "--task", "stance")
    assert unknown.code != 0 and "no model named 'nope'" in unknown.err and "a:1" in unknown.err


@pytest.mark.slow
def test_train_with_suggest_closes_the_loop_for_the_documents_no_coder_has_started(cli, project, tmp_path):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "gold.jsonl", records(40)))).code == 0
    fresh = [{"id": f"new-{n}", "text": r["text"]} for n, r in enumerate(records(3, seed=7))]
    started = {**fresh[0], "coder": "alice", "stance": {"Russia": "AGAINST"}}  # alice's work on new-0
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "new.jsonl", [*fresh, started]))).code == 0
    assert "now in use for stance and entities" in cli("suggest").out  # the base pipeline and the cold start

    result = cli("train", "--suggest")
    assert result.code == 0 and "In use for stance" in result.out, result.out + result.err
    assert "Suggested 42 document(s) no coder has started with stance 1" in result.err
    untouched = json.loads(cli("show", "new-1", "--json").out)
    assert untouched["in_use"]["stance"] == {"model": "stance", "version": "1"}
    worked_on = json.loads(cli("show", "new-0", "--json").out)
    assert [s["model"] for s in worked_on["suggestions"]] == [untouched["in_use"]["entities"]["model"]]
    # a coder's next document comes with the new model's stances
    engine = open_project(str(project))
    session = CodingSession(engine, "bob", pipeline=rule_pipeline())
    from annotator.store import documents

    with engine.connect() as conn:
        pk = documents.by_id(conn, "new-2").pk
    assert session.load(pk).suggestion.stance_source == ("stance", "1")


async def test_models_shows_what_coders_did_with_each_model_versions_suggestions(seeded, cli):
    async with make_app(seeded).run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        for key in ("a", "a", "x", "A", "d", "d"):
            await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
    decided = decisions(seeded)
    (ruler,) = [m for m in _models(cli)["models"] if m["model"] == "ruler"]
    assert ruler["in_use_for"] == ["stance", "entities"]
    assert ruler["use"]["entity"] == {d: sum(1 for v in decided.values() if v == d)
                                      for d in ("accepted", "changed", "rejected")}
    assert ruler["use"]["entity"]["rejected"] == 1 and ruler["use"]["entity"]["accepted"] >= 2
    events = rows(seeded, "SELECT count(*) FROM event e JOIN annotation a ON a.pk = e.annotation_pk "
                          "WHERE a.status = 'done'")[0][0]
    assert ruler["use"]["done_documents"] == 1 and ruler["use"]["actions_per_done_document"] == events
    shown = cli("models").out
    assert "coders on its entities: " in shown and "1 done document(s) showed it" in shown


def test_a_document_read_ahead_is_read_again_once_another_model_is_in_use(seeded):
    """The screen reads the next document while the coder works on this one; a model put in use
    meanwhile (train --suggest) must not leave it showing the older suggestions."""
    from annotator.domain.suggestions import SuggestedStance, Suggestion
    from annotator.store import models, suggestions

    engine = open_project(str(seeded))
    session = CodingSession(engine, "alice", pipeline=rule_pipeline())
    ahead = session.load(session.next_pk(session.next_pk(0)))  # the second document
    assert session.is_current(ahead)
    newer = Suggestion("stance", "2", stances=(SuggestedStance("Ukraine", "AGAINST", 0.9),))
    with engine.begin() as conn:
        suggestions.save(conn, [(ahead.pk, newer)], replace=False)
        models.put_in_use(conn, "stance", "stance", "2")
    assert not session.is_current(ahead)
    again = session.load(ahead.pk)
    assert again.suggestion.stance_source == ("stance", "2") and session.is_current(again)
    assert again.suggestion.spans == ahead.suggestion.spans  # entities still the ruler's
