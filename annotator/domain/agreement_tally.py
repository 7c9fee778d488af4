"""Entity agreement counted from columns of integers, a slice of documents at a time: the figures
agreement.entity_report and anchoring.condition_report give from mappings of spans, without a
Python object per span (a project of 100,000 documents x 3 coders has 900,000 of them).

A slice's spans are sorted once by (document, start, end, label, coder). Then:
- each distinct span has the set of coders who marked it (the model's suggestion counts as one more
  coder), so the exact matches, references and candidates of every pair of coders, per label and
  per condition (assisted or blind document), are a few weighted bincounts;
- a pair's spans left unmatched are matched loosely: every overlapping pair with the same label is
  found at once, and only documents where a span has two such partners (where the greedy order
  decides) go through agreement_spans.overlap_matches;
- token alpha's label patterns come from the documents' span boundaries, with the text under the
  union of spans tokenized once per slice, all pieces joined by newlines (a token never spans
  whitespace, so each piece tokenizes as it does alone).

Pattern order matters to the last bit of token alpha (a sum of thirds with four coders): patterns
are kept in the order token_patterns first meets them, document by document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from operator import getitem
from typing import Any

import numpy as np

from annotator.domain.agreement_spans import OUTSIDE, F1Score, overlap_matches
from annotator.domain.tokens import token_starts


@dataclass(frozen=True)
class SpanSlice:
    """One slice of documents: coder and label columns are indices into the tally's names."""
    coded: np.ndarray  # n x 2: (document, coder) of every done annotation
    spans: np.ndarray  # n x 5: (document, coder, start, end, label) of their spans
    suggested: np.ndarray  # documents with a suggestion
    model_spans: np.ndarray  # n x 4: (document, start, end, label) of each document's newest suggestion
    blind: np.ndarray  # blind documents (any, sorted)
    texts: Mapping[int, str]  # document -> text, for documents done by two coders or more
    token_totals: Mapping[int, int]  # document -> tokens in its text, for the same documents


