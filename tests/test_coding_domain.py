"""The pure edits behind the coding screen, what it shows, and its text layout, without a terminal."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.cells import cell_len

from annotator.domain import coding as e
from annotator.domain.codebook import parse_codebook
from annotator.domain.coding import Annotation
from annotator.domain.coding_view import entity_list, focus
from annotator.domain.errors import InputError
from annotator.domain.spans import Span, Stance
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion
from annotator.domain.timing import ActiveTime
from annotator.domain.tokens import simple_tokens
from annotator.tui.wrap import wrap
from conftest import ROOT

P0, P1, G2 = SuggestedSpan(0, 12, "PERSON"), SuggestedSpan(20, 34, "PERSON"), SuggestedSpan(30, 40, "GPE")
RUSSIA, UKRAINE = SuggestedStance("Russia", "AGAINST", 0.7), SuggestedStance("Ukraine", "FAVOR", 0.6)
SUGGESTION = Suggestion("m", "1", (P0, P1, G2), (RUSSIA, UKRAINE))
CODEBOOK = parse_codebook((ROOT / "schemas" / "news-stance.toml").read_text("utf-8"))


def test_accept_reject_and_pending():
    a = e.accept(Annotation(), P0)
    a = e.reject(a, P1)
    assert a.spans == (Span(0, 12, "PERSON", "accepted", source=P0.key),)
    assert e.pending(a, SUGGESTION) == [G2]
    assert a.decisions == {P0.key: "accepted", P1.key: "rejected"}


def test_the_place_of_an_edit_for_undo_to_focus():
    from annotator.domain.describe import changed_start, changed_targets

    # changed_start(the state an undo or redo shows, the state it replaced)
    accepted = e.accept(Annotation(), P1)
    rejected = e.reject(accepted, G2)  # a decision alone, no span
    resized = e.resize(accepted, accepted.spans[0], 22, 34, SUGGESTION)
    assert changed_start(accepted, Annotation()) == 20  # redo of the accept: the span shown
    assert changed_start(Annotation(), accepted) == 20  # its undo: no span, the suggestion's place
    assert changed_start(rejected, accepted) == 30 and changed_start(accepted, rejected) == 30
    assert changed_start(resized, accepted) == 22 and changed_start(accepted, resized) == 20  # where it is now
    assert changed_targets(Annotation(), accepted) == set()
    stanced = e.set_stance(rejected, "Russia", "FAVOR", RUSSIA)  # a suggested stance changed
    assert changed_start(rejected, stanced) is None and changed_targets(rejected, stanced) == {"Russia"}
    done = e.set_status(stanced, "done")
    assert changed_start(stanced, done) is None and changed_targets(stanced, done) == set()


def test_accept_all_leaves_overlaps_and_never_overrides_a_decision():
    a = e.add_span(Annotation(), 28, 36, "ORG", SUGGESTION)
    a = e.reject(a, P0)
    a = e.reject_stance(a, "Russia", RUSSIA)
    a = e.accept_all(a, SUGGESTION)
    assert [s.key for s in a.spans] == [(28, 36, "ORG")]  # P0 rejected; G2 overlaps the coder's span
    assert a.decisions[P1.key] == "changed"  # the coder's span was marked over P1: it answers for it
    assert e.pending(a, SUGGESTION) == [G2]
    assert a.stance("Russia") is None and a.stance_decisions[RUSSIA.key] == "rejected"
    assert a.stance("Ukraine") == Stance("Ukraine", "FAVOR", "accepted", source="FAVOR")


def test_the_whole_document_edits_cost_one_pass_over_a_document_with_many_suggestions():
    """A on 10,960 suggestions took a minute: each one asked every coded span whether it covered it,
    and each accept settled the whole annotation again. 50,000 suggestions (a coded span every
    tenth, half of them rejected) now take well under a second; a generous bound against a busy
    machine, where the quadratic form needed minutes."""
    import time

    suggested = tuple(SuggestedSpan(10 * i, 10 * i + 5, "PERSON") for i in range(50_000))
    many = Suggestion("m", "1", suggested, (RUSSIA, UKRAINE))
    coded = e.add_span(Annotation(), 0, 3, "ORG", many)
    coded = replace(coded, spans=(*coded.spans, *(Span(10 * i + 2, 10 * i + 4, "ORG") for i in range(10, 50_000, 10))))
    coded = replace(coded, decisions={**coded.decisions, **{s.key: "rejected" for s in suggested[1::2]}})
    started = time.perf_counter()
    accepted = e.accept_all(coded, many)
    rejected = e.reject_undecided(coded, many)
    left = e.undecided(coded, many)
    shown = entity_list(coded, many)
    assert time.perf_counter() - started < 5
    free = [s for s in suggested[::2] if (s.start // 10) % 10]  # not rejected, not under a coded span
    assert len(accepted.spans) == len(coded.spans) + len(free) and left == len(free) + 2
    assert sum(d == "rejected" for d in rejected.decisions.values()) == 25_000 + len(free)
    assert len(shown) == len(coded.spans) + len(free)


@pytest.mark.parametrize("edit, origin, decision", [
    (lambda a: e.relabel(a, a.spans[0], "ORG"), "changed", "changed"),
    (lambda a: e.resize(a, a.spans[0], 0, 6), "changed", "changed"),
    (lambda a: e.remove(a, a.spans[0]), None, "rejected"),
    (lambda a: e.add_span(a, 10, 25, "GPE"), None, "rejected"),  # overlapping: displaces the accepted span
    (lambda a: e.accept(a, SuggestedSpan(5, 14, "ORG")), None, "rejected"),
    (lambda a: e.relabel(e.relabel(a, a.spans[0], "ORG"), Span(0, 12, "ORG", "changed", source=P0.key), "PERSON"),
     "accepted", "accepted"),
])
def test_decisions_follow_every_edit_of_an_accepted_span(edit, origin, decision):
    a = edit(e.accept(Annotation(), P0))
    from_p0 = [s for s in a.spans if s.source == P0.key]
    assert (from_p0[0].origin if from_p0 else None) == origin
    assert a.decisions[P0.key] == decision


def test_a_changed_span_moved_away_from_its_suggestion_still_answers_for_it():
    a = e.accept(Annotation(), P0)
    a = e.resize(a, a.spans[0], 0, 30)
    a = e.resize(a, a.spans[0], 20, 30)  # no longer overlaps P0 at all
    assert a.decisions[P0.key] == "changed"
    a = e.remove(a, a.spans[0])
    assert a.decisions[P0.key] == "rejected" and a.spans == ()


def test_add_span_on_an_undecided_suggestion_takes_it_and_the_coders_own_stay_added():
    a = e.add_span(Annotation(), 0, 12, "ORG", SUGGESTION)
    assert a.spans == (Span(0, 12, "ORG", "changed", source=P0.key),) and a.decisions[P0.key] == "changed"
    own = e.add_span(Annotation(), 5, 9, "GPE")
    assert e.resize(own, own.spans[0], 5, 12).spans == (Span(5, 12, "GPE", "added"),)
    assert e.relabel(own, own.spans[0], "ORG").decisions == {}


def test_stance_decisions_accepted_changed_rejected():
    a = e.accept_stance(Annotation(), RUSSIA)
    assert a.stance("Russia").origin == "accepted" and a.stance_decisions == {RUSSIA.key: "accepted"}
    a = e.set_stance(a, "Russia", "NONE", RUSSIA)
    assert a.stance("Russia").origin == "changed" and a.stance_decisions == {RUSSIA.key: "changed"}
    a = e.reject_stance(a, "Russia", RUSSIA)
    assert a.stance("Russia") is None and a.stance_decisions == {RUSSIA.key: "rejected"}
    a = e.reject_stance(a, "Ukraine", UKRAINE)  # an undecided suggestion rejected: stored, nothing coded
    assert a.stance_decisions[UKRAINE.key] == "rejected" and e.pending_stances(a, SUGGESTION) == []
    assert e.set_stance(Annotation(), "NATO", "FAVOR", None).stance("NATO").origin == "added"


def test_json_round_trip_keeps_sources_and_stance_decisions():
    a = e.set_status(e.relabel(e.accept(e.accept_stance(Annotation(), RUSSIA), P0), Span(0, 12, "PERSON", "accepted", source=P0.key), "ORG"), "done")
    assert Annotation.from_json(a.to_json()) == a


def test_labels_not_in_the_codebook_are_refused():
    e.check_labels(e.accept_stance(e.accept(Annotation(), P0), RUSSIA), CODEBOOK)
    with pytest.raises(InputError, match="stance label 'PRO' is not in the codebook news-stance; valid: FAVOR, AGAINST, NONE"):
        e.check_labels(e.set_stance(Annotation(), "Russia", "PRO", None), CODEBOOK)
    with pytest.raises(InputError, match="entity label 'DATE'"):
        e.check_labels(e.add_span(Annotation(), 0, 3, "DATE"), CODEBOOK)
    with pytest.raises(InputError, match="stance target 'Mars'"):
        e.check_labels(e.set_stance(Annotation(), "Mars", "FAVOR", None), CODEBOOK)


def test_the_entity_list_hides_suggestions_under_coded_spans_and_never_overlaps():
    a = e.add_span(Annotation(), 18, 26, "ORG")
    shown = entity_list(a, SUGGESTION)
    assert [(x.start, x.end, x.label, x.coded) for x in shown] == [(0, 12, "PERSON", False), (18, 26, "ORG", True),
                                                                    (30, 40, "GPE", False)]
    assert shown.at(5).suggestion == P0 and shown.at(20).span == a.spans[0] and shown.at(14) is None
    assert shown.following(0, 1).start == 18 and shown.following(0, 1, undecided_only=True).start == 30
    assert entity_list(Annotation(), SUGGESTION).at(32).suggestion == P1  # P1 and G2 overlap: the first shows


def test_focus_is_one_item_a_target_or_the_entity_under_the_cursor():
    shown = entity_list(Annotation(), SUGGESTION)
    assert focus(shown, 3, None).entity.suggestion == P0 and focus(shown, 3, None).target is None
    assert focus(shown, 3, "Russia").entity is None and focus(shown, 3, "Russia").target == "Russia"


def test_active_time_counts_gaps_up_to_two_minutes():
    timer = ActiveTime(now=0.0)
    timer.touch(30.0)
    timer.touch(630.0)  # ten minutes away: two count
    assert timer.take(640.0) == 30 + 120 + 10
    assert timer.total(650.0) == 170.0 and timer.take(650.0) == 10.0


def test_wrap_keeps_offsets_and_width_with_wide_characters_and_crlf():
    text = "Kyiv \u5317\u4eac\u5e02 summit \U0001F600 talks.\r\nLine two is rather longer than the width.\r\n\r\nEnd"
    for width in (5, 8, 13, 40):
        lines = wrap(text, width)
        for start, end in lines:
            assert cell_len(text[start:end].rstrip()) <= width
            assert "\n" not in text[start:end] and not text[start:end].endswith("\r")
        covered = "".join(text[s:e] for s, e in lines)
        assert covered.replace(" ", "") == text.replace("\r\n", "").replace(" ", "")


def test_quick_tokens_match_spacys_on_news_text():
    from annotator.nlp.tokens import token_bounds

    text = "Donald Trump's call didn't reach the U.S. or well-known Kyiv, said Bergmann (CSIS)."
    assert simple_tokens(text) == token_bounds(text)


def test_the_same_span_is_recorded_alike_however_it_was_made():
    marked = e.add_span(Annotation(), 0, 14, "PERSON", SUGGESTION)  # selected over the suggestion
    stretched = e.resize(e.accept(Annotation(), P0), Span(0, 12, "PERSON", "accepted", source=P0.key), 0, 14)
    assert marked == stretched
    assert marked.spans == (Span(0, 14, "PERSON", "changed", source=P0.key),) and marked.decisions == {P0.key: "changed"}
    own = e.add_span(Annotation(), 0, 5, "PERSON", SUGGESTION)
    assert e.resize(own, own.spans[0], 0, 12, SUGGESTION).decisions == {P0.key: "accepted"}


def test_marking_a_rejected_suggestion_again_takes_it_back():
    a = e.add_span(e.reject(Annotation(), P0), 0, 12, "PERSON", SUGGESTION)
    assert a.spans == (Span(0, 12, "PERSON", "accepted", source=P0.key),) and a.decisions == {P0.key: "accepted"}


def test_rejecting_an_accepted_suggestion_removes_its_span():
    a = e.reject(e.accept(Annotation(), P0), P0)
    assert a.spans == () and a.decisions == {P0.key: "rejected"}


def test_a_stance_recoded_without_its_suggestion_leaves_it_rejected():
    a = e.set_stance(e.accept_stance(Annotation(), RUSSIA), "Russia", "FAVOR", None)
    assert a.stance("Russia") == Stance("Russia", "FAVOR", "added") and a.stance_decisions == {RUSSIA.key: "rejected"}
    a = e.reject_stance(e.accept_stance(Annotation(), RUSSIA), "Russia", None)
    assert a.stances == () and a.stance_decisions == {RUSSIA.key: "rejected"}
    a = e.set_stance(e.set_stance(Annotation(), "Russia", "NONE", RUSSIA), "Russia", "AGAINST", RUSSIA)
    assert a.stance("Russia").origin == "accepted" and a.stance_decisions == {RUSSIA.key: "accepted"}
