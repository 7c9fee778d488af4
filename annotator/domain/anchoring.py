"""Do coders anchor on the model? Agreement on blind documents (coded without suggestions) set
against assisted ones: coder with coder, and each coder with the model's suggestion.

If coders agree with the model much more on assisted documents than on blind ones, while agreeing
with each other no better, they are following the suggestions rather than the codebook.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from itertools import combinations
from typing import Any

from annotator.domain.agreement import krippendorff_alpha
from annotator.domain.agreement_spans import F1Score, exact_f1

SpanTriple = tuple[int, int, str]


def condition_report(stances: Mapping[str, Mapping[int, Mapping[str, str]]],
                     spans: Mapping[int, Mapping[str, Sequence[SpanTriple]]],
                     model_stances: Mapping[int, Mapping[str, str]],
                     model_spans: Mapping[int, Sequence[SpanTriple]], documents: Collection[int]) -> dict[str, Any]:
    """The figures for one set of documents. `stances`: target -> document -> coder -> label;
    `spans`: document -> coder -> spans (every done annotation's); `model_*`: the newest suggestion
    of each document (absent: none). One pass over the units: a report over 100,000 documents."""
    docs = documents if isinstance(documents, (set, frozenset)) else set(documents)
    alpha: dict[str, float | None] = {}
    with_model: defaultdict[str, Counter[tuple[str, str]]] = defaultdict(Counter)  # coder -> (their label, the model's) -> units
    for target, by_doc in stances.items():
        units = {doc: labels for doc, labels in by_doc.items() if doc in docs}
        alpha[target] = krippendorff_alpha(units) if units else None
        for doc, labels in units.items():
            model_label = model_stances.get(doc, {}).get(target)
            if model_label is not None:
                for coder, label in labels.items():
                    with_model[coder][label, model_label] += 1
    coders = sorted({c for doc in docs for c in spans.get(doc, {})} | set(with_model))
    model: dict[str, dict[str, Any]] = {}
    for coder in coders:
        counts = with_model.get(coder, Counter())
        total = sum(counts.values())
        theirs = {doc: by_coder[coder] for doc, by_coder in spans.items() if doc in docs and coder in by_coder
                  and doc in model_spans}
        f1 = exact_f1({doc: model_spans[doc] for doc in theirs}, theirs) if theirs else None
        model[coder] = {"stance_agreement": sum(n for (a, b), n in counts.items() if a == b) / total if total else None,
                        "stance_kappa": kappa(counts), "f1_exact": f1.f1 if f1 else None, "documents": len(theirs)}
    return {"documents": len(docs), "coder_alpha": alpha, "coder_f1_exact": _coder_f1(spans, docs, coders),
            "model": model}


def kappa(pairs: Mapping[tuple[str, str], int]) -> float | None:
    """Cohen's kappa from counts of (one rater's label, the other's) pairs; None when undefined
    (no pairs, or both raters always gave one and the same label)."""
    total = sum(pairs.values())
    if not total:
        return None
    observed = sum(n for (a, b), n in pairs.items() if a == b) / total
    first: Counter[str] = Counter()
    second: Counter[str] = Counter()
    for (a, b), n in pairs.items():
        first[a] += n
        second[b] += n
    expected = sum(first[label] * second[label] for label in first) / total ** 2
    return None if expected == 1 else (observed - expected) / (1 - expected)


def _coder_f1(spans: Mapping[int, Mapping[str, Sequence[SpanTriple]]], docs: Collection[int], coders: list[str]) -> float | None:
    """Exact span F1 pooled over every pair of coders on the documents both did."""
    matched = reference = candidate = 0
    for a, b in combinations(coders, 2):
        shared = [doc for doc in docs if a in spans.get(doc, {}) and b in spans.get(doc, {})]
        if shared:
            score = exact_f1({d: spans[d][a] for d in shared}, {d: spans[d][b] for d in shared})
            matched, reference, candidate = (matched + score.matched, reference + score.reference,
                                             candidate + score.candidate)
    return F1Score(matched, reference, candidate).f1 if reference or candidate else None
