"""Intercoder reliability: Krippendorff's alpha (with a bootstrap interval), Cohen's and Fleiss'
kappa and percent agreement on nominal stance labels, and span F1 and token alpha on entities.

Pure functions over plain mappings, so the store and service layers can feed them cheaply. Each
coefficient is None where it is undefined (fewer than two pairable values, a single category,
no shared units): such data is normal in a young project and must not raise or yield nan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import krippendorff
import numpy as np

from annotator.domain.agreement_spans import (
    DocSpans,
    DocTokens,
    F1Score,
    pair_span_scores,
    span_f1,
    span_scores,
    token_patterns,
)

Units = Mapping[Any, Mapping[str, str]]  # unit (document) id, any hashable -> {coder -> label}; absent coder = missing

__all__ = [  # the span functions are re-exported so that callers need one import
    "F1Score", "Units", "alpha_interval", "cohen_kappa", "entity_report", "fleiss_kappa", "krippendorff_alpha",
    "pair_name", "pair_span_scores", "pattern_alpha", "percent_agreement", "report", "span_f1", "span_scores",
    "stance_figures", "stance_report", "subset_alpha", "table_of_codes", "token_alpha",
]


@dataclass(frozen=True, slots=True)
class _Codes:
    """Units as a matrix, built once so that every coefficient is a few numpy operations."""
    coders: tuple[str, ...]
    categories: tuple[str, ...]
    codes: np.ndarray  # units x coders: category index, -1 where the coder did not code the unit
    values: np.ndarray  # units x categories: how many coders gave each category to each unit

    def counts(self, columns: list[int]) -> np.ndarray:
        """Like `values`, counting only the coders in these columns."""
        return _value_counts(self.codes[:, columns], len(self.categories))


def _value_counts(codes: np.ndarray, categories: int) -> np.ndarray:
    """Units x categories counts from a units x coders matrix of category indices (-1: missing)."""
    rows = np.broadcast_to(np.arange(len(codes))[:, None], codes.shape)[codes >= 0]
    flat = rows * categories + codes[codes >= 0]
    return np.bincount(flat, minlength=len(codes) * categories).reshape(len(codes), categories)


def _codes(units: Units) -> _Codes:
    coders = sorted({coder for labels in units.values() for coder in labels})
    categories = sorted({label for labels in units.values() for label in labels.values()})
    coder_at = {coder: i for i, coder in enumerate(coders)}
    category_at = {label: i for i, label in enumerate(categories)}
    width = len(coders)
    flat = [-1] * (len(units) * width)  # filled as a list: numpy item assignment is far slower
    for row, labels in enumerate(units.values()):
        for coder, label in labels.items():
            flat[row * width + coder_at[coder]] = category_at[label]
    codes = np.array(flat, dtype=np.int64).reshape(len(units), width)
    return _Codes(tuple(coders), tuple(categories), codes, _value_counts(codes, len(categories)))


def table_of_codes(coded: np.ndarray, coder_names: Sequence[str], label_names: Sequence[str]) -> _Codes:
    """The table `_codes` builds from a mapping, built from a units x coders matrix instead: label
    indices into label_names (-1: not coded), units in the mapping's order, coders as coder_names
    (sorted). Only the coders and labels found count, sorted by name as `_codes` sorts them."""
    coders = np.flatnonzero((coded >= 0).any(axis=0))
    coded = coded[:, coders]
    # (bincount, not np.unique: np.unique loads numpy.ma, 10 ms of `agree`'s start)
    categories = sorted(np.flatnonzero(np.bincount(coded[coded >= 0], minlength=len(label_names))).tolist(),
                        key=label_names.__getitem__)
    category_at = np.full(len(label_names), -1, dtype=np.int64)
    category_at[categories] = np.arange(len(categories))
    codes = np.where(coded >= 0, category_at[np.maximum(coded, 0)], -1)
    return _Codes(tuple(coder_names[c] for c in coders.tolist()), tuple(label_names[c] for c in categories),
                  codes, _value_counts(codes, len(categories)))


def subset_alpha(table: _Codes, rows: np.ndarray) -> float | None:
    """krippendorff_alpha of some of the table's units (a boolean mask over them): categories no
    unit of theirs uses drop out as they would from a table of those units alone."""
    return _alpha(_Codes(table.coders, table.categories, table.codes[rows], table.values[rows]))


def _pairable(counts: np.ndarray) -> np.ndarray:
    """Units with at least two values, and only the categories they use: the rest cannot be paired."""
    counts = counts[counts.sum(axis=1) >= 2]
    return counts[:, counts.sum(axis=0) > 0]


def krippendorff_alpha(units: Units) -> float | None:
    """Nominal alpha for any number of coders with missing data (Krippendorff 2011)."""
    return _alpha(_codes(units))


def _alpha(table: _Codes) -> float | None:
    counts = _pairable(table.values)
    if counts.shape[1] < 2:
        return None  # no pairable values, or a single category: expected disagreement is 0
    return float(krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"))


def _pattern_alphas(patterns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Nominal alpha for each row of weights (draws x patterns), nan where undefined.

    Alpha needs only the summed coincidence matrix, and for nominal data only two things of it: its
    trace (agreeing pairs) and its marginals n_c. A unit with value counts p and m = sum(p) values
    adds p_c (p_c - 1) / (m - 1) to the trace and exactly p to the marginals, so each weighting of
    the distinct patterns is one matrix product. alpha = 1 - (n - 1)(n - trace) / (n^2 - sum n_c^2)."""
    patterns = patterns.astype(np.float64)
    values = patterns.sum(axis=1)
    trace = (patterns * (patterns - 1)).sum(axis=1) / (values - 1)
    weights = np.asarray(weights, dtype=np.float64)
    n_c = weights @ patterns
    n = n_c.sum(axis=1)
    expected = n * n - (n_c * n_c).sum(axis=1)
    observed = (n - 1) * (n - weights @ trace)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((expected > 0) & (n > 1), 1 - observed / expected, np.nan)


