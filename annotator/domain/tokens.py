"""A quick tokenizer for the first moments of the coding screen, before spaCy's has loaded.

It follows spaCy's English rules where they matter most for moving a cursor: words, possessive 's
and n't apart, punctuation alone. spaCy's own tokenizer replaces it as soon as it is ready."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+(?=n't)|n't|'s\b|(?:[A-Z]\.){2,}|\w+|[^\w\s]")


def simple_tokens(text: str) -> tuple[list[int], list[int]]:
    starts, ends = [], []
    for match in _TOKEN.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
    return starts, ends


def token_spans(text: str) -> list[tuple[int, int]]:
    """The same tokens as (start, end) pairs, built in C: agreement tokenizes whole projects."""
    return list(map(re.Match.span, _TOKEN.finditer(text)))


def token_starts(text: str) -> list[int]:
    """Where each token of the text starts (agreement counts tokens between span boundaries)."""
    return list(map(re.Match.start, _TOKEN.finditer(text)))
