"""Whether suggestions help or bias: what coders did with them, blind documents, and agreement on
blind against assisted documents (coder with coder, coder with model)."""

from __future__ import annotations

import json

import pytest

from annotator.domain import coding as edits
from annotator.domain.anchoring import condition_report
from annotator.domain.assignment import choose_blind
from annotator.domain.suggestion_use import usage
from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from conftest import rows
from test_coding_screen import make_app, ready


def test_status_gives_shares_per_label_and_per_coder_and_seconds_per_document(cli, seeded):
    clock = [0.0]
    s = CodingSession(open_project(str(seeded)), "alice", clock=lambda: clock[0])
    doc = s.open(s.first_unfinished())
    first, second, third = doc.suggestion.spans[:3]  # PERSON Donald Trump, PERSON Vladimir Putin, GPE US
    s.apply(doc, "span.accept", lambda a: edits.accept(a, first))
    s.apply(doc, "span.label", lambda a: edits.relabel(a, a.spans[0], "ORG"))  # changed
    s.apply(doc, "span.reject", lambda a: edits.reject(a, second))
    s.apply(doc, "span.accept", lambda a: edits.accept(a, third))
    s.apply(doc, "stance.accept", lambda a: edits.accept_stance(a, doc.suggestion.stance("Russia")))
    clock[0] = 30.0
    s.apply(doc, "status", lambda a: edits.set_status(a, "done"))
    s.leave(s.load(doc.pk))
    use = json.loads(cli("status", "--json").out)["suggestion_use"]
    assert use["entity"]["by_label"]["PERSON"] == {"decided": 2, "accepted": 0.0, "changed": 0.5, "rejected": 0.5}
    assert use["entity"]["by_label"]["GPE"] == {"decided": 1, "accepted": 1.0, "changed": 0.0, "rejected": 0.0}
    assert use["entity"]["by_coder"]["alice"]["decided"] == 3
    assert use["stance"]["by_coder"]["alice"] == {"decided": 1, "accepted": 1.0, "changed": 0.0, "rejected": 0.0}
    assert use["seconds_per_document"]["alice"] == {"assisted": 30.0, "blind": None, "documents": 1}
    shown = cli("status").out
    assert "What coders did with entity suggestions" in shown and "coder alice" in shown and "50%" in shown


def test_usage_adds_up_decisions_across_coders_and_labels():
    got = usage([("entity", "a", "PER", "accepted", 3), ("entity", "b", "PER", "rejected", 1),
                 ("entity", "a", "ORG", "changed", 1)], [("a", False, 2, 50.0), ("a", True, 1, 70.0)])
    assert got["entity"]["by_label"]["PER"] == {"decided": 4, "accepted": 0.75, "changed": 0.0, "rejected": 0.25}
    assert got["entity"]["by_coder"]["a"] == {"decided": 4, "accepted": 0.75, "changed": 0.25, "rejected": 0.0}
    assert got["seconds_per_document"]["a"] == {"assisted": 25.0, "blind": 70.0, "documents": 3}


def test_choose_blind_takes_the_share_the_seed_picks():
    docs = list(range(1, 101))
    picked = choose_blind(docs, 0.1, seed=3)
    assert len(picked) == 10 and picked == choose_blind(docs, 0.1, seed=3) != choose_blind(docs, 0.1, seed=4)
    assert choose_blind(docs, 0) == set() and choose_blind(docs, 1) == set(docs)


