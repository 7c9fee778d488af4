"""Who codes what: a balanced, reproducible plan of documents per coder.

Two ways to get overlap for reliability:
- `overlap`: a share of the documents goes to every coder; every other document to exactly one,
  dealt out so that no coder has more than one document more than another;
- `per_doc`: every document to k coders, each document to the k least loaded so far.
A coder's queue keeps the project's order (import order), so the overlap documents fall among their
own ones rather than in a block a coder would recognise as the "reliability set".
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from annotator.domain.errors import InputError


@dataclass(frozen=True, slots=True)
class Assigned:
    document: int  # the document's key in the project's order
    overlap: bool  # also given to other coders


@dataclass(frozen=True, slots=True)
class Plan:
    queues: dict[str, list[Assigned]]  # coder -> their documents in project order
    kept: int  # (document, coder) pairs outside the new plan, kept because the coder worked on them


def plan(documents: Sequence[int], coders: Sequence[str], *, overlap: float | None = None,
         per_doc: int | None = None, seed: int = 0,
         kept: Mapping[str, Iterable[int]] | None = None) -> Plan:
    """Each coder's queue, in document order. `documents` in project order. `kept`: documents a coder
    has already worked on, which stay theirs whatever the new plan says (reassigning keeps work)."""
    _check(coders, overlap, per_doc)
    rng = random.Random(seed)
    shuffled = list(documents)
    rng.shuffle(shuffled)
    given: dict[int, set[str]] = {}
    if per_doc is not None:
        load = {coder: 0 for coder in coders}
        order = list(coders)
        for i, doc in enumerate(shuffled):
            # The k least loaded; ties go to a rotating start so no coder is always first.
            rotation = order[i % len(order):] + order[:i % len(order)]
            chosen = sorted(rotation, key=lambda c: load[c])[:per_doc]
            for coder in chosen:
                load[coder] += 1
            given[doc] = set(chosen)
    else:
        shared = round(len(shuffled) * (overlap or 0.0))
        for doc in shuffled[:shared]:
            given[doc] = set(coders)
        for i, doc in enumerate(shuffled[shared:]):
            given[doc] = {coders[i % len(coders)]}
    added = 0
    for coder, docs in (kept or {}).items():
        for doc in docs:
            holders = given.setdefault(doc, set())
            added += coder not in holders
            holders.add(coder)
    queues: dict[str, list[Assigned]] = {coder: [] for coder in {*coders, *(kept or {})}}
    for doc in documents:
        holders = given.get(doc, set())
        for coder in holders:
            queues[coder].append(Assigned(doc, len(holders) > 1))
    return Plan(queues, added)


def _check(coders: Sequence[str], overlap: float | None, per_doc: int | None) -> None:
    if not coders:
        raise InputError("no coders given: name them with --coders alice,bob")
    if len(set(coders)) != len(coders):
        raise InputError(f"a coder is named twice in --coders: {', '.join(coders)}")
    if overlap is not None and per_doc is not None:
        raise InputError("give --overlap or --per-doc, not both")
    if overlap is not None and not 0.0 <= overlap <= 1.0:
        raise InputError(f"--overlap {overlap} is not a share: give a number from 0 to 1 (e.g. 0.2)")
    if per_doc is not None and not 1 <= per_doc <= len(coders):
        raise InputError(f"--per-doc {per_doc} needs 1 to {len(coders)} (the number of coders given)")


def choose_blind(documents: Sequence[int], share: float, seed: int = 0) -> set[int]:
    """The documents coders will see without suggestions: round(share x N) of them, picked by a
    hash of seed and document key (the same seed picks the same ones)."""
    if not 0 <= share <= 1:
        raise InputError(f"--blind {share}: give the share of documents shown without suggestions, from 0 to 1")
    ranked = sorted(documents, key=lambda pk: hashlib.blake2b(f"{seed}\x1f{pk}".encode(), digest_size=8).digest())
    return set(ranked[:round(share * len(ranked))])
