"""The coding screen's rules, on the controller alone: no app, no terminal, a real project and the
rule-based pipeline. Each rule is checked in the database as well as in what the controller shows."""

from __future__ import annotations

import random
from bisect import bisect_right

import pytest

from annotator.domain.coding import undecided
from annotator.domain.coding_view import Focus
from annotator.domain.vocabulary import EDIT_KINDS
from annotator.services.coding import CodingSession
from annotator.services.coding_controller import ACTIONS, CodingController
from annotator.services.coding_outcome import Ahead, Here, Outcome
from annotator.services.project import open_project
from conftest import rows, rule_pipeline

SEED = "000_e6a2707f4c80d87a"  # first in the queue: 10 rule suggestions, 4 stance targets
TARGETS = ["Ukraine", "Russia", "United States", "NATO"]


def opened(db, coder: str = "alice") -> CodingController:
    """The controller on the first document, with its suggestions made (as the screen's worker does)."""
    session = CodingSession(open_project(str(db)), coder, clock=lambda: 0.0, pipeline=rule_pipeline())
    controller = CodingController(session)
    controller.open(session.resume_point())
    if controller.doc.suggestion is None:
        controller.suggested(controller.doc.pk, session.suggest_missing(controller.doc.pk))
    return controller


def here(c: CodingController, selection: tuple[int, int] | None = None) -> Here:
    """Where the screen's cursor would be: the token holding the controller's cursor."""
    starts, ends = c.session.tokens(c.doc.text)
    i = max(bisect_right(starts, c.cursor) - 1, 0)
    return Here((starts[i], ends[i]), selection, starts, ends)


def press(c: CodingController, action: str, *args, selection=None) -> Outcome:
    outcome = c.handle(action, *args, here=here(c, selection))
    if outcome.background is not None:  # what the screen's worker does, here on this thread
        background = outcome.background
        outcome = background.then(background.store(lambda written, total: None), None)
    return outcome


def said(outcome: Outcome) -> str:
    return " ".join(n.text for n in outcome.notices)


def stored_stances(db, coder: str = "alice") -> dict[str, str]:
    return dict(rows(db, "SELECT s.target, s.label FROM annotation_stance s JOIN annotation a ON a.pk = s.annotation_pk "
                         "JOIN coder c ON c.pk = a.coder_pk WHERE c.name = ?", coder))


def left(c: CodingController) -> int:
    return undecided(c.doc.annotation, c.doc.suggestion)


def test_a_a_a_walks_the_document_and_an_a_too_many_says_so(seeded):
    """Each `a` accepts the focused item and moves on: entities first, then the targets; an `a` on a
    decided item moves on (and says so), so a run of `a` never stalls."""
    c = opened(seeded)
    items = len(c.entities.undecided) + len(TARGETS)
    assert c.focus().entity is not None and left(c) == items
    for done in range(1, items + 1):
        assert not press(c, "accept").notices
        assert left(c) == items - done
    assert stored_stances(seeded).keys() == set(TARGETS)
    assert "nothing here is left to decide" in said(press(c, "accept"))
    assert rows(seeded, "SELECT count(*) FROM event WHERE kind IN ('span.accept', 'stance.accept')") == [(items,)]


def test_a_on_a_decided_item_moves_on_to_the_next_undecided_one(seeded):
    c = opened(seeded)
    first = c.focus().entity
    press(c, "accept")
    press(c, "next_span", -1)  # back onto the accepted one
    assert c.focus().entity.start == first.start and c.focus().entity.coded
    outcome = press(c, "accept")
    assert "Already decided: on to the next undecided item" in said(outcome)
    assert c.focus().entity is not None and not c.focus().entity.coded and outcome.move_to == c.focus().entity.start


