"""Intercoder reliability: published worked examples, reference libraries on random data with missing
values, undefined cases (None, never nan, never an exception), span F1, token alpha, the bootstrap."""

from __future__ import annotations

import json
import math
import random
import time

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from annotator.domain import agreement
from annotator.domain.agreement import (
    alpha_interval,
    cohen_kappa,
    entity_report,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    report,
    span_f1,
    stance_report,
    token_alpha,
)
from annotator.domain.agreement_spans import pair_span_scores, token_patterns

_ = None  # a missing value in the tables below


def units_from_rows(rows: dict[str, list]) -> dict[str, dict[str, str]]:
    """{coder: [label or None per unit]} -> {unit: {coder: label}} (labels as strings)."""
    units: dict[str, dict[str, str]] = {}
    for coder, labels in rows.items():
        for i, label in enumerate(labels):
            units.setdefault(f"u{i}", {})
            if label is not None:
                units[f"u{i}"][coder] = str(label)
    return units


def reliability_matrix(units, coders=None) -> np.ndarray:
    """Coders x units, category indices as floats, nan where missing: krippendorff's other input."""
    coders = coders or sorted({c for labels in units.values() for c in labels})
    categories = sorted({label for labels in units.values() for label in labels.values()})
    return np.array([[categories.index(units[u][c]) if c in units[u] else np.nan for u in units]
                     for c in coders])


def random_units(seed: int, n: int = 60, coders: int = 4, categories: int = 3, missing: float = 0.25,
                 agree: float = 0.6):
    rng = random.Random(seed)
    labels = [f"L{k}" for k in range(categories)]
    names = [f"coder{k}" for k in range(coders)]
    units = {}
    for i in range(n):
        truth = rng.choice(labels)
        units[f"u{i}"] = {c: truth if rng.random() < agree else rng.choice(labels)
                          for c in names if rng.random() >= missing}
    return units


# --- published worked examples -------------------------------------------------------------------

# Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), C: nominal data, any number of
# observers, missing data; 4 observers x 12 units; alpha = 0.743.
KRIPPENDORFF_C = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    "C": [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
}
# The same paper, A: binary data, two observers, no missing data; 10 units; alpha = 0.095.
KRIPPENDORFF_A = {
    "A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
}
# Wikipedia, "Fleiss' kappa", worked example: 14 raters, 10 subjects, 5 categories; each row gives
# how many raters put the subject in categories 1..5; kappa = 0.210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def test_krippendorff_2011_nominal_example_with_missing_data():
    units = units_from_rows(KRIPPENDORFF_C)
    assert round(krippendorff_alpha(units), 3) == 0.743
    assert stance_report({"t": units})["t"]["units"] == 11  # unit 12 has one value: not pairable


def test_krippendorff_2011_binary_two_coder_example():
    assert round(krippendorff_alpha(units_from_rows(KRIPPENDORFF_A)), 3) == 0.095


def test_fleiss_1971_example_from_wikipedia():
    # Raters are interchangeable in Fleiss' kappa: rater r of a subject takes the r-th rating of its row.
    units = {}
    for subject, row in enumerate(FLEISS_TABLE):
        ratings = [str(category) for category, count in enumerate(row, start=1) for _ in range(count)]
        units[f"s{subject}"] = {f"r{r:02}": label for r, label in enumerate(ratings)}
    assert round(fleiss_kappa(units), 3) == 0.210


def test_cohen_example_from_wikipedia():
    # Wikipedia, "Cohen's kappa", simple example: 50 proposals, yes/yes 20, yes/no 5, no/yes 10,
    # no/no 15; p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    units = {f"p{i}": {"A": a, "B": b} for i, (a, b) in enumerate(pairs)}
    assert cohen_kappa(units, "A", "B") == pytest.approx(0.4, abs=1e-12)


