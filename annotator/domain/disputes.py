"""Which documents the coders disagree on most: where a lead should look first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Dispute:
    document: int | str  # the document's key, as the caller keyed it
    disputed: int  # items not coded alike by every coder of the document
    items: int  # spans (start, end, label) and targets any coder coded
    coders: int


def disputes(stances: Mapping[str, Mapping[Any, Mapping[str, str]]],
             spans: Mapping[Any, Mapping[str, Sequence[tuple[int, int, str]]]]) -> list[Dispute]:
    """Documents with two coders or more, most disputed first (then by share disputed, then id).

    stances: target -> document -> coder -> label; spans: document -> coder -> spans, with every
    coder of the document present (an empty list for none found). A span is disputed unless every
    coder has it exactly; a target unless every coder gave it the same label."""
    counts: dict[str, list[int]] = {}  # document -> [disputed, items]
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
    found = [Dispute(document, d, n, len(spans[document])) for document, (d, n) in counts.items() if d]
    found.sort(key=lambda x: (-x.disputed, -x.disputed / x.items, x.document))
    return found
