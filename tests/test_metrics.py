"""Held-out scores checked against scikit-learn and SemEval-2016 Task 6's definition of F_avg."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from annotator.domain.metrics import span_scores, stance_scores

LABELS = ["AGAINST", "FAVOR", "NONE"]


@pytest.mark.parametrize("seed", range(5))
def test_stance_scores_match_scikit_learn(seed):
    rng = random.Random(seed)
    gold = [rng.choice(LABELS) for _ in range(200)]
    predicted = [g if rng.random() < 0.6 else rng.choice(LABELS) for g in gold]
    got = stance_scores(gold, predicted, LABELS)
    assert got.accuracy == pytest.approx(accuracy_score(gold, predicted))
    assert got.macro_f1 == pytest.approx(f1_score(gold, predicted, labels=LABELS, average="macro"))
    # SemEval-2016 Task 6: F_avg is the mean of the F1 of FAVOR and of AGAINST, NONE left out
    assert got.f_avg == pytest.approx(f1_score(gold, predicted, labels=["FAVOR", "AGAINST"], average="macro"))
    p, r, f, support = precision_recall_fscore_support(gold, predicted, labels=LABELS, zero_division=0)
    for i, label in enumerate(LABELS):
        assert (got.labels[label].precision, got.labels[label].recall, got.labels[label].f1) == \
            pytest.approx((p[i], r[i], f[i]))
        assert got.labels[label].support == support[i]


def test_a_missing_prediction_is_wrong_and_a_label_nobody_uses_still_counts_in_macro_f1():
    got = stance_scores(["FAVOR", "AGAINST"], ["FAVOR", None], LABELS)
    assert got.accuracy == 0.5
    assert got.labels["NONE"].f1 == 0.0 and got.macro_f1 == pytest.approx((1.0 + 0.0 + 0.0) / 3)
    assert stance_scores(["A"], ["A"], favor=None, against=None).f_avg is None


def test_span_scores_are_exact_match_per_label_and_over_all():
    gold = {("d", 0, 5, "PERSON"), ("d", 10, 15, "GPE"), ("e", 0, 4, "GPE")}
    found = {("d", 0, 5, "PERSON"), ("d", 10, 14, "GPE"), ("e", 0, 4, "ORG")}
    got = span_scores(gold, found)
    assert (got["PERSON"].precision, got["PERSON"].recall) == (1.0, 1.0)
    assert (got["GPE"].precision, got["GPE"].recall, got["GPE"].support) == (0.0, 0.0, 2)
    assert got["all"].precision == pytest.approx(1 / 3) and got["all"].recall == pytest.approx(1 / 3)