# --- reference libraries on random data with missing values --------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_alpha_matches_the_krippendorff_package_on_reliability_data(seed):
    units = random_units(seed, categories=3 + seed % 2)
    expected = krippendorff.alpha(reliability_data=reliability_matrix(units), level_of_measurement="nominal")
    assert krippendorff_alpha(units) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_cohen_matches_sklearn_for_every_pair(seed):
    units = random_units(seed)
    coders = sorted({c for labels in units.values() for c in labels})
    for i, a in enumerate(coders):
        for b in coders[i + 1:]:
            shared = [u for u in units.values() if a in u and b in u]
            expected = cohen_kappa_score([u[a] for u in shared], [u[b] for u in shared])
            assert cohen_kappa(units, a, b) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_fleiss_matches_statsmodels_on_the_units_every_coder_coded(seed):
    units = random_units(seed, missing=0.15)
    for coders in (None, ["coder0", "coder2", "coder3"]):
        chosen = coders or ["coder0", "coder1", "coder2", "coder3"]
        complete = [u for u in units.values() if all(c in u for c in chosen)]
        table, _ = aggregate_raters(np.array([[u[c] for c in chosen] for u in complete]))
        expected = statsmodels_fleiss(table, method="fleiss")
        assert fleiss_kappa(units, coders) == pytest.approx(expected, abs=1e-9)


# --- undefined and edge cases --------------------------------------------------------------------

def test_a_single_category_everywhere_leaves_chance_corrected_coefficients_undefined():
    units = {f"u{i}": {"a": "NONE", "b": "NONE", "c": "NONE"} for i in range(5)}
    assert krippendorff_alpha(units) is None
    assert alpha_interval(units) is None
    assert fleiss_kappa(units) is None
    assert cohen_kappa(units, "a", "b") is None
    assert percent_agreement(units) == 1.0


def test_perfect_agreement_over_several_categories_is_one():
    units = {f"u{i}": {"a": label, "b": label, "c": label} for i, label in enumerate(["X", "Y", "Z"] * 4)}
    assert krippendorff_alpha(units) == 1.0
    assert alpha_interval(units) == (1.0, 1.0)
    assert fleiss_kappa(units) == 1.0
    assert cohen_kappa(units, "a", "c") == 1.0
    assert percent_agreement(units) == 1.0


def test_a_category_seen_only_in_unpairable_units_does_not_make_alpha_defined():
    units = {"u1": {"a": "X", "b": "X"}, "u2": {"a": "X", "b": "X"}, "u3": {"a": "Y"}}
    assert krippendorff_alpha(units) is None  # the package itself would give nan here


def test_units_with_one_coder_drop_out_of_alpha():
    units = units_from_rows(KRIPPENDORFF_C)
    with_singles = {**units, "extra1": {"A": "9"}, "extra2": {"D": "1"}}
    assert krippendorff_alpha(with_singles) == pytest.approx(krippendorff_alpha(units), abs=1e-12)


def test_a_single_coder_gives_none_everywhere():
    units = {f"u{i}": {"alice": label} for i, label in enumerate("XYXYZ")}
    assert krippendorff_alpha(units) is None
    assert alpha_interval(units) is None
    assert fleiss_kappa(units) is None
    assert percent_agreement(units) is None
    assert cohen_kappa(units, "alice", "bob") is None
    assert stance_report({"t": units}) == {"t": {
        "alpha": None, "alpha_ci95": None, "fleiss_kappa": None, "percent_agreement": None,
        "cohen_kappa": {}, "units": 0, "coders": 1}}


def test_no_units_at_all():
    assert krippendorff_alpha({}) is None
    assert alpha_interval({}) is None
    assert fleiss_kappa({}) is None
    assert percent_agreement({}) is None
    assert cohen_kappa({}, "a", "b") is None


def test_a_pair_with_no_shared_units_has_no_cohen_kappa():
    units = {"u1": {"a": "X", "b": "X"}, "u2": {"a": "Y", "b": "Y"}, "u3": {"b": "X", "c": "Y"},
             "u4": {"b": "Y", "c": "Y"}}
    assert cohen_kappa(units, "a", "c") is None
    assert cohen_kappa(units, "a", "b") == 1.0
    assert fleiss_kappa(units) is None  # no unit was coded by all three
    assert stance_report({"t": units})["t"]["cohen_kappa"] == {"a~b": 1.0, "a~c": None, "b~c": 0.0}


def test_percent_agreement_pools_pairs_over_units():
    # u1: 3 pairs, 1 agrees; u2: 1 pair, agrees; u3: one coder, no pair. Pooled 2/4, not (1/3 + 1)/2.
    units = {"u1": {"a": "X", "b": "X", "c": "Y"}, "u2": {"a": "X", "b": "X"}, "u3": {"a": "Y"}}
    assert percent_agreement(units) == 0.5


# --- span F1 -------------------------------------------------------------------------------------

