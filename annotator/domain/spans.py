"""Spans are character offsets into a document's text (Python str indices, end exclusive)."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    label: str

    def text_in(self, text: str) -> str:
        return text[self.start:self.end]


def span_problem(start: object, end: object, text_length: int) -> str | None:
    """Why a (start, end) pair is not a valid span of a text of this length, or None."""
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        return f"start and end must be integers (got {start!r}, {end!r})"
    if start < 0 or end > text_length:
        return (f"[{start}, {end}) lies outside the text; offsets must lie in 0..{text_length} "
                f"(the text has {text_length} characters)")
    if start >= end:
        return f"start {start} >= end {end}; a span needs start < end"
    return None


def is_token_aligned(start: int, end: int, token_starts: list[int], token_ends: list[int]) -> bool:
    """True when the span begins at a token start and ends at a token end (both lists sorted)."""
    i = bisect_left(token_starts, start)
    j = bisect_left(token_ends, end)
    return (i < len(token_starts) and token_starts[i] == start
            and j < len(token_ends) and token_ends[j] == end)


def strip_offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """The same range without leading and trailing whitespace (empty ranges stay empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
