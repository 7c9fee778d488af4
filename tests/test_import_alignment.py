"""Imported spans are flagged off spaCy's token boundaries exactly as the whole text's tokens say,
though import tokenises only the runs of characters an offset falls inside (and often nothing)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.nlp.tokens import aligned, token_bounds

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "wikinews.jsonl"

# Pieces spaCy's English rules treat specially: abbreviations, contractions, emoticons, quotes,
# special cases its affix rules cut (a.m., 's) that could match across a space, and whitespace.
PIECES = ["a.m.", "p.m.", "U.S.", "'s", "’s", "n't", "don't", "can't", "gonna", ":)", ":-)", "(:", "(", ")", '"',
          "'", "''", "``", ",", ".", "...", "e.g.", "Mr.", "Mo.", "-", "--", "/", "http://x.org/a?b=c", "x@y.com",
          "$", "10", "1,000", "%", "“", "”", "Kyiv", "Trump", "<3", "o.O", "'em", "y'all", "Inc.", "A.", "s", "d",
          "8", "-)", "°C", "She's", "I'm", "we'll", "would've", ":", ";", "!", "?", "\n", "\t", "\xa0", " ", "  "]


def _truth(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    starts, ends = map(set, token_bounds(text))
    return [start in starts and end in ends for start, end in spans]


def _every_span_edge(text: str) -> list[tuple[int, int]]:
    """Spans that put a start and an end at every offset of the text."""
    return [(i, i + 1) for i in range(len(text))] + [(0, i) for i in range(1, len(text) + 1)] + \
        [(i, len(text)) for i in range(len(text))]


@pytest.mark.parametrize("number", range(24))
def test_every_offset_of_the_seed_articles_is_judged_as_the_whole_texts_tokens_judge_it(number):
    text = json.loads(SEEDS.read_text("utf-8").splitlines()[number])["text"]
    spans = _every_span_edge(text)
    assert aligned(text, spans) == _truth(text, spans)


texts = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", "", " ", "  ", "\n"])),
                 min_size=1, max_size=30).map(lambda parts: "".join(a + b for a, b in parts))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(texts)
def test_tricky_texts_are_judged_as_the_whole_texts_tokens_judge_them(text):
    spans = _every_span_edge(text)
    assert aligned(text, spans) == _truth(text, spans)


def test_a_special_case_across_a_space_is_judged_by_the_whole_text():
    """`''` and `'` either side of a space: spaCy's match for `''` over both runs takes the tokens
    from the run's own match, so the run alone would say otherwise (found by the property above)."""
    text = "<3' ''?&\n...\ngonna"
    spans = _every_span_edge(text)
    assert aligned(text, spans) == _truth(text, spans)


def test_a_text_without_spaces_and_spans_at_whitespace_are_judged_by_the_whole_text():
    rng = random.Random(7)
    text = "".join(rng.choice(["Kyiv", "'s", ",", ".", "U.S.", "-", "(", ")"]) for _ in range(400))  # one long run
    spans = [(a, b) for a, b in ((rng.randrange(len(text)), rng.randrange(len(text) + 1)) for _ in range(300)) if a < b]
    assert aligned(text, spans) == _truth(text, spans)
    spaced = "Angela Merkel  met\n\nthe  press .\t"
    spans = _every_span_edge(spaced)
    assert aligned(spaced, spans) == _truth(spaced, spans)