def test_span_f1_exact_and_relaxed():
    a = {"d1": [(0, 5, "PER"), (10, 20, "ORG"), (30, 35, "GPE")]}
    b = {"d1": [(0, 5, "PER"), (12, 20, "ORG"), (30, 35, "LOC")]}  # one exact, one overlap, one relabelled
    exact, relaxed = span_f1(a, b), span_f1(a, b, relaxed=True)
    assert (exact.matched, exact.reference, exact.candidate) == (1, 3, 3)
    assert exact.precision == exact.recall == exact.f1 == pytest.approx(1 / 3)
    assert relaxed.matched == 2 and relaxed.f1 == pytest.approx(2 / 3)
    assert exact.per_label["ORG"].f1 == 0.0 and relaxed.per_label["ORG"].f1 == 1.0
    assert exact.per_label["GPE"].recall == 0.0 and exact.per_label["GPE"].precision is None
    assert exact.per_label["LOC"].precision == 0.0 and exact.per_label["LOC"].recall is None


def test_relaxed_matching_is_one_to_one_exact_pairs_first():
    one_to_two = span_f1({"d": [(0, 10, "X")]}, {"d": [(0, 4, "X"), (5, 10, "X")]}, relaxed=True)
    assert (one_to_two.matched, one_to_two.precision, one_to_two.recall) == (1, 0.5, 1.0)
    two_to_one = span_f1({"d": [(0, 4, "X"), (5, 10, "X")]}, {"d": [(0, 10, "X")]}, relaxed=True)
    assert (two_to_one.matched, two_to_one.precision, two_to_one.recall) == (1, 1.0, 0.5)
    # Text order alone would pair (0, 10) with (5, 7) and leave a's (5, 7) without a partner.
    exact_first = span_f1({"d": [(0, 10, "X"), (5, 7, "X")]}, {"d": [(5, 7, "X"), (8, 12, "X")]}, relaxed=True)
    assert exact_first.matched == 2


def test_span_f1_when_one_or_both_coders_marked_nothing():
    one_empty = span_f1({"d": [(0, 3, "X"), (5, 9, "Y")]}, {"d": []})
    assert (one_empty.precision, one_empty.recall, one_empty.f1) == (None, 0.0, 0.0)
    both_empty = span_f1({"d": []}, {"d": []}, relaxed=True)
    assert (both_empty.precision, both_empty.recall, both_empty.f1) == (None, None, None)


def test_span_f1_counts_only_documents_both_coded_and_duplicates_once():
    score = span_f1({"d1": [(0, 3, "X"), (0, 3, "X")], "d2": [(4, 6, "X")]}, {"d1": [(0, 3, "X")]})
    assert (score.matched, score.reference, score.candidate, score.f1) == (1, 1, 1, 1.0)


def brute_force_matches(a, b) -> tuple[int, int]:
    """(exact, relaxed) matches of one document, spelled out: exact pairs, then greedy in text order."""
    a, b = sorted(set(a)), sorted(set(b))
    exact = [s for s in a if s in b]
    free = [o for o in b if o not in exact]
    relaxed = len(exact)
    for s in (s for s in a if s not in exact):
        partner = next((o for o in free if o[2] == s[2] and o[0] < s[1] and s[0] < o[1]), None)
        if partner:
            free.remove(partner)
            relaxed += 1
    return len(exact), relaxed


@pytest.mark.parametrize("seed", range(5))
def test_pairwise_span_scores_match_a_spelled_out_matching_on_random_documents(seed):
    rng = random.Random(seed)
    docs = {}
    for d in range(60):
        truth = [(start, start + rng.randint(1, 8), rng.choice("XY")) for start in rng.sample(range(40), 3)]
        docs[f"d{d}"] = {}
        for coder in rng.sample(["alice", "bob", "carol"], rng.randint(1, 3)):
            spans = []
            for start, end, label in truth:  # kept, moved, relabelled, dropped, or kept plus a stray one
                roll = rng.random()
                if roll < 0.5:
                    spans.append((start, end, label))
                elif roll < 0.65:
                    spans.append((start + rng.choice((-3, 1, 9)), end + rng.randint(-1, 2), label))
                elif roll < 0.8:
                    spans.append((start, end, "Y" if label == "X" else "X"))
                elif roll < 0.9:
                    spans += [(start, end, label), (rng.randrange(40), 45, rng.choice("XY"))]
            docs[f"d{d}"][coder] = spans
    scores = pair_span_scores(docs)
    assert set(scores) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    for (a, b), (exact, relaxed) in scores.items():
        shared = [by for by in docs.values() if a in by and b in by]
        counts = [brute_force_matches(by[a], by[b]) for by in shared]
        assert exact.matched == sum(e for e, _ in counts) and relaxed.matched == sum(r for _, r in counts)
        assert exact.reference == relaxed.reference == sum(len(set(by[a])) for by in shared)
        assert exact.candidate == sum(len(set(by[b])) for by in shared)
        spans_a, spans_b = ({doc: by[c] for doc, by in docs.items() if a in by and b in by} for c in (a, b))
        assert span_f1(spans_a, spans_b) == exact and span_f1(spans_a, spans_b, relaxed=True) == relaxed


