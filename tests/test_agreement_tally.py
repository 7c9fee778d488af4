"""EntityTally (agreement's entity figures from columns of integers) against the mappings' functions
it stands in for, on crafted documents: spans on word boundaries, so that the tokens under a union of
spans are the text's own tokens there, and the branches a project of few labels never takes."""

from __future__ import annotations

import random

import numpy as np
import pytest

from annotator.domain.agreement import entity_report
from annotator.domain.agreement_spans import token_patterns
from annotator.domain.agreement_tally import EntityTally, SpanSlice, _distinct_sorted
from annotator.domain.tokens import token_spans

CODERS = ("ann", "ben", "cat", "dan")


def documents(seed: int, labels: list[str], count: int = 40):
    """(texts, coded, spans by document and coder) with words of 1-6 letters; some documents one
    coder did, some nobody, some with a coder who marked nothing."""
    rng = random.Random(seed)
    texts, coded, spans = {}, [], {}
    for doc in range(1, count + 1):
        words = ["".join(rng.choice("abcxyz") for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 15))]
        texts[doc] = " ".join(words)
        tokens = token_spans(texts[doc])
        for coder in range(len(CODERS)):
            if rng.random() < 0.3:
                continue
            coded.append((doc, coder))
            for _ in range(rng.randint(0, 4)):
                first = rng.randrange(len(tokens))
                last = min(len(tokens) - 1, first + rng.randint(0, 2))
                spans.setdefault(doc, {}).setdefault(coder, []).append(
                    (tokens[first][0], tokens[last][1], rng.randrange(len(labels))))
    return texts, coded, spans


def tally_of(texts, coded, spans, labels: list[str], slices: int) -> EntityTally:
    tally = EntityTally(CODERS, list(labels))
    cut = np.array_split(np.arange(1, len(texts) + 1), slices)
    for docs in cut:
        part_coded = np.array([(d, c) for d, c in coded if d in docs], dtype=np.int64).reshape(-1, 2)
        part_spans = np.array([(d, c, *s) for d in docs for c, found in spans.get(d, {}).items() for s in found],
                              dtype=np.int64).reshape(-1, 5)
        shared = {int(d) for d in docs if sum(1 for x, _ in coded if x == d) >= 2}
        tally.add(SpanSlice(part_coded, part_spans, np.zeros(0, np.int64), np.zeros((0, 4), np.int64),
                            np.zeros(0, np.int64), {d: texts[d] for d in shared},
                            {d: len(token_spans(texts[d])) for d in shared}))
    return tally


def mappings(texts, coded, spans, labels: list[str]):
    """The mappings entity_report and token_patterns take, with tokens under spans and the rest counted."""
    docs_spans, under, outside = {}, {}, {}
    for doc in sorted(texts):
        coders = [c for d, c in coded if d == doc]
        if len(coders) < 2:
            continue
        docs_spans[doc] = {CODERS[c]: [(s, e, labels[x]) for s, e, x in spans.get(doc, {}).get(c, [])] for c in coders}
        tokens = token_spans(texts[doc])
        under[doc] = [t for t in tokens if any(s <= t[0] < e for found in docs_spans[doc].values() for s, e, _ in found)]
        outside[doc] = len(tokens) - len(under[doc])
    return docs_spans, under, outside


@pytest.mark.parametrize(("seed", "labels", "slices"), [(1, 3, 1), (2, 3, 3), (3, 40, 2)])
def test_the_tally_counts_what_the_mappings_count(seed, labels, slices):
    names = [f"L{i:02d}" for i in range(labels)]  # 40 labels: count vectors too wide for one integer
    texts, coded, spans = documents(seed, names)
    docs_spans, under, outside = mappings(texts, coded, spans, names)
    tally = tally_of(texts, coded, spans, names, slices)
    expected = token_patterns(under, docs_spans, outside)
    assert list(tally.token_patterns().items()) == list(expected.items())  # in the same order
    report = entity_report(docs_spans, under, outside)
    del report["token_alpha"]
    assert tally.pair_figures() == report


def test_spans_far_into_a_long_text_sort_as_near_ones():
    """Offsets past what packs into one integer per row take the general sort, to the same rows."""
    rng = np.random.default_rng(5)
    near = np.column_stack([rng.integers(0, 20, 500), rng.integers(0, 4, 500), rng.integers(0, 50, 500),
                            rng.integers(50, 90, 500), rng.integers(0, 3, 500)])
    near = np.concatenate([near, near[:50]])  # a coder's span stored twice counts once
    far = near + np.array([0, 0, 2**40, 2**40, 0])
    ranks = np.array([2, 0, 1])
    (near_rows, near_groups), (far_rows, far_groups) = _distinct_sorted(near, ranks), _distinct_sorted(far, ranks)
    assert len(near_rows) == len(np.unique(near, axis=0)) < 550
    assert len(np.unique(near_groups)) == len(np.unique(near[:, [0, 2, 3, 4]], axis=0))  # one per span
    assert (far_rows - np.array([0, 0, 2**40, 2**40, 0]) == near_rows).all() and (far_groups == near_groups).all()