def test_after_x_undo_and_redo_an_item_has_the_focus(seeded):
    """The first report: after `x`, ctrl+z, ctrl+y no item had the marker, and `a` did nothing."""
    c = opened(seeded)
    first = c.focus().entity
    press(c, "reject")
    assert c.focus().entity is not None and c.focus().entity.start > first.start
    press(c, "undo")
    assert c.focus().entity.start == first.start and not c.focus().entity.coded  # where the undone change was
    press(c, "redo")
    assert c.focus() != Focus() and not press(c, "accept").notices  # `a` acts on what has the focus


def test_while_anything_is_undecided_every_edit_leaves_an_item_focused(seeded):
    """Any run of keys (seeded at random, replayable): after each edit, undo or redo, while
    something is undecided some item has the focus."""
    c = opened(seeded)
    rng = random.Random(7)
    keys = [("accept",), ("reject",), ("delete_span",), ("undo",), ("redo",), ("label", "PERSON"),
            ("stance", "FAVOR"), ("next_target",), ("next_span", 1), ("next_span", -1), ("accept_all",)]
    for step in range(300):
        key = rng.choice(keys)
        if rng.random() < 0.2:  # the screen's arrows: the cursor anywhere in the text
            c.moved(rng.randrange(len(c.doc.text)))
        press(c, *key)
        if key[0] not in ("next_target", "next_span") and left(c):
            assert c.focus() != Focus(), (step, key)


def test_a_stance_key_on_an_entity_moves_the_focus_to_a_target_and_codes_nothing(seeded):
    c = opened(seeded)
    assert c.focus().entity is not None
    outcome = press(c, "stance", "AGAINST")
    assert "Stance keys act on a target: Ukraine now has the focus" in said(outcome)
    assert c.focus() == Focus(target="Ukraine") and stored_stances(seeded) == {}
    press(c, "stance", "AGAINST")
    assert stored_stances(seeded) == {"Ukraine": "AGAINST"}
    assert "Ukraine is already AGAINST" in said(press(c, "stance", "AGAINST"))


def test_a_label_key_on_a_target_moves_the_focus_back_to_the_text_and_labels_nothing(seeded):
    c = opened(seeded)
    press(c, "next_target")
    assert c.focus() == Focus(target="Ukraine")
    outcome = press(c, "label", "ORG")
    assert "Label keys act on the text" in said(outcome) and c.focus().entity is not None
    assert rows(seeded, "SELECT count(*) FROM annotation_span") == [(0,)]
    press(c, "label", "ORG")
    assert rows(seeded, "SELECT label FROM annotation_span") == [("ORG",)]


def test_a_key_that_changes_nothing_says_why(seeded):
    c = opened(seeded)
    plain = next(i for i in range(len(c.doc.text)) if c.entities.at(i) is None and not c.doc.text[i].isspace())
    c.moved(plain)
    assert "The cursor is on no suggestion to accept: on to the next suggestion" in said(press(c, "accept"))
    assert c.focus().entity is not None  # ... and it went there
    c.moved(plain)
    assert "Delete removes a span: no span has the focus" in said(press(c, "delete_span"))
    assert "cursor is on none" in said(press(c, "boundary", "start", -1))
    assert "Nothing to undo" in said(press(c, "undo")) and "Nothing to redo" in said(press(c, "redo"))
    press(c, "accept_all")
    assert "Nothing left to accept" in said(press(c, "accept_all"))
    assert "Nothing here is left to decide" in said(press(c, "next_undecided"))
    span = c.doc.annotation.spans[0]
    c.moved(span.start)
    assert f"Already labelled {span.label}" in said(press(c, "label", span.label))
    assert rows(seeded, "SELECT kind FROM event WHERE coder_pk IS NOT NULL") == [("accept all",)]


