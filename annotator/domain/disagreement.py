"""Which documents the coders agree on least: where a lead should look first.

Not gold's "disputed": an item two of three coders agree on is `majority` in gold, settled, yet
here it counts as differing (not every coder coded it alike). The dashboard lists these documents
as "least agreed" so that one word keeps one meaning."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Disagreement:
    document: int | str  # the document's key, as the caller keyed it
    differing: int  # items not coded alike by every coder of the document
    items: int  # spans (start, end, label) and targets any coder coded
    coders: int


def least_agreed(stances: Mapping[str, Mapping[Any, Mapping[str, str]]],
                 spans: Mapping[Any, Mapping[str, Sequence[tuple[int, int, str]]]]) -> list[Disagreement]:
    """Documents with two coders or more and an item they differ on, most such items first (then
    by share differing, then id).

    stances: target -> document -> coder -> label; spans: document -> coder -> spans, with every
    coder of the document present (an empty list for none found). A span differs unless every
    coder has it exactly; a target unless every coder gave it the same label."""
    counts: dict[str, list[int]] = {}  # document -> [differing, items]
    for document, by_coder in spans.items():
        if len(by_coder) < 2:
            continue
        sets = [set(s) for s in by_coder.values()]
        union = set().union(*sets)
        common = set.intersection(*sets)
        counts[document] = [len(union - common), len(union)]
    for by_document in stances.values():
        for document, labels in by_document.items():
            if document not in counts:
                continue
            coded = labels.values()
            agree = len(labels) == len(spans[document]) and len(set(coded)) == 1
            counts[document][0] += not agree
            counts[document][1] += 1
    found = [Disagreement(document, d, n, len(spans[document])) for document, (d, n) in counts.items() if d]
    found.sort(key=lambda x: (-x.differing, -x.differing / x.items, x.document))
    return found