def alpha_interval(units: Units, *, draws: int = 2000, seed: int = 0,
                   level: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap interval for nominal alpha, resampling pairable units with replacement."""
    return _interval(_codes(units), draws=draws, seed=seed, level=level)


def _interval(table: _Codes, *, draws: int, seed: int, level: float) -> tuple[float, float] | None:
    # The plain unit-resampling bootstrap, not Hayes & Krippendorff's (2007) algorithm, which
    # resamples pairs of values. Units sharing a value-count pattern are interchangeable, so a
    # resample is a multinomial draw of pattern frequencies: 100,000 units collapse to a handful
    # of patterns and 2,000 draws cost two small matrix products. Draws whose alpha is undefined
    # (e.g. every drawn unit in one category) are left out of the percentiles.
    counts = _pairable(table.values)
    if counts.shape[1] < 2:
        return None
    patterns, frequency = _patterns(counts)
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(len(counts), frequency / len(counts), size=draws)
    alphas = _pattern_alphas(patterns, drawn)
    alphas = alphas[np.isfinite(alphas)]
    if not len(alphas):
        return None
    low, high = quantiles(alphas, ((1 - level) / 2, (1 + level) / 2))
    return low, high


def quantiles(values: np.ndarray, levels: Sequence[float]) -> list[float]:
    """np.quantile's default (linear) quantiles, to the last bit, without np.quantile: it calls
    np.unique, which loads numpy.ma, 10 ms of `agree`'s cold start."""
    ordered = np.sort(values)
    at = np.asarray(levels, dtype=np.float64) * (len(ordered) - 1)
    below = np.floor(at).astype(np.int64)
    low, high = ordered[below], ordered[np.minimum(below + 1, len(ordered) - 1)]
    weight = at - below
    step = high - low
    # numpy's own interpolation: from the nearer end, so a weight near 1 loses no bits
    shown: list[float] = np.where(weight >= 0.5, high - step * (1 - weight), low + step * weight).tolist()
    return shown


def _patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of counts and how often each occurs."""
    base = int(counts.max()) + 1
    if counts.shape[1] * np.log2(base) > 62:
        return np.unique(counts, axis=0, return_counts=True)
    # One integer per row (its counts as digits in base `base`): a 1-d unique is ~20x faster.
    keys = counts @ base ** np.arange(counts.shape[1], dtype=np.int64)
    _, first, frequency = np.unique(keys, return_index=True, return_counts=True)
    return counts[first], frequency


def cohen_kappa(units: Units, a: str, b: str) -> float | None:
    """Cohen's kappa between coders a and b on the units both coded."""
    return _cohen(_codes(units), a, b)


def _cohen(table: _Codes, a: str, b: str) -> float | None:
    if a not in table.coders or b not in table.coders:
        return None
    x, y = (table.codes[:, table.coders.index(coder)] for coder in (a, b))
    both = (x >= 0) & (y >= 0)
    k = len(table.categories)
    confusion = np.bincount(x[both] * k + y[both], minlength=k * k).reshape(k, k)
    n = int(confusion.sum())
    chance = int(confusion.sum(axis=1) @ confusion.sum(axis=0))  # n^2 times the expected agreement
    if n == 0 or chance == n * n:
        return None  # nothing shared, or both coders used one and the same category throughout
    return float((n * np.trace(confusion) - chance) / (n * n - chance))


def fleiss_kappa(units: Units, coders: Iterable[str] | None = None) -> float | None:
    """Fleiss' (1971) kappa. It needs the same number of ratings per unit, so only the units coded
    by every one of `coders` (all coders seen when None) count, with those coders' labels only;
    None when a named coder coded nothing."""
    return _fleiss(_codes(units), coders)


def _fleiss(table: _Codes, coders: Iterable[str] | None = None) -> float | None:
    chosen = list(dict.fromkeys(table.coders if coders is None else coders))
    if len(chosen) < 2 or any(coder not in table.coders for coder in chosen):
        return None
    columns = [table.coders.index(coder) for coder in chosen]
    counts = table.counts(columns)[(table.codes[:, columns] >= 0).all(axis=1)]
    if not len(counts) or np.count_nonzero(counts.sum(axis=0)) < 2:
        return None  # no complete unit, or a single category: chance agreement is 1
    raters = len(chosen)
    observed = ((counts * counts).sum(axis=1) - raters) / (raters * (raters - 1))
    shares = counts.sum(axis=0) / counts.sum()
    chance = float(shares @ shares)
    return float((observed.mean() - chance) / (1 - chance))


def percent_agreement(units: Units) -> float | None:
    """Agreeing pairs over all coder pairs, pooled over the units with two or more coders: a unit
    coded by three coders weighs three pairs, one coded by two weighs one."""
    return _percent(_codes(units))


def _percent(table: _Codes) -> float | None:
    counts = _pairable(table.values)
    pairs = int((counts.sum(axis=1) * (counts.sum(axis=1) - 1)).sum())  # twice the pairs, as below
    return float((counts * (counts - 1)).sum() / pairs) if pairs else None


def token_alpha(docs_tokens: DocTokens, docs_spans: DocSpans, outside: Mapping[Any, int] | None = None) -> float | None:
    """Nominal alpha with each token a unit, valued by the label of the span covering it ("O" if
    none), over the coders of each document (see agreement_spans.token_patterns)."""
    return pattern_alpha(token_patterns(docs_tokens, docs_spans, outside))


def pattern_alpha(patterns: Mapping[tuple[str, ...], int]) -> float | None:
    """Token alpha from how many tokens carry each multiset of labels (token_patterns' counts)."""
    labels = sorted({label for pattern in patterns for label in pattern})
    at = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(patterns), len(labels)), dtype=np.int64)
    for row, pattern in enumerate(patterns):
        for label in pattern:
            matrix[row, at[label]] += 1
    alpha = _pattern_alphas(matrix, np.array([list(patterns.values())], dtype=np.int64))[0]
    return float(alpha) if np.isfinite(alpha) else None  # nan: no tokens, or all of one label


