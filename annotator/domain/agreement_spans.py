"""Entity agreement between coders: span F1 (exact and relaxed) and the per-token label patterns
that token-level alpha is computed from (agreement.py turns them into alpha).

Spans are (start, end, label) character offsets, end exclusive, as in spans.py. A document missing
from a coder's mapping was not coded by that coder; an empty list means coded, with no entities.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from operator import itemgetter, sub
from typing import Any

SpanTriple = tuple[int, int, str]
CoderDocs = Mapping[Any, Sequence[SpanTriple]]  # doc id (or pk: any hashable) -> one coder's spans
DocSpans = Mapping[Any, Mapping[str, Sequence[SpanTriple]]]  # doc id (any hashable) -> {coder -> spans}
DocTokens = Mapping[Any, Sequence[tuple[int, int]]]  # doc id (any hashable) -> token (start, end), in text order
OUTSIDE = "O"  # a token's value for a coder when none of that coder's spans covers it (as in BIO tags)
_start = itemgetter(0)
_label = itemgetter(2)


@dataclass(frozen=True, slots=True)
class F1Score:
    """Candidate spans (b) matched against reference spans (a); the ratios are None when undefined."""
    matched: int
    reference: int
    candidate: int
    per_label: Mapping[str, F1Score] = field(default_factory=dict)

    @property
    def precision(self) -> float | None:
        return self.matched / self.candidate if self.candidate else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        # 2PR/(P+R) written with counts, so that one side without spans gives 0 rather than None.
        total = self.reference + self.candidate
        return 2 * self.matched / total if total else None


def span_f1(spans_a: CoderDocs, spans_b: CoderDocs, *, relaxed: bool = False) -> F1Score:
    """F1 of b's spans against a's over the documents both coded, overall and per label.

    Exact: the same (start, end, label). Relaxed: the same label and overlapping offsets, matched
    one to one: exact pairs first, then each remaining span of a, in text order, takes the first
    remaining overlapping span of b in text order (greedy, not a maximum matching). Duplicate
    spans within one coder's document count once."""
    return span_scores(spans_a, spans_b)[relaxed]


def exact_f1(spans_a: CoderDocs, spans_b: CoderDocs) -> F1Score:
    """span_f1's exact score alone, overall only: set intersections, for reports over every document."""
    matched = reference = candidate = 0
    for doc in spans_a.keys() & spans_b.keys():
        a, b = set(spans_a[doc]), set(spans_b[doc])
        matched += len(a & b)
        reference += len(a)
        candidate += len(b)
    return F1Score(matched, reference, candidate)


def span_scores(spans_a: CoderDocs, spans_b: CoderDocs) -> tuple[F1Score, F1Score]:
    """Exact and relaxed span_f1 from one pass over the documents."""
    tally = _Tally()
    for doc in spans_a.keys() & spans_b.keys():
        tally.add(set(spans_a[doc]), set(spans_b[doc]))
    return tally.scores()


def pair_span_scores(docs_spans: DocSpans) -> dict[tuple[str, str], tuple[F1Score, F1Score]]:
    """span_scores for every pair of coders (names sorted, the first the reference), in one pass
    over the documents; a pair that shares no document scores 0 spans (f1 None)."""
    coders = sorted({coder for by_coder in docs_spans.values() for coder in by_coder})
    tallies = {pair: _Tally() for pair in combinations(coders, 2)}
    for by_coder in docs_spans.values():
        if len(by_coder) >= 2:
            sets = sorted((coder, set(spans)) for coder, spans in by_coder.items())
            for (a, spans_a), (b, spans_b) in combinations(sets, 2):
                tallies[a, b].add(spans_a, spans_b)
    return {pair: tally.scores() for pair, tally in tallies.items()}


class _Tally:
    """Spans of one coder pair, gathered document by document; labels are counted once at the end,
    since one Counter over a long list is far cheaper than one per document."""
    __slots__ = ("exact", "only_a", "only_b", "overlapping")

    def __init__(self) -> None:
        self.exact: list[SpanTriple] = []  # in both a and b
        self.only_a: list[SpanTriple] = []
        self.only_b: list[SpanTriple] = []
        self.overlapping: list[SpanTriple] = []  # of only_a: matched in the relaxed sense

    def add(self, a: set[SpanTriple], b: set[SpanTriple]) -> None:
        same = a & b
        self.exact += same
        if len(same) < len(a):
            only_a = a - same
            self.only_a += only_a
            if len(same) < len(b):
                only_b = b - same
                self.only_b += only_b
                self.overlapping += overlap_matches(only_a, only_b)
        elif len(same) < len(b):
            self.only_b += b - same

    def scores(self) -> tuple[F1Score, F1Score]:
        exact, only_a, only_b, overlapping = (
            Counter(map(_label, spans)) for spans in (self.exact, self.only_a, self.only_b, self.overlapping))
        reference, candidate = exact + only_a, exact + only_b
        return _score(exact, reference, candidate), _score(exact + overlapping, reference, candidate)