# --- token alpha ---------------------------------------------------------------------------------

def doc_tokens(words: int, width: int = 4) -> list[tuple[int, int]]:
    return [(i * (width + 1), i * (width + 1) + width) for i in range(words)]  # "wwww wwww ..."


def test_token_alpha_on_a_crafted_document_matches_the_explicit_per_token_matrix():
    tokens = doc_tokens(10)  # token k spans [5k, 5k + 4)
    spans = {"d": {
        "alice": [(0, 9, "PER"), (25, 34, "ORG")],  # tokens 0-1 PER, 5-6 ORG
        "bob": [(0, 4, "PER"), (25, 39, "ORG")],  # token 0 PER, 5-7 ORG
        "carol": [(0, 9, "GPE"), (40, 49, "ORG"), (27, 29, "PER")],  # 0-1 GPE, 8-9 ORG; (27, 29) starts mid-token: no token
    }}
    # Token:       0      1      2    3    4    5      6      7      8      9
    explicit = [["PER", "PER", "O", "O", "O", "ORG", "ORG", "O", "O", "O"],
                ["PER", "O", "O", "O", "O", "ORG", "ORG", "ORG", "O", "O"],
                ["GPE", "GPE", "O", "O", "O", "O", "O", "O", "ORG", "ORG"]]
    expected = krippendorff.alpha(reliability_data=explicit, level_of_measurement="nominal")
    assert token_alpha({"d": tokens}, spans) == pytest.approx(expected, abs=1e-12)


def brute_force_token_matrix(docs_tokens, docs_spans, coders):
    """Label every token one by one: the smallest (start, end, label) span containing its first character."""
    columns = []
    for doc, by_coder in docs_spans.items():
        if len(by_coder) < 2:
            continue
        for start, _ in docs_tokens[doc]:
            column = []
            for coder in coders:
                if coder not in by_coder:
                    column.append(np.nan)
                    continue
                covering = [s for s in by_coder[coder] if s[0] <= start < s[1]]
                column.append(min(covering)[2] if covering else "O")
            columns.append(column)
    return columns


@pytest.mark.parametrize("seed", range(5))
def test_token_alpha_matches_per_token_labelling_on_random_documents(seed):
    rng = random.Random(seed)
    coders = ["alice", "bob", "carol"]
    docs_tokens, docs_spans = {}, {}
    for d in range(30):
        tokens = doc_tokens(rng.randint(5, 25), width=rng.randint(1, 6))
        docs_tokens[f"d{d}"] = tokens
        docs_spans[f"d{d}"] = {}
        for coder in rng.sample(coders, rng.randint(1, 3)):  # some documents have one coder only
            spans = []
            for _ in range(rng.randint(0, 4)):  # overlaps within a coder happen too
                first = rng.randrange(len(tokens))
                last = min(len(tokens) - 1, first + rng.randint(0, 3))
                spans.append((tokens[first][0] + rng.choice((0, 0, 1)), tokens[last][1], rng.choice("XYZ")))
            docs_spans[f"d{d}"][coder] = spans
    columns = brute_force_token_matrix(docs_tokens, docs_spans, coders)
    # Labels to numbers: krippendorff reads a nan inside a string matrix as the string "nan".
    names = {"O": 0, "X": 1, "Y": 2, "Z": 3}
    matrix = np.array([[names.get(v, np.nan) for v in column] for column in columns], dtype=float).T
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert token_alpha(docs_tokens, docs_spans) == pytest.approx(expected, abs=1e-9)
    assert sum(token_patterns(docs_tokens, docs_spans).values()) == len(columns)


