"""Do coders anchor on the model? Agreement on blind documents (coded without suggestions) set
against assisted ones: coder with coder, and each coder with the model's suggestion.

If coders agree with the model much more on assisted documents than on blind ones, while agreeing
with each other no better, they are following the suggestions rather than the codebook.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import combinations

from annotator.domain.agreement import Units, cohen_kappa, krippendorff_alpha
from annotator.domain.agreement_spans import F1Score, span_f1

MODEL = "\x00model"  # the suggestion as one more coder: a name no coder can have
SpanTriple = tuple[int, int, str]


def condition_report(stances: Mapping[str, Mapping[int, Mapping[str, str]]],
                     spans: Mapping[int, Mapping[str, Sequence[SpanTriple]]],
                     model_stances: Mapping[int, Mapping[str, str]],
                     model_spans: Mapping[int, Sequence[SpanTriple]], documents: Collection[int]) -> dict:
    """The figures for one set of documents. `stances`: target -> document -> coder -> label;
    `spans`: document -> coder -> spans (every done annotation's); `model_*`: the newest suggestion
    of each document (absent: none)."""
    docs = set(documents)
    coders = sorted({c for doc in docs for c in spans.get(doc, {})})
    pooled: dict[tuple[str, int], dict[str, str]] = {}  # (target, document) -> coder -> label, model included
    alpha = {}
    for target, by_doc in stances.items():
        units = {doc: dict(labels) for doc, labels in by_doc.items() if doc in docs}
        alpha[target] = krippendorff_alpha(units) if units else None
        for doc, labels in units.items():
            unit = dict(labels)
            if target in model_stances.get(doc, {}):
                unit[MODEL] = model_stances[doc][target]
            pooled[(target, doc)] = unit
    model: dict[str, dict] = {}
    for coder in coders:
        both = [u for u in pooled.values() if coder in u and MODEL in u]
        agree = sum(u[coder] == u[MODEL] for u in both)
        theirs = {doc: by_coder[coder] for doc, by_coder in spans.items() if doc in docs and coder in by_coder
                  and doc in model_spans}
        f1 = span_f1({doc: model_spans[doc] for doc in theirs}, theirs) if theirs else None
        model[coder] = {"stance_agreement": agree / len(both) if both else None,
                        "stance_kappa": cohen_kappa(_units(pooled), coder, MODEL) if both else None,
                        "f1_exact": f1.f1 if f1 else None, "documents": len(theirs)}
    return {"documents": len(docs), "coder_alpha": alpha, "coder_f1_exact": _coder_f1(spans, docs, coders),
            "model": model}


def _units(pooled: Mapping[tuple[str, int], Mapping[str, str]]) -> Units:
    return {f"{target}\x1f{doc}": labels for (target, doc), labels in pooled.items()}


def _coder_f1(spans, docs: set[int], coders: list[str]) -> float | None:
    """Exact span F1 pooled over every pair of coders on the documents both did."""
    matched = reference = candidate = 0
    for a, b in combinations(coders, 2):
        shared = [doc for doc in docs if a in spans.get(doc, {}) and b in spans.get(doc, {})]
        if shared:
            score = span_f1({d: spans[d][a] for d in shared}, {d: spans[d][b] for d in shared})
            matched, reference, candidate = (matched + score.matched, reference + score.reference,
                                             candidate + score.candidate)
    return F1Score(matched, reference, candidate).f1 if reference or candidate else None