def _score(matched: Counter[str], reference: Counter[str], candidate: Counter[str]) -> F1Score:
    per_label = {label: F1Score(matched[label], reference[label], candidate[label])
                 for label in sorted(reference.keys() | candidate.keys())}
    return F1Score(matched.total(), reference.total(), candidate.total(), per_label)


def overlap_matches(a: set[SpanTriple], b: set[SpanTriple]) -> list[SpanTriple]:
    """a's spans that found an overlapping partner of the same label in b (greedy, in text order)."""
    if len(a) == 1 and len(b) == 1:  # the usual case: one span moved or relabelled
        (start, end, label), (other_start, other_end, other_label) = *a, *b
        return [(start, end, label)] if label == other_label and start < other_end and other_start < end else []
    found = []
    rest = sorted(b)
    for start, end, label in sorted(a):
        for j, (other_start, other_end, other_label) in enumerate(rest):
            if other_start >= end:
                break  # rest is sorted by start: nothing further can overlap
            if other_label == label and start < other_end:
                found.append((start, end, label))
                del rest[j]
                break
    return found


def token_patterns(docs_tokens: DocTokens, docs_spans: DocSpans,
                   outside: Mapping[Any, int] | None = None) -> Counter[tuple[str, ...]]:
    """How many tokens carry each multiset of labels (a sorted tuple, one label per coder of the doc).

    A token takes a coder's label when one of the coder's spans contains the token's first character,
    else OUTSIDE; where one coder's spans overlap, the one starting first (then the shorter) wins.
    Only the coders of a document count; documents with fewer than two coders, or no tokens, add
    nothing. Tokens must be in text order.

    `outside`: tokens of a document beyond those in docs_tokens, under no coder's span (a caller
    that knows a document's token count need only tokenize the text under spans)."""
    patterns: Counter[tuple[str, ...]] = Counter()
    for doc, by_coder in docs_spans.items():
        tokens = docs_tokens.get(doc)
        if len(by_coder) >= 2 and tokens:
            _add_document(patterns, tokens, list(by_coder.values()))
        if len(by_coder) >= 2 and outside and outside.get(doc):
            patterns[(OUTSIDE,) * len(by_coder)] += outside[doc]
    multisets: Counter[tuple[str, ...]] = Counter()
    for pattern, count in patterns.items():
        multisets[tuple(sorted(pattern))] += count
    return multisets


def _add_document(patterns: Counter[tuple[str, ...]], tokens: Sequence[tuple[int, int]],
                  spans_by_coder: list[Sequence[SpanTriple]]) -> None:
    """Cut the text at every coder's span boundaries: within a segment each coder has one label, so
    tokens are counted per segment (by bisecting their starts) instead of labelled one by one."""
    bounds = sorted({edge for spans in spans_by_coder for start, end, _ in spans for edge in (start, end)})
    before = [bisect_left(tokens, edge, key=_start) for edge in bounds]  # tokens starting before each edge
    outside = len(tokens) - (before[-1] - before[0] if bounds else 0)
    if outside:
        patterns[(OUTSIDE,) * len(spans_by_coder)] += outside
    if len(bounds) < 2:
        return
    index = dict(zip(bounds, range(len(bounds))))
    rows = []
    for spans in spans_by_coder:
        row = [OUTSIDE] * (len(bounds) - 1)
        for start, end, label in sorted(spans, reverse=True):  # the first-starting span is written last
            i, j = index[start], index[end]
            if j - i == 1:
                row[i] = label  # most spans lie in one segment: cheaper than a slice
            else:
                row[i:j] = [label] * (j - i)
        rows.append(row)
    for column, count in zip(zip(*rows), map(sub, before[1:], before)):
        if count:
            patterns[column] += count  # in coder order; token_patterns sorts the distinct ones once
