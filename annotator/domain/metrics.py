"""Held-out scores of a trained model against gold: stance as classification (accuracy, per-label
F1, macro F1 and SemEval-2016 Task 6's F_avg), entities as exact spans (precision, recall, F1 per
label and over all)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int  # gold items of this label

    @classmethod
    def of(cls, true_positive: int, predicted: int, gold: int) -> Scores:
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, gold)


@dataclass(frozen=True)
class StanceScores:
    items: int
    accuracy: float
    macro_f1: float  # mean F1 over the labels gold or predictions use
    f_avg: float | None  # mean F1 of the favour and against labels (None: the codebook has no such pair)
    labels: dict[str, Scores]


def stance_scores(gold: Sequence[str], predicted: Sequence[str | None], labels: Iterable[str] = (),
                  favor: str | None = "FAVOR", against: str | None = "AGAINST") -> StanceScores:
    """`predicted[i]` is the model's label for the item whose gold label is `gold[i]` (None: no
    prediction, counted as wrong). Labels neither side uses count in the macro F1 only if given."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    hits = Counter(g for g, p in zip(gold, predicted) if g == p)
    gold_n, predicted_n = Counter(gold), Counter(p for p in predicted if p is not None)
    names = sorted(set(labels) | set(gold_n) | set(predicted_n))
    per = {label: Scores.of(hits[label], predicted_n[label], gold_n[label]) for label in names}
    macro = sum(s.f1 for s in per.values()) / len(per) if per else 0.0
    f_avg = None
    if favor in per and against in per:
        f_avg = (per[favor].f1 + per[against].f1) / 2
    accuracy = sum(hits.values()) / len(gold) if gold else 0.0
    return StanceScores(len(gold), accuracy, macro, f_avg, per)


def span_scores(gold: Iterable[tuple[Any, ...]], predicted: Iterable[tuple[Any, ...]]) -> dict[str, Scores]:
    """Exact-match scores per label of (document, start, end, label) items, and over all under "all"."""
    gold_set, predicted_set = set(gold), set(predicted)
    hits = gold_set & predicted_set
    per_label: dict[str, Scores] = {}
    for label in sorted({item[-1] for item in gold_set | predicted_set}):
        per_label[label] = Scores.of(sum(1 for i in hits if i[-1] == label),
                                     sum(1 for i in predicted_set if i[-1] == label),
                                     sum(1 for i in gold_set if i[-1] == label))
    per_label["all"] = Scores.of(len(hits), len(predicted_set), len(gold_set))
    return per_label