@dataclass
class EntityTally:
    coder_names: Sequence[str]  # sorted by name; the model is one more coder, numbered len(coder_names)
    labels: list[str]  # entity labels, in any order (the store appends those it meets)
    # [condition (0 assisted, 1 blind), a, label, b]: a's spans that b marked as well / in documents b coded
    matched: np.ndarray = field(init=False)
    reference: np.ndarray = field(init=False)
    loose: np.ndarray = field(init=False)  # [a, b]: a's spans matched loosely (beyond exact) by b's
    seen_labels: set[int] = field(default_factory=set)  # labels of spans in documents two coders did
    paired_coders: set[int] = field(default_factory=set)  # coders of documents two coders did
    done_coders: set[int] = field(default_factory=set)  # coders with a done annotation
    condition_coders: tuple[set[int], set[int]] = field(default_factory=lambda: (set(), set()))
    condition_documents: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=np.int64))
    model_documents: np.ndarray = field(init=False)  # [condition, coder]: documents coded and suggested
    patterns: dict[tuple[str, ...], list[Any]] = field(default_factory=dict)  # -> [tokens, first seen]
    shared: int = 0  # documents done by two coders or more
    slices: int = 0

    def __post_init__(self) -> None:
        people = len(self.coder_names)
        self.matched = np.zeros((2, people + 1, 0, people + 1))
        self.reference = np.zeros((2, people + 1, 0, people + 1))
        self.loose = np.zeros((people, people), dtype=np.int64)
        self.model_documents = np.zeros((2, people), dtype=np.int64)

    def add(self, part: SpanSlice) -> None:
        people, labels = len(self.coder_names), len(self.labels)
        docs, which = np.unique(part.coded[:, 0], return_inverse=True)
        has = np.zeros((len(docs), people + 1), dtype=bool)
        has[which, part.coded[:, 1]] = True
        has[:, people] = np.isin(docs, part.suggested)
        coders_of = has[:, :people].sum(axis=1)
        blind = np.isin(docs, part.blind)
        shared = coders_of >= 2
        self.shared += int(shared.sum())
        self.done_coders.update(np.flatnonzero(np.bincount(part.coded[:, 1], minlength=people)).tolist())
        self.paired_coders.update(np.flatnonzero(has[shared, :people].any(axis=0)).tolist())
        for condition in (0, 1):
            in_it = blind == bool(condition)
            self.condition_documents[condition] += int(in_it.sum())
            self.condition_coders[condition].update(np.flatnonzero(has[in_it, :people].any(axis=0)).tolist())
            self.model_documents[condition] += (has[in_it, :people] & has[in_it, people:]).sum(axis=0)
        rows, span_group = _distinct_sorted(_rows(part, docs, people), _name_ranks(self.labels))
        self._grow(labels)
        rank, coder, label = rows[:, 0], rows[:, 1], rows[:, 4]
        marked = np.zeros((span_group[-1] + 1 if len(rows) else 0, people + 1), dtype=bool)
        marked[span_group, coder] = True
        key = (blind[rank] * (people + 1) + coder) * labels + label
        size = 2 * (people + 1) * labels
        for b in range(people + 1):
            self.matched[..., b] += np.bincount(key, marked[span_group, b], size).reshape(2, people + 1, labels)
            self.reference[..., b] += np.bincount(key, has[rank, b], size).reshape(2, people + 1, labels)
        human = coder < people
        self.seen_labels.update(np.flatnonzero(np.bincount(label[human & shared[rank]], minlength=labels)).tolist())
        self._loose(rows[human], span_group[human], marked, has, len(docs))
        self._patterns(rows[human & shared[rank]], docs, has[:, :people].sum(axis=1), shared, part)
        self.slices += 1

    def _grow(self, labels: int) -> None:
        grow = labels - self.matched.shape[2]
        if grow > 0:
            pad = ((0, 0), (0, 0), (0, grow), (0, 0))
            self.matched, self.reference = np.pad(self.matched, pad), np.pad(self.reference, pad)

    def _loose(self, rows: np.ndarray, span_group: np.ndarray, marked: np.ndarray, has: np.ndarray, docs: int) -> None:
        """Relaxed matches beyond the exact ones, for every pair of coders (as _Tally.add). Pairs of
        spans left over that overlap with the same label are found per document at once; where no
        span has two such partners, each pair is a match, and only the other documents are matched
        greedily by overlap_matches."""
        by_coder = [np.flatnonzero(rows[:, 1] == c) for c in range(len(self.coder_names))]
        for a, b in combinations(range(len(self.coder_names)), 2):
            left_a = rows[by_coder[a][has[rows[by_coder[a], 0], b] & ~marked[span_group[by_coder[a]], b]]]
            left_b = rows[by_coder[b][has[rows[by_coder[b], 0], a] & ~marked[span_group[by_coder[b]], a]]]
            count_b = np.bincount(left_b[:, 0], minlength=docs)
            first_b = np.cumsum(count_b) - count_b  # (left_b is in document order)
            partners = count_b[left_a[:, 0]]
            x = np.repeat(np.arange(len(left_a)), partners)  # each of a's with each of b's in its document
            y = first_b[left_a[x, 0]] + _counting(partners)
            near = (left_a[x, 4] == left_b[y, 4]) & (left_a[x, 2] < left_b[y, 3]) & (left_b[y, 2] < left_a[x, 3])
            x, y = x[near], y[near]
            tangled = np.zeros(docs, dtype=bool)  # a span with two partners: the greedy order decides
            tangled[left_a[x[np.bincount(x, minlength=len(left_a))[x] > 1], 0]] = True
            tangled[left_b[y[np.bincount(y, minlength=len(left_b))[y] > 1], 0]] = True
            found = int((~tangled[left_a[x, 0]]).sum())
            for doc in np.flatnonzero(tangled).tolist():
                found += len(overlap_matches(self._spans(left_a, doc), self._spans(left_b, doc)))
            self.loose[a, b] += found

    def _spans(self, rows: np.ndarray, doc: int) -> set[tuple[int, int, str]]:
        first, last = np.searchsorted(rows[:, 0], [doc, doc + 1])
        return {(start, end, self.labels[label]) for _, _, start, end, label in rows[first:last].tolist()}

    def _patterns(self, rows: np.ndarray, docs: np.ndarray, coders_of: np.ndarray, shared: np.ndarray,
                  part: SpanSlice) -> None:
        """Token alpha's label patterns of this slice's documents done by two coders or more (rows:
        their spans), as label count vectors (the last column OUTSIDE) with tokens and places."""
        labels = len(self.labels)
        rank, start, end = rows[:, 0], rows[:, 2], rows[:, 3]
        stride = int(max(end.max(initial=0), start.max(initial=0))) + 1
        begin, finish = rank * stride + start, rank * stride + end  # one axis for the whole slice
        tokens = _tokens_under(begin, finish, stride, [part.texts.get(doc, "") for doc in docs.tolist()])
        edges = np.sort(np.concatenate([begin, finish]), kind="stable")  # nearly sorted already
        edges = edges[np.append(True, edges[1:] != edges[:-1])] if len(edges) else edges
        edge_rank = edges // stride
        before = np.searchsorted(tokens, edges)  # tokens starting before each edge
        counts = self._segment_counts(rows, begin, finish, edges, coders_of[edge_rank])
        tokens_in = np.append(before[1:] - before[:-1], 0)  # in the segment from each edge to the next
        segments = np.flatnonzero(np.append(edge_rank[1:] == edge_rank[:-1], False) & (tokens_in > 0))
        # tokens outside every span: beyond the covered ones (the document's count less them), and
        # (none, in practice) covered ones outside a document's first and last edge
        ranks = np.flatnonzero(shared)
        covered = np.bincount(tokens // stride, minlength=len(docs))
        totals = np.array([part.token_totals[doc] for doc in docs[ranks].tolist()], dtype=np.int64)
        beyond = np.maximum(totals - covered[ranks], 0)
        first_edge = np.searchsorted(edge_rank, ranks)
        last_edge = np.searchsorted(edge_rank, ranks, side="right") - 1
        within = np.zeros(len(ranks), dtype=np.int64)
        edged = last_edge >= first_edge
        within[edged] = covered[ranks[edged]] - (before[last_edge[edged]] - before[first_edge[edged]])
        all_outside = np.zeros((len(ranks), labels + 1), dtype=np.int64)
        all_outside[:, labels] = coders_of[ranks]
        span = len(edges) + 2  # places in a document: 0 within, 1 + edge for its segments, span - 1 beyond
        vectors = np.concatenate([all_outside, counts[segments], all_outside])
        weights = np.concatenate([within, tokens_in[segments], beyond])
        places = np.concatenate([ranks * span, edge_rank[segments] * span + 1 + segments, ranks * span + span - 1])
        keep = weights > 0
        self._keep_patterns(vectors[keep], weights[keep], places[keep])

    def _segment_counts(self, rows: np.ndarray, begin: np.ndarray, finish: np.ndarray, edges: np.ndarray,
                        coders_there: np.ndarray) -> np.ndarray:
        """For the segment from each edge to the next: how many coders gave each label there, the
        smallest (start, end, label) of a coder's spans winning as in token_patterns (rows are in
        that order for each coder), and the rest of the document's coders OUTSIDE."""
        people, labels = len(self.coder_names), len(self.labels)
        low, high = np.searchsorted(edges, begin), np.searchsorted(edges, finish)
        width = np.maximum(high - low, 0)
        span_of = np.repeat(np.arange(len(rows)), width)
        segment = low[span_of] + _counting(width)
        segment, span_of = _first_per_coder(segment, span_of, rows[:, 0], rows[:, 1], begin, finish, people)
        counts = np.bincount(segment * (labels + 1) + rows[span_of, 4],
                             minlength=len(edges) * (labels + 1)).reshape(len(edges), labels + 1)
        counts[:, labels] = coders_there - counts.sum(axis=1)
        return counts

    def _keep_patterns(self, vectors: np.ndarray, weights: np.ndarray, places: np.ndarray) -> None:
        """Add up the tokens of each distinct label count vector, and keep where it was first seen."""
        if not len(vectors):
            return
        base = len(self.coder_names) + 1  # a count is at most the number of coders
        powers = base ** np.arange(vectors.shape[1], dtype=np.int64)
        if vectors.shape[1] * np.log2(base) < 62:  # one integer per vector: a 1-d unique is far faster
            keys, which = np.unique(vectors @ powers, return_inverse=True)
            distinct = (keys[:, None] // powers) % base
        else:
            distinct, which = np.unique(vectors, axis=0, return_inverse=True)
        which = which.reshape(-1)
        totals = np.bincount(which, weights, len(distinct))
        firsts = np.full(len(distinct), np.iinfo(np.int64).max)
        np.minimum.at(firsts, which, places)
        names = [*self.labels, OUTSIDE]
        for vector, tokens, place in zip(distinct.tolist(), totals.tolist(), firsts.tolist()):
            pattern = tuple(sorted(name for name, n in zip(names, vector) for _ in range(n)))
            kept = self.patterns.setdefault(pattern, [0, (self.slices, place)])
            kept[0] += int(tokens)
            kept[1] = min(kept[1], (self.slices, place))

    def token_patterns(self) -> Counter[tuple[str, ...]]:
        """token_patterns' counts, in its order."""
        return Counter({pattern: tokens for pattern, (tokens, _) in sorted(self.patterns.items(),
                                                                          key=lambda item: item[1][1])})

    def pair_figures(self) -> dict[str, Any]:
        """entity_report's figures but token alpha: span F1 for every pair, and per label pooled."""
        names = self.coder_names
        coders = sorted(self.paired_coders, key=names.__getitem__)
        matched, reference = self.matched.sum(axis=0), self.reference.sum(axis=0)  # both conditions
        exact, relaxed = {}, {}
        pooled = np.zeros((3, matched.shape[1]), dtype=np.int64)
        for a, b in combinations(coders, 2):  # numbered in name order: a is the reference
            counts = np.array([matched[a, :, b], reference[a, :, b], reference[b, :, a]]).astype(np.int64)
            pooled += counts
            m, r, c = counts.sum(axis=1).tolist()
            pair = f"{names[a]}~{names[b]}"
            exact[pair] = F1Score(m, r, c).f1
            relaxed[pair] = F1Score(m + int(self.loose[a, b]), r, c).f1
        per_label = {self.labels[label]: {"f1_exact": F1Score(*pooled[:, label].tolist()).f1}
                     for label in sorted(self.seen_labels, key=self.labels.__getitem__)}
        return {"f1_exact": exact, "f1_relaxed": relaxed, "per_label": per_label}

    def condition_figures(self, condition: int) -> dict[str, Any]:
        """condition_report's span figures for the assisted (0) or blind (1) documents."""
        people = len(self.coder_names)
        matched, reference = self.matched[condition].sum(axis=1), self.reference[condition].sum(axis=1)
        m = r = c = 0
        for a, b in combinations(range(people), 2):
            m, r, c = m + int(matched[a, b]), r + int(reference[a, b]), c + int(reference[b, a])
        model = {a: {"f1_exact": F1Score(int(matched[people, a]), int(reference[people, a]),
                                         int(reference[a, people])).f1,
                     "documents": int(self.model_documents[condition, a])}
                 for a in self.condition_coders[condition]}
        return {"documents": int(self.condition_documents[condition]), "coder_f1_exact": F1Score(m, r, c).f1,
                "model": model}


def _rows(part: SpanSlice, docs: np.ndarray, people: int) -> np.ndarray:
    """(document's place in docs, coder, start, end, label) of the coders' spans and of the model's
    in documents someone coded (the model as coder `people`)."""
    model = part.model_spans
    place = np.searchsorted(docs, model[:, 0])
    model = model[(place < len(docs)) & (docs[np.minimum(place, len(docs) - 1)] == model[:, 0])] if len(docs) else model[:0]
    return np.concatenate([
        np.column_stack([np.searchsorted(docs, part.spans[:, 0]), part.spans[:, 1:]]),
        np.column_stack([np.searchsorted(docs, model[:, 0]), np.full(len(model), people), model[:, 1:]]),
    ]).astype(np.int64)


def _name_ranks(names: Sequence[str]) -> np.ndarray:
    ranks = np.zeros(len(names), dtype=np.int64)
    ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return ranks


def _distinct_sorted(rows: np.ndarray, label_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by (document, start, end, label by name, coder), duplicates dropped (a coder's
    spans are a set), and a number per row that is the same for the same span of other coders."""
    columns = [rows[:, 0], rows[:, 2], rows[:, 3], label_rank[rows[:, 4]], rows[:, 1]]
    bits = [int(column.max(initial=0)).bit_length() for column in columns]
    if sum(bits) <= 62:  # one integer per row: a single sort, and equal rows have equal keys
        key = np.zeros(len(rows), dtype=np.int64)
        for column, width in zip(columns, bits):
            key = (key << width) | column
        order = np.argsort(key, kind="stable")
        key = key[order]
        new = np.ones(len(rows), dtype=bool)
        new[1:] = key[1:] != key[:-1]
        span = key[new] >> bits[-1]
    else:
        order = np.lexsort(columns[::-1])
        new = np.ones(len(rows), dtype=bool)
        new[1:] = (rows[order][1:] != rows[order][:-1]).any(axis=1)
        span = None
    rows = rows[order][new]
    return rows, (_groups(rows[:, [0, 2, 3, 4]]) if span is None else _groups(span[:, None]))


def _tokens_under(begin: np.ndarray, finish: np.ndarray, stride: int, texts: list[str]) -> np.ndarray:
    """Where the tokens under the union of the spans start (spans in order of begin, on an axis of
    `stride` characters per document), each stretch of the union tokenized alone, as agreement's
    service did: stretches that touch merge."""
    if not len(begin):
        return begin
    reach = np.maximum.accumulate(finish)
    first = np.flatnonzero(np.append(True, begin[1:] > reach[:-1]))
    piece_start, piece_end = begin[first], reach[np.append(first[1:], len(begin)) - 1]
    rank = piece_start // stride
    pieces: list[str] = list(map(getitem, map(texts.__getitem__, rank.tolist()),  # (no Python loop)
                                 map(slice, (piece_start - rank * stride).tolist(),
                                     (piece_end - rank * stride).tolist())))
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)) + 1
    base = np.cumsum(lengths) - lengths  # where each piece starts in the joined text
    starts = np.array(token_starts("\n".join(pieces)), dtype=np.int64)
    piece = np.searchsorted(base, starts, side="right") - 1
    return piece_start[piece] + starts - base[piece]


def _first_per_coder(segment: np.ndarray, span_of: np.ndarray, rank: np.ndarray, coder: np.ndarray,
                     begin: np.ndarray, finish: np.ndarray, people: int) -> tuple[np.ndarray, np.ndarray]:
    """Of the (segment, span) pairs, in order of span, only the first of each coder on each segment:
    all of them unless two spans of one coder overlap, so only their documents are sorted out."""
    late = np.zeros(len(begin), dtype=bool)  # spans overlapping an earlier one of their coder
    for c in range(people):
        mine = np.flatnonzero(coder == c)
        late[mine[1:][begin[mine[1:]] < np.maximum.accumulate(finish[mine])[:-1]]] = True
    if not late.any():
        return segment, span_of
    tangled = np.isin(rank, rank[late])[span_of]
    keys = segment[tangled] * people + coder[span_of[tangled]]
    won, first = np.unique(keys, return_index=True)
    return (np.concatenate([segment[~tangled], won // people]),
            np.concatenate([span_of[~tangled], span_of[tangled][first]]))


def _counting(lengths: np.ndarray) -> np.ndarray:
    """0, 1, ..., n - 1 for each n of lengths, one run after the other (as np.repeat lays them out)."""
    runs: np.ndarray = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return runs


def _groups(rows: np.ndarray) -> np.ndarray:
    """A number per row, the same for equal consecutive rows."""
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    return np.cumsum(new) - 1
