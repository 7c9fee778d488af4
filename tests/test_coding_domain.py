"""The pure edits behind the coding screen, and the screen's text layout, without a terminal."""

from __future__ import annotations

from rich.cells import cell_len

from annotator.domain import coding as e
from annotator.domain.coding import AnnotationState, CodedSpan
from annotator.domain.tokens import simple_tokens
from annotator.tui.wrap import wrap

SUGGESTED = [{"start": 0, "end": 12, "label": "PERSON"}, {"start": 20, "end": 34, "label": "PERSON"},
             {"start": 30, "end": 40, "label": "GPE"}]


def test_accept_reject_and_pending():
    state = e.accept(AnnotationState(), SUGGESTED[0])
    state = e.reject(state, SUGGESTED[1])
    assert state.spans == (CodedSpan(0, 12, "PERSON", "accepted"),)
    assert e.pending(state, SUGGESTED) == [SUGGESTED[2]]
    assert state.decisions == {(0, 12, "PERSON"): "accepted", (20, 34, "PERSON"): "rejected"}


def test_accept_all_skips_suggestions_overlapping_coded_spans_and_takes_stances():
    state = e.add_span(AnnotationState(), 28, 36, "ORG")
    state = e.accept_all(state, SUGGESTED, [{"target": "Russia", "label": "AGAINST"}])
    assert [(s.start, s.end, s.label) for s in state.spans] == [(0, 12, "PERSON"), (28, 36, "ORG")]
    assert e.pending(state, SUGGESTED) == SUGGESTED[1:]  # both overlap the coder's own span: left undecided
    assert state.stance("Russia").origin == "accepted"


def test_relabel_resize_mark_changes_and_keep_added_spans_added():
    state = e.accept(AnnotationState(), SUGGESTED[0])
    state = e.relabel(state, state.spans[0], "ORG")
    assert state.spans[0].origin == "changed"
    added = e.add_span(AnnotationState(), 5, 9, "GPE")
    assert e.resize(added, added.spans[0], 5, 12).spans == (CodedSpan(5, 12, "GPE", "added"),)


def test_add_span_on_an_undecided_suggestion_takes_it_and_replaces_overlaps():
    state = e.add_span(AnnotationState(), 0, 12, "ORG", SUGGESTED)
    assert state.spans == (CodedSpan(0, 12, "ORG", "changed"),)
    assert state.decisions[(0, 12, "PERSON")] == "changed"
    state = e.add_span(state, 10, 22, "GPE")
    assert state.spans == (CodedSpan(10, 22, "GPE", "added"),)


def test_removing_an_accepted_suggestion_rejects_it():
    state = e.accept(AnnotationState(), SUGGESTED[0])
    state = e.remove(state, state.spans[0])
    assert state.spans == () and state.decisions[(0, 12, "PERSON")] == "rejected"
    assert e.pending(state, SUGGESTED[:1]) == []


def test_stance_origins_and_json_round_trip():
    state = e.set_stance(AnnotationState(), "Ukraine", "FAVOR", "FAVOR")
    state = e.set_stance(state, "Russia", "NONE", "AGAINST")
    state = e.set_stance(state, "NATO", "FAVOR", None)
    assert [(s.target, s.origin) for s in state.stances] == [("Ukraine", "accepted"), ("Russia", "changed"),
                                                              ("NATO", "added")]
    state = e.set_status(e.accept(state, SUGGESTED[0]), "done")
    assert AnnotationState.from_json(state.to_json()) == state


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