async def test_a_blind_document_opens_without_suggestions_and_none_is_made_for_it(cli, seeded):
    assert cli("coder", "add", "alice").code == 0 and cli("coder", "add", "bob").code == 0
    result = cli("assign", "--coders", "alice,bob", "--per-doc", "2", "--blind", "0.2")
    assert result.code == 0 and "5 document(s) are blind" in result.out
    blind = {pk for pk, in rows(seeded, "SELECT pk FROM document WHERE blind")}
    ((suggested_before,),) = rows(seeded, "SELECT count(*) FROM suggestion")
    assert len(blind) == 5
    app = make_app(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        while screen.doc.pk not in blind:
            await pilot.press("n")
            screen = await ready(pilot)
        assert screen.doc.suggestion is None and not screen.entities.entities
        await pilot.press("a", "A")  # nothing to accept: nothing stored
        screen = await ready(pilot)
        panel = "\n".join(line.plain for line in screen.query_one("SidePanel")._lines)
        assert "blind: no suggestions" in panel
    assert rows(seeded, "SELECT count(*) FROM suggestion") == [(suggested_before,)]
    assert rows(seeded, "SELECT count(*) FROM suggestion_decision") == [(0,)]


def test_agree_sets_blind_documents_against_assisted_ones(cli, seeded):
    assert cli("coder", "add", "alice").code == 0 and cli("coder", "add", "bob").code == 0
    assert cli("assign", "--coders", "alice,bob", "--per-doc", "2", "--blind", "0.2").code == 0
    blind = [pk for pk, in rows(seeded, "SELECT pk FROM document WHERE blind ORDER BY pk")]
    assisted = [pk for pk, in rows(seeded, "SELECT pk FROM document WHERE NOT blind ORDER BY pk")][:4]
    engine = open_project(str(seeded))
    # Both coders follow the model on assisted documents; on blind ones alice says AGAINST to
    # everything, bob FAVOR: agreement with the model, and with each other, falls there.
    for coder, blind_label in (("alice", "AGAINST"), ("bob", "FAVOR")):
        s = CodingSession(engine, coder)
        for pk in assisted + blind:
            doc = s.open(pk)
            model = s.load(pk).suggestion if pk in assisted else None
            for target in ("Ukraine", "Russia"):
                if model is not None:
                    s.apply(doc, "stance.accept", lambda a, t=target, m=model: edits.accept_stance(a, m.stance(t)))
                else:
                    s.apply(doc, "stance.set", lambda a, t=target, b=blind_label: edits.set_stance(a, t, b, None))
                doc = s.load(pk)
            s.apply(doc, "status", lambda a: edits.set_status(a, "done"))
    report = json.loads(cli("agree", "--json").out)["suggestions"]
    assert report["assisted"]["documents"] == 4 and report["blind"]["documents"] == 5
    assert report["assisted"]["model"]["alice"]["stance_agreement"] == 1.0
    assert report["blind"]["model"]["alice"]["stance_agreement"] < 1.0
    assert report["assisted"]["coder_alpha"]["Ukraine"] in (1.0, None)  # all alike (None: one category)
    assert report["blind"]["coder_alpha"]["Ukraine"] < 0  # always opposite
    shown = cli("agree").out
    assert "blind" in shown and "assisted" in shown


def test_condition_report_counts_the_model_as_one_more_coder():
    stances = {"T": {1: {"a": "FAVOR", "b": "FAVOR"}, 2: {"a": "NONE", "b": "AGAINST"}}}
    spans = {1: {"a": [(0, 4, "PER")], "b": [(0, 4, "PER")]}, 2: {"a": [], "b": [(5, 9, "ORG")]}}
    got = condition_report(stances, spans, {1: {"T": "FAVOR"}, 2: {"T": "NONE"}}, {1: [(0, 4, "PER")], 2: []}, {1, 2})
    assert got["model"]["a"]["stance_agreement"] == 1.0 and got["model"]["b"]["stance_agreement"] == 0.5
    assert got["model"]["a"]["f1_exact"] == 1.0 and got["model"]["b"]["f1_exact"] == pytest.approx(2 / 3)
    assert got["coder_f1_exact"] == pytest.approx(2 / 3) and got["documents"] == 2


def test_kappa_from_pair_counts_matches_scikit_learn():
    import random

    from sklearn.metrics import cohen_kappa_score

    from annotator.domain.anchoring import kappa

    rng = random.Random(5)
    a = [rng.choice("FAN") for _ in range(300)]
    b = [x if rng.random() < 0.7 else rng.choice("FAN") for x in a]
    from collections import Counter

    assert kappa(Counter(zip(a, b))) == pytest.approx(cohen_kappa_score(a, b))
    assert kappa(Counter()) is None and kappa(Counter({("F", "F"): 3})) is None
