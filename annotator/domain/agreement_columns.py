"""The whole `annotator agree` report from columns of integers, a slice of documents at a time:
each target's units as a units x coders matrix of label indices (a few bytes a unit), entity
figures from an EntityTally. The same figures, to the last bit, as agreement.report and
anchoring.condition_report give from mappings (a test holds them to it), units in document order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotator.domain.agreement import pattern_alpha, stance_figures, subset_alpha, table_of_codes
from annotator.domain.agreement_tally import EntityTally
from annotator.domain.anchoring import kappa


@dataclass
class StanceTally:
    coders: int  # coder indices are places in the sorted names
    targets: Sequence[str]  # the report's targets, in its order (rows' target indices)
    labels: Sequence[str]  # stance labels, in any order (the store appends those it meets)
    # per target, per slice: label indices (units x coders, -1: not coded), whether each unit is
    # blind, and the model's label for it (-1: none)
    parts: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def add(self, rows: np.ndarray, model: np.ndarray, blind: np.ndarray) -> None:
        """A slice's stances, n x 4 (document, coder, target, label); the newest suggestions'
        stances, n x 3 (document, target, label); blind documents (sorted)."""
        for target in range(len(self.targets)):
            mine = rows[rows[:, 2] == target]
            docs, unit = np.unique(mine[:, 0], return_inverse=True)
            coded = np.full((len(docs), self.coders), -1, dtype=np.int32)
            coded[unit.reshape(-1), mine[:, 1]] = mine[:, 3]
            self.parts.setdefault(target, []).append((coded, np.isin(docs, blind),
                                                      _model_labels(model[model[:, 1] == target], docs)))

    def figures(self, coder_names: Sequence[str], draws: int, seed: int
                ) -> tuple[dict[str, Any], tuple[dict[str, float | None], ...], np.ndarray]:
        """stance_report's figures; alpha of each condition's units (assisted, blind) per target;
        [condition, coder, label, the model's label] units, over every target."""
        figures: dict[str, Any] = {}
        alphas: tuple[dict[str, float | None], ...] = ({}, {})
        with_model = np.zeros((2, self.coders, len(self.labels), len(self.labels)), dtype=np.int64)
        for at, target in enumerate(self.targets):
            parts = self.parts.get(at, [])
            coded = np.concatenate([np.zeros((0, self.coders), dtype=np.int32), *(p[0] for p in parts)])
            blind = np.concatenate([np.zeros(0, dtype=bool), *(p[1] for p in parts)])
            model = np.concatenate([np.zeros(0, dtype=np.int64), *(p[2] for p in parts)])
            table = table_of_codes(coded, coder_names, self.labels)
            figures[target] = stance_figures(table, draws=draws, seed=seed)
            for condition, units in enumerate((~blind, blind)):
                alphas[condition][target] = subset_alpha(table, units) if units.any() else None
            labels = len(self.labels)
            for coder in range(self.coders):
                pairs = (model >= 0) & (coded[:, coder] >= 0)
                keys = (blind[pairs] * labels + coded[pairs, coder]) * labels + model[pairs]
                with_model[:, coder] += np.bincount(keys, minlength=2 * labels * labels).reshape(2, labels, labels)
        return figures, alphas, with_model


def report(stances: StanceTally, entities: EntityTally, *, draws: int, seed: int) -> dict[str, Any]:
    """agreement.report's figures, with anchoring.condition_report's under "suggestions"."""
    figures, alphas, with_model = stances.figures(entities.coder_names, draws, seed)
    return {"stance": figures,
            "entities": {**entities.pair_figures(), "token_alpha": pattern_alpha(entities.token_patterns())},
            "suggestions": {name: _condition(entities, condition, alphas[condition], with_model[condition],
                                             stances.labels)
                            for condition, name in enumerate(("assisted", "blind"))}}


def _model_labels(model: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """The model's label (-1: none) in each of the documents, from (document, target, label) rows."""
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
