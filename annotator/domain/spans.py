"""Spans and stances: the one typed model that coding, import, show, agreement and export share.

Spans are character offsets into a document's text (Python str indices, end exclusive).
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.domain.vocabulary import Origin

SpanKey = tuple[int, int, str]  # (start, end, label): how a suggested span is named


class Ranged:
    """What coded and suggested spans share: a key and an overlap test."""
    __slots__ = ()
    start: int
    end: int
    label: str

    @property
    def key(self) -> SpanKey:
        return (self.start, self.end, self.label)

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Span(Ranged):
    """A coded entity span. `source` names the suggestion it was taken from (None for the coder's own
    or an imported one), so the decision on that suggestion can follow every later edit."""
    start: int
    end: int
    label: str
    origin: Origin = "added"
    aligned: bool = True  # False: imported offsets off spaCy's token boundaries (kept, flagged)
    source: SpanKey | None = None

    def text_in(self, text: str) -> str:
        return text[self.start:self.end]

    def __reduce__(self) -> tuple[type[Span], tuple[int, int, str, Origin, bool, SpanKey | None]]:
        # (made again by one call: the dataclass's own way sets each field apart, and an import hands
        # a worker's hundreds of thousands of spans back to the process that stores them)
        return Span, (self.start, self.end, self.label, self.origin, self.aligned, self.source)


@dataclass(frozen=True, slots=True)
class Stance:
    """A coded stance toward one codebook target; `source` is the suggested label it was coded
    against (None when there was no suggestion), so its decision follows later edits too."""
    target: str
    label: str
    origin: Origin = "added"
    source: str | None = None


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


def strip_offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """The same range without leading and trailing whitespace (empty ranges stay empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