def pair_name(a: str, b: str) -> str:
    """'a~b' with the names sorted, so that each pair has one key."""
    return "~".join(sorted((a, b)))


def stance_report(units_by_target: Mapping[str, Units], *, draws: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Per target: alpha and its 95% interval, Fleiss' kappa, percent agreement, Cohen's kappa for
    every pair, pairable units and distinct coders; None wherever a coefficient is undefined."""
    return {target: stance_figures(_codes(units), draws=draws, seed=seed) for target, units in units_by_target.items()}


def stance_figures(table: _Codes, *, draws: int, seed: int) -> dict[str, Any]:
    """stance_report's figures for one target's table."""
    interval = _interval(table, draws=draws, seed=seed, level=0.95)
    return {
        "alpha": _alpha(table),
        "alpha_ci95": list(interval) if interval else None,
        "fleiss_kappa": _fleiss(table),
        "percent_agreement": _percent(table),
        "cohen_kappa": {pair_name(a, b): _cohen(table, a, b) for a, b in combinations(table.coders, 2)},
        "units": int((table.values.sum(axis=1) >= 2).sum()),
        "coders": len(table.coders),
    }


def entity_report(docs_spans: DocSpans, docs_tokens: DocTokens, outside: Mapping[Any, int] | None = None) -> dict[str, Any]:
    """Span F1 for every coder pair (the first name is the reference; None for a pair that shares
    no document), exact F1 per label pooled over all pairs (micro), and token alpha."""
    exact, relaxed = {}, {}
    matched: Counter[str] = Counter()
    reference: Counter[str] = Counter()
    candidate: Counter[str] = Counter()
    for (a, b), (score, loose) in pair_span_scores(docs_spans).items():
        exact[pair_name(a, b)] = score.f1
        relaxed[pair_name(a, b)] = loose.f1
        for label, counts in score.per_label.items():
            matched[label] += counts.matched
            reference[label] += counts.reference
            candidate[label] += counts.candidate
    labels = sorted({label for by_coder in docs_spans.values() for spans in by_coder.values()
                     for _, _, label in spans})
    per_label = {label: {"f1_exact": F1Score(matched[label], reference[label], candidate[label]).f1}
                 for label in labels}
    return {"f1_exact": exact, "f1_relaxed": relaxed, "per_label": per_label,
            "token_alpha": token_alpha(docs_tokens, docs_spans, outside)}


def report(units_by_target: Mapping[str, Units], docs_spans: DocSpans, docs_tokens: DocTokens, *,
           outside: Mapping[Any, int] | None = None,
           draws: int = 2000, seed: int = 0) -> dict[str, Any]:
    """The whole agreement report as a JSON-able dict: {"stance": ..., "entities": ...}."""
    return {"stance": stance_report(units_by_target, draws=draws, seed=seed),
            "entities": entity_report(docs_spans, docs_tokens, outside)}