def test_token_alpha_ignores_documents_with_one_coder_or_no_tokens_and_all_outside_is_undefined():
    tokens = doc_tokens(6)
    assert token_alpha({"d": tokens}, {"d": {"alice": [], "bob": []}}) is None  # only "O"
    assert token_alpha({"d": tokens}, {"d": {"alice": [(0, 4, "X")]}}) is None  # one coder
    assert token_alpha({}, {"d": {"alice": [(0, 4, "X")], "bob": []}}) is None  # no tokens
    spans = {"d": {"alice": [(0, 4, "X")], "bob": [(0, 4, "X")]},
             "e": {"alice": [(0, 4, "Y")]}}  # e would disagree, were it counted
    assert token_alpha({"d": tokens, "e": tokens}, spans) == 1.0


# --- the report ----------------------------------------------------------------------------------

def test_report_shape_names_and_pooled_per_label_f1():
    units = {"u1": {"bob": "FAVOR", "alice": "FAVOR"}, "u2": {"bob": "AGAINST", "alice": "FAVOR"},
             "u3": {"alice": "NONE", "bob": "NONE", "carol": "NONE"}, "u4": {"carol": "AGAINST"}}
    tokens = {"d1": doc_tokens(8), "d2": doc_tokens(8)}
    spans = {
        "d1": {"bob": [(0, 4, "PER"), (10, 14, "ORG"), (20, 24, "PER")],
               "alice": [(0, 4, "PER"), (10, 19, "ORG"), (20, 24, "PER")]},
        "d2": {"carol": [(0, 4, "PER"), (30, 34, "PER")], "alice": [(0, 4, "PER")], "bob": [(5, 9, "PER"), (10, 14, "PER")]},
    }
    out = report({"climate": units}, spans, tokens, draws=200)
    json.dumps(out)  # plain Python values only
    stance = out["stance"]["climate"]
    assert set(stance) == {"alpha", "alpha_ci95", "fleiss_kappa", "percent_agreement", "cohen_kappa", "units",
                           "coders"}
    assert stance["alpha"] == pytest.approx(krippendorff_alpha(units))
    assert stance["alpha_ci95"] == list(alpha_interval(units, draws=200))  # a JSON array: [low, high]
    assert stance["units"] == 3 and stance["coders"] == 3
    assert set(stance["cohen_kappa"]) == {"alice~bob", "alice~carol", "bob~carol"}
    assert stance["cohen_kappa"]["alice~carol"] is None  # one shared unit, one category
    assert stance["fleiss_kappa"] is None  # u3, the only unit all three coded, is all NONE
    entities = out["entities"]
    assert set(entities) == {"f1_exact", "f1_relaxed", "per_label", "token_alpha"}
    # alice~bob: 4 + 5 spans over d1 and d2, 2 the same, 3 overlapping; carol coded d2 only.
    assert entities["f1_exact"] == {"alice~bob": 4 / 9, "alice~carol": 2 / 3, "bob~carol": 0.0}
    assert entities["f1_relaxed"] == {"alice~bob": 6 / 9, "alice~carol": 2 / 3, "bob~carol": 0.0}
    # PER pooled over pairs (first name the reference): matched 2 (a~b) + 1 (a~c) + 0 (b~c) = 3, of
    # 3 + 1 + 2 = 6 reference and 4 + 2 + 2 = 8 candidate spans: 2 * 3 / 14 = 3/7, where the mean of
    # the pairs' F1 would be (4/7 + 2/3 + 0) / 3 = 0.41.
    assert entities["per_label"] == {"ORG": {"f1_exact": 0.0}, "PER": {"f1_exact": 3 / 7}}
    assert list(entities["per_label"]) == ["ORG", "PER"]
    assert entities["token_alpha"] == pytest.approx(token_alpha(tokens, spans))


def test_entity_report_without_coders_or_spans():
    assert entity_report({}, {}) == {"f1_exact": {}, "f1_relaxed": {}, "per_label": {}, "token_alpha": None}


# --- the bootstrap interval ----------------------------------------------------------------------

