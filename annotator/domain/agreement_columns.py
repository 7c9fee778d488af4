"""The whole `annotator agree` report from columns of integers: stance tables built by numpy from
(document, coder, target, label) rows, entity figures from an EntityTally. The same figures, to the
last bit, as agreement.report and anchoring.condition_report give from mappings (a test holds them
to it), in the same order: units by document key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.domain.agreement import pattern_alpha, stance_figures, subset_alpha, table_of_columns
from annotator.domain.agreement_tally import EntityTally
from annotator.domain.anchoring import kappa


@dataclass(frozen=True)
class StanceColumns:
    rows: np.ndarray  # n x 4: (document, coder, target, label) of every done annotation's stances
    model: np.ndarray  # n x 3: (document, target, label) of each document's newest suggestion
    blind: np.ndarray  # blind documents, sorted
    targets: Sequence[str]  # the report's targets, in its order
    labels: Sequence[str]  # stance labels, in any order


def report(stances: StanceColumns, entities: EntityTally, *, draws: int, seed: int) -> dict[str, Any]:
    """agreement.report's figures, with anchoring.condition_report's under "suggestions"."""
    coders = entities.coder_names
    figures: dict[str, Any] = {}
    alphas: tuple[dict[str, float | None], dict[str, float | None]] = ({}, {})
    with_model = np.zeros((2, len(coders), len(stances.labels), len(stances.labels)), dtype=np.int64)
    for at, target in enumerate(stances.targets):
        rows = stances.rows[stances.rows[:, 2] == at]
        docs, unit = np.unique(rows[:, 0], return_inverse=True)
        table = table_of_columns(unit.reshape(-1), rows[:, 1], rows[:, 3], len(docs), coders, stances.labels)
        figures[target] = stance_figures(table, draws=draws, seed=seed)
        blind = np.isin(docs, stances.blind)
        for condition, units in enumerate((~blind, blind)):
            alphas[condition][target] = subset_alpha(table, units) if units.any() else None
        model = _model_labels(stances.model, at, rows[:, 0])
        told = model >= 0
        np.add.at(with_model, (blind[unit.reshape(-1)][told].astype(int), rows[told, 1], rows[told, 3], model[told]), 1)
    return {"stance": figures,
            "entities": {**entities.pair_figures(), "token_alpha": pattern_alpha(entities.token_patterns())},
            "suggestions": {name: _condition(entities, condition, alphas[condition], with_model[condition],
                                             stances.labels)
                            for condition, name in enumerate(("assisted", "blind"))}}


def _model_labels(model: np.ndarray, target: int, docs: np.ndarray) -> np.ndarray:
    """The model's label (-1: none) for the target in each of the documents."""
    model = model[model[:, 1] == target]
    model = model[np.argsort(model[:, 0], kind="stable")]
    place = np.searchsorted(model[:, 0], docs)
    found = place < len(model)
    found[found] = model[place[found], 0] == docs[found]
    labels = np.full(len(docs), -1, dtype=np.int64)
    labels[found] = model[place[found], 2]
    return labels


def _condition(entities: EntityTally, condition: int, alpha: dict[str, float | None], with_model: np.ndarray,
               labels: Sequence[str]) -> dict[str, Any]:
    spans = entities.condition_figures(condition)
    names = entities.coder_names
    coders = set(entities.condition_coders[condition]) | set(np.flatnonzero(with_model.sum(axis=(1, 2))).tolist())
    model = {}
    for coder in sorted(coders, key=names.__getitem__):
        pairs = Counter({(labels[a], labels[b]): n for (a, b), n in np.ndenumerate(with_model[coder]) if n})
        total = pairs.total()
        agreeing = sum(n for (a, b), n in pairs.items() if a == b)
        theirs = spans["model"].get(coder, {"f1_exact": None, "documents": 0})
        model[names[coder]] = {"stance_agreement": agreeing / total if total else None,
                               "stance_kappa": kappa(pairs), "f1_exact": theirs["f1_exact"],
                               "documents": theirs["documents"]}
    return {"documents": spans["documents"], "coder_alpha": alpha, "coder_f1_exact": spans["coder_f1_exact"],
            "model": model}