def test_d_asks_once_then_a_second_d_marks_done_and_u_goes_to_the_first_undecided(seeded):
    c = opened(seeded)
    first = c.doc.pk
    press(c, "next_span", 1)
    press(c, "next_span", 1)
    outcome = press(c, "done")
    assert outcome.notices[0].title == "Not done yet" and c.doc.pk == first
    press(c, "next_undecided")  # the answer to the question: the first undecided, not the next
    assert c.focus().entity == c.entities.first_undecided()
    assert press(c, "done").notices[0].title == "Not done yet"  # asked again: another key came between
    outcome = press(c, "done")
    assert outcome.unsay and outcome.opened and c.doc.pk != first
    assert rows(seeded, "SELECT status FROM annotation WHERE document_pk = ?", first) == [("done",)]


def test_a_document_fetched_ahead_is_used_only_for_the_one_that_follows(seeded):
    c = opened(seeded)
    following = c.session.next_pk(c.doc.pk)
    ahead = Ahead(c.doc.pk, c.session.load(following), ([0], [1]), (80, [(0, 1)]), True)
    assert not c.fetched_ahead(Ahead(c.doc.pk + 99, ahead.document, ahead.tokens, ahead.wrapped, True))
    assert c.fetched_ahead(ahead) and c.ahead is ahead
    outcome = press(c, "next")
    assert outcome.opened is ahead and c.doc is ahead.document and c.ahead is None


def test_while_a_large_store_runs_only_the_keys_that_look_run(seeded):
    c = opened(seeded)
    c.storing = "Accepting"
    outcome = c.handle("accept", here=here(c))
    assert "moving works, changes wait until it is stored" in said(outcome) and not c.doc.annotation.spans
    assert c.may_run("next_span") and c.may_run("cursor") and not c.may_run("done")


def test_every_event_a_key_writes_is_a_word_of_the_vocabulary(seeded):
    c = opened(seeded)
    for action, *args in [("accept",), ("reject",), ("label", "ORG"), ("boundary", "end", 1), ("delete_span",),
                          ("next_target",), ("accept",), ("reject",), ("stance", "NONE"), ("accept_all",),
                          ("undo",), ("redo",), ("skip",), ("done",), ("done",)]:
        assert action in ACTIONS
        press(c, action, *args)
    kinds = {kind for (kind,) in rows(seeded, "SELECT DISTINCT kind FROM event WHERE coder_pk IS NOT NULL")}
    assert kinds and all(k in EDIT_KINDS or k.split(" ", 1)[1] in EDIT_KINDS for k in kinds if k != "leave"), kinds
    with pytest.raises(ValueError, match="is not one of"):
        c.session.apply(c.doc, "done", lambda a: a)


def test_a_run_of_a_from_a_target_comes_back_to_the_undecided_entities(seeded):
    """Begun on the stance targets (a stance key moved the focus there), `a` goes through them and
    then back to the text's undecided entities: no run of `a` leaves anything undecided."""
    c = opened(seeded)
    press(c, "stance", "FAVOR")  # the focus moves to Ukraine; nothing is coded
    items = left(c)
    for _ in range(items):
        press(c, "accept")
    assert left(c) == 0 and stored_stances(seeded).keys() == set(TARGETS)


@pytest.mark.parametrize("order", ["random", "uncertain"])
def test_the_position_shown_after_each_step_is_the_documents_place_in_the_order(seeded, order):
    """In the keyed orders `n`, `p` and `s` carry the position on from the one shown (`s` counting
    only the documents it passes over): it is what counting the order gives, past finished ones too."""
    session = CodingSession(open_project(str(seeded)), "alice", clock=lambda: 0.0, pipeline=rule_pipeline(),
                            order=order)
    c = CodingController(session)
    c.open(session.resume_point())
    assert c.position is None  # counting every document before it is the screen's worker's, after the paint
    assert c.position_counted(c.doc.pk, session.position(c.doc.pk)) and not c.position_counted(c.doc.pk, 99)
    for action in ("next", "next", "skip", "previous", "previous", "skip", "skip", "next", "skip"):
        press(c, action)
        assert c.position == session.position(c.doc.pk) > 0, action
    assert c.position >= 4  # the last skip passed over the ones skipped before
    c.open(c.doc.pk)  # as find and the dashboard open one: counted after the paint again
    assert c.position is None and not c.position_counted(c.doc.pk + 1, 3)
    assert press(c, "next").opened and c.position is None  # from a place not known yet: not guessed