def test_the_interval_contains_the_estimate_and_is_reproducible():
    units = random_units(1, n=500, coders=3, missing=0.1, agree=0.8)
    low, high = alpha_interval(units, seed=3)
    assert low < krippendorff_alpha(units) < high
    assert alpha_interval(units, seed=3) == (low, high)
    assert alpha_interval(units, seed=4) != (low, high)
    inner_low, inner_high = alpha_interval(units, seed=3, level=0.5)
    assert low < inner_low < inner_high < high


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
       st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_quantiles_are_numpys_to_the_last_bit(values, levels):
    # the interval's own quantiles (np.quantile loads numpy.ma): numpy's default method exactly
    data = np.array(values)
    assert agreement.quantiles(data, levels) == np.quantile(data, levels).tolist()
    assert agreement.quantiles(data, (0.025, 0.975)) == np.quantile(data, [0.025, 0.975]).tolist()


def test_draws_where_alpha_is_undefined_are_left_out():
    # Half the resamples hold one unit twice: a single category, alpha undefined; the others give 1.
    units = {"u1": {"a": "X", "b": "X"}, "u2": {"a": "Y", "b": "Y"}}
    assert alpha_interval(units, draws=200) == (1.0, 1.0)


def test_the_interval_narrows_with_more_units():
    small = alpha_interval(random_units(2, n=200, coders=3, agree=0.8))
    large = alpha_interval(random_units(2, n=20_000, coders=3, agree=0.8))
    assert (large[1] - large[0]) < (small[1] - small[0]) / 5  # about sqrt(100) = 10 times narrower


def test_each_bootstrap_draw_is_alpha_of_the_units_drawn():
    """The vectorised per-draw alpha equals the package's alpha on the resampled units, spelled out."""
    units = random_units(5, n=80, coders=4, categories=4)
    counts = agreement._pairable(agreement._codes(units).values)
    patterns, frequency = agreement._patterns(counts)
    assert agreement._pattern_alphas(patterns, frequency[None])[0] == pytest.approx(krippendorff_alpha(units))
    rng = np.random.default_rng(0)
    weights = rng.multinomial(len(counts), frequency / len(counts), size=5)
    for draw, alpha in zip(weights, agreement._pattern_alphas(patterns, weights)):
        resampled = np.repeat(patterns, draw, axis=0)
        assert alpha == pytest.approx(krippendorff.alpha(value_counts=resampled, level_of_measurement="nominal"),
                                      abs=1e-12)


def test_the_interval_agrees_with_a_naive_unit_bootstrap():
    units = random_units(6, n=150, coders=3, agree=0.7)
    keys = list(units)
    rng = random.Random(0)
    naive = []
    for _ in range(400):
        drawn = [units[rng.choice(keys)] for _ in keys]
        naive.append(krippendorff_alpha({str(i): u for i, u in enumerate(drawn)}))
    low, high = np.quantile(naive, [0.025, 0.975])
    ours = alpha_interval(units, draws=4000)
    assert ours[0] == pytest.approx(low, abs=0.04) and ours[1] == pytest.approx(high, abs=0.04)


def test_the_interval_on_100000_units_takes_well_under_a_second():
    units = random_units(7, n=100_000, coders=3, missing=0.0, agree=0.8)
    start = time.perf_counter()
    low, high = alpha_interval(units)
    took = time.perf_counter() - start
    assert took < 1.0, took  # a draw-by-draw bootstrap would take minutes
    assert not math.isnan(low) and low < high


def test_token_alpha_from_the_tokens_under_spans_and_a_count_of_the_rest_is_the_same():
    """The service tokenizes only the text under some span and counts the rest: same alpha."""
    import random

    from annotator.domain.agreement import token_alpha

    rng = random.Random(11)
    docs_tokens, docs_spans, under, outside = {}, {}, {}, {}
    for d in range(30):
        tokens = [(i * 5, i * 5 + 4) for i in range(40)]
        by_coder = {}
        for coder in ("a", "b", "c")[: rng.choice((2, 3))]:
            spans = []
            for _ in range(rng.randint(0, 4)):
                first = rng.randrange(38)
                spans.append((tokens[first][0], tokens[first + rng.randint(0, 2)][1], rng.choice(("PER", "ORG"))))
            by_coder[coder] = spans
        covered = [t for t in tokens if any(s <= t[0] < e for spans in by_coder.values() for s, e, _ in spans)]
        docs_tokens[d], docs_spans[d], under[d], outside[d] = tokens, by_coder, covered, len(tokens) - len(covered)
    full = token_alpha(docs_tokens, docs_spans)
    assert full is not None
    assert token_alpha(under, docs_spans, outside) == pytest.approx(full, abs=1e-12)
    assert token_alpha(under, docs_spans) != pytest.approx(full, abs=1e-3)  # the outside tokens matter
