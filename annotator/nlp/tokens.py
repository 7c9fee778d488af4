"""Token boundaries from spaCy's rule-based English tokenizer (no model weights needed)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy  # imported here: loading spaCy costs a second, and most commands never need it

    return spacy.blank("en").tokenizer


def token_bounds(text: str) -> tuple[list[int], list[int]]:
    """Sorted start and end character offsets of the tokens of `text`."""
    doc = _tokenizer()(text)
    return [t.idx for t in doc], [t.idx + len(t.text) for t in doc]


def word_tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token that is not whitespace: what token-based exports list."""
    return [(t.idx, t.idx + len(t.text)) for t in _tokenizer()(text) if not t.is_space]