def test_d_while_the_documents_suggestions_are_being_made_asks_before_marking_it_done(cli, project, tmp_path):
    """`d d` typed at once on a document whose suggestions the screen is still making: the first `d`
    asks (it marked the document done unseen, and the second `d` then marked the next one done)."""
    from conftest import write_jsonl

    texts = ["Vladimir Putin met Olaf Scholz in Berlin.", "Joe Biden spoke in Kyiv.", "NATO met in Brussels."]
    assert cli("import", str(write_jsonl(tmp_path / "d.jsonl", [{"id": f"d{i}", "text": t}
                                                                 for i, t in enumerate(texts)]))).code == 0
    session = CodingSession(open_project(str(project)), "alice", clock=lambda: 0.0, pipeline=rule_pipeline())
    c = CodingController(session)
    c.open(session.resume_point())
    first = c.doc.pk
    assert "still being made" in said(press(c, "done")) and c.doc.pk == first
    assert rows(project, "SELECT count(*) FROM annotation WHERE status = 'done'") == [(0,)]
    assert press(c, "done").opened and c.doc.pk != first  # asked once: the second `d` marks it done
    assert rows(project, "SELECT document_pk FROM annotation WHERE status = 'done'") == [(first,)]
    second = c.doc.pk
    c.suggested(second, session.suggest_missing(second))  # they arrived: the usual question
    assert "undecided: d again" in said(press(c, "done")) and c.doc.pk == second
    press(c, "skip")
    c.suggested(c.doc.pk, None, ("an earlier visit's", 0))  # a stale failure: still waiting
    assert "still being made" in said(press(c, "done"))
    c.suggested(c.doc.pk, None, c.awaiting)  # this visit's worker made none: nothing to wait for
    assert "Every document is done or skipped" in said(press(c, "done"))


def test_a_late_failure_to_suggest_leaves_the_suggestions_shown_since(seeded):
    c = opened(seeded)
    shown = c.doc.suggestion
    assert shown is not None and c.awaiting is None
    c.suggested(c.doc.pk, None, (c.doc.pk, 0))  # from a visit before these were shown
    assert c.doc.suggestion is shown and "undecided: d again" in said(press(c, "done"))


@pytest.mark.parametrize("order", ["random", "uncertain"])
def test_the_position_counts_a_document_another_coders_lease_made_n_pass_over(cli, seeded, order):
    """Without an assignment `n` passes over the single-coded documents another coder has open: the
    header counts them, as the order does."""
    assert all(cli("coder", "add", name).code == 0 for name in ("alice", "bob", "carol"))
    assert cli("assign", "--coders", "alice,bob", "--overlap", "0").code == 0
    engine = open_project(str(seeded))
    carol = CodingSession(engine, "carol", clock=lambda: 0.0, pipeline=rule_pipeline(), order=order)
    walked = [carol.first_unfinished()]
    while (following := carol.next_pk(walked[-1])) is not None:
        walked.append(following)
    bob = CodingSession(engine, "bob", clock=lambda: 0.0, pipeline=rule_pipeline(), order=order)
    held = next(pk for pk in walked[3:] if bob.position(pk))
    bob.open(held)  # bob's lease on it: carol's `n` passes over it
    c = CodingController(carol)
    c.open(walked[walked.index(held) - 1])
    assert c.position_counted(c.doc.pk, carol.position(c.doc.pk))
    press(c, "next")
    assert c.doc.pk == walked[walked.index(held) + 1] and c.position == carol.position(c.doc.pk) == walked.index(held) + 2
